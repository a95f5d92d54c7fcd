"""An organisation issuing credentials: its did:key (registered on the ledger to it) and its
revocation list there. Each credential takes the next index of the list, so it can be revoked.

    issuer = Issuer(actor, signer, clock=...)      # actor: the organisation on the ledger
    issuer.register()                              # once: key bound to the member, list opened
    [vc] = issuer.issue_many([Claim(["DeliveryRecordCredential"], subject, evidence=[...])])
    issuer.revoke(vc, "weighing error")
    issuer.status_list_credential()                # the signed list, for offline verifiers
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from baobab.contracts.credentials.registry import list_url, parse_list_url
from baobab.core.errors import BaobabError
from baobab.credentials import status_list
from baobab.credentials.credential import Signer, credential, issue, stamp
from baobab.credentials.ledger import CONTRACT, committed, register_issuer

DEFAULT_LIST = "revocations"


@dataclass
class Claim:
    """What an issuer asserts in one credential (the subject's `id` is the holder's DID)."""

    types: list[str]
    subject: dict[str, Any]
    valid_until: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)
    name: str | None = None


class Issuer:
    def __init__(self, actor: Any, signer: Signer, *, list_id: str = DEFAULT_LIST,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.actor, self.signer, self.list_id, self.clock = actor, signer, list_id, clock

    @property
    def org(self) -> str:
        return self.actor.org  # type: ignore[no-any-return]

    @property
    def did(self) -> str:
        return self.signer.did

    def register(self) -> dict[str, Any]:
        return register_issuer(self.actor, self.signer, self.list_id)

    def issue_many(self, claims: list[Claim]) -> list[dict[str, Any]]:
        """One credential per claim, each with its own place in the revocation list (one ledger
        transaction reserves them all)."""
        if not claims:
            return []
        now = stamp(self.clock())
        for claim in claims:  # a bad claim is refused before any index is taken
            self._credential(claim, now, status_list.entry(list_url(self.org, self.list_id), 0))
        reserved = committed(self.actor, CONTRACT, "reserve", {"list_id": self.list_id, "count": len(claims)})
        return [issue(self._credential(claim, now, status_list.entry(reserved["url"], index, reserved["purpose"])),
                      self.signer, created=now)
                for claim, index in zip(claims, reserved["indices"])]

    def _credential(self, claim: Claim, now: str, status: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(claim.subject, dict) or not isinstance(claim.subject.get("id"), str):
            raise BaobabError("BAD_CREDENTIAL", "credentialSubject.id is the holder's DID")
        return credential(self.did, claim.types, claim.subject, valid_from=now, valid_until=claim.valid_until,
                          credential_id=f"urn:uuid:{uuid.uuid4()}", name=claim.name, evidence=claim.evidence,
                          status=status)

    def issue(self, claim: Claim) -> dict[str, Any]:
        return self.issue_many([claim])[0]

    def revoke(self, vc: dict[str, Any], reason: str) -> dict[str, Any]:
        """Revoke a credential this issuer issued (final)."""
        return revoke_credential(self.actor, vc, reason)

    def status_list_credential(self) -> dict[str, Any]:
        """The list as the ledger records it, signed by this issuer (verifiers can rebuild it)."""
        record = self.actor.query(CONTRACT, "status_list", {"org": self.org, "list_id": self.list_id})
        now = stamp(self.clock())
        unsigned = status_list.list_credential(list_url(self.org, self.list_id), self.did, record["purpose"],
                                               record["set"], now, record["size"])
        return issue(unsigned, self.signer, created=now)


def revoke_credential(actor: Any, vc: Any, reason: str) -> dict[str, Any]:
    """Set, for good, the credential's bit in the actor's own revocation list."""
    entries = vc.get("credentialStatus", []) if isinstance(vc, dict) else []
    for entry in entries if isinstance(entries, list) else [entries]:
        url, index, purpose = status_list.read_entry(entry)
        try:
            org, list_id = parse_list_url(url)
        except BaobabError:
            continue
        if org == actor.org and purpose == "revocation":
            return committed(actor, CONTRACT, "set_status",  # type: ignore[no-any-return]
                             {"list_id": list_id, "index": index, "value": True, "reason": reason})
    raise BaobabError("BAD_CREDENTIAL", f"the credential has no revocation entry in a list of {actor.org}")
