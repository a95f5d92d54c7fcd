"""Availability (issue 11, item 6): per-identity request rate and event streams, slow clients,
clients that leave; one noisy member does not stop the others."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx

from baobab.http_client import BaobabClient
from tests.security.conftest import Served
from tests.security.helpers import problem, raw_exchange, send, signed

OTHER_MEMBER_TIMEOUT_S = 10.0  # a bound for "answers at all", far above any normal answer


def open_streams(client: BaobabClient, n: int) -> list[httpx.Response]:
    """`n` event streams held open by one identity (each answered with its headers)."""
    return [client.request("GET", "/v1/events", params={"follow": "true"}, stream=True) for _ in range(n)]


@contextmanager
def streaming_client(node: Served, org: str, connections: int) -> Iterator[BaobabClient]:
    http = httpx.Client(timeout=30.0, limits=httpx.Limits(max_connections=connections + 5))
    try:
        yield BaobabClient(node.url, node.identity(org), http=http)
    finally:
        http.close()


def eventually(condition: Callable[[], bool], attempts: int = 200) -> bool:
    """Poll `condition` (bounded); for things the server does right after a client's act."""
    pause = threading.Event()
    for _ in range(attempts):
        if condition():
            return True
        pause.wait(0.05)
    return False


def test_an_identity_over_its_request_rate_gets_429_with_retry_after_and_others_are_served(serve) -> None:  # type: ignore[no-untyped-def]
    node = serve(requests_per_s=0.05, burst=3)
    noisy = node.client("TRADER")
    for _ in range(3):
        noisy.request("GET", "/v1/head")
    refused = send(node, "GET", "/v1/head", signed(node, node.identity("TRADER"), "GET", "/v1/head"))
    body = problem(refused, 429, "RATE_LIMITED")
    assert int(refused.headers["Retry-After"]) >= 1 and body["retry_after"] == int(refused.headers["Retry-After"])
    assert node.client("KEBANK").request("GET", "/v1/head").status_code == 200
    assert node.client("TRADER", "ops").request("GET", "/v1/head").status_code == 200  # per identity


def test_streams_over_the_identitys_limit_get_429_and_a_closed_stream_frees_its_slot(serve) -> None:  # type: ignore[no-untyped-def]
    node = serve(streams_per_identity=2)
    with streaming_client(node, "TRADER", 4) as trader:
        streams = open_streams(trader, 2)
        refused = send(node, "GET", "/v1/events", signed(node, node.identity("TRADER"), "GET", "/v1/events"))
        problem(refused, 429, "TOO_MANY_STREAMS")
        assert int(refused.headers["Retry-After"]) >= 1
        with streaming_client(node, "KEBANK", 1) as other:
            open_streams(other, 1)[0].close()
        streams.pop().close()

        def reopened() -> bool:
            try:
                streams.extend(open_streams(trader, 1))
                return True
            except Exception as exc:
                assert getattr(exc, "code", None) == "TOO_MANY_STREAMS", exc
                return False

        assert eventually(reopened)
        for s in streams:
            s.close()


def test_a_member_holding_100_idle_event_streams_does_not_stop_another_member(serve) -> None:  # type: ignore[no-untyped-def]
    node = serve(streams_per_identity=100)
    with streaming_client(node, "TRADER", 101) as noisy:
        streams = open_streams(noisy, 100)
        try:
            noisy.request("GET", "/v1/events", params={"follow": "true"}, stream=True)
            raise AssertionError("a 101st stream was accepted")
        except Exception as exc:
            assert getattr(exc, "code", None) == "TOO_MANY_STREAMS", exc
        other = BaobabClient(node.url, node.identity("KEBANK"), timeout=OTHER_MEMBER_TIMEOUT_S)
        assert httpx.get(node.url + "/health", timeout=OTHER_MEMBER_TIMEOUT_S).status_code == 200
        for n in range(5):
            assert other.submit("accounts", "open", {"account": f"KEBANK-busy{n}", "currency": "KES"})["code"] == "VALID"
            assert other.get("accounts", f"acct/KEBANK-busy{n}")["value"]["currency"] == "KES"
        assert other.request("GET", "/v1/network").json()["you"]["org"] == "KEBANK"
        for s in streams:
            s.close()
    assert "Traceback" not in node.log()


def test_a_client_that_sends_its_headers_too_slowly_is_answered_408_and_closed(serve) -> None:  # type: ignore[no-untyped-def]
    node = serve(header_timeout_s=0.3)
    answer = raw_exchange(node, b"GET /health HTTP/1.1\r\nHost: node\r\nX-Slow: ")
    assert answer.startswith(b"HTTP/1.1 408")
    assert raw_exchange(node, b"") == b""  # a connection that sends nothing is closed too
    assert httpx.get(node.url + "/health").status_code == 200


def test_a_client_that_sends_its_body_too_slowly_gets_408_request_timeout(serve) -> None:  # type: ignore[no-untyped-def]
    node = serve(body_timeout_s=0.3)
    answer = raw_exchange(node, b"POST /v1/transactions HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\n"
                                b"Content-Length: 100\r\n\r\n{\"proposal\":")
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408") and b'"code":"REQUEST_TIMEOUT"' in body


def test_a_client_leaving_mid_request_is_logged_on_one_line_without_traceback(serve) -> None:  # type: ignore[no-untyped-def]
    node = serve()
    raw_exchange(node, b"POST /v1/transactions HTTP/1.1\r\nHost: node\r\nContent-Type: application/json\r\n"
                       b"Content-Length: 1000\r\n\r\n{\"proposal\":", close_after_send=True)
    with streaming_client(node, "TRADER", 1) as trader:
        open_streams(trader, 1)[0].close()
    assert eventually(lambda: "left during POST /v1/transactions" in node.log())
    assert httpx.get(node.url + "/health").status_code == 200
    assert "Traceback" not in node.log()


def test_requests_claiming_a_height_the_node_has_not_reached_hold_no_worker_thread(node: Served) -> None:
    """X-Baobab-Min-Height makes the node wait (up to 2 s) for a height a client says it saw
    elsewhere; before authentication, so the wait must cost no worker thread."""
    request = b"GET /v1/head HTTP/1.1\r\nHost: node\r\nX-Baobab-Min-Height: 999999999\r\n\r\n"
    socks = [socket.create_connection(("127.0.0.1", node.port), timeout=30) for _ in range(400)]
    try:
        for sock in socks:
            sock.sendall(request)
        assert httpx.get(node.url + "/health", timeout=OTHER_MEMBER_TIMEOUT_S).status_code == 200
        assert node.client("KEBANK").request("GET", "/v1/network").status_code == 200
    finally:
        for sock in socks:
            sock.close()
