"""A cross-currency transfer on the switch: two legs through the FX provider, one outcome.

The payer FSP's POST /transfers on a cross-currency quote (pay/fx_quotes.py: same condition,
payer and payee) is prepared as two transfers in one database transaction:

    <transferId>      the payer's currency, payer FSP -> FX provider (the amount it quoted)
    <transferId>:fx   the payee's currency, FX provider -> payee FSP (what the payee quoted)

Each leg is balanced in its own currency in the journal, so the sum per currency never changes.
Either both are reserved or neither (an FX provider short of liquidity refuses the whole
transfer: 4001 to the payer FSP). The payee FSP is asked with <transferId>, its own amount and
the ILP packet it issued, as if the payer had sent in its currency. Both legs share the payee's
condition: its fulfilment commits both in one transaction; an invalid fulfilment, a rejection or
the expiry aborts both, and each FSP hears of it under <transferId>. A quote past its expiration
is refused (3302); a quote is taken up once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from baobab.pay.errors import FspiopError
from baobab.pay.fx_quotes import FxQuoteRecord, FxQuotes, extensions
from baobab.pay.messages import HUB_ID, addressed, callback_headers, to_fspiop_amount, transfer_body
from baobab.pay.switch import ABORTED, COMMITTED, RESERVED, Transfer, parse_stamp

LEG = ":fx"
SCHEMA = """
CREATE TABLE IF NOT EXISTS switch_fx_transfers (
  id TEXT PRIMARY KEY, leg TEXT NOT NULL UNIQUE, quote_id TEXT NOT NULL, payer TEXT NOT NULL, fxp TEXT NOT NULL,
  payee TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Legs:
    id: str        # the payer's leg, and the id every FSP knows the transfer by
    leg: str       # the payee's leg
    quote_id: str
    payer: str
    fxp: str
    payee: str


class FxTransfers:
    def __init__(self, hub: Any, quotes: FxQuotes) -> None:
        self.hub, self.db, self.switch, self.quotes = hub, hub.db, hub.switch, quotes
        self.db.script(SCHEMA)

    def find(self, transfer_id: str) -> Legs | None:
        row = self.db.one("SELECT id, leg, quote_id, payer, fxp, payee FROM switch_fx_transfers WHERE id = ? OR leg = ?",
                          (transfer_id, transfer_id))
        return None if row is None else Legs(*row)

    def _send(self, fsp: str, transfer_id: str, body: dict[str, Any], error: bool = False) -> None:
        path = f"/transfers/{transfer_id}" + ("/error" if error else "")
        self.hub.outbox.add(fsp, "PUT", path, callback_headers("transfers", HUB_ID, fsp), body)

    # --- prepare ------------------------------------------------------------------------

    def takes(self, core: dict[str, Any], source: str) -> Legs | FxQuoteRecord | None:
        """The FX transfer this prepare is (a resend), or the quote it takes up (new)."""
        return self.find(core["transferId"]) or self.quotes.for_transfer(core, source)

    def prepare(self, core: dict[str, Any], source: str, found: Legs | FxQuoteRecord, *, now: datetime | None = None,
                said: dict[str, Any] | None = None) -> None:
        """Reserve both legs, or refuse (FspiopError, nothing reserved). `said`: the payer's own
        extension list (the originator's name, payerName), passed on to the payee FSP."""
        transfer_id = core["transferId"]
        if isinstance(found, Legs):  # a resend: the payer's leg answers it (3106 if other terms)
            t = self.switch.prepare({**core, "payeeFsp": found.fxp}, source=source)
            if t.state != RESERVED:
                self.hub._tell(t, source)
            return
        q, now = found, now or datetime.now(timezone.utc)
        if parse_stamp(q.expiration or "") <= now:
            raise FspiopError("3302", f"quote {q.id} expired at {q.expiration}: ask for a new one")
        amount = core["amount"]
        if (amount["currency"], amount["minor"]) != (q.source, q.source_amount):
            raise FspiopError("3100", f"the transfer's amount is not the {q.source_amount} {q.source} quoted in {q.id}")
        assert q.received is not None
        leg = transfer_id + LEG
        with self.db.atomic():  # both legs or neither
            self.switch.prepare({**core, "payeeFsp": q.fxp}, source=source)
            self.switch.prepare({"transferId": leg, "payerFsp": q.fxp, "payeeFsp": q.payee,
                                 "amount": {"currency": q.target, "minor": q.converted}, "condition": core["condition"],
                                 "expiration": core["expiration"]}, source=q.fxp)
            self.db.run("INSERT INTO switch_fx_transfers (id, leg, quote_id, payer, fxp, payee) VALUES (?, ?, ?, ?, ?, ?)",
                        (transfer_id, leg, q.id, source, q.fxp, q.payee))
            self.quotes.use(q.id)
        asked = {"transferId": transfer_id, "payerFsp": source, "payeeFsp": q.payee,
                 "amount": to_fspiop_amount(q.target, q.converted), "ilpPacket": core["ilpPacket"],
                 "condition": core["condition"], "expiration": core["expiration"],
                 "extensionList": extensions([(e["key"], e["value"]) for e in (said or {}).get("extension", [])][:13] + [
                     ("fxProvider", q.fxp), ("fxQuoteId", q.id),
                     ("fxSourceAmount", f"{to_fspiop_amount(q.source, q.source_amount)['amount']} {q.source}")])}
        self.hub.outbox.add(q.payee, "POST", "/transfers", {**callback_headers("transfers", HUB_ID, q.payee),
                                                            "Accept": "application/vnd.interoperability.transfers+json;version=1.1"}, asked)

    # --- the payee's answer -------------------------------------------------------------

    @staticmethod
    def _payees_only(legs: Legs, source: str) -> None:
        """Only the payee FSP settles an FX transfer: neither leg is the FX provider's (or the payer's) to end alone."""
        if source != legs.payee:
            raise FspiopError("3208" if source not in (legs.payer, legs.fxp) else "3100",
                              f"only the payee FSP {legs.payee} fulfils or rejects transfer {legs.id}")

    def fulfil(self, legs: Legs, body: dict[str, Any], source: str, headers: dict[str, str] | None, raw: bytes | None) -> None:
        """The payee FSP's PUT /transfers/{ID}: both legs commit under its fulfilment, or both abort."""
        self._payees_only(legs, source)
        fulfilment = body.get("fulfilment", "")
        with self.db.atomic():
            before = self.switch.get(legs.leg, source=legs.payee)
            if before.state == COMMITTED:  # a resend: told how it stands, or 3106
                if fulfilment == before.fulfilment:
                    self._send(legs.payee, legs.id, transfer_body(before))
                else:
                    self._send(legs.payee, legs.id, FspiopError("3106", f"transfer {legs.id} was fulfilled otherwise").information(), True)
                return
            try:
                payee_leg = self.switch.fulfil(legs.leg, fulfilment, source=legs.payee)
            except FspiopError as exc:
                aborted = self.switch.find(legs.leg)
                if aborted is None or aborted.state != ABORTED or aborted.error_code != exc.code:
                    raise  # not the payee's to fulfil: answered at once
                self._abort_payer_leg(legs, exc.code)
                for fsp in (legs.payer, legs.payee, legs.fxp):
                    self._send(fsp, legs.id, exc.information(), True)
                return
            payer_leg = self.switch.fulfil(legs.id, fulfilment, source=legs.fxp)  # same condition: commits
            if headers is not None and raw is not None and body.get("transferState") == COMMITTED:
                self.hub.outbox.add(legs.payer, "PUT", f"/transfers/{legs.id}", addressed(headers, legs.payer), body, raw=raw)
            else:
                self._send(legs.payer, legs.id, transfer_body(payer_leg))
            self._send(legs.fxp, legs.id, transfer_body(payer_leg))
            self._send(legs.fxp, legs.leg, transfer_body(payee_leg))
            if body.get("transferState") == RESERVED:
                self.hub.outbox.add(legs.payee, "PATCH", f"/transfers/{legs.id}", callback_headers("transfers", HUB_ID, legs.payee),
                                    {"completedTimestamp": payee_leg.completed_at, "transferState": COMMITTED})

    def _abort_payer_leg(self, legs: Legs, code: str) -> None:
        t = self.switch.find(legs.id)
        if t is not None and t.state == RESERVED:
            self.switch.reject(legs.id, code, source=legs.fxp)

    def reject(self, legs: Legs, body: dict[str, Any], source: str, headers: dict[str, str], raw: bytes | None) -> None:
        """The payee FSP's PUT /transfers/{ID}/error: both legs abort, the payer FSP is told as the payee said it."""
        self._payees_only(legs, source)
        code = str(body.get("errorInformation", {}).get("errorCode", "5100"))
        code = code if code.isdigit() and len(code) == 4 else "5100"
        with self.db.atomic():
            before = self.switch.get(legs.leg, source=legs.payee)
            if before.state != RESERVED:
                self._send(legs.payee, legs.id, transfer_body(before))
                return
            self.switch.reject(legs.leg, code, source=legs.payee)
            self._abort_payer_leg(legs, code)
            self.hub.outbox.add(legs.payer, "PUT", f"/transfers/{legs.id}/error", addressed(headers, legs.payer), body, raw=raw)
            self._send(legs.fxp, legs.id, FspiopError(code, f"the payee FSP refused transfer {legs.id}").information(), True)

    def report(self, legs: Legs, source: str) -> bool:
        """GET /transfers/{ID} by the payee FSP: its leg, under the id it knows. False for anyone else."""
        if source != legs.payee:
            return False
        self._send(source, legs.id, transfer_body(self.switch.get(legs.leg, source=source)))
        return True

    def told_of_expiry(self, t: Transfer) -> list[tuple[str, str]]:
        """Who hears that an expired leg aborted, under which id: the payee FSP hears of its leg
        under the payer's id; the FX provider once."""
        legs = self.find(t.id)
        if legs is None:
            return [(t.payer, t.id), (t.payee, t.id)]
        return [(legs.payee, legs.id)] if t.id == legs.leg else [(legs.payer, legs.id), (legs.fxp, legs.id)]
