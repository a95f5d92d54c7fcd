"""Invoice financing and supply-chain finance: thin routes over the financing registry's and
the scf contract's queries, run as the caller (each contract answers only with its own)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request

from baobab.api.deps import caller, state
from baobab.api.problems import PROBLEM_RESPONSES
from baobab.api.routes.state import PURPOSE
from baobab.contracts.records import Claim
from baobab.gateway import Caller

router = APIRouter(prefix="/v1", tags=["finance"], responses=PROBLEM_RESPONSES)
Status = Literal["registered_unique", "registered_duplicate", "duplicate_of_financed", "financed", "cancelled", "repaid"]


@router.get("/financing/registrations")
def registrations(request: Request, who: Caller = Depends(caller),
                  status: Status | None = Query(None, description="only registrations in this status")) -> list[dict[str, Any]]:
    """Your platform's own registrations (id, kind, status, registered_at, flags), in id order."""
    args = {"status": status} if status else {}
    return state(request).view.query_as(who, "financing_registry", "registrations", args)  # type: ignore[no-any-return]


@router.get("/scf/claims/{claim_id}", response_model=Claim, response_model_exclude_unset=True)
def claim(request: Request, claim_id: str = Path(pattern=r"^[0-9a-f]{24}(\.[0-9]{1,3})*$", max_length=128),
          who: Caller = Depends(caller), purpose: str = PURPOSE) -> dict[str, Any]:
    """A supply-chain finance claim, for its anchor and those who hold or held it (and their
    supervisors, logged), as `/v1/state/scf/claim/{claim_id}` answers."""
    return state(request).reads.record(who, "scf", f"claim/{claim_id}", purpose)


@router.get("/scf/holdings")
def holdings(request: Request, who: Caller = Depends(caller)) -> list[dict[str, Any]]:
    """The open claims your organisation holds now."""
    return state(request).view.query_as(who, "scf", "holdings", {})  # type: ignore[no-any-return]
