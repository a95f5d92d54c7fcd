"""The EPCIS 2.0 REST binding's capture and event query, as the users need them, on the node API.

    POST /v1/epcis/capture?shareWith=ORG      an EPCISDocument; 202 with the capture job (Location)
    GET  /v1/epcis/capture/{captureID}         the job: its events and their anchoring on the ledger
    GET  /v1/epcis/events?EQ_bizStep=...       an EPCISQueryDocument of the events the caller may read
    GET  /v1/epcis/events/{eventID}            one event with its inclusion proof and the verdict
    POST /v1/epcis/verify                      {event, proof}: checked against the ledger's batch

Unlike the rest of the API, EPCIS bodies may hold decimal numbers (quantities, sensor values):
they stay off the ledger, and money never travels in them. The caller's organisation captures
and reads; the node signs the anchoring as that organisation.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import JSONResponse

from baobab.api.deps import caller, state
from baobab.api.problems import PROBLEM_RESPONSES
from baobab.core.errors import BaobabError
from baobab.core.jcs import MAX_SAFE_INTEGER
from baobab.gateway import Caller
from baobab.trace import anchoring, lineage
from baobab.trace.service import TraceService
from baobab.trace.validation import EVENT_TYPES, MAX_CAPTURE_EVENTS

router = APIRouter(prefix="/v1", tags=["traceability"], responses=PROBLEM_RESPONSES)
ORG = r"^[A-Z0-9][A-Z0-9-]{0,63}$"
RFC3339 = r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])[Tt]([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d{1,9})?([Zz]|[+-]([01]\d|2[0-3]):[0-5]\d)$"
EventType = Literal["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"]
assert set(EventType.__args__) == set(EVENT_TYPES)  # type: ignore[attr-defined]
Key = Annotated[str, Query(min_length=1, max_length=512, description="a GS1 key as a Digital Link URI or an EPC URN")]
_DOCUMENT = {"allOf": [{"$ref": "#/components/schemas/EPCIS_epcisDocument"}, {  # and what a capture takes of it
    "type": "object", "required": ["type", "epcisBody"], "properties": {"type": {"const": "EPCISDocument"}, "epcisBody": {
        "type": "object", "required": ["eventList"], "properties": {"eventList": {
            "type": "array", "minItems": 1, "maxItems": MAX_CAPTURE_EVENTS,
            "items": {"type": "object", "required": ["type"], "properties": {"type": {"enum": list(EVENT_TYPES)}}}}}}}}]}
_DOCUMENT_BODY = {"requestBody": {"required": True, "description": "an EPCIS 2.0 EPCISDocument (the GS1 EPCIS JSON schema)",
                                  "content": {"application/ld+json": {"schema": _DOCUMENT}, "application/json": {"schema": _DOCUMENT}}}}


def openapi_schemas() -> dict[str, Any]:
    """The GS1 EPCIS schema's definitions as OpenAPI components (`EPCIS_<name>`), so that the API
    document describes a capture's body exactly as the server checks it."""
    from baobab.trace.validation import schema

    text = json.dumps(schema()["definitions"]).replace('"#/definitions/', '"#/components/schemas/EPCIS_')
    return {f"EPCIS_{name}": definition for name, definition in json.loads(text).items()}


def service(request: Request) -> TraceService:
    st = state(request)
    return TraceService.at(st.gateway, st.data_dir)


def _no_constant(text: str) -> Any:
    raise BaobabError("MALFORMED", f"{text} is not JSON")


def _number(text: str) -> int | float:
    """An integer beyond ±(2**53-1) is read as the double it denotes: RFC 8785 hashes numbers as
    IEEE doubles, so that is the value every party hashes (and the schema says only "number")."""
    value = int(text)
    return value if abs(value) <= MAX_SAFE_INTEGER else float(text)


async def epcis_body(request: Request) -> Any:
    try:
        return json.loads(await request.body(), parse_constant=_no_constant, parse_int=_number)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaobabError("MALFORMED", f"request body is not JSON: {exc}") from None


@router.post("/epcis/capture", status_code=202, openapi_extra=_DOCUMENT_BODY)
def capture(request: Request, body: Any = Depends(epcis_body), who: Caller = Depends(caller),
            share_with: list[Annotated[str, Query(pattern=ORG)]] = Query([], alias="shareWith", max_length=31,
                                                                          description="organisations that may read the events")
            ) -> JSONResponse:
    """Capture the events of an EPCISDocument as your organisation: validated against the GS1
    schema (EPCIS_INVALID names the failing field), kept on this node, anchored on the ledger."""
    job = service(request).capture(who.org, who.client, body, share_with)
    return JSONResponse(job, status_code=202, headers={"Location": f"/v1/epcis/capture/{job['captureID']}"})


