"""The payments agent: a node carries out, through the switch, the payment instructions of the
organisations it serves, and records on the ledger what came of them.

On each committed `payment_instructed` event (contracts/payment_instruction.py) whose payer this
node serves, the agent runs the two-phase transfer on the switch: the payer's FSP prepares it
under an ILP condition, the payee's FSP fulfils it. The transfer's id is derived from the
obligation, so doing it again after a crash finds the same transfer (FSPIOP resends are
idempotent). The outcome goes back to the ordering contract as the payer's own act:
`payment_settled(obligation, reference=<transfer id>, proof=<fulfilment>)` once committed, or
`payment_failed(obligation, reason="<FSPIOP code> <description>")`.

Payer and payee are organisations; the FSPs that pay and receive for them are found with
`fsp_of` (pay/onboarding.fsp_resolver: an FSP pays for itself, any other organisation through
the FSP that serves it). The node that serves the payer pays; a node that serves only the payee's FSP accepts the
transfer in advance (`Switch.accept_in_advance`: its fulfilment, kept by the switch), so that the
payer's node can complete it; until it has, the payer's node waits (the reactor tries again).
Here the node also answers for the payee's FSP when it serves it:
the fulfilment is an HMAC of the transfer id under the agent's own secret, so only this node
can produce it and the condition proves it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from baobab.core.errors import BaobabError, register_codes
from baobab.pay.errors import FspiopError
from baobab.pay.switch import COMMITTED, Switch, condition_of, stamp
from baobab.reactors import Action

register_codes({"AWAITING_PAYEE_FSP": (503, "The payee's FSP has not yet accepted the transfer")})
OBLIGATIONS = uuid.UUID("6f1c2b9e-2a5d-4c1e-9d7a-5b0e8c3f4a21")  # namespace of transfer ids derived from obligations
TRANSFER_TTL = timedelta(minutes=5)


def transfer_id_for(network: str, contract: str, obligation: str) -> str:
    """The FSPIOP transfer id (a UUID) of a ledger obligation: the same obligation, the same id."""
    return str(uuid.uuid5(OBLIGATIONS, f"{network}/{contract}/{obligation}"))


@dataclass(frozen=True)
class OnUs:
    """A payment between two customers of one FSP, booked by that FSP: the switch sees nothing."""
    id: str
    fulfilment: str
    state: str = COMMITTED


class PaymentAgent:
    def __init__(self, switch: Switch, network: str, secret: bytes, *,
                 serves: Callable[[str], bool] = lambda org: True,
                 fsp_of: Callable[[str], str] = lambda org: org,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        self.switch, self.network, self._secret = switch, network, secret
        self.serves, self.fsp_of, self.clock = serves, fsp_of, clock

    def fulfilment(self, transfer_id: str) -> str:
        digest = hmac.new(self._secret, transfer_id.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def handle(self, event: dict[str, Any]) -> list[Action]:
        """The action a `payment_instructed` event calls for, for the organisations this node serves."""
        p = event["payload"]
        contract, obligation, payer = p["contract"], p["obligation"], p["payer"]
        transfer_id = transfer_id_for(self.network, contract, obligation)
        if not self.serves(payer):
            self._accept_as_payee(transfer_id, p["payer"], p["payee"])
            return []
        try:
            transfer = self.pay(transfer_id, payer, p["payee"], p["amount"])
        except FspiopError as exc:
            return [Action(payer, contract, "payment_failed", {"obligation": obligation, "reason": f"{exc.code} {exc.description}"[:200]})]
        return [Action(payer, contract, "payment_settled",
                       {"obligation": obligation, "reference": transfer_id, "proof": transfer.fulfilment or ""})]

    def _accept_as_payee(self, transfer_id: str, payer_org: str, payee_org: str) -> None:
        try:
            payer, payee = self.fsp_of(payer_org), self.fsp_of(payee_org)
        except FspiopError:
            return  # the payer's node records the failure
        if payee != payer and self.serves(payee):
            self.switch.accept_in_advance(transfer_id, payee, self.fulfilment(transfer_id))

    def pay(self, transfer_id: str, payer_org: str, payee_org: str, amount: dict[str, Any]) -> Any:
        payer, payee = self.fsp_of(payer_org), self.fsp_of(payee_org)
        if payer == payee:  # both keep their accounts at one FSP: a book transfer there, not through the switch
            return OnUs(transfer_id, self.fulfilment(transfer_id))
        fulfilment = self.fulfilment(transfer_id) if self.serves(payee) else self.switch.accepted(transfer_id, payee)
        if fulfilment is None:
            raise BaobabError("AWAITING_PAYEE_FSP", f"{payee} has not yet accepted transfer {transfer_id}; trying again")
        now = self.clock()
        existing = self.switch.find(transfer_id)
        expiration = existing.expiration if existing is not None else stamp(now + TRANSFER_TTL)
        transfer = self.switch.prepare({"transferId": transfer_id, "payerFsp": payer, "payeeFsp": payee,
                                        "amount": {"currency": amount["currency"], "minor": amount["minor"]},
                                        "condition": condition_of(fulfilment), "expiration": expiration},
                                       source=payer, at=now)
        if transfer.state == COMMITTED:
            return transfer
        return self.switch.fulfil(transfer_id, fulfilment, source=payee, at=now)
