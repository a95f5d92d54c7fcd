"""Blocks, the signed head, inclusion and consistency proofs."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request

from baobab.api.deps import MAX_HEIGHT, MAX_LIMIT, caller, state
from baobab.api.problems import PROBLEM_RESPONSES
from baobab.core.errors import BaobabError
from baobab.gateway import Caller

router = APIRouter(prefix="/v1", tags=["ledger"], responses=PROBLEM_RESPONSES)


@router.get("/head")
def head(request: Request, who: Caller = Depends(caller)) -> dict[str, Any]:
    """The latest orderer-signed block header and the Merkle root over all block hashes."""
    return state(request).view.head()


@router.get("/blocks")
def blocks(request: Request, who: Caller = Depends(caller), start: int = Query(0, ge=0, le=MAX_HEIGHT, alias="from"),
           limit: int = Query(50, ge=1, le=MAX_LIMIT)) -> dict[str, Any]:
    """Block headers from `from`, a page at a time (`next` is the next page's `from`)."""
    view = state(request).view
    out = [{"number": b.number, "hash": b.hash, "header": b.header, "codes": b.codes} for b in view.blocks(start, limit)]
    nxt = start + len(out) if out and start + len(out) < view.height() else None
    return {"blocks": out, "next": nxt}


@router.get("/blocks/{number}")
def block(request: Request, number: int = Path(..., ge=0, le=MAX_HEIGHT), *, who: Caller = Depends(caller)) -> dict[str, Any]:
    """A block: header, orderer signature, and each transaction's id and code; the full
    envelope only of the transactions you are party to."""
    return state(request).reads.block_view(who, number)


@router.get("/blocks/{number}/leaves")
def block_leaves(request: Request, number: int = Path(..., ge=0, le=MAX_HEIGHT), *, who: Caller = Depends(caller)) -> dict[str, Any]:
    """A block's orderer-signed header and the leaf hash of every transaction in it: enough to
    check its Merkle root without the envelopes you are not party to (docs/PROTOCOL.md)."""
    found = state(request).view.block_leaves(number)
    if found is None:
        raise BaobabError("NOT_FOUND", f"no block {number}")
    return found


@router.get("/proofs/tx/{tx_id}")
def inclusion_proof(request: Request, tx_id: str, who: Caller = Depends(caller),
                    purpose: str = Query("", max_length=200)) -> dict[str, Any]:
    """Proof that a transaction is in the ledger, checkable with only the orderer's public key
    (`baobab.ledger.proofs.verify_inclusion_proof`)."""
    st = state(request)
    _, access = st.reads.require_tx(who, tx_id, purpose)
    proof = st.view.inclusion_proof(tx_id)
    return {**proof, "access": access} if access else proof


@router.get("/proofs/consistency")
def consistency_proof(request: Request, who: Caller = Depends(caller), old_size: int = Query(..., ge=1, le=MAX_HEIGHT),
                      new_size: int | None = Query(None, ge=1, le=MAX_HEIGHT)) -> dict[str, Any]:
    """RFC 9162 proof that the log of `old_size` blocks is a prefix of the current one."""
    return state(request).view.consistency_proof(old_size, new_size)
