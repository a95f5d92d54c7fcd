"""What the security tests do over HTTP: raw signed requests, problems, governance acts."""

from __future__ import annotations

import socket
import ssl
from typing import Any

import httpx

from baobab.api import signing
from baobab.api.signing import sign_request
from baobab.client import Identity
from baobab.http_client import MIN_HEIGHT
from tests.governing import govern as by_quorum
from tests.security.conftest import ADMINS, Served


def signed(served: Served, who: Identity, method: str, target: str, body: bytes = b"", **sign: Any) -> dict[str, str]:
    """The four signature headers for `method target body` as `who` (timestamp/nonce overridable)."""
    return sign_request(who.key, served.network, who.id, method, target, body, **sign)


def send(served: Served, method: str, target: str, headers: dict[str, str], body: bytes = b"", *,
         org: str | None = None) -> httpx.Response:
    """Exactly these bytes, path and headers, nothing re-encoded, to the node serving `org` (by
    default the organisation the request claims to be), once it has seen what the clients saw."""
    org = org or headers.get(signing.IDENTITY, "KEBANK/").split("/")[0]
    seen = {MIN_HEIGHT: str(served.causality.seen)} if served.causality.seen else {}
    with httpx.Client(timeout=30.0) as http:
        request = http.build_request(method, served.url_of(org) + target, content=body or None,
                                     headers={**({"Content-Type": "application/json"} if body else {}), **seen,
                                              **headers})
        return http.send(request)


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, (response.status_code, response.text[:300])
    body = response.json()
    assert body["code"] == code, body
    return body  # type: ignore[no-any-return]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def govern(served: Served, action: str, **args: Any) -> None:
    """A governance act on the membership, proposed and approved by the admins' quorum."""

    def ok(org: str, function: str, fargs: dict[str, Any]) -> dict[str, Any]:
        outcome = served.client(org).submit("governance", function, fargs)
        assert outcome["code"] == "VALID", outcome
        return outcome["response"]  # type: ignore[no-any-return]

    by_quorum(ok, ADMINS, action, args)


def raw_exchange(node: Served, data: bytes, *, close_after_send: bool = False) -> bytes:
    """Send `data` on a fresh connection (TLS to a network node, which trusts only TLS) and read
    until the server closes it."""
    with socket.create_connection(("127.0.0.1", node.port), timeout=20) as plain:
        # a network node's certificate chains to the anchors the local network made this process trust
        sock = ssl.create_default_context().wrap_socket(plain, server_hostname="127.0.0.1") \
            if node.url.startswith("https://") else plain
        sock.sendall(data)
        if close_after_send:
            return b""
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
        return b"".join(chunks)
