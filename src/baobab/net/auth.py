"""Requests between nodes, signed with the calling node's peer key.

Each request carries X-Baobab-Org, X-Baobab-Time and X-Baobab-Signature; the signature (purpose
"peer-request") covers {org, time, method, path, body: SHA-256 of the body}. The receiver checks
it against the organisation's peer key in its own membership view and refuses requests whose
time is outside a short window. What the requests ask for is idempotent (simulate and sign,
store a payload under its hash), so a replay inside the window changes nothing.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey, PublicKey
from baobab.ledger.membership import Membership
from baobab.ledger.tx import now_rfc3339, parse_time

PURPOSE = "peer-request"
WINDOW = timedelta(seconds=60)


def _claim(org: str, stamp: str, method: str, path: str, body: bytes) -> dict[str, Any]:
    return {"org": org, "time": stamp, "method": method.upper(), "path": path, "body": hashlib.sha256(body).hexdigest()}


def sign_request(key: PrivateKey, org: str, method: str, path: str, body: bytes) -> dict[str, str]:
    stamp = now_rfc3339()
    return {"X-Baobab-Org": org, "X-Baobab-Time": stamp,
            "X-Baobab-Signature": key.sign(PURPOSE, _claim(org, stamp, method, path, body))}


def verify_request(headers: Any, method: str, path: str, body: bytes, members: Membership) -> str:
    """The calling organisation, if the request is signed by its active peer key."""
    org, stamp, sig = (headers.get(h) for h in ("x-baobab-org", "x-baobab-time", "x-baobab-signature"))
    if not (org and stamp and sig):
        raise BaobabError("BAD_SIGNATURE", "a node request must be signed (X-Baobab-Org, -Time, -Signature)")
    if abs(parse_time(now_rfc3339()) - parse_time(stamp)) > WINDOW:
        raise BaobabError("EXPIRED", "node request time is outside the accepted window")
    record = members.require_active(org)
    if not PublicKey.from_text(record["peer_key"]).verify(PURPOSE, _claim(org, stamp, method, path, body), sig):
        raise BaobabError("BAD_SIGNATURE", f"request signature does not verify for {org}'s peer key")
    return org

