"""Signed HTTP requests: what a client signs and which headers carry it.

A request is signed by a client identity's Ed25519 key with the domain-separated signing of
`baobab.core.keys` (purpose "http-request") over the JCS object

    {network, identity, method, target, timestamp, nonce, body_sha256}

`target` is the path and query exactly as sent (`/v1/state/x/k?limit=5`), `method` upper
case, `timestamp` RFC 3339 UTC, `nonce` 16-64 characters of [A-Za-z0-9_-] never reused
within the time window, `body_sha256` the lowercase hex SHA-256 of the raw body bytes (of
the empty string when there is no body). No FastAPI here: clients import it.
"""

from __future__ import annotations

import hashlib
import os
from typing import Any

from baobab.core.keys import PrivateKey
from baobab.gateway import now_rfc3339

PURPOSE = "http-request"
IDENTITY = "X-Baobab-Identity"
TIMESTAMP = "X-Baobab-Timestamp"
NONCE = "X-Baobab-Nonce"
SIGNATURE = "X-Baobab-Signature"


def request_message(network: str, identity: str, method: str, target: str, timestamp: str, nonce: str,
                    body: bytes) -> dict[str, Any]:
    return {"network": network, "identity": identity, "method": method.upper(), "target": target,
            "timestamp": timestamp, "nonce": nonce, "body_sha256": hashlib.sha256(body).hexdigest()}


def sign_request(key: PrivateKey, network: str, identity: str, method: str, target: str, body: bytes = b"",
                 *, timestamp: str | None = None, nonce: str | None = None) -> dict[str, str]:
    """The four headers that authenticate one request."""
    timestamp = timestamp or now_rfc3339()
    nonce = nonce or os.urandom(16).hex()
    message = request_message(network, identity, method, target, timestamp, nonce, body)
    return {IDENTITY: identity, TIMESTAMP: timestamp, NONCE: nonce, SIGNATURE: key.sign(PURPOSE, message)}
