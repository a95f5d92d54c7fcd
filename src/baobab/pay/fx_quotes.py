"""Cross-currency quotes over FSPIOP v1.1, which has no fxQuotes resource: the switch brings in
the FX provider itself, between the payer FSP and the payee FSP.

When a payer FSP's POST /quotes asks in a currency other than the one the payee's account is
registered in (the account-lookup directory: POST /participants/{Type}/{ID} with a currency):

  1. The switch takes the best FX offer for the pair (pay/fx.py). None: PUT /quotes/{ID}/error
     3201 to the payer FSP, and the payee FSP is not asked.
  2. It asks the payee FSP, as the requester itself (FSPIOP-Source `switch`), for a quote in the
     payee's currency: the amount the FX provider delivers for the amount sent less the payer
     FSP's fee (the request's `fees`), amountType SEND, the FX terms in the extension list.
  3. The payee FSP's answer comes back to the switch, which tells the payer FSP, before the payer
     agrees (PUT /quotes/{ID}, signed by the switch when it has a key):
       transferAmount       what the payer FSP transfers, in its currency (amount sent less its fee)
       payeeReceiveAmount   what the payee receives, in the payee's currency
       payeeFspFee / payeeFspCommission   the payee FSP's, as it quoted them
       ilpPacket, condition the payee FSP's (its fulfilment will commit both legs)
       expiration           the earlier of the payee's and the FX offer's (FX_QUOTE_VALID)
       extensionList        what has no field: the FX provider, applied and mid-market rates,
                            the amount sent, the payer FSP's fee, the exchange margin, the total
                            cost and its percentage of the amount sent as the World Bank's
                            Remittance Prices Worldwide counts it (pay/cost.py), beside the SDG
                            10.c target of 3%
  4. The payer FSP's POST /transfers on that quote (its condition) is carried as two legs, the
     payer's currency to the FX provider and the payee's from it (pay/fx_transfers.py).

A cross-currency quote is asked with amountType SEND (the sender's amount is known; RECEIVE is
refused with 3100). The payee FSP's error answer is passed to the payer FSP.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.money import Money
from baobab.pay.cost import Cost, remittance_cost
from baobab.pay.errors import FspiopError
from baobab.pay.messages import HUB_ID, callback_headers, from_fspiop_amount, to_fspiop_amount
from baobab.pay.switch import parse_stamp, stamp

FX_QUOTE_VALID = timedelta(minutes=5)  # how long the switch holds the FX provider's rate
ASKED, QUOTED, REFUSED, USED = "ASKED", "QUOTED", "REFUSED", "USED"
SCHEMA = """
CREATE TABLE IF NOT EXISTS switch_fx_quotes (
  id TEXT PRIMARY KEY, payer TEXT NOT NULL, payee TEXT NOT NULL, fxp TEXT NOT NULL,
  source TEXT NOT NULL, sent BIGINT NOT NULL, sender_fee BIGINT NOT NULL, target TEXT NOT NULL, converted BIGINT NOT NULL,
  applied_rate TEXT NOT NULL, mid_rate TEXT NOT NULL, rate_expires TEXT NOT NULL, state TEXT NOT NULL,
  condition TEXT, expiration TEXT, received BIGINT);
