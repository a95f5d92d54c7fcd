"""The payments agent of a node that meets the switch over FSPIOP HTTP (network mode).

It carries out the payment instructions of the organisations its node serves as the payer's
FSP does with any switch: it finds the FSPs of payer and payee (`GET /participants`), asks the
payee's FSP for a quote (`POST /quotes`: the ILP packet and the condition come back in the
`PUT /quotes/{ID}` callback), and sends the transfer on those terms (`POST /transfers`); the
payee's FSP, on whichever node it runs, answers the switch with the fulfilment, and the switch
passes it on in the `PUT /transfers/{ID}` callback. That fulfilment is what the payer records on
the ledger as proof of settlement (its SHA-256 is the condition); a refusal on the way (an error
callback) is recorded as the failure with its FSPIOP code.

Every request is written to the FSP's outbox once (`Participant.ask_once`), so a retry after a
crash or a wait asks nothing twice; a callback that has not come within WAIT_S leaves the
reactor to try again (AWAITING_PAYEE_FSP), and a payee FSP that never answers is ended by the
switch: the transfer expires (3303) and the quote is given up after QUOTE_WAIT (3300).
The payer's node pays when it acts for the payer's FSP (an FSP pays for itself; a customer is
served by its bank's node); otherwise the payment fails with 3202.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from baobab.core.errors import BaobabError
from baobab.pay.agent import TRANSFER_TTL, PaymentAgent
from baobab.pay.errors import FSPIOP_ERRORS, FspiopError
from baobab.pay.fsp_host import HostedFsps
from baobab.pay.onboarding import PARTY_TYPE
from baobab.pay.participant import Participant
from baobab.pay.switch import COMMITTED, parse_stamp, stamp

QUOTES = uuid.UUID("0b6f8d52-7c1e-4a8e-9f3d-2e5a6c7b8d90")  # namespace of quote ids derived from transfer ids
WAIT_S = 5.0  # how long one pass waits for a callback before the reactor tries again
QUOTE_WAIT = timedelta(minutes=2)


@dataclass(frozen=True)
class Settled:
    id: str
    fulfilment: str
    state: str = COMMITTED


def refusal(body: dict[str, Any]) -> FspiopError:
    """An error callback's errorInformation as the refusal it is."""
    info = body.get("errorInformation", {})
    code, text = str(info.get("errorCode", "")), str(info.get("errorDescription", ""))
    return FspiopError(code, text) if code in FSPIOP_ERRORS else FspiopError("5000", f"{code} {text}".strip())


class FspiopAgent(PaymentAgent):
    def __init__(self, fsps: HostedFsps, network: str, secret: bytes, *, serves: Callable[[str], bool],
                 is_fsp: Callable[[str], bool], wait_s: float = WAIT_S,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        super().__init__(None, network, secret, serves=serves, fsp_of=self._fsp_of, clock=clock)  # type: ignore[arg-type]
        self.fsps, self.is_fsp, self.wait_s = fsps, is_fsp, wait_s

    def _accept_as_payee(self, transfer_id: str, payer_org: str, payee_org: str) -> None:
        """Nothing to do in advance: the payee's FSP answers the switch when it forwards the transfer."""

    def _asker(self) -> Participant:
        if not self.fsps.participants:
            raise FspiopError("3202", "this node acts for no FSP, so it cannot ask the switch")
        return next(iter(self.fsps.participants.values()))

    def _fsp_of(self, org: str) -> str:
        """An FSP pays and receives for itself; any other organisation through the FSP the
        switch's directory names (GET /participants/BUSINESS/{org})."""
        if self.is_fsp(org):
            return org
        fsp = self._asker()
        fsp.ask_once(f"participants/{org}", lambda: fsp.ask_fsp(PARTY_TYPE, org))
        found = self._answer(fsp, "participants", f"{PARTY_TYPE}/{org}")
        return str(found["fspId"])

    def _answer(self, fsp: Participant, resource: str, resource_id: str, *, asked_before: datetime | None = None) -> dict[str, Any]:
        outcome = fsp.await_outcome(resource, resource_id, self.wait_s)
        if outcome is None:
            if asked_before is not None and asked_before + QUOTE_WAIT < self.clock():
                raise FspiopError("3300", f"no answer to {resource} {resource_id} within {QUOTE_WAIT}")
            raise BaobabError("AWAITING_PAYEE_FSP", f"no callback yet for {resource} {resource_id}; trying again")
        kind, body = outcome
        if kind == "error":
            raise refusal(body)
        return body

    def pay(self, transfer_id: str, payer_org: str, payee_org: str, amount: dict[str, Any]) -> Any:
        payer, payee = self.fsp_of(payer_org), self.fsp_of(payee_org)
        if payer == payee:
            return super().pay(transfer_id, payer_org, payee_org, amount)  # "on us": booked by the FSP
        if payer not in self.fsps:
            raise FspiopError("3202", f"{payer}, which pays for {payer_org}, is not served by this node")
        fsp = self.fsps[payer]
        quote_id = str(uuid.uuid5(QUOTES, transfer_id))
        fsp.ask_once(f"quote/{quote_id}", lambda: fsp.quote(
            quote_id, transfer_id, payee, {"partyIdType": PARTY_TYPE, "partyIdentifier": payee_org, "fspId": payee},
            {"partyIdType": PARTY_TYPE, "partyIdentifier": payer_org, "fspId": payer}, amount))
        quote = self._answer(fsp, "quotes", quote_id, asked_before=fsp.asked_at(f"quote/{quote_id}"))
        if parse_stamp(quote["expiration"]) <= self.clock() and fsp.asked_at(f"transfer/{transfer_id}") is None:
            raise FspiopError("3300", f"quote {quote_id} expired before the transfer was sent")
        fsp.ask_once(f"transfer/{transfer_id}",
                     lambda: fsp.transfer(transfer_id, payee, quote, stamp(self.clock() + TRANSFER_TTL)))
        body = self._answer(fsp, "transfers", transfer_id)
        if body.get("transferState") != COMMITTED or not body.get("fulfilment"):
            raise FspiopError("5000", f"transfer {transfer_id} ended {body.get('transferState')}")
        return Settled(transfer_id, str(body["fulfilment"]))
