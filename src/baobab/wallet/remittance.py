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

To a wallet at a provider on another node (network mode), the sending FSP, hosted on this node
(`join`), asks over FSPIOP (pay/fx_quotes.py, pay/fx_transfers.py): its POST /quotes in its own
currency, with its fee, reaches the switch, which brings in the FX provider and asks the payee's
provider in the wallet's currency; that provider refuses what the wallet's tier would refuse
(wallet/fspiop_wallets.py), and screens the sender's name, sent with the transfer, against its
sanctions list. The answer carries the amount that arrives and the cost figures; the
cost shown is worked again here from the rates it gives and must agree with the amount the
payee's provider quoted. The POST /transfers on it is carried by the switch as two legs through
the FX provider, committed together when the payee's node has credited the wallet (limits checked
again then); a refusal aborts both, so the sending FSP's position is untouched. An answer that has
not come within `wait_s` leaves the remittance "RESERVED": the switch decides it (the payee's
fulfilment, or the expiry), and the payee's node settles its credit accordingly.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from baobab.core.errors import BaobabError, register_codes
from baobab.core.money import Money
from baobab.pay.cost import Cost, remittance_cost
from baobab.pay.errors import FspiopError
from baobab.pay.fspiop_agent import refusal
from baobab.pay.hub import Hub
from baobab.pay.messages import from_fspiop_amount
from baobab.pay.participant import Participant
from baobab.pay.store import Database
from baobab.pay.switch import ABORTED, COMMITTED, RESERVED, parse_stamp, stamp
from baobab.wallet.fspiop_wallets import party_id
from baobab.wallet.interop import FSPIOP_WAIT_S, PARTY_TYPE, TRANSFER_TTL, SwitchLink, fulfilment_of, transfer_through
from baobab.wallet.provider import Tariff

register_codes({"NO_QUOTE": (404, "No such remittance quote, or it has expired"),
                "NO_REMITTANCE": (404, "No such remittance sent over FSPIOP from this node")})
