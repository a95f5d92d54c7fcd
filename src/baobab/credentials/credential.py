"""Verifiable credentials in the W3C VC Data Model 2.0: their shape, issuing them, and the
verifier's three answers: intact, issuer known, not revoked.

    signer = Signer.generate()                      # or Signer(PrivateKey...), did:key identity
    vc = issue(credential(signer.did, ["VerifiableCredential", "DeliveryRecord"], subject,
                          valid_from="2026-03-01T00:00:00Z", status=entry(...)), signer, created=...)
    verdict = verify_credential(vc, now=..., issuers=directory, status=lists)
    verdict.ok, verdict.intact, verdict.issuer_known, verdict.not_revoked, verdict.reasons

`intact`: a valid eddsa-jcs-2022 proof for assertionMethod by a key its issuer controls (a
did:key issuer: the key is the DID). `issuer_known`: the issuer's DID is registered on the
ledger to a member organisation (the directory says which, and its roles). `not_revoked`: the
credential's place in its issuer's status list is clear (revocation and suspension), or it
has no status entry. `current`: now is within validFrom..validUntil. A verifier that trusts
the ledger it reads from needs nothing else, and nothing here goes over a network.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey
from baobab.credentials import data_integrity, status_list
from baobab.credentials.did_key import did_of, verification_method_of

V2 = "https://www.w3.org/ns/credentials/v2"
VC_TYPE = "VerifiableCredential"


@dataclass(frozen=True)
class Signer:
    """An Ed25519 key and its did:key: an issuer's, a holder's."""

    key: PrivateKey

    @classmethod
    def generate(cls) -> "Signer":
        return cls(PrivateKey.generate())

    @property
    def did(self) -> str:
        return did_of(self.key.public)

    @property
    def verification_method(self) -> str:
        return verification_method_of(self.key.public)


def parse_time(value: Any, name: str) -> datetime:
    if not isinstance(value, str) or not data_integrity.DATETIME.fullmatch(value):
        raise BaobabError("BAD_CREDENTIAL", f"{name} is an RFC 3339 date-time with its time zone")
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_id(vc: dict[str, Any]) -> str:
    issuer = vc.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    if not isinstance(value, str) or ":" not in value:
        raise BaobabError("BAD_CREDENTIAL", "issuer is a URL, or an object whose id is one")
    return value


def subjects(vc: dict[str, Any]) -> list[dict[str, Any]]:
    subject = vc.get("credentialSubject")
    found = subject if isinstance(subject, list) else [subject]
    if not found or not all(isinstance(s, dict) and s for s in found):
        raise BaobabError("BAD_CREDENTIAL", "credentialSubject is a non-empty object (or a list of them)")
    return found  # type: ignore[return-value]


def check_shape(vc: Any) -> dict[str, Any]:
    """The VC 2.0 data model's rules a verifier relies on (section 4); raises BAD_CREDENTIAL."""
    if not isinstance(vc, dict):
        raise BaobabError("BAD_CREDENTIAL", "a credential is a JSON object")
    context = vc.get("@context")
    if not isinstance(context, list) or not context or context[0] != V2:
        raise BaobabError("BAD_CREDENTIAL", f"@context is a list whose first item is {V2}")
    types = vc.get("type")
    if not isinstance(types, list) or VC_TYPE not in types or not all(isinstance(t, str) for t in types):
        raise BaobabError("BAD_CREDENTIAL", f"type is a list of names that includes {VC_TYPE}")
    issuer_id(vc)
    subjects(vc)
    if "id" in vc and (not isinstance(vc["id"], str) or ":" not in vc["id"]):
        raise BaobabError("BAD_CREDENTIAL", "id is a URL")
    start = parse_time(vc["validFrom"], "validFrom") if "validFrom" in vc else None
    end = parse_time(vc["validUntil"], "validUntil") if "validUntil" in vc else None
    if start and end and end < start:
        raise BaobabError("BAD_CREDENTIAL", "validUntil is before validFrom")
    statuses = vc.get("credentialStatus", [])
    for entry in statuses if isinstance(statuses, list) else [statuses]:
        status_list.read_entry(entry)
    return vc


def credential(issuer: str, types: list[str], subject: dict[str, Any], *, valid_from: str,
               valid_until: str | None = None, credential_id: str | None = None,
               status: dict[str, Any] | list[dict[str, Any]] | None = None,
               evidence: list[dict[str, Any]] | None = None, contexts: list[str] | None = None,
               name: str | None = None) -> dict[str, Any]:
    """An unsigned VC 2.0 credential (checked)."""
    vc: dict[str, Any] = {"@context": [V2, *(contexts or [])], "type": [VC_TYPE, *[t for t in types if t != VC_TYPE]]}
    if credential_id:
        vc["id"] = credential_id
    if name:
        vc["name"] = name
    vc.update({"issuer": issuer, "validFrom": valid_from, "credentialSubject": subject})
    if valid_until:
        vc["validUntil"] = valid_until
    if status:
        vc["credentialStatus"] = status
    if evidence:
        vc["evidence"] = evidence
    return check_shape(vc)


