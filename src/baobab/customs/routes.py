"""The customs routes of the node's API (`/v1/customs`), the same in both modes: thin reads over
the customs contracts, run as the caller so each contract applies its own access rules.

- a declaration as WCO Data Model 3.6 XML (the declarant, its broker and the customs office);
- the office's risk rules in force, with each rule's hit rate and the change log (the office);
- the screening of a declaration with those rules (the office), the arguments it then signs and
  submits as `customs_declarations.screen`;
- the region's statistics as open data (`customs.statistics`, `customs.regional`), for customs
  and regulators.

Changing rules and recording outcomes are transactions like any other (`POST /v1/transactions`,
`baobab call customs_risk set_rule ...`), signed by the officer's client.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from baobab.api.deps import caller, state
from baobab.api.problems import PROBLEM_RESPONSES
from baobab.core.errors import BaobabError
from baobab.customs import regional, risk, wco
from baobab.gateway import Caller

router = APIRouter(prefix="/v1/customs", tags=["customs"], responses=PROBLEM_RESPONSES)
DECLARATIONS, RULES = "customs_declarations", "customs_risk"
DeclarationId = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$", description="the declaration's id")]
XML_RESPONSE: dict[int | str, dict[str, Any]] = {200: {
    "description": "the declaration as a WCO DEC-DMS `Declaration` (Data Model 3.6), valid against the WCO XSD",
    "content": {"application/xml": {"schema": {"type": "string"}}}}}
OPEN_DATA_RESPONSE: dict[int | str, dict[str, Any]] = {200: {
    "description": "one row per country, month and currency, and each column's definition",
    "content": {"text/csv": {"schema": {"type": "string"}}, "application/json": {"schema": {"type": "object"}}}}}
STATISTICS_ROLES = {"customs", "regulator"}


def _names(request: Request, record: dict[str, Any]) -> dict[str, str]:
    members = state(request).view.members()
    ids = {record["declarant"], record["customs"], record.get("broker") or record["declarant"]}
    return {org: (members.org(org) or {}).get("name", org) for org in ids}


@router.get("/declarations/{declaration_id:path}.xml", response_class=Response, responses=XML_RESPONSE)
def declaration_xml(request: Request, declaration_id: DeclarationId, who: Caller = Depends(caller)) -> Response:
    """A declaration as WCO Data Model 3.6 XML (`application/xml`), validated against the WCO
    schema before it is sent: for the declarant, its broker and the customs office it was lodged
    with; to anyone else it does not exist (404)."""
    record = state(request).view.query_as(who, DECLARATIONS, "get", {"declaration_id": declaration_id})
    body = wco.declaration_xml(record, names=_names(request, record))
    filename = declaration_id.replace("/", "_")
    return Response(body, media_type="application/xml", headers={"Content-Disposition": f'attachment; filename="{filename}.xml"'})


@router.get("/rules")
def rules(request: Request, who: Caller = Depends(caller)) -> dict[str, Any]:
    """Your office's risk rules in force (the engine's defaults while it has set none: version 0),
    each with its hit rate from the outcomes of control recorded (`controlled`, `found`), and the
    change log (who changed which rule, when, from what to what)."""
    view = state(request).view
    record = view.query_as(who, RULES, "rules", {})
    rates = risk.hit_rates(view.query_as(who, RULES, "outcomes", {}))
    in_force = [{**rule.stored(), "controlled": rates.get(rule.id, (0, 0))[0], "found": rates.get(rule.id, (0, 0))[1]}
                for rule in risk.office_rules(record)]
    return {"customs": record["customs"], "version": record["version"], "rules": in_force, "changes": record["changes"]}


@router.get("/declarations/{declaration_id:path}/screening")
def screening(request: Request, declaration_id: DeclarationId, who: Caller = Depends(caller)) -> dict[str, Any]:
    """The channel and flags your office's rules in force give a declaration lodged with it, and
    the rules version they were computed with: the arguments of `customs_declarations.screen`,
    which the ledger refuses (RULES_OUTDATED) if the rules change before it commits."""
    view = state(request).view
    queue = view.query_as(who, DECLARATIONS, "queue", {})
    record = next((d for d in queue if d["id"] == declaration_id), None)
    if record is None:
        raise BaobabError("NOT_FOUND", f"no declaration {declaration_id} at this office")
    return risk.screen_at_office(queue, record, view.query_as(who, RULES, "rules", {}),
                                 view.query_as(who, RULES, "outcomes", {}), view.query_as(who, DECLARATIONS, "shared", {}))


@router.get("/statistics/regional.{fmt}", response_class=Response, responses=OPEN_DATA_RESPONSE)
def regional_statistics(request: Request, fmt: Literal["csv", "json"], who: Caller = Depends(caller)) -> Response:
    """The region's statistics as open data (`customs.regional`: time to release, documents
    presented digitally, letters of credit's time and charges, small exporters, the cost of payments
    and remittances), by country, month and currency, with each column's definition; for customs
    offices and regulators. Aggregates only: no record is named, so no read is logged."""
    if not STATISTICS_ROLES & set((state(request).view.members().org(who.org) or {}).get("roles", [])):
        raise BaobabError("FORBIDDEN", "the region's statistics are for customs offices and regulators")
    region = getattr(request.app.state, "region", None)  # with the remittances the node's providers sent
    sources = region() if region is not None else regional.collect(state(request).view)
    return Response(regional.export(sources, fmt), media_type="text/csv" if fmt == "csv" else "application/json",
                    headers={"Content-Disposition": f'attachment; filename="regional.{fmt}"'})