QUOTE_VALID = timedelta(minutes=15)
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
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
        self.fspiop: dict[str, Participant] = {}  # the sending FSPs this node hosts on FSPIOP (`join`)
        self.wait_s = FSPIOP_WAIT_S
        db.script(SCHEMA)

    def join(self, fsps: Any, *, wait_s: float = FSPIOP_WAIT_S) -> list[str]:
        """Send to wallets on other nodes as the sending FSPs among `fsps` (this node's hosted FSPs,
        `baobab.pay.fsp_host.HostedFsps`); which joined."""
        joined = [fsp for fsp in self.sender_fees if fsp in fsps]
        self.fspiop.update({fsp: fsps[fsp] for fsp in joined})
        self.wait_s = wait_s
        return joined

    def quote(self, sender_fsp: str, sent: Money, payee: str, *, at: datetime | None = None) -> dict[str, Any]:
        """The full cost of sending `sent` (fee included) to the wallet `payee`, before paying."""
        fee = Money(sent.currency, Tariff.fee(self.sender_fees.get(sender_fsp, ()), sent.minor))
        when = at or datetime.now(timezone.utc)
        link, remote = self._payee(payee)
        if link is None:  # the payee's provider is on another node: asked over FSPIOP
            quote = self._quote_over_fspiop(sender_fsp, sent, fee, *remote, when)
        else:
            fx, cost = self.hub.fx.remittance(sent, link.provider.scheme.currency, sender_fee=fee)  # the switch's FX quote
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

    def quoted_to(self, quote_id: str) -> str | None:
        """The sending FSP a quote was given to (None: no such quote)."""
        row = self.db.one("SELECT quote FROM momo_remittance_quotes WHERE id = ?", (quote_id,))
        return None if row is None else str(json.loads(row[0])["sender_fsp"])

    def _valid(self, quote_id: str, when: datetime) -> dict[str, Any]:
        row = self.db.one("SELECT quote FROM momo_remittance_quotes WHERE id = ? AND used = 0 AND expires >= ?",
                          (quote_id, _stamp(when)))
        if row is None:
            raise BaobabError("NO_QUOTE", f"no valid quote {quote_id}: ask for a new one")
        return dict(json.loads(row[0]))

    def send(self, quote_id: str, *, sender_name: str, at: datetime | None = None) -> dict[str, Any]:
        when = at or datetime.now(timezone.utc)
        quote = self._valid(quote_id, when)
        if "fspiop" in quote:  # the payee's provider screens the sender's name, which travels with the transfer
            return self._send_over_fspiop(quote, when, sender_name)
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

    def _payee(self, payee: str) -> tuple[SwitchLink | None, tuple[str, str]]:
        """The payee's provider in this process, or (None, (its FSP, the wallet's number)) when it
        is on another node; NO_WALLET when no provider on the switch serves the number."""
        for link in self.links.values():
            try:
                msisdn = link.provider.msisdn(payee)
            except BaobabError:
                continue
            fsp = self.hub.serving(PARTY_TYPE, msisdn)
            if fsp in self.links:
                return self.links[fsp], (fsp, msisdn)
        msisdn = payee.replace(" ", "")
        fsp = self.hub.serving(PARTY_TYPE, msisdn) if E164.fullmatch(msisdn) else None
        if fsp is None:
            raise BaobabError("NO_WALLET", f"no provider on the switch serves {payee} (a number in international form, +...)")
        return None, (fsp, msisdn)

    def _sender(self, sender_fsp: str, payee_fsp: str) -> Participant:
        p = self.fspiop.get(sender_fsp)
        if p is None:
            raise BaobabError("NO_WALLET", f"{payee_fsp} is on another node and {sender_fsp} does not send over FSPIOP from here")
        return p

    def _answer(self, p: Participant, resource: str, resource_id: str) -> dict[str, Any] | None:
        """The callback's body (None: none within `wait_s`); an error callback: SWITCH_REFUSED with its code."""
        outcome = p.await_outcome(resource, resource_id, self.wait_s)
        if outcome is None:
            return None
        kind, body = outcome
        if kind == "error":
            exc = refusal(body)
            raise BaobabError("SWITCH_REFUSED", f"{exc.code} {exc.description}", fspiop_code=exc.code)
        return body

    def outcome(self, sender_fsp: str, transfer_id: str) -> dict[str, Any]:
        """How a remittance `sender_fsp` sent over FSPIOP stands, as the switch has told it:
        COMMITTED, ABORTED (with the refusal's FSPIOP code), or RESERVED (not yet decided)."""
        p = self.fspiop.get(sender_fsp)
        if p is None or p.asked_at(f"transfer/{transfer_id}") is None:
            raise BaobabError("NO_REMITTANCE", f"{sender_fsp} sent no remittance {transfer_id} over FSPIOP from this node")
        got = p.outcome("transfers", transfer_id)
        if got is None:
            return {"transfer": transfer_id, "state": RESERVED}
        kind, body = got
        if kind == "error":
            return {"transfer": transfer_id, "state": ABORTED, "fspiop_code": refusal(body).code}
        return {"transfer": transfer_id, "state": str(body.get("transferState", RESERVED))}

    def _quote_over_fspiop(self, sender_fsp: str, sent: Money, fee: Money, payee_fsp: str, msisdn: str,
                           when: datetime) -> dict[str, Any]:
        p = self._sender(sender_fsp, payee_fsp)
        quote_id, transaction_id = str(uuid.uuid4()), str(uuid.uuid4())
        p.quote(quote_id, transaction_id, payee_fsp,
                {"partyIdType": PARTY_TYPE, "partyIdentifier": party_id(msisdn), "fspId": payee_fsp},
                {"partyIdType": "ACCOUNT_ID", "partyIdentifier": transaction_id, "fspId": sender_fsp},
                {"currency": sent.currency, "minor": sent.minor}, fees={"currency": fee.currency, "minor": fee.minor})
        terms = self._answer(p, "quotes", quote_id)
        if terms is None:
            raise BaobabError("SWITCH_REFUSED", f"{payee_fsp} did not answer the quote within {self.wait_s:.0f} s: "
                                                "nothing was asked to move", fspiop_code="3300")
        extensions = {e["key"]: e["value"] for e in terms.get("extensionList", {}).get("extension", [])}
        cost = _cost_shown(sent, fee, terms, extensions)
        expires = min(when + QUOTE_VALID, parse_stamp(terms["expiration"]))
        return {"id": quote_id, "sender_fsp": sender_fsp, "payee": msisdn, "payee_fsp": payee_fsp,
                "fxp": extensions.get("fxProvider", ""), "cost": cost.to_dict(), "expires": _stamp(expires),
                "fspiop": terms}

    def _send_over_fspiop(self, quote: dict[str, Any], when: datetime, sender_name: str) -> dict[str, Any]:
        p = self._sender(quote["sender_fsp"], quote["payee_fsp"])
        with self.db.atomic():  # used once, even by two sends at the same moment
            self._valid(quote["id"], when)
            self.db.run("UPDATE momo_remittance_quotes SET used = 1 WHERE id = ?", (quote["id"],))
        transfer_id = str(uuid.uuid4())
        p.ask_once(f"transfer/{transfer_id}", lambda: p.transfer(transfer_id, quote["payee_fsp"], quote["fspiop"],
                                                                 stamp(datetime.now(timezone.utc) + TRANSFER_TTL),
                                                                 payer_name=sender_name))
        done = {"movement": None, "transfers": [transfer_id], "payee": quote["payee"], "cost": quote["cost"]}
        try:
            outcome = self._answer(p, "transfers", transfer_id)
        except BaobabError as exc:
            raise BaobabError("SWITCH_REFUSED", f"{exc.message}; both legs aborted, nothing taken",
                              fspiop_code=exc.detail.get("fspiop_code"), transfer=transfer_id) from None
        if outcome is None or outcome.get("transferState") != COMMITTED:
            return {**done, "state": RESERVED}  # the switch decides: the payee's fulfilment, or the expiry
        return {**done, "state": COMMITTED}


