"""Connections between clients and nodes: a node never closes an idle connection that a client
may still send a request on."""

from __future__ import annotations

import httpx

from baobab.api.limits import Limits, uvicorn_options


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