def issue(vc: dict[str, Any], signer: Signer, *, created: str) -> dict[str, Any]:
    """`vc` secured with an eddsa-jcs-2022 proof by `signer`, which must be its issuer."""
    check_shape(vc)
    if issuer_id(vc) != signer.did:
        raise BaobabError("BAD_CREDENTIAL", f"the credential's issuer is {issuer_id(vc)}, not the signer {signer.did}")
    if "proof" in vc:
        raise BaobabError("BAD_CREDENTIAL", "the credential is already secured")
    parse_time(created, "created")
    return data_integrity.sign(vc, signer.key, purpose="assertionMethod", created=created)


class IssuerDirectory(Protocol):
    def lookup(self, did: str) -> dict[str, Any] | None:
        """The organisation a DID is registered to ({org, name, roles, ...}), or None."""


# A status resolver maps (list URL, issuer DID) to the verified list credential, or raises.
StatusResolver = Callable[[str, str], dict[str, Any]]


@dataclass
class Verdict:
    intact: bool = False
    issuer_known: bool | None = None  # None: no directory consulted
    not_revoked: bool | None = None  # None: no status entry, or no resolver
    current: bool = False
    issuer: str = ""
    issuer_org: dict[str, Any] | None = None
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.intact and self.current and self.issuer_known is not False and self.not_revoked is not False

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "intact": self.intact, "issuer_known": self.issuer_known,
                "not_revoked": self.not_revoked, "current": self.current, "issuer": self.issuer,
                "issuer_org": self.issuer_org, "reasons": list(self.reasons)}


def verify_credential(vc: Any, *, now: datetime, issuers: IssuerDirectory | None = None,
                      status: StatusResolver | None = None) -> Verdict:
    """The verifier's answers for one credential; never raises for a bad credential."""
    verdict = Verdict()
    try:
        check_shape(vc)
        verdict.issuer = issuer_id(vc)
    except BaobabError as exc:
        verdict.reasons.append(exc.message)
        return verdict
    try:
        checks = data_integrity.verify(vc)
    except BaobabError as exc:
        checks, _ = [], verdict.reasons.append(exc.message)
    by_issuer = [c for c in checks if c.controller == verdict.issuer and c.purpose == "assertionMethod"]
    verdict.intact = bool(by_issuer) and all(c.valid for c in checks)
    if not checks:
        verdict.reasons.append("the credential has no proof")
    elif not by_issuer:
        verdict.reasons.append("no proof by a key the issuer controls, for assertionMethod")
    verdict.reasons += [c.reason for c in checks if not c.valid]
    start = parse_time(vc["validFrom"], "validFrom") if "validFrom" in vc else None
    end = parse_time(vc["validUntil"], "validUntil") if "validUntil" in vc else None
    verdict.current = (start is None or start <= now) and (end is None or now < end)
    if not verdict.current:
        verdict.reasons.append("not yet valid" if start and now < start else "expired")
    if issuers is not None:
        verdict.issuer_org = issuers.lookup(verdict.issuer)
        verdict.issuer_known = verdict.issuer_org is not None
        if not verdict.issuer_known:
            verdict.reasons.append(f"issuer {verdict.issuer} is not registered to any member of the network")
    if status is not None and "credentialStatus" in vc:
        verdict.not_revoked = _status_clear(vc, verdict, status)
    return verdict


def _status_clear(vc: dict[str, Any], verdict: Verdict, resolve: StatusResolver) -> bool:
    entries = vc["credentialStatus"]
    clear = True
    for entry in entries if isinstance(entries, list) else [entries]:
        url, index, purpose = status_list.read_entry(entry)
        try:
            if status_list.is_set(resolve(url, verdict.issuer), index, purpose):
                clear = False
                verdict.reasons.append("revoked" if purpose == "revocation" else "suspended")
        except BaobabError as exc:
            clear = False
            verdict.reasons.append(f"status unknown: {exc.message}")
    return clear


class StatusLists:
    """A status resolver over signed status list credentials the verifier holds (fetched from
    the issuer or the ledger): each is verified (intact, by the credential's own issuer)."""

    def __init__(self, lists: list[dict[str, Any]] | None = None, *, now: Callable[[], datetime] | None = None,
                 fetch: Callable[[str], dict[str, Any]] | None = None) -> None:
        self._lists = {lst.get("id"): lst for lst in lists or []}
        self._fetch = fetch
        self._now = now or (lambda: datetime.now(timezone.utc))

    def add(self, list_vc: dict[str, Any]) -> None:
        self._lists[list_vc.get("id")] = list_vc

    def __call__(self, url: str, issuer: str) -> dict[str, Any]:
        list_vc = self._lists.get(url)
        if list_vc is None and self._fetch is not None:
            list_vc = self._fetch(url)
        if list_vc is None:
            raise BaobabError("BAD_CREDENTIAL", f"no status list {url}")
        checked = verify_credential(list_vc, now=self._now())
        if not checked.intact or checked.issuer != issuer:
            raise BaobabError("BAD_CREDENTIAL", f"status list {url} is not intact, or not by the credential's issuer")
        return list_vc