CREATE INDEX IF NOT EXISTS switch_fx_quotes_condition ON switch_fx_quotes (condition);
"""
_COLUMNS = ("id, payer, payee, fxp, source, sent, sender_fee, target, converted, applied_rate, mid_rate, rate_expires, "
            "state, condition, expiration, received")


@dataclass(frozen=True)
class FxQuoteRecord:
    id: str
    payer: str
    payee: str
    fxp: str
    source: str
    sent: int
    sender_fee: int
    target: str
    converted: int
    applied_rate: str
    mid_rate: str
    rate_expires: str
    state: str
    condition: str | None
    expiration: str | None
    received: int | None

    @property
    def source_amount(self) -> int:
        """What the payer FSP transfers to the FX provider: the amount sent less its own fee."""
        return self.sent - self.sender_fee

    def cost(self, received: int) -> Cost:
        """Its cost as Remittance Prices Worldwide counts it, when `received` arrives (BAD_MONEY if it cannot)."""
        return remittance_cost(Money(self.source, self.sent), self.target, sender_fee=Money(self.source, self.sender_fee),
                               receiver_fee_minor=self.converted - received, applied_rate=self.applied_rate,
                               mid_rate=self.mid_rate)


def _text(currency: str, minor: int) -> str:
    return f"{to_fspiop_amount(currency, minor)['amount']} {currency}"


def extensions(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {"extension": [{"key": k, "value": v[:128]} for k, v in pairs]}


def cost_extensions(q: FxQuoteRecord, cost: Cost) -> list[tuple[str, str]]:
    """The figures FSPIOP has no field for, as the payer is shown them before agreeing."""
    return [("fxProvider", q.fxp), ("fxRate", f"1 {q.source} = {q.applied_rate} {q.target}"),
            ("fxMidMarketRate", f"1 {q.source} = {q.mid_rate} {q.target}"),
            ("amountSent", _text(q.source, q.sent)), ("payerFspFee", _text(q.source, q.sender_fee)),
            ("fxMargin", _text(q.source, cost.fx_margin.minor)), ("totalCost", _text(q.source, cost.total_cost.minor)),
            ("totalCostPercent", cost.total_cost_percent), ("sdg10cTargetPercent", "3"),
            ("withinSdg10cTarget", "true" if cost.within_sdg_target else "false"),
            ("costMethod", "World Bank Remittance Prices Worldwide: fees + FX margin, % of amount sent")]


class FxQuotes:
    def __init__(self, hub: Any) -> None:
        self.hub, self.db = hub, hub.db
        self.db.script(SCHEMA)

    def find(self, quote_id: str) -> FxQuoteRecord | None:
        row = self.db.one(f"SELECT {_COLUMNS} FROM switch_fx_quotes WHERE id = ?", (quote_id,))
        return None if row is None else FxQuoteRecord(*row)

    def payee_currency(self, body: dict[str, Any]) -> str | None:
        """The payee account's currency when it is not the quote's: a cross-currency quote."""
        info = body.get("payee", {}).get("partyIdInfo", {})
        row = self.db.one("SELECT currency FROM switch_parties WHERE type = ? AND id = ?",
                          (info.get("partyIdType"), info.get("partyIdentifier")))
        target = None if row is None else row[0]
        return target if target and target != body.get("amount", {}).get("currency") else None

    def _refuse(self, payer: str, quote_id: str, error: FspiopError) -> None:
        self.hub.outbox.add(payer, "PUT", f"/quotes/{quote_id}/error", callback_headers("quotes", HUB_ID, payer),
                            error.information())

    def ask(self, body: dict[str, Any], source: str, payee: str, target: str, *, now: datetime | None = None) -> None:
        """Steps 1-2: the FX offer, then the payee FSP asked in its own currency."""
        quote_id = body["quoteId"]
        now = now or datetime.now(timezone.utc)
        with self.db.atomic():
            if self.find(quote_id) is not None:
                return  # a resend while the payee's answer is awaited: it will be passed on once
            try:
                record = self._price(body, source, payee, target, now)
            except FspiopError as exc:
                self._refuse(source, quote_id, exc)
                return
            self.db.run(f"INSERT INTO switch_fx_quotes ({_COLUMNS}) VALUES ({', '.join('?' * 16)})",
                        tuple(record.__dict__.values()))
            asked = {k: v for k, v in body.items() if k not in ("fees", "extensionList")}
            asked.update(amountType="SEND", amount=to_fspiop_amount(target, record.converted),
                         extensionList=extensions([("fxProvider", record.fxp), ("fxSourceAmount", _text(record.source, record.source_amount)),
                                                   ("fxRate", f"1 {record.source} = {record.applied_rate} {target}")]))
            self.hub.outbox.add(payee, "POST", "/quotes", {**callback_headers("quotes", HUB_ID, payee),
                                                           "Accept": "application/vnd.interoperability.quotes+json;version=1.1"}, asked)

    def _price(self, body: dict[str, Any], source: str, payee: str, target: str, now: datetime) -> FxQuoteRecord:
        if body.get("amountType") != "SEND":
            raise FspiopError("3100", "a cross-currency quote is asked with amountType SEND (the amount sent)")
        sent = from_fspiop_amount(body["amount"])
        fee = from_fspiop_amount(body["fees"]) if "fees" in body else {"currency": sent["currency"], "minor": 0}
        try:
            fx, cost = self.hub.fx.remittance(Money(sent["currency"], sent["minor"]), target,
                                              sender_fee=Money(fee["currency"], fee["minor"]))
        except BaobabError as exc:
            code = "3201" if exc.code == "NO_FX" else "3100"
            raise FspiopError(code, exc.message) from None
        return FxQuoteRecord(body["quoteId"], source, payee, fx.fxp, sent["currency"], sent["minor"], fee["minor"], target,
                             cost.converted.minor, fx.applied_rate, fx.mid_rate, stamp(now + FX_QUOTE_VALID), ASKED,
                             None, None, None)

    def _asked_of(self, quote_id: str, source: str) -> FxQuoteRecord | None:
        """The cross-currency quote `source` answers (None: no such quote; 3100: not asked of it)."""
        q = self.find(quote_id)
        if q is not None and source != q.payee:
            raise FspiopError("3100", f"quote {quote_id} was asked of {q.payee}")
        return q

    def answer(self, quote_id: str, body: dict[str, Any], source: str) -> bool:
        """Step 3: the payee FSP's PUT /quotes/{ID}. False when it is no cross-currency quote."""
        with self.db.atomic():
            q = self._asked_of(quote_id, source)
            if q is None:
                return False
            if q.state != ASKED:
                return True  # a resend of the answer: the payer was told once
            try:
                reply, received, expiration = self._shown(q, body)
            except FspiopError as exc:
                self.db.run("UPDATE switch_fx_quotes SET state = ? WHERE id = ?", (REFUSED, quote_id))
                self._refuse(q.payer, quote_id, exc)
                return True
            self.db.run("UPDATE switch_fx_quotes SET state = ?, condition = ?, expiration = ?, received = ? WHERE id = ?",
                        (QUOTED, body["condition"], expiration, received, quote_id))
            self.hub.outbox.add(q.payer, "PUT", f"/quotes/{quote_id}", callback_headers("quotes", HUB_ID, q.payer), reply)
        return True

    def _shown(self, q: FxQuoteRecord, body: dict[str, Any]) -> tuple[dict[str, Any], int, str]:
        amount = from_fspiop_amount(body["transferAmount"])
        if (amount["currency"], amount["minor"]) != (q.target, q.converted):
            raise FspiopError("3100", f"the payee FSP quoted {_text(amount['currency'], amount['minor'])}, "
                                      f"not the {_text(q.target, q.converted)} asked")
        received = from_fspiop_amount(body["payeeReceiveAmount"])["minor"] if "payeeReceiveAmount" in body else q.converted
        try:
            cost = q.cost(received)
        except BaobabError as exc:
            raise FspiopError("3100", exc.message) from None
        expiration = min((body["expiration"], q.rate_expires), key=parse_stamp)
        reply = {"transferAmount": to_fspiop_amount(q.source, q.source_amount),
                 "payeeReceiveAmount": to_fspiop_amount(q.target, cost.received.minor)}
        reply.update({k: body[k] for k in ("payeeFspFee", "payeeFspCommission", "geoCode") if k in body})
        reply.update(expiration=expiration, ilpPacket=body["ilpPacket"], condition=body["condition"],
                     extensionList=extensions(cost_extensions(q, cost)))
        return reply, cost.received.minor, expiration

    def refused(self, quote_id: str, body: dict[str, Any], source: str) -> bool:
        """The payee FSP's PUT /quotes/{ID}/error, passed to the payer FSP. False when no FX quote."""
        with self.db.atomic():
            q = self._asked_of(quote_id, source)
            if q is None:
                return False
            if q.state == ASKED:
                self.db.run("UPDATE switch_fx_quotes SET state = ? WHERE id = ?", (REFUSED, quote_id))
                self.hub.outbox.add(q.payer, "PUT", f"/quotes/{quote_id}/error",
                                    callback_headers("quotes", HUB_ID, q.payer), body)
        return True

    def for_transfer(self, core: dict[str, Any], source: str) -> FxQuoteRecord | None:
        """The quoted cross-currency quote a POST /transfers takes up (its condition, payer and payee)."""
        row = self.db.one(f"SELECT {_COLUMNS} FROM switch_fx_quotes WHERE condition = ? AND payer = ? AND payee = ? "
                          "AND state = ?", (core.get("condition"), source, core.get("payeeFsp"), QUOTED))
        return None if row is None else FxQuoteRecord(*row)

    def use(self, quote_id: str) -> None:
        self.db.run("UPDATE switch_fx_quotes SET state = ? WHERE id = ?", (USED, quote_id))


def recent_fx_quotes(db: Any, limit: int = 20) -> list[dict[str, Any]]:
    """The latest cross-currency quotes the payer FSPs were shown, with their cost, for the
    operator's page (newest first by rate expiry; ones the payee refused are left out)."""
    db.script(SCHEMA)  # a switch that never quoted across currencies has the table, empty
    rows = db.all(f"SELECT {_COLUMNS} FROM switch_fx_quotes WHERE state IN (?, ?) ORDER BY rate_expires DESC, id LIMIT ?",
                  (QUOTED, USED, limit))
    shown = []
    for q in (FxQuoteRecord(*row) for row in rows):
        assert q.received is not None
        cost = q.cost(q.received)
        shown.append({"id": q.id, "payer": q.payer, "payee": q.payee, "fxp": q.fxp, "state": q.state,
                      "applied_rate": q.applied_rate, "mid_rate": q.mid_rate, **cost.to_dict()})
    return shown
