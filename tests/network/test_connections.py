"""Connections between clients and nodes: a node never closes an idle connection that a client
may still send a request on."""

from __future__ import annotations

import httpx
import pytest

from baobab.api.limits import Limits, uvicorn_options
from baobab.client import Identity
from baobab.core.keys import PrivateKey
from baobab.http_client import BaobabClient


def test_a_node_keeps_idle_connections_longer_than_its_clients_do() -> None:
    """The clients (Baobab's own, and httpx's defaults the benchmarks use) drop an idle
    connection before the node closes it. When both timed out at 5 s, a request sent on a
    connection as the node closed it failed with "server disconnected without sending a
    response", unanswered, under load."""
    client_idle_s = httpx.Client()._transport._pool._keepalive_expiry  # type: ignore[attr-defined]
    assert client_idle_s is not None
    node = uvicorn_options(Limits())
    assert node["timeout_keep_alive"] > client_idle_s
    assert Limits().header_timeout_s > client_idle_s  # the header timer closes idle connections too


def closed_once(answer: dict) -> tuple[httpx.MockTransport, list[httpx.Request]]:  # type: ignore[type-arg]
    """A transport whose first request meets a connection closed without an answer."""
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if len(seen) == 1:
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.", request=request)
        return httpx.Response(200, json=answer)

    return httpx.MockTransport(handle), seen


def identity() -> Identity:
    return Identity("conn-net", "KEBANK", "app", PrivateKey.generate())


def test_a_submission_meeting_a_closed_connection_is_sent_again_signed_afresh() -> None:
    outcome = {"tx_id": "t1", "code": "VALID", "block": 3}
    transport, seen = closed_once(outcome)
    client = BaobabClient("http://node", identity(), http=httpx.Client(transport=transport))
    assert client.submit("accounts", "open", {"account": "a", "currency": "KES"}) == outcome
    assert len(seen) == 2 and seen[0].content == seen[1].content  # the same proposal: one transaction
    assert seen[0].headers["X-Baobab-Nonce"] != seen[1].headers["X-Baobab-Nonce"]  # not refused as a replay


def test_a_request_that_may_not_be_repeated_is_not_sent_again() -> None:
    transport, seen = closed_once({})
    client = BaobabClient("http://node", identity(), http=httpx.Client(transport=transport))
    with pytest.raises(httpx.RemoteProtocolError):
        client.request("POST", "/v1/anything", body={"x": 1})
    assert len(seen) == 1
