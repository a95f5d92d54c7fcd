"""Verifiable presentations: a holder shows some of its credentials to a verifier, bound to
itself and to this one exchange.

The verifier (a lender) sends a fresh `challenge` and names itself as the `domain`; the holder
chooses which credentials to show (a farmer shows its delivery and payment records, not its
identity card, say) and signs the presentation for `authentication` with the key of the DID the
credentials were issued to. The verifier checks, besides each credential:

- holder binding: the presentation's proof is by the holder's key, and every credential's
  subject is the holder (a credential about someone else cannot be shown as one's own);
- no replay: the challenge is the one it issued, not yet used, and the domain is its own.

eddsa-jcs-2022 signs whole credentials, so a holder selects credentials, not fields within one:
issuers therefore issue small credentials, one fact each (one delivery, one payment).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from baobab.core.errors import BaobabError
from baobab.credentials import data_integrity
from baobab.credentials.credential import (V2, IssuerDirectory, Signer, StatusResolver, Verdict, parse_time,
                                           subjects, verify_credential)

VP_TYPE = "VerifiablePresentation"
MAX_CREDENTIALS = 200


def present(credentials: list[dict[str, Any]], holder: Signer, *, challenge: str, domain: str,
            created: str) -> dict[str, Any]:
    """A presentation of `credentials` by `holder`, for `domain`, answering `challenge`."""
    if not challenge or not domain:
        raise BaobabError("BAD_PRESENTATION", "a presentation answers the verifier's challenge, for its domain")
    parse_time(created, "created")
    vp = {"@context": [V2], "type": [VP_TYPE], "holder": holder.did, "verifiableCredential": list(credentials)}
    return data_integrity.sign(vp, holder.key, purpose="authentication", created=created,
                               challenge=challenge, domain=domain)


class Challenges:
    """The verifier's side of replay protection: challenges it issued, each usable once, within
    `ttl_s` seconds; at most `limit` open at once (the oldest are dropped first)."""

    def __init__(self, *, ttl_s: float = 600.0, limit: int = 10_000) -> None:
        self._open: OrderedDict[str, float] = OrderedDict()
        self._lock = threading.Lock()
        self.ttl_s, self.limit = ttl_s, limit

    def issue(self) -> str:
        challenge = secrets.token_urlsafe(18)
        with self._lock:
            self._open[challenge] = time.monotonic()
            while len(self._open) > self.limit:
                self._open.popitem(last=False)
        return challenge

    def use(self, challenge: str) -> bool:
        """True once for a challenge this verifier issued and that has not expired; False after, or for any other."""
        with self._lock:
            issued = self._open.pop(challenge, None) if isinstance(challenge, str) else None
        return issued is not None and time.monotonic() - issued <= self.ttl_s


@dataclass
class PresentationVerdict:
    holder: str = ""
    authentic: bool = False  # signed by the holder's key, for authentication
    fresh: bool = False  # the verifier's own challenge (unused) and domain
    bound: bool = False  # every credential is about the holder
    credentials: list[tuple[dict[str, Any], Verdict]] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.authentic and self.fresh and self.bound and all(v.ok for _, v in self.credentials)

    def accepted(self) -> list[dict[str, Any]]:
        """The credentials that passed every check (what a lender may use)."""
        return [vc for vc, verdict in self.credentials if verdict.ok] if self.authentic and self.fresh and self.bound else []

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "holder": self.holder, "authentic": self.authentic, "fresh": self.fresh,
                "bound": self.bound, "reasons": list(self.reasons),
                "credentials": [{"id": vc.get("id"), "type": vc.get("type"), **v.to_dict()} for vc, v in self.credentials]}


def verify_presentation(vp: Any, *, challenge_ok: Any, domain: str, now: datetime,
                        issuers: IssuerDirectory | None = None, status: StatusResolver | None = None,
                        ) -> PresentationVerdict:
    """Check a presentation. `challenge_ok(challenge) -> bool` says whether the challenge is one
    the verifier issued and has not seen used (e.g. `Challenges.use`); it is asked once."""
    verdict = PresentationVerdict()
    if not isinstance(vp, dict) or not isinstance(vp.get("type"), list) or VP_TYPE not in vp["type"] \
            or not isinstance(vp.get("holder"), str):
        verdict.reasons.append(f"not a {VP_TYPE} with a holder")
        return verdict
    if not isinstance(vp.get("@context"), list) or vp["@context"][:1] != [V2]:
        verdict.reasons.append(f"@context is a list whose first item is {V2}")
        return verdict
    credentials = vp.get("verifiableCredential", [])
    credentials = credentials if isinstance(credentials, list) else [credentials]
    if len(credentials) > MAX_CREDENTIALS:
        verdict.reasons.append(f"a presentation holds at most {MAX_CREDENTIALS} credentials")
        return verdict
    verdict.holder = vp["holder"]
    try:
        checks = data_integrity.verify(vp)
    except BaobabError as exc:
        checks, _ = [], verdict.reasons.append(exc.message)
    auth = [c for c in checks if c.purpose == "authentication" and c.controller == verdict.holder and c.valid]
    verdict.authentic = bool(auth) and all(c.valid for c in checks)
    if not verdict.authentic:
        verdict.reasons.append("not signed by the holder's key for authentication")
    if auth:
        proof = auth[0].proof or {}
        domain_ok = proof.get("domain") == domain
        challenge_ok_now = isinstance(proof.get("challenge"), str) and bool(challenge_ok(proof["challenge"]))
        verdict.fresh = domain_ok and challenge_ok_now
        if not domain_ok:
            verdict.reasons.append(f"made for domain {proof.get('domain')!r}, not {domain!r}")
        if not challenge_ok_now:
            verdict.reasons.append("the challenge is not one this verifier issued, or was used already (replay)")
    verdict.bound = True
    if status is not None:
        status = _once_per_list(status)
    for vc in credentials:
        result = verify_credential(vc, now=now, issuers=issuers, status=status)
        try:
            about_holder = isinstance(vc, dict) and all(s.get("id") == verdict.holder for s in subjects(vc))
        except BaobabError:
            about_holder = False
        if not about_holder:
            verdict.bound = False
            result.reasons.append("the credential is not about the holder")
        verdict.credentials.append((vc if isinstance(vc, dict) else {}, result))
    if not verdict.bound:
        verdict.reasons.append("a credential shown is not about the holder")
    return verdict


def _once_per_list(resolve: StatusResolver) -> StatusResolver:
    """The resolver, asked once per list and issuer for one presentation (its credentials are
    checked against the same reading of each list)."""
    seen: dict[tuple[str, str], Any] = {}

    def once(url: str, issuer: str) -> dict[str, Any]:
        if (url, issuer) not in seen:
            try:
                seen[(url, issuer)] = resolve(url, issuer)
            except BaobabError as exc:
                seen[(url, issuer)] = exc
        found = seen[(url, issuer)]
        if isinstance(found, BaobabError):
            raise found
        return found  # type: ignore[no-any-return]

    return once
