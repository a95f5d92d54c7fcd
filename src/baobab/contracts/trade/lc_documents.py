"""Reading presented OpenAttestation documents inside the letter-of-credit contract.

Integrity (keccak-256 over the salted fields) and the document type's field rules are
deterministic, so every endorser computes the same answer; they live in baobab.documents
and are reached through this module so the contract module itself keeps to the audit's
allow-list.
"""

from __future__ import annotations

from typing import Any

from baobab.ledger.contract import ContractError, Reason
from baobab.documents.openattestation import get_data, verify_integrity
from baobab.documents.types import validate_document

MAX_DOCUMENTS = 20
# The refusals of a presented or registered document's form: the codes baobab.documents raises
# (shared with the verifier and customs), which inside a contract are its reasons.
DOCUMENT_REASONS = {
    "BAD_DOCUMENT": Reason("invalid", "A document is not a well-formed trade document of its type"),
    "UNKNOWN_DOCUMENT_TYPE": Reason("invalid", "The document type is not one the network knows"),
}


def read_wrapped(wrapped: Any) -> dict[str, Any]:
    """{target_hash, merkle_root, intact, data}; `data` is the raw visible data (None if not intact)."""
    if not isinstance(wrapped, dict) or not isinstance(wrapped.get("signature"), dict):
        raise ContractError("a presented document is a wrapped OpenAttestation v2 document", reason="BAD_DOCUMENT")
    signature = wrapped["signature"]
    target, root = signature.get("targetHash"), signature.get("merkleRoot")
    if not (isinstance(target, str) and isinstance(root, str) and len(target) == 64 and len(root) == 64):
        raise ContractError("signature.targetHash and signature.merkleRoot must be 64 hex digits", reason="BAD_DOCUMENT")
    intact = verify_integrity(wrapped).valid
    return {"target_hash": target.lower(), "merkle_root": root.lower(), "intact": intact,
            "data": get_data(wrapped) if intact else None}


def checked_fields(doc_type: str, data: Any) -> dict[str, Any]:
    """The document's fields after its type's rules (BAD_DOCUMENT if it breaks them)."""
    return validate_document(doc_type, data).model_dump(mode="json")
