"""Wallets at two providers paying each other through the switch.

Each provider is an FSP on the switch. Its wallets are parties of type MSISDN in the switch's
directory, so a payer's provider finds the payee's. A payment to another provider's customer:

1. the payer's provider takes the amount out of the wallet into `interop/outgoing` (the tier's
   limits checked, the PIN checked before);
2. the payee's provider says whether the wallet may receive it and gives the ILP condition;
3. the switch reserves the amount on the payer FSP's position (liquidity, net debit cap);
4. the payee's provider fulfils: the switch commits; then it credits the wallet (once, by
   transfer id; a credit its limits no longer allow goes to suspense, never lost);
5. the payer's provider books the amount as owed to the switch, settled with the window.

A refusal at any step before the commit gives the amount back to the payer's wallet. After a
crash, `recover()` finishes every reserved payment as the switch decided it. Here both providers
run in one process (the embedded mode); across nodes the same steps travel as FSPIOP messages.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from baobab.core.errors import BaobabError, register_codes
from baobab.pay.errors import FspiopError
from baobab.pay.hub import Hub
from baobab.pay.switch import ABORTED, COMMITTED, condition_of, stamp
from baobab.wallet.provider import Provider

register_codes({"SWITCH_REFUSED": (422, "The payments switch refused the transfer")})
PARTY_TYPE = "MSISDN"
TRANSFER_TTL = timedelta(minutes=1)


def fulfilment_of(secret: bytes, transfer_id: str) -> str:
    """The ILP fulfilment a payee FSP reveals for a transfer: an HMAC of its id under the FSP's secret."""
    digest = hmac.new(secret, transfer_id.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def transfer_through(hub: Hub, transfer_id: str, payer_fsp: str, payee_fsp: str, currency: str, minor: int,
                     fulfilment: str, *, at: datetime | None = None) -> None:
    """One transfer through the switch, prepared by the payer's FSP and fulfilled by the payee's
    (both in this process); raises FspiopError when the switch refuses it."""
    now = at or datetime.now(timezone.utc)
    hub.switch.prepare({"transferId": transfer_id, "payerFsp": payer_fsp, "payeeFsp": payee_fsp,
                        "amount": {"currency": currency, "minor": minor}, "condition": condition_of(fulfilment),
                        "expiration": stamp(now + TRANSFER_TTL)}, source=payer_fsp, at=now)
    hub.switch.fulfil(transfer_id, fulfilment, source=payee_fsp, at=now)


class SwitchLink:
    """A provider joined to the switch as FSP `fsp`."""

    def __init__(self, provider: Provider, fsp: str, hub: Hub, secret: bytes) -> None:
        self.provider, self.fsp, self.hub, self._secret = provider, fsp, hub, secret

    def publish(self, phone: str) -> None:
        """List a wallet in the switch's directory, so other providers can pay it."""
        self.hub.add_party(PARTY_TYPE, self.provider.msisdn(phone), self.fsp, self.provider.scheme.currency)

    def fulfilment(self, transfer_id: str) -> str:
        return fulfilment_of(self._secret, transfer_id)

    def send(self, payer: str, payee: str, amount: int, *, pin: str, links: Mapping[str, "SwitchLink"],
             at: datetime | None = None) -> dict[str, Any]:
        """Pay `payee` (a phone number at any provider on the switch) from this provider's wallet."""
        src, dst = self.provider.msisdn(payer), self.provider.msisdn(payee)
        fsp = self.hub.serving(PARTY_TYPE, dst)
        if fsp is None:
            raise BaobabError("NO_WALLET", f"no provider on the switch serves {dst}")
        if fsp == self.fsp:
            return {"movement": self.provider.send(src, dst, amount, pin=pin, at=at), "payee_fsp": fsp, "state": COMMITTED}
        other = links.get(fsp)
        if other is None:
            raise BaobabError("NO_WALLET", f"{fsp} serves {dst} but is not reachable from here")
        self.provider.verify_pin(src, pin)
        self.provider.hold_if_screened("send_out", src, None, amount, at, reference=dst)
        transfer_id = str(uuid.uuid4())
        self.provider.reserve_outgoing(src, amount, transfer_id, payee=dst, at=at)
        return self._through(src, dst, fsp, other, amount, transfer_id, at, refused=lambda code: self.provider.finish_outgoing(
            transfer_id, committed=False, at=at))

    def release(self, hold: str, *, by: str, links: Mapping[str, "SwitchLink"], at: datetime | None = None) -> dict[str, Any] | None:
        """The compliance officer cleared a payment to another provider's customer that was held:
        it is sent now, as the customer asked (the PIN was checked then), through the switch. None
        if refused (the wallet can no longer pay it, or the payee's side refuses: the amount back,
        the hold refused with the code); CONFIRMED_MATCH if a party is the listed person."""
        transfer_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"baobab:momo:{self.fsp}:{hold}"))  # one per hold
        released = self.provider.release_outgoing(hold, transfer_id, by=by, at=at)
        if released is None:
            return None
        src, dst, amount = released
        fsp = self.hub.serving(PARTY_TYPE, dst)
        other = links.get(fsp) if fsp is not None else None
        if other is None or fsp == self.fsp:
            self.provider.outgoing_refused(hold, transfer_id, "NO_WALLET", at=at)
            return None
        try:
            return self._through(src, dst, fsp, other, amount, transfer_id, at,
                                 refused=lambda code: self.provider.outgoing_refused(hold, transfer_id, code, at=at))
        except BaobabError:
            return None

    def _through(self, src: str, dst: str, fsp: str, other: "SwitchLink", amount: int, transfer_id: str,
                 at: datetime | None, *, refused: Callable[[str], None]) -> dict[str, Any]:
        """Steps 2-5 for an amount already reserved under `transfer_id`; `refused(code)` gives it back."""
        try:
            other.provider.can_receive(dst, amount, at=at)
            transfer_through(self.hub, transfer_id, self.fsp, fsp, self.provider.scheme.currency, amount,
                             other.fulfilment(transfer_id), at=at)
        except FspiopError as exc:
            refused("SWITCH_REFUSED")
            raise BaobabError("SWITCH_REFUSED", f"{exc.code} {exc.description}", fspiop_code=exc.code) from None
        except BaobabError as exc:
            refused(exc.code)
            raise
        other.provider.credit_incoming(dst, amount, transfer_id, payer=f"{self.fsp}:{src}", at=at)
        self.provider.finish_outgoing(transfer_id, committed=True, at=at)
        return {"movement": f"out-{transfer_id}", "transfer_id": transfer_id, "payee_fsp": fsp, "state": COMMITTED}

    def recover(self, links: Mapping[str, "SwitchLink"]) -> int:
        """Finish payments a crash left reserved, as the switch decided them; returns how many."""
        finished = 0
        for transfer_id in self.provider.pending_outgoing():
            t = self.hub.switch.find(transfer_id)
            if t is None or t.state == ABORTED:
                self.provider.finish_outgoing(transfer_id, committed=False)
            elif t.state == COMMITTED:
                payee = links.get(t.payee)
                row = self.provider.db.one("SELECT payee, amount FROM momo_movements WHERE id = ?", (f"out-{transfer_id}",))
                if payee is not None and row is not None:
                    payee.provider.credit_incoming(row[0], int(row[1]), transfer_id, payer=self.fsp)
                self.provider.finish_outgoing(transfer_id, committed=True)
            else:
                continue  # still reserved at the switch: its expiry or fulfilment decides
            finished += 1
        return finished
