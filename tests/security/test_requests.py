"""Signed requests hold against replay, clock games, tampering and borrowed identities; bad
bodies are refused with 4xx, never 500 (issue 11, item 7: the attacks that held stay held)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from baobab.api.signing import sign_request
from tests.security.conftest import Served
from tests.security.helpers import problem, raw_exchange, send, signed

OPEN = "/v1/contracts/accounts/open"


def rfc3339(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def open_account(node: Served, org: str, account: str) -> bytes:
    """A signed proposal (as a body) of `org` opening `account`."""
    proposal = node.identity(org).proposal("accounts", "open", {"account": account, "currency": "KES"})
    return json.dumps(proposal, separators=(",", ":")).encode()


def exists(node: Served, account: str) -> bool:
    try:
        node.client("KEBANK").get("accounts", f"acct/{account}")
        return True
    except Exception as exc:
        assert getattr(exc, "code", None) == "NOT_FOUND", exc
        return False


def test_a_replayed_request_is_refused_and_changes_nothing(node: Served) -> None:
    bank = node.identity("KEBANK")
    body = open_account(node, "KEBANK", "KEBANK-replay")
    headers = signed(node, bank, "POST", "/v1/transactions", body)
    assert send(node, "POST", "/v1/transactions", headers, body).status_code == 200
    problem(send(node, "POST", "/v1/transactions", headers, body), 401, "REPLAYED")


@pytest.mark.parametrize("shift", [timedelta(minutes=-10), timedelta(minutes=10), timedelta(days=-365)],
                         ids=["stale", "future", "a-year-old"])
def test_a_request_timed_outside_the_window_is_refused(node: Served, shift: timedelta) -> None:
    bank = node.identity("KEBANK")
    body = open_account(node, "KEBANK", f"KEBANK-clock{int(shift.total_seconds())}")
    headers = signed(node, bank, "POST", "/v1/transactions", body, timestamp=rfc3339(datetime.now(UTC) + shift))
    problem(send(node, "POST", "/v1/transactions", headers, body), 401, "REQUEST_EXPIRED")
    assert not exists(node, f"KEBANK-clock{int(shift.total_seconds())}")


def test_a_timestamp_that_is_not_rfc3339_is_refused(node: Served) -> None:
    headers = signed(node, node.identity("KEBANK"), "GET", "/v1/head", timestamp="yesterday")
    problem(send(node, "GET", "/v1/head", headers), 401, "REQUEST_EXPIRED")


def test_a_body_changed_after_signing_is_refused(node: Served) -> None:
    body = open_account(node, "KEBANK", "KEBANK-tamper")
    headers = signed(node, node.identity("KEBANK"), "POST", "/v1/transactions", body)
    changed = open_account(node, "KEBANK", "KEBANK-tampered")
    problem(send(node, "POST", "/v1/transactions", headers, changed), 401, "BAD_SIGNATURE")
    assert not exists(node, "KEBANK-tampered")


@pytest.mark.parametrize(("signed_for", "sent"), [
    ("/v1/head", "/v1/network"),
    ("/v1/head", "/v1/head?limit=1"),
    ("/v1/state/accounts/acct/KEBANK-a", "/v1/state/accounts/acct/KEBANK-b"),
    ("/v1/state/accounts?limit=1", "/v1/state/accounts?limit=2"),
], ids=["path", "query-added", "key", "query-changed"])
def test_a_path_or_query_changed_after_signing_is_refused(node: Served, signed_for: str, sent: str) -> None:
    headers = signed(node, node.identity("KEBANK"), "GET", signed_for)
    problem(send(node, "GET", sent, headers), 401, "BAD_SIGNATURE")


def test_a_method_changed_after_signing_is_refused(node: Served) -> None:
    headers = signed(node, node.identity("KEBANK"), "GET", "/v1/auth/tokens")
    problem(send(node, "POST", "/v1/auth/token", headers), 401, "BAD_SIGNATURE")


def test_a_request_signed_for_another_network_is_refused(node: Served) -> None:
    bank = node.identity("KEBANK")
    headers = sign_request(bank.key, "another-net", bank.id, "GET", "/v1/head")
    problem(send(node, "GET", "/v1/head", headers), 401, "BAD_SIGNATURE")


def test_claiming_another_organisations_identity_is_refused(node: Served) -> None:
    trader = node.identity("TRADER")
    headers = signed(node, trader, "GET", "/v1/head")
    headers["X-Baobab-Identity"] = "KEBANK/app"
    problem(send(node, "GET", "/v1/head", headers), 401, "BAD_SIGNATURE")


def test_submitting_another_organisations_proposal_is_refused(node: Served) -> None:
    body = open_account(node, "KEBANK", "KEBANK-borrowed")  # signed by KEBANK, sent by TRADER
    headers = signed(node, node.identity("TRADER"), "POST", "/v1/transactions", body)
    problem(send(node, "POST", "/v1/transactions", headers, body), 403, "FORBIDDEN")
    assert not exists(node, "KEBANK-borrowed")


def test_a_proposal_claiming_another_creator_does_not_verify(node: Served) -> None:
    proposal = node.identity("TRADER").proposal("accounts", "open", {"account": "KEBANK-forged", "currency": "KES"})
    proposal["proposal"]["creator"] = "KEBANK/app"  # TRADER's signature, KEBANK's name
    body = json.dumps(proposal, separators=(",", ":")).encode()
    response = send(node, "POST", "/v1/transactions", signed(node, node.identity("KEBANK"), "POST", "/v1/transactions", body), body)
    assert response.status_code in (401, 403) and response.json()["code"] in ("BAD_SIGNATURE", "FORBIDDEN"), response.text
    assert not exists(node, "KEBANK-forged")


def test_unknown_identities_are_refused(node: Served) -> None:
    bank = node.identity("KEBANK")
    for claimed, status, code in (("NOBODY/app", 403, "UNKNOWN_ORG"), ("KEBANK/ghost", 403, "UNKNOWN_IDENTITY"),
                                  ("KEBANK", 403, "UNKNOWN_IDENTITY")):
        headers = signed(node, bank, "GET", "/v1/head")
        headers["X-Baobab-Identity"] = claimed
        problem(send(node, "GET", "/v1/head", headers, org="KEBANK"), status, code)


def test_a_body_over_the_size_limit_is_413_whether_announced_or_streamed(node: Served) -> None:
    huge = b'{"proposal":"' + b"a" * (2 * 1024 * 1024) + b'"}'
    headers = signed(node, node.identity("KEBANK"), "POST", "/v1/transactions", huge)
    problem(send(node, "POST", "/v1/transactions", headers, huge), 413, "TOO_LARGE")

    def chunks():  # no Content-Length: the node counts as it reads
        for _ in range(40):
            yield b"a" * 65536

    with httpx.Client(timeout=30.0) as http:
        response = http.post(node.url + "/v1/transactions", content=chunks(), headers=headers)
    problem(response, 413, "TOO_LARGE")


def test_a_non_numeric_content_length_is_400(node: Served) -> None:
    answer = raw_exchange(node, b"POST /v1/transactions HTTP/1.1\r\nHost: node\r\nContent-Length: 12x\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 400"), answer[:200]



@pytest.mark.parametrize("depth", [100, 1000, 100_000])
@pytest.mark.parametrize("signed_request", [True, False], ids=["signed", "unsigned"])
def test_a_deeply_nested_body_is_400_never_500(node: Served, depth: int, signed_request: bool) -> None:
    body = b"[" * depth + b"]" * depth
    headers = signed(node, node.identity("KEBANK"), "POST", "/v1/transactions", body) if signed_request else {}
    response = send(node, "POST", "/v1/transactions", headers, body)
    assert response.status_code in (400, 401, 413), response.text[:300]
    assert response.json()["code"] in ("MALFORMED", "UNAUTHENTICATED", "TOO_LARGE")
    assert "Traceback" not in node.log()
