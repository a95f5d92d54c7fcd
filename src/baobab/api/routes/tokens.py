"""Bearer tokens: issued against a signed request, listed and revoked by their organisation."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Request

from baobab.api.deps import caller, state
from baobab.api.problems import PROBLEM_RESPONSES
from baobab.gateway import Caller

router = APIRouter(prefix="/v1/auth", tags=["system"], responses=PROBLEM_RESPONSES)
TOKEN_ID = {"min_length": 1, "max_length": 64, "pattern": "^[A-Za-z0-9_-]+$"}


@router.post("/token")
def token(request: Request, who: Caller = Depends(caller)) -> dict[str, Any]:
    """A bearer token for this identity, valid 15 minutes; only against a signed request.
    Revoked with any change to the organisation's membership (suspension, re-keying)."""
    return state(request).auth.issue_token(who, request.headers)


@router.get("/tokens")
def tokens(request: Request, who: Caller = Depends(caller)) -> list[dict[str, Any]]:
    """Your organisation's live tokens: id, identity, issued, expires (never the token itself)."""
    return state(request).auth.tokens(who)


@router.delete("/tokens/{token_id}")
def revoke(request: Request, token_id: str = Path(..., **TOKEN_ID), who: Caller = Depends(caller)) -> dict[str, Any]:
    """Revoke one of your organisation's tokens at once."""
    return state(request).auth.revoke_token(who, token_id)
