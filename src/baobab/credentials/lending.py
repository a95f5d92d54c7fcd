"""Credit that follows the record: a lender asks for a presentation, verifies it against the
ledger (issuer known, not revoked) offline of the issuers, scores what passed, and offers a loan
on the ledger; the borrower's acceptance releases the disbursement to its wallet.

    lender = Lender(actor)                               # the lender's organisation
    challenge = lender.challenge()
    decision = lender.assess(vp, principal_minor=..., currency="ZMW", months=3)
    decision.verdict (each credential's answers), decision.assessment (score, band, reasons, terms)
    loan = lender.offer(loan_id, decision, provider="ZM-MOMO", wallet="+2609...")
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from baobab.contracts.credentials.microloans import ACCEPTANCE, terms_of
from baobab.core.errors import BaobabError
from baobab.core.jcs import canonicalize
from baobab.credentials.did_key import resolve
from baobab.credentials.ledger import LedgerDirectory, LedgerStatus, committed
from baobab.credentials.presentation import Challenges, PresentationVerdict, verify_presentation
from baobab.credentials.scoring import Assessment, score

__all__ = ["ACCEPTANCE", "Decision", "Lender", "terms_of"]


@dataclass
class Decision:
    verdict: PresentationVerdict
    assessment: Assessment
    presentation_sha256: str

    @property
    def holder(self) -> str:
        return self.verdict.holder


def _digest(vp: Any) -> str:
    """SHA-256 of the presentation's RFC 8785 form (of its sorted JSON text when it has none:
    numbers JCS cannot hold exactly; such a presentation does not verify anyway)."""
    try:
        return hashlib.sha256(canonicalize(vp)).hexdigest()
    except BaobabError:
        return hashlib.sha256(json.dumps(vp, sort_keys=True).encode()).hexdigest()


class Lender:
    def __init__(self, actor: Any, *, clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 challenges: Challenges | None = None) -> None:
        self.actor, self.clock = actor, clock
        self.directory = LedgerDirectory(actor)
        self.status = LedgerStatus(actor, self.directory)
        self.challenges = challenges if challenges is not None else Challenges()

    @property
    def domain(self) -> str:
        return self.actor.org  # type: ignore[no-any-return]

    def challenge(self) -> str:
        return self.challenges.issue()

    def verify(self, vp: Any) -> PresentationVerdict:
        return verify_presentation(vp, challenge_ok=self.challenges.use, domain=self.domain, now=self.clock(),
                                   issuers=self.directory, status=self.status)

    def assess(self, vp: Any, *, principal_minor: int, currency: str, months: int) -> Decision:
        """Verify the presentation and score the credentials that passed (none, if it failed)."""
        verdict = self.verify(vp)
        assessment = score(verdict.accepted(), principal_minor=principal_minor, currency=currency, months=months,
                           today=self.clock().date())
        if not verdict.ok and not verdict.accepted():
            assessment.reasons.insert(0, "R99 the presentation did not verify: " + "; ".join(verdict.reasons))
        return Decision(verdict, assessment, _digest(vp))

    def offer(self, loan_id: str, decision: Decision, *, provider: str, wallet: str) -> dict[str, Any]:
        """Record the offer on the ledger (refused for a declined assessment)."""
        a = decision.assessment
        if a.declined:
            raise BaobabError("WRONG_STATUS", "a declined assessment has no offer: " + "; ".join(a.reasons))
        _, key = resolve(decision.holder)
        return committed(self.actor, "microloans", "offer",  # type: ignore[no-any-return]
                         {"loan_id": loan_id, "borrower": key.text, "provider": provider, "wallet": wallet,
                          "principal": {"currency": a.currency, "minor": a.principal_minor}, "fee_minor": a.fee_minor,
                          "instalments": a.instalments,
                          "assessment": {"score": a.score, "band": a.band, "reasons": a.reasons,
                                         "presentation_sha256": decision.presentation_sha256}})
