"""Health (unauthenticated, for readiness probes), the network's members, problem types."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from baobab.api.deps import caller, state
from baobab.api.problems import PROBLEM_RESPONSES
from baobab.core.errors import CODES, BaobabError
from baobab.gateway import Caller

router = APIRouter(responses=PROBLEM_RESPONSES)


@router.get("/health", tags=["system"])
@router.get("/v1/health", tags=["system"])
def health(request: Request) -> dict[str, Any]:
    """Readiness: the network name and the ledger height. No authentication."""
    view = state(request).view
    return {"status": "ok", "network": view.network, "height": view.height()}


@router.get("/v1/network", tags=["system"])
def network(request: Request, who: Caller = Depends(caller)) -> dict[str, Any]:
    """The organisations (id, name, country, roles, status), the orderer key and who you are."""
    st = state(request)
    orgs = [value for _, value, _ in st.view.range("governance:org/")]  # suspended ones too
    return {"network": st.view.network, "you": {"identity": who.identity, "org": who.org, "roles": list(who.roles),
                                               "country": who.country},
            "orderer": st.view.genesis["orderer"],
            "organisations": [{k: o[k] for k in ("id", "name", "country", "roles", "status")} for o in orgs if o],
            "contracts": [c["contract"] for c in st.view.contracts()]}


@router.get("/v1/problems", tags=["system"])
def problems() -> list[dict[str, Any]]:
    """Every problem code this node can answer with, its HTTP status and title."""
    return [{"code": c, "status": s, "title": t} for c, (s, t) in CODES.items()]


@router.get("/v1/problems/{code}", tags=["system"])
def problem(code: str) -> dict[str, Any]:
    if code not in CODES:
        raise BaobabError("NOT_FOUND", f"no problem code {code}")
    status, title = CODES[code]
    return {"code": code, "status": status, "title": title}
