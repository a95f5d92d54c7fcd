"""Verifiable credentials over the API: issue (with the organisation's issuing key, held by its
node), verify, revoke, status lists, the custodial holder store (keys and credentials held for
people), presentations with a challenge, and a lender's assessment of a presentation.

Every answer about a credential comes from the ledger as the caller reads it: "issuer known"
from the credentials registry, "not revoked" from the issuer's status list there.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Union

from fastapi import APIRouter, Body, Depends, Path, Request
from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypeAliasType

from baobab.api.deps import caller, state
from baobab.api.problems import PROBLEM_RESPONSES
from baobab.core.errors import BaobabError
from baobab.credentials.credential import stamp, verify_credential
from baobab.credentials.custody import Custody, challenges_of, custody_of
from baobab.credentials.issuer import Claim, Issuer, revoke_credential
from baobab.credentials.ledger import LedgerDirectory, LedgerStatus, committed
from baobab.credentials.lending import Lender
from baobab.credentials.presentation import Challenges
from baobab.gateway import Caller

router = APIRouter(prefix="/v1", tags=["credentials"], responses=PROBLEM_RESPONSES)
Did = Annotated[str, Path(min_length=10, max_length=200, pattern=r"^did:key:z[1-9A-HJ-NP-Za-km-z]+$")]
JsonObject = dict[str, Any]
# What an issued credential may hold: JSON without floats, integers that JCS (RFC 8785) keeps exact.
SafeInt = Annotated[int, Field(ge=-(2**53 - 1), le=2**53 - 1)]
Value = TypeAliasType("Value", Union[str, SafeInt, bool, None, list["Value"], dict[str, "Value"]])  # type: ignore[misc]
DID_KEY = r"^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]{40,50}$"


class CallerActor:
    """The authenticated caller as the credentials code's Actor: it queries the ledger as
    itself and submits with its organisation's client key held by this node."""

    def __init__(self, request: Request, who: Caller) -> None:
        self.st, self.who, self.org = state(request), who, who.org

    def query(self, contract: str, function: str, args: dict[str, Any]) -> Any:
        return self.st.view.query_as(self.who, contract, function, args)

    def submit(self, contract: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
        signed = self.st.gateway.signer(self.org, [self.who.client, "app"]).proposal(contract, function, args)
        outcome = self.st.gateway.submit(signed)
        return outcome if isinstance(outcome, dict) else outcome.to_dict()  # type: ignore[union-attr]


def custody(request: Request) -> Custody:
    return custody_of(request.app, state(request).data_dir)


def challenges(request: Request, org: str) -> Challenges:
    return challenges_of(request.app, org)


def issuer_for(request: Request, actor: CallerActor) -> Issuer:
    """The caller's organisation as an issuer: its node-held key, registered on first use."""
    issuer = Issuer(actor, custody(request).issuer(actor.org))
    if LedgerDirectory(actor).lookup(issuer.did) is None:
        issuer.register()
    return issuer


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Subject(BaseModel):
    """What the credential says about its holder: `id` is the holder's did:key, the rest is yours."""
    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, Value]  # type: ignore[assignment]
    id: str = Field(pattern=DID_KEY)


class IssueRequest(BaseModel):
    types: list[Annotated[str, Field(pattern=r"^[A-Z][A-Za-z0-9]{0,63}$")]] = Field(
        min_length=1, max_length=8, description="credential types besides VerifiableCredential")
    subject: Subject
    valid_days: int | None = Field(None, ge=1, le=3650, description="the credential expires after so many days")
    evidence: list[dict[str, Value]] = Field(default_factory=list, max_length=20)
    name: str | None = Field(None, min_length=1, max_length=200)


@router.post("/credentials/issue")
def issue(request: Request, body: IssueRequest, who: Caller = Depends(caller)) -> JsonObject:
    """A credential signed (eddsa-jcs-2022) with your organisation's issuing key, which this node
    holds (its did:key is registered to you on first use) and a place in your revocation list."""
    issuer = issuer_for(request, CallerActor(request, who))
    until = stamp(_now() + timedelta(days=body.valid_days)) if body.valid_days else None
    return issuer.issue(Claim(body.types, body.subject.model_dump(), until, body.evidence, body.name))


def _verdict(request: Request, who: Caller, vc: Any) -> JsonObject:
    actor = CallerActor(request, who)
    directory = LedgerDirectory(actor)
    return verify_credential(vc, now=_now(), issuers=directory, status=LedgerStatus(actor, directory)).to_dict()


@router.post("/credentials/verify")
def verify(request: Request, credential: JsonObject = Body(embed=True), who: Caller = Depends(caller)) -> JsonObject:
    """Intact (proof by the issuer's key), issuer known (registered to a member), not revoked or
    suspended (the issuer's status list on the ledger), current; `ok` when all hold, with reasons."""
    return _verdict(request, who, credential)


@router.post("/credentials/revoke")
def revoke(request: Request, credential: JsonObject = Body(embed=True), reason: str = Body("", max_length=200),
           who: Caller = Depends(caller)) -> JsonObject:
    """Revoke (for good) a credential your organisation issued: its bit in your list is set.
    NOT_FOUND when the credential names no place in a list of yours."""
    try:
        return revoke_credential(CallerActor(request, who), credential, reason)
    except BaobabError as exc:
        if exc.code == "BAD_CREDENTIAL":
            raise BaobabError("NOT_FOUND", exc.message) from None
        raise


