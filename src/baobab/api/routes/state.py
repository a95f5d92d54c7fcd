"""World state: one key, the keys of a namespace, a key's history. Every read passes the
access rules (api/access.py); supervisor reads are logged on the ledger first."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from baobab.api.deps import CURSOR, MAX_LIMIT, caller, decode_cursor, encode_cursor, state
from baobab.api.problems import PROBLEM_RESPONSES
from baobab.gateway import Caller

router = APIRouter(prefix="/v1", tags=["state"], responses=PROBLEM_RESPONSES)
PURPOSE = Query("", max_length=200, description="why a supervisor reads (recorded in the access log)")


@router.get("/state/{namespace}")
def keys(request: Request, namespace: str, who: Caller = Depends(caller), prefix: str = Query("", max_length=512),
         limit: int = Query(50, ge=1, le=MAX_LIMIT), cursor: str | None = Query(None, **CURSOR),
         purpose: str = PURPOSE) -> dict[str, Any]:
    """The records of a contract's namespace you may read, in key order, a page at a time."""
    records, last, access = state(request).reads.list(
        who, f"{namespace}:{prefix}", decode_cursor(cursor), limit, purpose=purpose,
        query={"namespace": namespace, "prefix": prefix})
    out: dict[str, Any] = {"records": records, "next_cursor": encode_cursor(last)}
    return {**out, "access": access} if access else out


@router.get("/state/{namespace}/{key:path}")
def get(request: Request, namespace: str, key: str, who: Caller = Depends(caller), purpose: str = PURPOSE) -> dict[str, Any]:
    """One record: value, version [block, tx], parties. `key` is the key within the namespace,
    or the full key `namespace:key` as lists return it."""
    return state(request).reads.get(who, namespace, own_key(namespace, key), purpose)


@router.get("/history/{namespace}/{key:path}")
def history(request: Request, namespace: str, key: str, who: Caller = Depends(caller), purpose: str = PURPOSE) -> dict[str, Any]:
    """Every committed version of a record, oldest first (`deleted` marks deletions)."""
    return state(request).reads.history(who, namespace, own_key(namespace, key), purpose)


def own_key(namespace: str, key: str) -> str:
    """The key within `namespace`, given either so or as the full key lists return."""
    return key[len(namespace) + 1:] if key.startswith(f"{namespace}:") else key
