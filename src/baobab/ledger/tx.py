"""Proposals, endorsements and transaction envelopes: their shapes, signatures and ids.

    proposal   {network, contract, function, args, creator: "ORG/client", nonce, timestamp}
    signed     {proposal, signature}                 signature purpose "proposal"
    tx id      SHA-256 hex of JCS(signed)
    result     {tx_id, status, response, reads, ranges, writes, key_policies, events}
    endorsement {org, signature}                     signature purpose "endorsement" over result
    envelope   {proposal, signature, result, endorsements: [...]}
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import datetime, timezone
from collections.abc import Callable
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.hashing import digest_hex, sha256, sha256_hex
from baobab.core.jcs import canonicalize
from baobab.core.keys import PrivateKey

MAX_TX_BYTES = 1 << 20
Encode = Callable[[Any], bytes]
_RFC3339_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
PROPOSAL_FIELDS = {"network", "contract", "function", "args", "creator", "nonce", "timestamp"}
RESULT_FIELDS = {"tx_id", "status", "response", "reads", "ranges", "writes", "key_policies", "events"}


def now_rfc3339() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: Any) -> datetime:
    """Parse an RFC 3339 UTC timestamp ("...Z"); anything else is MALFORMED."""
    if not isinstance(text, str) or not _RFC3339_UTC.match(text):
        raise BaobabError("MALFORMED", f"time {text!r} must be RFC 3339 UTC, e.g. 2026-06-30T12:00:00Z")
    return _parse_utc(text)


@lru_cache(maxsize=4096)  # one proposal's timestamp is parsed several times on its way to commit
def _parse_utc(text: str) -> datetime:
    try:
        return datetime.fromisoformat(text[:-1]).replace(tzinfo=timezone.utc)
    except ValueError as exc:
        raise BaobabError("MALFORMED", f"time {text!r} is not a valid date") from exc


def make_proposal(network: str, creator: str, contract: str, function: str, args: dict[str, Any],
                  timestamp: str | None = None, nonce: str | None = None) -> dict[str, Any]:
    return {
        "network": network,
        "contract": contract,
        "function": function,
        "args": args,
        "creator": creator,
        "nonce": nonce or os.urandom(16).hex(),
        "timestamp": timestamp or now_rfc3339(),
    }


def sign_proposal(proposal: dict[str, Any], key: PrivateKey) -> dict[str, Any]:
    return {"proposal": proposal, "signature": key.sign("proposal", proposal)}


def tx_id_of(signed: dict[str, Any]) -> str:
    return digest_hex({"proposal": signed["proposal"], "signature": signed["signature"]})


@dataclass(frozen=True)
class Encoded:
    """A transaction's canonical bytes, and the digests derived from them, computed once.

    JCS output of an object is its members' JCS output joined in key order, so the bytes of
    a signed proposal and of an envelope are assembled from the bytes of their parts."""

    tx_id: str
    proposal_digest: bytes  # what the creator signed (with purpose "proposal")
    proposal_bytes: bytes
    signature_bytes: bytes
    result_bytes: bytes | None = None
    result_digest: bytes | None = None  # what endorsers signed
    leaf: bytes | None = None  # the whole envelope: its Merkle leaf and stored form

    # `encode` is `canonicalize`, or `encode_proven` for parts of a value proven plain at once.
    @classmethod
    def signed(cls, signed: dict[str, Any], encode: Encode = canonicalize) -> "Encoded":
        p, s = encode(signed["proposal"]), encode(signed["signature"])
        return cls(sha256_hex(b'{"proposal":' + p + b',"signature":' + s + b"}"), sha256(p), p, s)

    def with_result(self, result: Any, encode: Encode = canonicalize) -> "Encoded":
        r = encode(result)  # (direct construction: dataclasses.replace is slow on a hot path)
        return Encoded(self.tx_id, self.proposal_digest, self.proposal_bytes, self.signature_bytes, r, sha256(r))

    def with_endorsements(self, endorsements: Any, encode: Encode = canonicalize) -> "Encoded":
        assert self.result_bytes is not None
        leaf = b"".join([b'{"endorsements":', encode(endorsements), b',"proposal":', self.proposal_bytes,
                         b',"result":', self.result_bytes, b',"signature":', self.signature_bytes, b"}"])
        return Encoded(self.tx_id, self.proposal_digest, self.proposal_bytes, self.signature_bytes,
                       self.result_bytes, self.result_digest, leaf)

    @classmethod
    def envelope(cls, env: dict[str, Any], encode: Encode = canonicalize) -> "Encoded":
        return cls.signed(env, encode).with_result(env["result"], encode).with_endorsements(env["endorsements"], encode)


def admit(signed: Any) -> Encoded:
    """Check a signed proposal's form and size before any work is spent on it."""
    check_signed_proposal(signed)
    encoded = Encoded.signed(signed)
    size = len(encoded.proposal_bytes) + len(encoded.signature_bytes)
    if size > MAX_TX_BYTES:
        raise BaobabError("TOO_LARGE", f"proposal is {size} bytes; the limit is {MAX_TX_BYTES}")
    return encoded


