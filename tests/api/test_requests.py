"""Bad and tricky requests get the right RFC 9457 problem and change nothing; tokens,
idempotency keys, status URLs, resumable events and proofs work as documented."""

from __future__ import annotations

import httpx
import pytest

from baobab.api.signing import sign_request
from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey
from baobab.demo import DEMO_ADMINS
from baobab.ledger.proofs import verify_consistency_proof
from tests.governing import govern

PROBLEM = "application/problem+json"


def send(node, org, method, path, content=b"", *, headers=None, key=None, identity=None, timestamp=None):  # type: ignore[no-untyped-def]
    """A raw signed request, so the test controls every byte."""
    client = node.client(org)
    ident = identity or client.identity.id
    signed = sign_request(key or client.identity.key, client.identity.network, ident, method, path, content,
                          timestamp=timestamp)
    return httpx.request(method, node.url_of(org) + path, content=content,
                         headers={**signed, "Content-Type": "application/json", **(headers or {})})


def assert_problem(response, status, code):  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["code"] == code and body["status"] == status
    assert body["type"] == f"/v1/problems/{code}" and body["title"] and body["detail"]
    return body


def height(node):  # type: ignore[no-untyped-def]
    return httpx.get(node.url + "/health").json()["height"]


def test_malformed_json_is_refused_and_changes_nothing(node):  # type: ignore[no-untyped-def]
    before = height(node)
    assert_problem(send(node, "KLTB", "POST", "/v1/transactions", b'{"proposal": '), 400, "MALFORMED")
    assert_problem(send(node, "KLTB", "POST", "/v1/transactions", b'{"proposal": {}, "signature": 1}'), 400, "MALFORMED")
    assert height(node) == before


def test_wrong_types_are_refused(node):  # type: ignore[no-untyped-def]
    before = height(node)
    with pytest.raises(BaobabError) as err:
        node.client("PAMPA-AGRO").submit("deals", "record", {"kind": "deal", "ref": "x", "parties": "PAMPA-AGRO",
                                                               "countries": []})
    assert err.value.code == "BAD_ARGUMENT"
    assert_problem(send(node, "KLTB", "GET", "/v1/blocks?limit=lots"), 400, "MALFORMED")
    signed = node.client("KLTB").identity.proposal("accounts", "issue", {"account": "a", "amount": 1})
    body = httpx.Request("POST", "/", json=signed).content.replace(b'"amount":1', b'"amount":1.5')
    assert_problem(send(node, "KLTB", "POST", "/v1/transactions", body), 400, "FLOAT_NOT_ALLOWED")
    assert height(node) == before


def test_unknown_routes_and_methods(node):  # type: ignore[no-untyped-def]
    assert_problem(send(node, "KLTB", "GET", "/v1/nothing-here"), 404, "NOT_FOUND")
    assert_problem(send(node, "KLTB", "DELETE", "/v1/head"), 405, "METHOD_NOT_ALLOWED")
    assert_problem(send(node, "KLTB", "GET", "/v1/transactions/" + "0" * 64), 404, "NOT_FOUND")


def test_missing_wrong_or_unknown_signatures_are_refused(node):  # type: ignore[no-untyped-def]
    assert_problem(httpx.get(node.url + "/v1/head"), 401, "UNAUTHENTICATED")
    assert_problem(send(node, "KLTB", "GET", "/v1/head", key=PrivateKey.generate()), 401, "BAD_SIGNATURE")
    assert_problem(send(node, "KLTB", "GET", "/v1/head", identity="KLTB/nobody"), 403, "UNKNOWN_IDENTITY")
    assert_problem(send(node, "KLTB", "GET", "/v1/head", identity="NOT-AN-ORG/app"), 403, "UNKNOWN_ORG")
    assert_problem(send(node, "KLTB", "GET", "/v1/head", timestamp="2020-01-01T00:00:00Z"), 401, "REQUEST_EXPIRED")
    # a signature over another path does not authenticate this one
    client = node.client("KLTB")
    headers = sign_request(client.identity.key, client.identity.network, client.identity.id, "GET", "/v1/network")
    assert_problem(httpx.get(node.url + "/v1/head", headers=headers), 401, "BAD_SIGNATURE")


def test_replayed_request_is_refused_and_not_applied_twice(node):  # type: ignore[no-untyped-def]
    client = node.client("KLTB")
    signed = client.identity.proposal("accounts", "open", {"account": "KLTB-replay", "currency": "MYR"})
    content = httpx.Request("POST", "/", json=signed).content
    headers = {**sign_request(client.identity.key, client.identity.network, client.identity.id, "POST",
                              "/v1/transactions", content), "Content-Type": "application/json"}
    first = httpx.post(node.url + "/v1/transactions", content=content, headers=headers)
    assert first.status_code == 200 and first.json()["code"] == "VALID"
    before = height(node)
    assert_problem(httpx.post(node.url + "/v1/transactions", content=content, headers=headers), 401, "REPLAYED")
    assert height(node) == before


