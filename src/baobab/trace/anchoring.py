"""A batch of EPCIS events anchored by one Merkle root; an event proven by its inclusion proof.

The leaves are the events' hashes (32 bytes each, SHA-256 of the event's RFC 8785 form), in
capture order; the tree and the proofs are RFC 9162's (baobab.core.merkle). `verify` takes only
the event as shown, its proof and the batch record read from the ledger, so whoever is shown an
event (a buyer, a consumer's page) checks it without trusting the node that kept it:

- intact: the event hashes to the proof's leaf, and the leaf is under the anchored root;
- timely: the event's time is no later than the ledger time at which the batch was anchored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from baobab.core import merkle
from baobab.core.errors import BaobabError
from baobab.core.hashing import digest_hex
from baobab.trace.store import utc


def root_of(hashes: list[str]) -> str:
    return merkle.root([bytes.fromhex(h) for h in hashes]).hex()


def proof_for(hashes: list[str], position: int) -> list[str]:
    leaves = [merkle.leaf_hash(bytes.fromhex(h)) for h in hashes]
    return [p.hex() for p in merkle.inclusion_proof(position, leaves)]


@dataclass(frozen=True)
class Verdict:
    valid: bool
    intact: bool
    anchored: bool
    timely: bool
    event_hash: str
    anchored_at: str | None
    reasons: list[str]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify(event: dict[str, Any], proof: dict[str, Any], batch: dict[str, Any] | None) -> Verdict:
    """Is `event` the one anchored (`proof`: {event_hash, batch_id, position, size, path}) under
    the ledger's `batch` record ({merkle_root, size, anchored_at}; None if the ledger has none)?"""
    reasons = []
    try:
        digest = digest_hex(event)
    except BaobabError:  # not a value JSON can carry exactly (RFC 8785): it cannot be the anchored event
        digest = ""
    if digest != proof.get("event_hash"):
        reasons.append("the event does not hash to the anchored leaf: it was changed")
    anchored = batch is not None
    if not anchored:
        reasons.append(f"no batch {proof.get('batch_id')} on the ledger")
    intact = False
    if anchored:
        assert batch is not None
        try:
            included = bool(digest) and merkle.verify_inclusion(merkle.leaf_hash(bytes.fromhex(digest)), int(proof["position"]),
                                               int(batch["size"]), [bytes.fromhex(p) for p in proof["path"]],
                                               bytes.fromhex(batch["merkle_root"]))
        except (KeyError, ValueError, TypeError):
            included = False
        intact = included and digest == proof.get("event_hash")
        if not included:
            reasons.append("the inclusion proof does not lead to the anchored root")
    timely = False
    if anchored and batch is not None:
        try:
            timely = utc(event["eventTime"]) <= utc(batch["anchored_at"])
        except (KeyError, ValueError, TypeError):
            timely = False
        if not timely:
            reasons.append(f"the event's time is later than its anchoring at {batch['anchored_at']}")
    return Verdict(intact and timely, intact, anchored, timely, digest,
                   batch.get("anchored_at") if batch else None, reasons)