def check_signed_proposal(obj: Any) -> dict[str, Any]:
    """Structural checks only; signatures and membership are checked by the caller."""
    if not isinstance(obj, dict) or not {"proposal", "signature"} <= set(obj):
        raise BaobabError("MALFORMED", "a signed proposal is {proposal, signature}")
    p = obj["proposal"]
    if not isinstance(p, dict) or set(p) != PROPOSAL_FIELDS:
        raise BaobabError("MALFORMED", f"a proposal has exactly the fields {sorted(PROPOSAL_FIELDS)}")
    for name in ("network", "contract", "function", "creator", "nonce"):
        if not isinstance(p[name], str) or not p[name] or len(p[name]) > 256:
            raise BaobabError("MALFORMED", f"proposal.{name} must be a non-empty string")
    if not isinstance(p["args"], dict):
        raise BaobabError("MALFORMED", "proposal.args must be an object")
    parse_time(p["timestamp"])
    if not isinstance(obj["signature"], str):
        raise BaobabError("MALFORMED", "signature must be base64url text")
    return obj


def check_envelope(obj: Any) -> dict[str, Any]:
    if not isinstance(obj, dict) or set(obj) != {"proposal", "signature", "result", "endorsements"}:
        raise BaobabError("MALFORMED", "an envelope is {proposal, signature, result, endorsements}")
    check_signed_proposal(obj)
    r = obj["result"]
    if not isinstance(r, dict) or set(r) != RESULT_FIELDS:
        raise BaobabError("MALFORMED", f"a result has exactly the fields {sorted(RESULT_FIELDS)}")
    if r["status"] not in ("ok", "error"):
        raise BaobabError("MALFORMED", "result.status must be ok or error")
    for name in ("reads", "ranges", "writes", "key_policies", "events"):
        if not isinstance(r[name], list):
            raise BaobabError("MALFORMED", f"result.{name} must be a list")
    for item in r["reads"]:
        if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
                and (item[1] is None or _is_version(item[1]))):
            raise BaobabError("MALFORMED", "each read is [key, [block, tx] | null]")
    for name in ("ranges", "writes", "key_policies"):
        for item in r[name]:
            if not (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)):
                raise BaobabError("MALFORMED", f"each of result.{name} is [key, value]")
    ends = obj["endorsements"]
    if not isinstance(ends, list) or not all(
        isinstance(e, dict) and set(e) == {"org", "signature"} and all(isinstance(v, str) for v in e.values())
        for e in ends
    ):
        raise BaobabError("MALFORMED", "endorsements are a list of {org, signature}")
    return obj


def _is_version(v: Any) -> bool:
    return isinstance(v, list) and len(v) == 2 and all(isinstance(x, int) and not isinstance(x, bool) for x in v)
