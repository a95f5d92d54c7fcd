"""Inbound international transfers to a wallet, through an FX provider on the switch.

    remit = Remittances(hub, fxp_secret=..., links=links,
                        sender_fees={"IN-REMIT": ((10**12, 150_00),)})
    quote = remit.quote("IN-REMIT", Money("INR", 20_000_00), "+971501234567")
        what the sender sees before paying: the amount that arrives, the rate, the fees, the
        exchange margin and the total cost as the World Bank's Remittance Prices Worldwide counts it
    done = remit.send(quote["id"], sender_name="Ravi Kumar")

The sender pays the sending FSP (its fee taken there); the rest goes to the FX provider in the
source currency, and the FX provider pays the payee's provider the converted amount in the
target currency: two transfers through the switch. The payee's provider checks first that the
wallet may take it (tier limits) and screens the sender's name against its sanctions list (a
hit: held for review, nothing moved). If the second transfer is refused after the first
committed, the FX provider gives the first back. A quote holds for QUOTE_VALID and pays once;
quotes are kept in `db` (`momo_remittance_quotes`), so one given before a restart is honoured
after it, until it expires.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from baobab.core.errors import BaobabError, register_codes
from baobab.core.money import Money
from baobab.pay.errors import FspiopError
from baobab.pay.hub import Hub
from baobab.pay.store import Database
from baobab.wallet.interop import PARTY_TYPE, SwitchLink, fulfilment_of, transfer_through
from baobab.wallet.provider import Tariff

register_codes({"NO_QUOTE": (404, "No such remittance quote, or it has expired")})
QUOTE_VALID = timedelta(minutes=15)
SCHEMA = """
CREATE TABLE IF NOT EXISTS momo_remittance_quotes (
    id TEXT PRIMARY KEY, quote TEXT NOT NULL, expires TEXT NOT NULL, used INTEGER NOT NULL DEFAULT 0);
"""


class Remittances:
    def __init__(self, hub: Hub, *, fxp_secret: bytes, links: Mapping[str, SwitchLink],
                 sender_fees: Mapping[str, tuple[tuple[int, int], ...]], db: Database) -> None:
        """`sender_fees`: each sending FSP's fee bands (up_to, fee) in its own currency; `db`: where the quotes are kept."""
        self.hub, self._secret, self.links, self.sender_fees = hub, fxp_secret, links, sender_fees
        self.db = db
        db.script(SCHEMA)

    def quote(self, sender_fsp: str, sent: Money, payee: str, *, at: datetime | None = None) -> dict[str, Any]:
        """The full cost of sending `sent` (fee included) to the wallet `payee`, before paying."""
        link = self._payee_link(payee)
        target = link.provider.scheme.currency
        fee = Tariff.fee(self.sender_fees.get(sender_fsp, ()), sent.minor)
        fx, cost = self.hub.fx.remittance(sent, target, sender_fee=Money(sent.currency, fee))  # the switch's FX quote
        when = at or datetime.now(timezone.utc)
        quote = {"id": str(uuid.uuid4()), "sender_fsp": sender_fsp, "payee": link.provider.msisdn(payee),
                 "payee_fsp": link.fsp, "fxp": fx.fxp, "cost": cost.to_dict(), "expires": _stamp(when + QUOTE_VALID)}
        with self.db.atomic():
            # long dead, unless sent: a sent quote is the record of what its sender paid (regional statistics)
            self.db.run("DELETE FROM momo_remittance_quotes WHERE expires < ? AND used = 0", (_stamp(when - QUOTE_VALID),))
            self.db.run("INSERT INTO momo_remittance_quotes (id, quote, expires) VALUES (?, ?, ?)",
                        (quote["id"], json.dumps(quote), quote["expires"]))
        return quote

    def sent(self) -> list[dict[str, Any]]:
        """The quotes that were sent, as quoted (cost included): what the regional statistics read."""
        return [dict(json.loads(row[0])) for row in self.db.all("SELECT quote FROM momo_remittance_quotes WHERE used = 1 "
                                                                "ORDER BY expires, id")]

    def _valid(self, quote_id: str, when: datetime) -> dict[str, Any]:
        row = self.db.one("SELECT quote FROM momo_remittance_quotes WHERE id = ? AND used = 0 AND expires >= ?",
                          (quote_id, _stamp(when)))
        if row is None:
            raise BaobabError("NO_QUOTE", f"no valid quote {quote_id}: ask for a new one")
        return dict(json.loads(row[0]))

    def send(self, quote_id: str, *, sender_name: str, at: datetime | None = None) -> dict[str, Any]:
        when = at or datetime.now(timezone.utc)
        quote = self._valid(quote_id, when)
        link, cost = self.links[quote["payee_fsp"]], quote["cost"]
        source = Money.from_json(cost["sent"]) - Money.from_json(cost["sender_fee"])
        received = cost["received"]["minor"]
        payee = quote["payee"]
        link.provider.can_receive(payee, received, at=when)
        match = link.provider.screen(sender_name) if link.provider.screen else None
        if match:
            hold = link.provider.hold("remittance", None, payee, received, f"sender {sender_name} matched {match['listed']} "
                                      f"({match['reference']})", reference=quote_id, at=when)
            raise BaobabError("HELD_FOR_REVIEW", f"held for compliance review: the sender matched {match['reference']}", hold=hold)
        with self.db.atomic():  # used once, even by two sends at the same moment
            self._valid(quote_id, when)
            self.db.run("UPDATE momo_remittance_quotes SET used = 1 WHERE id = ?", (quote_id,))
        inbound, outbound = str(uuid.uuid4()), str(uuid.uuid4())
        try:
            transfer_through(self.hub, inbound, quote["sender_fsp"], quote["fxp"], source.currency, source.minor,
                             fulfilment_of(self._secret, inbound), at=when)
        except FspiopError as exc:
            raise BaobabError("SWITCH_REFUSED", f"{exc.code} {exc.description}", fspiop_code=exc.code) from None
        try:
            transfer_through(self.hub, outbound, quote["fxp"], quote["payee_fsp"], cost["received"]["currency"], received,
                             link.fulfilment(outbound), at=when)
        except FspiopError as exc:
            refund = str(uuid.uuid4())  # the FX provider gives the source amount back to the sender's FSP
            transfer_through(self.hub, refund, quote["fxp"], quote["sender_fsp"], source.currency, source.minor,
                             fulfilment_of(self._secret, refund), at=when)
            raise BaobabError("SWITCH_REFUSED", f"{exc.code} {exc.description}; refunded", fspiop_code=exc.code) from None
        movement = link.provider.credit_incoming(payee, received, outbound, payer=f"{quote['sender_fsp']}:{sender_name}", at=when)
        return {"movement": movement, "transfers": [inbound, outbound], "payee": payee, "cost": cost}

    def _payee_link(self, payee: str) -> SwitchLink:
        for link in self.links.values():
            try:
                msisdn = link.provider.msisdn(payee)
            except BaobabError:
                continue
            fsp = self.hub.serving(PARTY_TYPE, msisdn)
            if fsp in self.links:
                return self.links[fsp]
        raise BaobabError("NO_WALLET", f"no provider on the switch serves {payee}")


def _stamp(when: datetime) -> str:
    """A UTC instant as fixed-width text, so that text order is time order in SQL."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
