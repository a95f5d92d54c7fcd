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
crash, `recover()` finishes every reserved payment as the switch decided it.

Where both providers run in this process (the embedded mode, or two providers on one node) the
steps are calls. To a provider on another node (network mode) they travel as FSPIOP messages
from the payer provider's FSP on this node (`join`, pay/participant.py): POST /quotes to the
payee's provider (which refuses what the wallet's limits would refuse), then POST /transfers on
the quote's terms; the payee's node credits the wallet before it fulfils (wallet/fspiop_wallets.py),
and the PUT /transfers callback commits the reservation, an error callback gives it back. An
answer that has not come within `wait_s` leaves the payment reserved ("RESERVED"): `recover`
finishes it as the switch decides, and the switch expires what no one fulfils.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

from baobab.core.errors import BaobabError, register_codes
from baobab.pay.errors import FspiopError
from baobab.pay.fspiop import from_fspiop_amount
from baobab.pay.fspiop_agent import QUOTES, refusal
from baobab.pay.hub import Hub
from baobab.pay.participant import Participant
from baobab.pay.switch import ABORTED, COMMITTED, RESERVED, condition_of, stamp
from baobab.wallet.fspiop_wallets import WalletBooks, party_id
from baobab.wallet.provider import Provider

register_codes({"SWITCH_REFUSED": (422, "The payments switch refused the transfer")})
PARTY_TYPE = "MSISDN"
TRANSFER_TTL = timedelta(minutes=1)
FSPIOP_WAIT_S = 10.0  # how long a payment to another node waits for each callback before it is left RESERVED


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
        self.fspiop: Participant | None = None  # this provider's FSP on FSPIOP, where its node hosts it (`join`)
        self.books = WalletBooks(provider, fsp)
        self.wait_s = FSPIOP_WAIT_S
        self._in_flight: set[str] = set()  # payments this process is sending over FSPIOP right now
        self._lock = threading.Lock()

    def join(self, fsp: Participant, *, wait_s: float = FSPIOP_WAIT_S) -> None:
        """Pay and be paid by providers on other nodes as `fsp` (the provider's FSP on its callback
        endpoint): its wallets become the MSISDN parties it answers for."""
        self.fspiop, self.wait_s = fsp, wait_s
        fsp.books = self.books

    def publish(self, phone: str) -> None:
        """List a wallet in the switch's directory, so other providers can pay it: under its number
        and under the number as FSPIOP writes it (no "+"), which cross-currency quotes look up."""
        msisdn = self.provider.msisdn(phone)
        for listed in (msisdn, party_id(msisdn)):
            self.hub.add_party(PARTY_TYPE, listed, self.fsp, self.provider.scheme.currency)

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
        if other is None and self.fspiop is None:
            raise BaobabError("NO_WALLET", f"{fsp} serves {dst} but is not reachable from here")
        self.provider.verify_pin(src, pin)
        self.provider.hold_if_screened("send_out", src, None, amount, at, reference=dst)
        transfer_id = str(uuid.uuid4())
        with self._sending(transfer_id):
            self.provider.reserve_outgoing(src, amount, transfer_id, payee=dst, at=at)
            return self._through(src, dst, fsp, other, amount, transfer_id, at, refused=lambda code: self.provider.finish_outgoing(
                transfer_id, committed=False, at=at))

    @contextmanager
    def _sending(self, transfer_id: str) -> Iterator[None]:
        """While this process sends a payment, `recover` leaves its reservation alone."""
        with self._lock:
            self._in_flight.add(transfer_id)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight.discard(transfer_id)

    def release(self, hold: str, *, by: str, links: Mapping[str, "SwitchLink"], at: datetime | None = None) -> dict[str, Any] | None:
        """The compliance officer cleared a payment to another provider's customer that was held:
        it is sent now, as the customer asked (the PIN was checked then), through the switch. None
        if refused (the wallet can no longer pay it, or the payee's side refuses: the amount back,
        the hold refused with the code); CONFIRMED_MATCH if a party is the listed person."""
        transfer_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"baobab:momo:{self.fsp}:{hold}"))  # one per hold
        with self._sending(transfer_id):
            return self._release(hold, transfer_id, by=by, links=links, at=at)

    def _release(self, hold: str, transfer_id: str, *, by: str, links: Mapping[str, "SwitchLink"],
                 at: datetime | None) -> dict[str, Any] | None:
        released = self.provider.release_outgoing(hold, transfer_id, by=by, at=at)
        if released is None:
            return None
        src, dst, amount = released
        fsp = self.hub.serving(PARTY_TYPE, dst)
        other = links.get(fsp) if fsp is not None else None
        if fsp is None or fsp == self.fsp or (other is None and self.fspiop is None):
            self.provider.outgoing_refused(hold, transfer_id, "NO_WALLET", at=at)
            return None
        try:
            return self._through(src, dst, fsp, other, amount, transfer_id, at,
                                 refused=lambda code: self.provider.outgoing_refused(hold, transfer_id, code, at=at))
        except BaobabError:
            return None

    def _through(self, src: str, dst: str, fsp: str, other: "SwitchLink | None", amount: int, transfer_id: str,
                 at: datetime | None, *, refused: Callable[[str], None]) -> dict[str, Any]:
        """Steps 2-5 for an amount already reserved under `transfer_id`; `refused(code)` gives it back.
        `other`: the payee's provider in this process, or None (on another node: over FSPIOP)."""
        if other is None:
            return self._over_fspiop(src, dst, fsp, amount, transfer_id, refused=refused)
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

    def _over_fspiop(self, src: str, dst: str, fsp: str, amount: int, transfer_id: str, *,
                     refused: Callable[[str], None]) -> dict[str, Any]:
        """Steps 2-5 as FSPIOP messages to the payee's provider on another node. Each request is
        asked once (a retry or a recovery asks nothing twice)."""
        assert self.fspiop is not None
        p = self.fspiop
        quote_id = str(uuid.uuid5(QUOTES, transfer_id))
        pending = {"movement": f"out-{transfer_id}", "transfer_id": transfer_id, "payee_fsp": fsp, "state": RESERVED}
        currency = self.provider.scheme.currency
        try:
            p.ask_once(f"quote/{quote_id}", lambda: p.quote(
                quote_id, transfer_id, fsp, {"partyIdType": PARTY_TYPE, "partyIdentifier": party_id(dst), "fspId": fsp},
                {"partyIdType": PARTY_TYPE, "partyIdentifier": party_id(src), "fspId": self.fsp},
                {"currency": currency, "minor": amount}))
            quote = self._callback("quotes", quote_id)
            if quote is None:
                # no transfer was asked, so none can reach the switch: the amount is safely given back
                raise FspiopError("3300", f"{fsp} did not answer the quote within {self.wait_s:.0f} s")
            if from_fspiop_amount(quote["transferAmount"]) != {"currency": currency, "minor": amount}:
                raise FspiopError("5100", f"{fsp} quoted {quote['transferAmount']} for {amount} {currency}")
            p.ask_once(f"transfer/{transfer_id}", lambda: p.transfer(
                transfer_id, fsp, quote, stamp(datetime.now(timezone.utc) + TRANSFER_TTL)))
            done = self._callback("transfers", transfer_id)
        except FspiopError as exc:
            refused(exc.code)
            raise BaobabError("SWITCH_REFUSED", f"{exc.code} {exc.description}", fspiop_code=exc.code) from None
        if done is None:
            return pending  # the switch decides: fulfilled, or expired; `recover` books it
        if done.get("transferState") != COMMITTED:
            return pending
        self.provider.finish_outgoing(transfer_id, committed=True)
        return {**pending, "state": COMMITTED}

    def _callback(self, resource: str, resource_id: str) -> dict[str, Any] | None:
        """The body of the callback that answered a request, None if it has not come within
        `wait_s`; an error callback raises its FspiopError."""
        assert self.fspiop is not None
        outcome = self.fspiop.await_outcome(resource, resource_id, self.wait_s)
        if outcome is None:
            return None
        kind, body = outcome
        if kind == "error":
            raise refusal(body)
        return body

    def recover(self, links: Mapping[str, "SwitchLink"]) -> int:
        """Finish payments a crash left reserved, as the switch decided them; returns how many."""
        finished = 0
        for transfer_id in self.provider.pending_outgoing():
            with self._lock:
                if transfer_id in self._in_flight:
                    continue
            t = self.hub.switch.find(transfer_id)
            if t is None and self.fspiop is not None and self.fspiop.asked_at(f"transfer/{transfer_id}") is not None:
                outcome = self.fspiop.outcome("transfers", transfer_id)
                if outcome is None or outcome[0] != "error":
                    continue  # asked, not yet at the switch: its outbox delivers it, then the switch decides
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
        return finished + self.books.settle(self.hub.switch)
