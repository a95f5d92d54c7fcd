"""Submitting signed proposals and following them: /v1/transactions and /v1/contracts."""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import JSONResponse

from baobab.api.deps import caller, json_body, state
from baobab.api.problems import PROBLEM_RESPONSES
from baobab.api.routes.state import PURPOSE
from baobab.core.errors import BaobabError
from baobab.gateway import Caller, Outcome, check_signed_proposal, tx_id_of

router = APIRouter(prefix="/v1", responses=PROBLEM_RESPONSES)
IDEMPOTENCY_KEY = re.compile(r"^[\x21-\x7e]{1,128}$")

_TEXT = {"type": "string", "minLength": 1, "maxLength": 256}
SIGNED_PROPOSAL_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": {
            "type": "object", "required": ["proposal", "signature"], "additionalProperties": False,
            "properties": {
                "signature": {"type": "string", "pattern": "^[A-Za-z0-9_-]{86}$",
                              "description": "base64url Ed25519 signature, purpose 'proposal'"},
                "private": {"type": "object", "required": ["members", "data"], "additionalProperties": False,
                            "description": "network mode: data whose hash is `proposal.args.private_hash`, sent "
                                           "only to the nodes of `members` (organisation ids); never ordered",
                            "properties": {"members": {"type": "array", "items": {"type": "string"}},
                                           "data": {"$ref": "#/components/schemas/JsonValue"}}},
                "proposal": {
                    "type": "object", "additionalProperties": False,
                    "required": ["network", "contract", "function", "args", "creator", "nonce", "timestamp"],
                    "properties": {"network": _TEXT, "contract": _TEXT, "function": _TEXT, "args": {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/JsonValue"}},
                                   "creator": {**_TEXT, "pattern": "^[A-Z0-9][A-Z0-9_-]{1,31}/[a-z0-9][a-z0-9_.-]{0,31}$"},
                                   "nonce": _TEXT,
                                   "timestamp": {"type": "string", "format": "date-time",
                                                 "description": "RFC 3339 UTC, e.g. 2026-06-30T12:00:00Z"}}}}}}},
    }
}


def _own_proposal(signed: Any, who: Caller) -> dict[str, Any]:
    creator = signed.get("proposal", {}).get("creator") if isinstance(signed, dict) and isinstance(signed.get("proposal"), dict) else None
    if isinstance(creator, str) and creator.split("/")[0] != who.org:
        raise BaobabError("FORBIDDEN", f"{who.identity} may not submit a proposal created by {creator}")
    return check_signed_proposal(signed)


def _submit(request: Request, signed: dict[str, Any], who: Caller, wait: bool, timeout: int,
            idempotency_key: str | None, private: Any = None) -> Any:
    st = state(request)
    tx_id = tx_id_of(signed)
    if idempotency_key is not None:
        if not IDEMPOTENCY_KEY.match(idempotency_key):
            raise BaobabError("MALFORMED", "Idempotency-Key is 1-128 printable ASCII characters")
        known = st.memory.idempotent(who.identity, idempotency_key)
        if known is not None and known[1] != tx_id:
            raise BaobabError("IDEMPOTENCY_KEY_REUSED", f"key already used for transaction {known[1]}", tx_id=known[1])
    result = st.gateway.submit(signed, wait=wait, timeout=float(timeout), private=private)
    if idempotency_key is not None:
        st.memory.remember(who.identity, idempotency_key, tx_id, tx_id)
    if isinstance(result, Outcome):
        return {"status": "committed", **result.to_dict()}
    url = f"/v1/transactions/{tx_id}"
    return JSONResponse({"tx_id": tx_id, "status": "pending", "status_url": url}, status_code=202,
                        headers={"Location": url})


@router.post("/transactions", tags=["transactions"], openapi_extra=SIGNED_PROPOSAL_BODY,
             responses={202: {"description": "ordered; follow status_url"}})
def submit(request: Request, body: Any = Depends(json_body), who: Caller = Depends(caller),
           wait: bool = Query(True, description="wait for commit (200) or return at once (202)"),
           timeout: int = Query(30, ge=1, le=120),
           idempotency_key: str | None = Header(None, alias="Idempotency-Key", pattern=IDEMPOTENCY_KEY.pattern)) -> Any:
    """Submit a signed proposal: the node gathers endorsements, orders it and (by default) waits
    for its block. A committed transaction answers 200 with its validation `code` (VALID or why
    not); resubmitting the same signed proposal returns the same outcome."""
    private = body.pop("private", None) if isinstance(body, dict) else None
    return _submit(request, _own_proposal(body, who), who, wait, timeout, idempotency_key, private)


@router.get("/transactions/{tx_id}", tags=["transactions"])
def transaction(request: Request, tx_id: str, who: Caller = Depends(caller)) -> dict[str, Any]:
    """A transaction's outcome (committed, with its block and code) or `pending`."""
    st = state(request)
    outcome = st.gateway.status(tx_id)
    if outcome == "pending":
        return {"tx_id": tx_id, "status": "pending"}
    if outcome is None:
        raise BaobabError("NOT_FOUND", f"no transaction {tx_id}")
    assert isinstance(outcome, Outcome)
    envelope, access = st.reads.require_tx(who, tx_id, request.query_params.get("purpose", ""))
    out = {"status": "committed", **outcome.to_dict(), "creator": envelope["proposal"]["creator"],
           "contract": envelope["proposal"]["contract"], "function": envelope["proposal"]["function"]}
    return {**out, "access": access} if access else out


@router.get("/contracts", tags=["contracts"])
def contracts(request: Request, who: Caller = Depends(caller)) -> list[dict[str, Any]]:
    """Installed contracts and their functions (transactions with their policy, or queries)."""
    return state(request).view.contracts()


@router.post("/contracts/{contract}/{function}", tags=["contracts"], openapi_extra=SIGNED_PROPOSAL_BODY,
             responses={202: {"description": "ordered; follow status_url"}})
def call(request: Request, contract: str, function: str, body: Any = Depends(json_body),
         who: Caller = Depends(caller), wait: bool = Query(True), timeout: int = Query(30, ge=1, le=120),
         idempotency_key: str | None = Header(None, alias="Idempotency-Key", pattern=IDEMPOTENCY_KEY.pattern),
         purpose: str = PURPOSE) -> Any:
    """Call any contract function with a signed proposal for it: a query answers `{response}`
    at once; a transaction is submitted as with POST /v1/transactions. A query about a record
    the caller supervises but is not party to (customs, regulators) answers as the record's
    other read paths do: with a `purpose`, logged on the ledger first (`access`: the entries)."""
    signed = _own_proposal(body, who)
    p = signed["proposal"]
    if (p["contract"], p["function"]) != (contract, function):
        raise BaobabError("MALFORMED", f"the proposal is for {p['contract']}.{p['function']}, not {contract}.{function}")
    st = state(request)
    if st.view.is_query(contract, function):
        access: list[str] = []
        supervise = st.reads.supervise(who, purpose, {"query": f"{contract}.{function}", "args": p["args"]}, access)
        response = st.gateway.evaluate(signed, supervise=supervise)
        return {"response": response, **({"access": access} if access else {})}
    return _submit(request, signed, who, wait, timeout, idempotency_key)