def _rate(extensions: dict[str, str], key: str) -> str:
    """The rate in an extension written "1 INR = 0.043736 AED"."""
    parts = extensions.get(key, "").split()
    if len(parts) != 5 or parts[0] != "1" or parts[2] != "=":
        raise BaobabError("SWITCH_REFUSED", f"the switch's quote gives no {key}", fspiop_code="3100")
    return parts[3]


def _cost_shown(sent: Money, fee: Money, terms: dict[str, Any], extensions: dict[str, str]) -> Cost:
    """The cost of a cross-currency quote answered over FSPIOP, as Remittance Prices Worldwide
    counts it, worked from the rates it gives; it must come to the amount the payee's provider quoted."""
    received = from_fspiop_amount(terms["payeeReceiveAmount"])
    payee_fee = from_fspiop_amount(terms["payeeFspFee"])["minor"] if "payeeFspFee" in terms else 0
    cost = remittance_cost(sent, received["currency"], sender_fee=fee, receiver_fee_minor=payee_fee,
                           applied_rate=_rate(extensions, "fxRate"), mid_rate=_rate(extensions, "fxMidMarketRate"))
    if cost.received.minor != received["minor"]:
        raise BaobabError("SWITCH_REFUSED", f"the quote's figures do not add up: {received['minor']} quoted, "
                                            f"{cost.received.minor} by its rates", fspiop_code="3100")
    return cost


def _stamp(when: datetime) -> str:
    """A UTC instant as fixed-width text, so that text order is time order in SQL."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
