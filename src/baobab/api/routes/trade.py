"""Trade documents, letters of credit and payment undertakings: thin routes over the contracts'
queries (run as the caller, so each contract applies its own access rules) and the document
verifier (`baobab.documents.verify`)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from pydantic import BaseModel

from baobab.api.deps import caller, json_body, state
from baobab.api.problems import PROBLEM_RESPONSES
from baobab.api.routes.state import PURPOSE
from baobab.contracts.records import Credit, DocumentRecord
from baobab.documents.verify import verify
from baobab.gateway import Caller

router = APIRouter(prefix="/v1", tags=["trade"], responses=PROBLEM_RESPONSES)
HEX64 = re.compile(r"^[0-9a-f]{64}$")
# Annotated, not shared default objects: FastAPI binds a Path() instance to the first parameter using it.
TargetHash = Annotated[str, Path(pattern=HEX64.pattern, description="the document's OpenAttestation target hash (64 lowercase hex)")]
Ref = Annotated[str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}$", description="the contract's reference form")]

_HASH = {"type": "string", "pattern": "^[0-9a-fA-F]{64}$"}
_JSON = {"$ref": "#/components/schemas/JsonValue"}  # no floats anywhere in a body
WRAPPED_DOCUMENT_BODY = {"requestBody": {"required": True, "content": {"application/json": {"schema": {
    "type": "object", "description": "an OpenAttestation v2 wrapped document (possibly with obfuscated fields)",
    "required": ["data", "signature"], "additionalProperties": _JSON,
    "properties": {
        "version": {"type": "string"},
        "data": {"type": "object", "additionalProperties": _JSON},
        "signature": {"type": "object", "additionalProperties": _JSON, "properties": {
            "type": {"type": "string"}, "targetHash": _HASH, "merkleRoot": _HASH,
            "proof": {"type": "array", "items": _HASH}}},
        "privacy": {"type": "object", "additionalProperties": _JSON,
                    "properties": {"obfuscatedData": {"type": "array", "items": _HASH}}},
    }}}}}}


class DocumentVerification(BaseModel):
    """The three answers, separately: `intact` (the content hashes to the anchored target hash),
    `issued` and not `revoked` (the registry holds it under the same Merkle root), `issuer`
    (the organisation the ledger recorded). `valid` is all three."""

    valid: bool
    intact: bool
    issued: bool
    revoked: bool
    issuer: str | None
    doc_type: str | None
    issue_tx: str | None
    target_hash: str | None
    reasons: list[str]


@router.post("/documents/verify", openapi_extra=WRAPPED_DOCUMENT_BODY)
def verify_document(request: Request, body: Any = Depends(json_body), who: Caller = Depends(caller)) -> DocumentVerification:
    """Verify a wrapped trade document against the registry on this ledger."""
    view = state(request).view

    def lookup(target_hash: str) -> dict[str, Any]:
        if not HEX64.match(target_hash):  # not a hash the registry could hold
            return {"target_hash": target_hash, "issued": False}
        return view.query_as(who, "documents", "status", {"target_hash": target_hash})  # type: ignore[no-any-return]

    return DocumentVerification(**verify(body, lookup).to_dict())


@router.get("/documents/{target_hash}", response_model=DocumentRecord, response_model_exclude_unset=True)
def document_status(request: Request, target_hash: TargetHash, who: Caller = Depends(caller)) -> dict[str, Any]:
    """Registry facts about a document (`{issued: false}` if never registered); its readers and
    content hash only for those it was shared with."""
    return state(request).view.query_as(who, "documents", "status", {"target_hash": target_hash})  # type: ignore[no-any-return]


@router.get("/credits/{lc_id:path}", response_model=Credit, response_model_exclude_unset=True)
def credit(request: Request, lc_id: Ref, who: Caller = Depends(caller), purpose: str = PURPOSE) -> dict[str, Any]:
    """A letter of credit, for its parties and the supervisors of its goods or banks (whose
    read is logged), as `/v1/state/letter_of_credit/lc/{lc_id}` answers."""
    return state(request).reads.record(who, "letter_of_credit", f"lc/{lc_id}", purpose)


@router.get("/undertakings/{pu_id:path}")
def undertaking(request: Request, pu_id: Ref, who: Caller = Depends(caller), purpose: str = PURPOSE) -> dict[str, Any]:
    """A payment undertaking, for its buyer, seller and bank and their supervisors (logged),
    as `/v1/state/payment_undertaking/pu/{pu_id}` answers."""
    return state(request).reads.record(who, "payment_undertaking", f"pu/{pu_id}", purpose)
