"""Oracles and conditional payments: thin routes over the oracle registry's queries and the
conditional payment records."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from baobab.api.deps import caller, state
from baobab.api.problems import PROBLEM_RESPONSES
from baobab.contracts.records import Agreement
from baobab.gateway import Caller

router = APIRouter(prefix="/v1", tags=["oracles"], responses=PROBLEM_RESPONSES)
Ref = Annotated[str, Path(min_length=1, max_length=128)]


class Reputation(BaseModel):
    """An oracle's record in aggregation rounds, as the registry keeps it for every member."""

    oracle: str
    answered: int
    missed: int
    outliers: int
    score: int


@router.get("/oracles/rounds/{round_id:path}")
def oracle_round(request: Request, round_id: Ref, who: Caller = Depends(caller),
                 purpose: str = Query("", max_length=200, description="why a supervisor reads")) -> dict[str, Any]:
    """An aggregation round: its feed, oracles, answers and outcome, for its parties (and
    supervisors, logged), as `/v1/state/oracles/round/{round_id}` answers."""
    return state(request).reads.record(who, "oracles", f"round/{round_id}", purpose)


@router.get("/oracles/{org}/reputation")
def reputation(request: Request, org: str = Path(min_length=1, max_length=32), who: Caller = Depends(caller)) -> Reputation:
    """An oracle organisation's reputation (`oracles.reputation`); zeros if it never answered."""
    return Reputation(**state(request).view.query_as(who, "oracles", "reputation", {"oracle": org}))


@router.get("/conditional-payments/{agreement_id:path}", response_model=Agreement, response_model_exclude_unset=True)
def conditional_payment(request: Request, agreement_id: Ref, who: Caller = Depends(caller),
                        purpose: str = Query("", max_length=200, description="why a supervisor reads")) -> dict[str, Any]:
    """A conditional payment agreement, for its payer bank, payer and payee (and supervisors,
    whose read is logged). Read through the API's access rules rather than the contract's
    `get`, which answers the parties only, so that supervisors can read it too."""
    return state(request).reads.record(who, "conditional_payment", f"agreement/{agreement_id}", purpose)