def test_oversized_body_is_refused(node):  # type: ignore[no-untyped-def]
    before = height(node)
    big = b'{"x": "' + b"a" * (1 << 20) + b'"}'  # over the 1 MiB every node takes
    assert_problem(send(node, "KLTB", "POST", "/v1/transactions", big), 413, "TOO_LARGE")

    def chunks():  # type: ignore[no-untyped-def]
        yield big  # streamed without Content-Length
    client = node.client("KLTB")
    headers = sign_request(client.identity.key, client.identity.network, client.identity.id, "POST", "/v1/transactions", big)
    assert_problem(httpx.post(node.url + "/v1/transactions", content=chunks(), headers=headers), 413, "TOO_LARGE")
    assert height(node) == before


def test_suspended_org_is_refused(node):  # type: ignore[no-untyped-def]
    assert node.client("MICRO-INS").head()["size"] >= 1
    def ok(org, function, args):  # type: ignore[no-untyped-def]
        outcome = node.client(org).submit("governance", function, args)
        assert outcome["code"] == "VALID", outcome
        return outcome["response"]

    govern(ok, DEMO_ADMINS, "suspend_org", {"org_id": "MICRO-INS", "reason": "test"})
    try:
        with pytest.raises(BaobabError) as err:
            node.client("MICRO-INS").head()
        assert err.value.code == "ORG_SUSPENDED"
    finally:  # the node is shared by the session's tests
        govern(ok, DEMO_ADMINS, "reinstate_org", {"org_id": "MICRO-INS", "reason": "test over"})
    assert node.client("MICRO-INS").head()["size"] >= 1


def test_idempotency_key_returns_the_original_outcome(node):  # type: ignore[no-untyped-def]
    client = node.client("BPLATA")
    signed = client.identity.proposal("accounts", "open", {"account": "BPLATA-idem", "currency": "ARS"})
    first = client.submit_signed(signed, idempotency_key="order-42")
    again = client.submit_signed(signed, idempotency_key="order-42")
    assert again == first
    other = client.identity.proposal("accounts", "open", {"account": "BPLATA-idem-2", "currency": "ARS"})
    with pytest.raises(BaobabError) as err:
        client.submit_signed(other, idempotency_key="order-42")
    assert err.value.code == "IDEMPOTENCY_KEY_REUSED"
    with pytest.raises(BaobabError):
        client.get("accounts", "acct/BPLATA-idem-2")


def test_submit_without_waiting_gives_a_status_url(node):  # type: ignore[no-untyped-def]
    client = node.client("KLTB")
    accepted = client.submit("accounts", "open", {"account": "KLTB-async", "currency": "MYR"}, wait=False)
    assert accepted["status"] == "pending" and accepted["status_url"] == f"/v1/transactions/{accepted['tx_id']}"
    for _ in range(50):  # bounded; each poll first waits (on the node) for one more block
        status = client.request("GET", accepted["status_url"]).json()
        if status["status"] == "committed":
            break
        client.causality.saw_height(str(client.causality.seen + 1))
    assert status["code"] == "VALID"


def test_bearer_token(node):  # type: ignore[no-untyped-def]
    token = node.client("KLTB").request("POST", "/v1/auth/token").json()
    head = httpx.get(node.url + "/v1/head", headers={"Authorization": f"Bearer {token['token']}"})
    assert head.status_code == 200 and head.json()["size"] >= 1
    assert_problem(httpx.get(node.url + "/v1/head", headers={"Authorization": "Bearer forged"}), 401, "UNAUTHENTICATED")


def test_events_resume_after_the_last_event_id(node):  # type: ignore[no-untyped-def]
    client = node.client("ESBANK")
    for n in range(3):
        client.submit("accounts", "open", {"account": f"ESBANK-ev{n}", "currency": "EUR"})
    mine = [e for e in client.events() if e["name"] == "account_opened"]
    assert len(mine) >= 3
    last = mine[-3]
    resumed = [e for e in client.events(last_event_id=f"{last['block']}-{last['index']}-{last['seq']}")
               if e["name"] == "account_opened"]
    assert resumed == mine[-2:]


def test_consistency_proof_checks(node):  # type: ignore[no-untyped-def]
    client = node.client("KLTB")
    size = client.head()["size"]
    client.submit("accounts", "open", {"account": "KLTB-grow", "currency": "MYR"})
    proof = client.consistency(size)
    assert proof["new_size"] > size and verify_consistency_proof(proof)


def test_a_body_nested_too_deep_is_refused_before_authentication(node):  # type: ignore[no-untyped-def]
    before = height(node)
    deep = b"[" * 1000 + b"]" * 1000
    for headers in ({}, sign_request(node.client("KLTB").identity.key, node.client("KLTB").identity.network,
                                     node.client("KLTB").identity.id, "POST", "/v1/transactions", deep)):
        response = httpx.post(node.url + "/v1/transactions", content=deep,
                              headers={**headers, "Content-Type": "application/json"})
        assert_problem(response, 400, "MALFORMED")
        assert response.json()["max_depth"] == 64
    nested_in_a_string = b'{"x": "' + b"[" * 1000 + b'"}'  # brackets inside a string are text
    assert_problem(httpx.post(node.url + "/v1/transactions", content=nested_in_a_string), 401, "UNAUTHENTICATED")
    assert height(node) == before