@router.get("/epcis/capture/{capture_id:path}")
def capture_job(request: Request, capture_id: str = Path(max_length=200), who: Caller = Depends(caller)) -> dict[str, Any]:
    """A capture job: its events and the ledger transaction that anchored them."""
    return service(request).capture_job_for(who.org, capture_id)


@router.get("/epcis/events")
def events(request: Request, who: Caller = Depends(caller),
           event_type: EventType | None = Query(None, alias="eventType"),
           biz_step: str | None = Query(None, alias="EQ_bizStep", max_length=200),
           any_epc: str | None = Query(None, alias="MATCH_anyEPC", max_length=512),
           epc_class: str | None = Query(None, alias="MATCH_epcClass", max_length=512),
           biz_location: str | None = Query(None, alias="EQ_bizLocation", max_length=512),
           since: str | None = Query(None, alias="GE_eventTime", max_length=40, pattern=RFC3339),
           before: str | None = Query(None, alias="LT_eventTime", max_length=40, pattern=RFC3339),
           per_page: int = Query(100, alias="perPage", ge=1, le=1000)) -> dict[str, Any]:
    """The events your organisation may read, oldest first, as an EPCISQueryDocument."""
    svc = service(request)
    try:
        found = svc.events(who.org, event_type=event_type, biz_step=biz_step, any_key=any_epc, epc_class=epc_class,
                           biz_location=biz_location, since=since, before=before, limit=per_page)
    except ValueError as exc:
        raise BaobabError("MALFORMED", f"GE_eventTime and LT_eventTime are RFC 3339 times: {exc}") from None
    return svc.query_document(who.org, found)


@router.get("/epcis/events/{event_id:path}")
def event(request: Request, event_id: str = Path(max_length=512), who: Caller = Depends(caller)) -> dict[str, Any]:
    """One event, its inclusion proof, the ledger's batch and whether they agree (intact and timely)."""
    return service(request).event_with_proof(who.org, event_id, who.client)


_HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_VERIFY_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "required": ["event", "proof"], "properties": {
        "event": {"type": "object", "description": "the EPCIS event as it was shown to you"},
        "proof": {"type": "object", "required": ["event_hash", "batch_id", "position", "path"], "properties": {
            "event_hash": _HEX64, "batch_id": {"type": "string", "maxLength": 128},
            "position": {"type": "integer", "minimum": 0}, "size": {"type": "integer", "minimum": 1},
            "path": {"type": "array", "items": _HEX64, "maxItems": 64}}}}}}}}}


@router.post("/epcis/verify", openapi_extra=_VERIFY_BODY)
def verify(request: Request, body: Any = Depends(epcis_body), who: Caller = Depends(caller)) -> dict[str, Any]:
    """Check an event someone showed you, with its proof, against the batch anchored on the ledger."""
    if not isinstance(body, dict) or not isinstance(body.get("event"), dict) or not isinstance(body.get("proof"), dict):
        raise BaobabError("MALFORMED", "the body is {event, proof}")
    batch = service(request).ledger_batch(who.org, who.client, str(body["proof"].get("batch_id", "")))
    return anchoring.verify(body["event"], body["proof"], batch).to_dict()


@router.get("/trace/backward")
def backward(request: Request, key: Key, who: Caller = Depends(caller)) -> dict[str, Any]:
    """Where the goods named by `key` (a bag, a container, a lot) came from: every farmer's
    delivery in them and how much of it, through each transformation's ratio."""
    return lineage.backward(service(request).store, who.org, key).to_dict()


@router.get("/trace/forward")
def forward(request: Request, key: Key, who: Caller = Depends(caller)) -> dict[str, Any]:
    """Where the goods named by `key` (a farmer's delivered lot) went: the lots, bags and
    containers made from them, and how much of the delivery each holds."""
    return lineage.forward(service(request).store, who.org, key).to_dict()


@router.get("/trace/share")
def share(request: Request, key: Key, who: Caller = Depends(caller)) -> dict[str, Any]:
    """What each stage was paid for the goods `key` names, per kg of green-coffee equivalent, its
    share of the retail price, and the farm-gate price against the published reference price."""
    return service(request).share(who.org, who.client, key)
