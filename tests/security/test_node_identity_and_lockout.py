"""Issue 11's last availability and identity rules: the node's own `audit` identity is not an
API caller; an identity has a bounded number of requests in flight; a client address that keeps
failing to authenticate is locked out for a while."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import httpx

from fastapi import Depends
from fastapi.testclient import TestClient

from baobab.api.app import create_app
from baobab.api.deps import caller
from baobab.api.limits import Limits
from baobab.api.signing import sign_request
from baobab.client import Identity
from baobab.gateway import Caller
from tests.conftest import Net
from tests.security.conftest import Served
from tests.security.helpers import problem, send, signed


def test_the_api_refuses_requests_signed_by_an_organisations_audit_identity(node: Served) -> None:
    """That key writes the supervisor-read log; a request signed with it is refused, whoever
    holds it, and it cannot get a token either. The organisation's applications are served."""
    audit = node.identity("CUSTOMS", "audit")
    head = send(node, "GET", "/v1/head", signed(node, audit, "GET", "/v1/head"))
    problem(head, 403, "NODE_IDENTITY")
    token = send(node, "POST", "/v1/auth/token", signed(node, audit, "POST", "/v1/auth/token"))
    problem(token, 403, "NODE_IDENTITY")
    assert node.client("CUSTOMS").request("GET", "/v1/head").status_code == 200


def test_an_identity_over_its_requests_in_flight_gets_429_and_others_are_served(net: Net) -> None:
    """In process (a route of the test's own holds a request in flight until it is let go): the
    same identity's next request is refused, another identity's is served, and once the held
    request has been answered its place is given back."""
    app = create_app(net.node, net.path, limits=Limits(in_flight_per_identity=1))
    entered, release = threading.Event(), threading.Event()

    @app.get("/test/hold")
    def hold(who: Caller = Depends(caller)) -> dict[str, str]:
        entered.set()  # past authentication: its place is taken
        release.wait(60)
        return {"held": who.identity}

    def head(org: str) -> httpx.Response:
        headers = sign_request(net.identity(org).key, net.node.network, f"{org}/app", "GET", "/v1/head", b"")
        return http.get("/v1/head", headers=headers)

    with TestClient(app) as http, ThreadPoolExecutor(1) as pool:
        hold_headers = sign_request(net.identity("TRADER").key, net.node.network, "TRADER/app", "GET", "/test/hold", b"")
        held = pool.submit(http.get, "/test/hold", headers=hold_headers)
        # wait for the held request itself, not by polling: a poll could be in flight at the moment
        # the held request arrives, and refuse it instead
        assert entered.wait(60), "the held request was not served"
        refused = head("TRADER")
        problem(refused, 429, "TOO_MANY_IN_FLIGHT")
        assert int(refused.headers["Retry-After"]) >= 1
        assert head("KEBANK").status_code == 200
        release.set()
        assert held.result().json() == {"held": "TRADER/app"}
        assert head("TRADER").status_code == 200


def from_address(node: Served, address: str, who: Identity, target: str) -> httpx.Response:
    with httpx.Client(transport=httpx.HTTPTransport(local_address=address), timeout=30.0) as http:
        return http.get(node.url + target, headers=signed(node, who, "GET", target))


def test_an_address_that_keeps_failing_to_authenticate_is_locked_out(serve) -> None:  # type: ignore[no-untyped-def]
    node = serve(failed_auths_per_minute=3)
    trader, forger = node.identity("TRADER"), node.identity("KEBANK")
    for _ in range(5):  # no credentials at all is no attempt: it does not count
        problem(send(node, "GET", "/v1/head", {}), 401, "UNAUTHENTICATED")
    forged = Identity(trader.network, "TRADER", "app", forger.key)  # TRADER's name, KEBANK's key
    for _ in range(3):
        problem(send(node, "GET", "/v1/head", signed(node, forged, "GET", "/v1/head")), 401, "BAD_SIGNATURE")
    locked = send(node, "GET", "/v1/head", signed(node, trader, "GET", "/v1/head"))  # even a good signature now
    body = problem(locked, 429, "TOO_MANY_FAILED_AUTH")
    assert int(locked.headers["Retry-After"]) >= 1 and body["retry_after"] == int(locked.headers["Retry-After"])
    assert from_address(node, "127.0.0.2", trader, "/v1/head").status_code == 200  # another address is served
