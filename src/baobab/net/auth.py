"""Requests between nodes, signed with the calling node's peer key.

Each request carries X-Baobab-Org, X-Baobab-Time, X-Baobab-Nonce and X-Baobab-Signature; the
signature (purpose "peer-request") covers {network, org, time, nonce, method, path, body: SHA-256
of the body}. The receiver checks it against the organisation's active peer key in its own
membership view, refuses a time outside a short window, and refuses a nonce it has already
seen from that organisation within the window (a replay), also after it restarted: the nonces
are kept with the API's clients' nonces (`api.sqlite`). Nothing on the node-to-node routes is
answered without such a signature.
"""

from __future__ import annotations

import hashlib
import os
import re
from datetime import timedelta
from typing import Any

from baobab.api.memory import ApiMemory
from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey, PublicKey
from baobab.gateway import Membership, now_rfc3339, parse_time

PURPOSE = "peer-request"
WINDOW = timedelta(seconds=60)
HEADERS = ("x-baobab-org", "x-baobab-time", "x-baobab-nonce", "x-baobab-signature")
NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def _claim(network: str, org: str, stamp: str, nonce: str, method: str, path: str, body: bytes) -> dict[str, Any]:
    return {"network": network, "org": org, "time": stamp, "nonce": nonce, "method": method.upper(), "path": path,
            "body": hashlib.sha256(body).hexdigest()}


def sign_request(key: PrivateKey, network: str, org: str, method: str, path: str, body: bytes) -> dict[str, str]:
    stamp, nonce = now_rfc3339(), os.urandom(16).hex()
    return {"X-Baobab-Org": org, "X-Baobab-Time": stamp, "X-Baobab-Nonce": nonce,
            "X-Baobab-Signature": key.sign(PURPOSE, _claim(network, org, stamp, nonce, method, path, body))}


class PeerNonces:
    """Nonces seen per organisation, kept on disk (the API memory's nonce table, under the
    identity `peer:<ORG>`, which no client identity can take) for twice the time window: a
    request replayed after the node restarted is refused as well."""

    def __init__(self, memory: ApiMemory, window_s: float = 2 * WINDOW.total_seconds()) -> None:
        self.memory, self.window_s = memory, window_s

    def use(self, org: str, nonce: str) -> bool:
        return self.memory.use_nonce(f"peer:{org}", nonce, self.window_s)


def verify_request(headers: Any, method: str, path: str, body: bytes, network: str, members: Membership,
                   nonces: PeerNonces) -> str:
    """The calling organisation, if the request is signed by its active peer key and new."""
    org, stamp, nonce, sig = (headers.get(h) for h in HEADERS)
    if not (org and stamp and nonce and sig):
        raise BaobabError("UNAUTHENTICATED", "a node request must be signed (X-Baobab-Org, -Time, -Nonce, -Signature)")
    if not NONCE.match(nonce):
        raise BaobabError("UNAUTHENTICATED", "X-Baobab-Nonce is 16-64 of A-Z a-z 0-9 _ -")
    try:
        skew = abs(parse_time(now_rfc3339()) - parse_time(stamp))
    except BaobabError:
        raise BaobabError("REQUEST_EXPIRED", "X-Baobab-Time must be RFC 3339 UTC") from None
    if skew > WINDOW:
        raise BaobabError("REQUEST_EXPIRED", "node request time is outside the accepted window")
    record = members.require_active(org)
    if not PublicKey.from_text(record["peer_key"]).verify(PURPOSE, _claim(network, org, stamp, nonce, method, path, body), sig):
        raise BaobabError("BAD_SIGNATURE", f"request signature does not verify for {org}'s peer key")
    if not nonces.use(org, nonce):  # only after the signature verifies: nobody burns another's nonces
        raise BaobabError("REPLAYED", "this node request was already received (nonce reused)")
    return org


def ops_request(base_url: str, key: PrivateKey, network: str, org: str, path: str, body: dict[str, Any],
                timeout: float = 30.0, *, network_dir: Any = None, node_org: str | None = None) -> dict[str, Any]:
    """POST a request signed with `org`'s peer key to a node (an operator's /ops/... call);
    a refusal raises BaobabError with the node's code. An https node is verified with the
    anchors beside genesis in `network_dir` (net/tls.py): as `node_org`'s node if given, else as
    any member's node at that host."""
    from baobab.core.jcs import canonicalize
    from baobab.http_client import raise_for_problem
    from baobab.net.tls import node_client

    data = canonicalize(body)
    headers = {"Content-Type": "application/json", **sign_request(key, network, org, "POST", path, data)}
    with node_client(base_url, network_dir, node_org, timeout=timeout) as http:
        response = http.post(base_url.rstrip("/") + path, content=data, headers=headers)
    raise_for_problem(response)
    return response.json()  # type: ignore[no-any-return]