@router.get("/credentials/status/{org}/{list_id}")
def status(request: Request, org: str = Path(min_length=1, max_length=32), list_id: str = Path(min_length=1, max_length=64),
           who: Caller = Depends(caller)) -> JsonObject:
    """A status list as the ledger records it; with `credential`, the BitstringStatusListCredential
    signed by its issuer, when this node holds the issuer's key (offline verifiers keep it)."""
    actor = CallerActor(request, who)
    record = actor.query("credentials", "status_list", {"org": org, "list_id": list_id})
    signed = None
    if custody(request).holds_issuer(org) and state(request).gateway.serves(org):
        signed = Issuer(_As(actor, org), custody(request).issuer(org), list_id=list_id).status_list_credential()
    return {"list": record, "credential": signed}


class _As:
    """The node acting for `org` it serves, only to read (the issuer's own list)."""

    def __init__(self, actor: CallerActor, org: str) -> None:
        self.actor, self.org = actor, org

    def query(self, contract: str, function: str, args: dict[str, Any]) -> Any:
        return self.actor.query(contract, function, args)


class Consent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    method: str = Field(min_length=1, max_length=200, description="how it was given: paper form, USSD PIN...")
    reference: str = Field(min_length=1, max_length=200)
    form_sha256: str = Field(pattern=r"^[0-9a-f]{64}$", description="SHA-256 of the signed consent form")


class HolderRequest(BaseModel):
    ref: str = Field(min_length=1, max_length=100, description="the person's reference (national ID number...)")
    consent: Consent


@router.post("/holders")
def add_holder(request: Request, body: HolderRequest, who: Caller = Depends(caller)) -> JsonObject:
    """Hold a key for a person (your organisation becomes its custodian on the ledger, with the
    consent recorded); made once per `ref`."""
    signer = custody(request).holders(who.org).create(body.ref, consent=body.consent.model_dump())
    committed(CallerActor(request, who), "credentials", "register_holder",
              {"public_key": signer.key.public.text, "consent": body.consent.model_dump()})
    return {"did": signer.did, "public_key": signer.key.public.text}


@router.get("/holders")
def holders(request: Request, who: Caller = Depends(caller)) -> list[JsonObject]:
    """The people whose keys your organisation holds here."""
    return custody(request).holders(who.org).holders()


@router.post("/holders/{did}/credentials")
def keep(request: Request, did: Did, credential: JsonObject = Body(embed=True), who: Caller = Depends(caller)) -> JsonObject:
    """Keep a credential issued to a person whose key you hold (it must be about them, and intact)."""
    store = custody(request).holders(who.org)
    store.signer(did)
    if not any(s.get("id") == did for s in [credential.get("credentialSubject") or {}] if isinstance(s, dict)):
        raise BaobabError("BAD_CREDENTIAL", f"the credential is not about {did}")
    return {"id": store.keep(credential)}


@router.get("/holders/{did}/credentials")
def held(request: Request, did: Did, who: Caller = Depends(caller)) -> list[JsonObject]:
    """The credentials held for a person."""
    store = custody(request).holders(who.org)
    store.signer(did)
    return store.credentials(did)


class PresentRequest(BaseModel):
    challenge: str = Field(min_length=8, max_length=200)
    domain: str = Field(min_length=1, max_length=200, description="the verifier (a lender's organisation id)")
    types: list[str] | None = Field(None, max_length=10, description="show only credentials of these types")
    ids: list[str] | None = Field(None, max_length=200, description="show only these credentials")


@router.post("/holders/{did}/presentations")
def present_held(request: Request, did: Did, body: PresentRequest, who: Caller = Depends(caller)) -> JsonObject:
    """A presentation of the credentials the person chose, signed with their key, for the
    verifier's challenge and domain."""
    return custody(request).holders(who.org).present(did, challenge=body.challenge, domain=body.domain,
                                                     created=stamp(_now()), types=body.types, ids=body.ids)


@router.post("/presentations/challenge")
def challenge(request: Request, who: Caller = Depends(caller)) -> JsonObject:
    """A fresh challenge for a holder to answer (usable once, for ten minutes); the domain is you."""
    return {"challenge": challenges(request, who.org).issue(), "domain": who.org}


@router.post("/presentations/verify")
def verify_presentation(request: Request, presentation: JsonObject = Body(embed=True),
                        who: Caller = Depends(caller)) -> JsonObject:
    """Holder binding, your challenge (once) and domain, and each credential's answers."""
    lender = Lender(CallerActor(request, who), challenges=challenges(request, who.org))
    return lender.verify(presentation).to_dict()


class Principal(BaseModel):
    """A loan principal: a positive amount in minor units."""
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    minor: int = Field(gt=0, le=10**15)


class AssessRequest(BaseModel):
    presentation: JsonObject
    principal: Principal
    months: int = Field(ge=1, le=24)


@router.post("/credit/assessments")
def assess(request: Request, body: AssessRequest, who: Caller = Depends(caller)) -> JsonObject:
    """Verify a presentation made to you and score the credentials that passed: score, band,
    reason codes, and the terms you could offer (docs/CREDENTIALS.md explains the scorecard)."""
    lender = Lender(CallerActor(request, who), challenges=challenges(request, who.org))
    decision = lender.assess(body.presentation, principal_minor=body.principal.minor, currency=body.principal.currency,
                             months=body.months)
    return {"verdict": decision.verdict.to_dict(), "assessment": decision.assessment.to_dict(),
            "presentation_sha256": decision.presentation_sha256}
