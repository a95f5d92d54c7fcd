"""Verifying a trade document: three separate answers, as TradeTrust gives them.

1. intact: the OpenAttestation v2 data (with any obfuscated fields) hashes to the target
   hash, and the proof leads to the Merkle root (`openattestation.verify_integrity`).
2. issued: the registry on the ledger holds that target hash under the same Merkle root,
   and it has not been revoked.
3. issuer: the organisation recorded on the ledger as issuer. The ledger accepted the
   anchoring transaction only with a valid signature by that organisation's client identity,
   and `issue_tx` names that transaction so anyone can ask for its inclusion proof.

`lookup` is any callable returning the registry's `status` answer for a target hash, for
example `registry_lookup(actor)` over a story actor (embedded or HTTP).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from baobab.documents.openattestation import verify_integrity

Lookup = Callable[[str], dict[str, Any]]


@dataclass(frozen=True)
class Verification:
    intact: bool
    issued: bool
    revoked: bool
    issuer: str | None
    doc_type: str | None = None
    issue_tx: str | None = None
    target_hash: str | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.intact and self.issued and not self.revoked

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "intact": self.intact, "issued": self.issued, "revoked": self.revoked,
                "issuer": self.issuer, "doc_type": self.doc_type, "issue_tx": self.issue_tx,
                "target_hash": self.target_hash, "reasons": list(self.reasons)}


def registry_lookup(actor: Any) -> Lookup:
    return lambda target_hash: actor.query("documents", "status", {"target_hash": target_hash})


def verify(wrapped: Any, lookup: Lookup) -> Verification:
    integrity = verify_integrity(wrapped)
    reasons = list(integrity.reasons)
    signature = wrapped.get("signature") if isinstance(wrapped, dict) else None
    target = signature.get("targetHash") if isinstance(signature, dict) else None
    root = signature.get("merkleRoot") if isinstance(signature, dict) else None
    if not (isinstance(target, str) and len(target) == 64):
        return Verification(False, False, False, None, reasons=reasons or ["no target hash"])
    record = lookup(target.lower())
    if not record.get("issued"):
        return Verification(integrity.valid, False, False, None, target_hash=target,
                            reasons=reasons + ["target hash is not in the document registry"])
    issued = record["merkle_root"] == str(root).lower()
    if not issued:
        reasons.append("the registry anchors this target hash under a different Merkle root")
    revoked = record["status"] == "revoked"
    if revoked:
        reasons.append(f"revoked by {record['issuer']}: {record.get('revoke_reason', '')}")
    return Verification(integrity.valid, issued, revoked, record["issuer"], record["doc_type"],
                        record["issue_tx"], target, reasons)
