"""Wrapping documents: salting each field with a fresh random UUID (v4) and building the batch's
Merkle tree. Kept apart from `openattestation`, whose checks contracts run: drawing randomness
belongs to the issuer's side, never to a contract's execution (ledger/determinism.py).
"""

from __future__ import annotations

import uuid
from typing import Any

from baobab.documents.openattestation import wrap_one, merkle_root_and_proofs


def _uuid4() -> str:
    return str(uuid.uuid4())


def wrap_documents(documents: list[dict[str, Any]], *, schema: str | None = None) -> list[dict[str, Any]]:
    """Salt and wrap a batch; all share one merkleRoot and each carries its own proof."""
    wrapped = [wrap_one(doc, schema, _uuid4) for doc in documents]
    root, proofs = merkle_root_and_proofs([w["signature"]["targetHash"] for w in wrapped])
    for doc, proof in zip(wrapped, proofs):
        doc["signature"]["proof"] = proof
        doc["signature"]["merkleRoot"] = root
    return wrapped


def wrap_document(document: dict[str, Any], *, schema: str | None = None) -> dict[str, Any]:
    """Wrap one document on its own: a batch of one, so merkleRoot == targetHash."""
    return wrap_documents([document], schema=schema)[0]
