"""Debit mandates: a customer's prior consent for a payee (a merchant, a utility, a lender) to
take payments from the wallet without the PIN each time (GSMA mmAPI v1.1.2, Debit Mandates).

    m = Mandates(provider)
    ref = m.create(payer, payee, amount_limit=500_00, start="2026-12-01", end="2027-11-30",
                   payments=12, frequency="monthspecificdate", by="WATER-CO")   # after the payer's PIN
    m.debit(ref, payer, payee, 450_00)          # the payee takes a payment the mandate covers

A debit is refused (`NO_MANDATE_AUTHORITY`, with the reason in `rule`) unless the mandate is
active, names this payer and this payee, covers the amount (no limit: any amount), the day is
within its start and end dates, fewer than its number of payments were taken, and none was taken
in the current period of its frequency (a week, a fortnight, a calendar month, N calendar months,
a year). The checks and the payment are one transaction. A mandate is changed (its limit, end,
number of payments, frequency) or made inactive, never deleted: its debits stay on record.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Any

from baobab.core.errors import BaobabError, register_codes
from baobab.wallet.provider import Provider

register_codes({
    "NO_MANDATE": (404, "No such debit mandate on this account"),
    "NO_MANDATE_AUTHORITY": (403, "The debit mandate does not authorise this payment"),
    "BAD_MANDATE": (422, "A debit mandate needs a start date, an end date after it, a positive limit and a known frequency"),
})

FREQUENCIES = ("weekly", "fortnight", "monthspecificdate", "twomonths", "threemonths", "fourmonths", "sixmonths", "yearly",
               "lastdaymonth", "lastdaymonthworking", "lastmonday", "lasttuesday", "lastwednesday", "lastthursday",
               "lastfriday", "lastsaturday", "lastsunday")
MONTHS = {"twomonths": 2, "threemonths": 3, "fourmonths": 4, "sixmonths": 6, "yearly": 12}
CHANGEABLE = ("amount_limit", "end", "payments", "frequency", "status")
SCHEMA = """
CREATE TABLE IF NOT EXISTS momo_mandates (
  reference TEXT PRIMARY KEY, payer TEXT NOT NULL, payee TEXT NOT NULL, amount_limit BIGINT, start TEXT NOT NULL,
  end_date TEXT, payments INTEGER, frequency TEXT, status TEXT NOT NULL, requested TEXT, created_by TEXT NOT NULL,
  created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS momo_mandates_by_payer ON momo_mandates (payer, created_at);
CREATE TABLE IF NOT EXISTS momo_mandate_debits (
  reference TEXT NOT NULL, movement TEXT NOT NULL, day TEXT NOT NULL, amount BIGINT NOT NULL, PRIMARY KEY (reference, movement));
"""


def period(frequency: str | None, day: date) -> str | None:
    """The period of `frequency` that `day` falls in (one payment per period), None: no limit."""
    if frequency is None:
        return None
    if frequency in ("weekly", "fortnight"):
        weeks = 1 if frequency == "weekly" else 2
        return f"w{(day.toordinal() - 1) // (7 * weeks)}"  # weeks counted from a fixed Monday (0001-01-01)
    months = MONTHS.get(frequency, 1)  # the month-specific and last-day kinds: once a calendar month
    return f"m{(day.year * 12 + day.month - 1) // months}"


class Mandates:
    def __init__(self, provider: Provider) -> None:
        self.p = provider
        provider.db.script(SCHEMA)

    def check_terms(self, terms: dict[str, Any]) -> None:
        """BAD_MANDATE unless the terms hold together."""
        try:
            start = date.fromisoformat(terms["start"])
            end = date.fromisoformat(terms["end"]) if terms.get("end") else None
        except (KeyError, TypeError, ValueError):
            raise BaobabError("BAD_MANDATE", "startDate and endDate are dates (YYYY-MM-DD)") from None
        if end is not None and end < start:
            raise BaobabError("BAD_MANDATE", "the end date is before the start date")
        limit, payments = terms.get("amount_limit"), terms.get("payments")
        if limit is not None and (not isinstance(limit, int) or limit <= 0):
            raise BaobabError("BAD_MANDATE", "the amount limit is more than zero")
        if payments is not None and (not isinstance(payments, int) or payments <= 0):
            raise BaobabError("BAD_MANDATE", "the number of payments is more than zero")
        if terms.get("frequency") is not None and terms["frequency"] not in FREQUENCIES:
            raise BaobabError("BAD_MANDATE", f"frequency is one of {', '.join(FREQUENCIES)}")
        if terms.get("status", "active") not in ("active", "inactive"):
            raise BaobabError("BAD_MANDATE", "a mandate is active or inactive")

    def create(self, payer: str, payee: str, *, by: str, start: str, end: str | None = None, amount_limit: int | None = None,
               payments: int | None = None, frequency: str | None = None, requested: str | None = None,
               at: datetime | None = None) -> str:
        """The payer's consent (its PIN checked by the channel) for `payee` to take payments."""
        src, dst = self.p.msisdn(payer), self.p.msisdn(payee)
        terms = {"start": start, "end": end, "amount_limit": amount_limit, "payments": payments, "frequency": frequency}
        self.check_terms(terms)
        if src == dst:
            raise BaobabError("BAD_MANDATE", "a wallet does not give itself a mandate")
        reference = f"mandate-{uuid.uuid4().hex}"
        with self.p.db.atomic():
            self.p.wallet(src), self.p.wallet(dst)
            self.p.db.run("INSERT INTO momo_mandates (reference, payer, payee, amount_limit, start, end_date, payments, frequency, "
                          "status, requested, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)",
                          (reference, src, dst, amount_limit, start, end, payments, frequency, requested, by, _stamp(at)))
        return reference

    def mandate(self, reference: str) -> dict[str, Any]:
        row = self.p.db.one("SELECT reference, payer, payee, amount_limit, start, end_date, payments, frequency, status, requested, "
                            "created_by, created_at FROM momo_mandates WHERE reference = ?", (reference,))
        if row is None:
            raise BaobabError("NO_MANDATE", f"no debit mandate {reference}")
        taken = self.p.db.one("SELECT COUNT(*), MAX(day) FROM momo_mandate_debits WHERE reference = ?", (reference,))
        keys = ("reference", "payer", "payee", "amount_limit", "start", "end", "payments", "frequency", "status", "requested",
                "created_by", "created_at")
        out = dict(zip(keys, row))
        out["taken"], out["last_day"] = (int(taken[0]), taken[1]) if taken else (0, None)
        out["currency"] = self.p.scheme.currency
        return out

    def mandates(self, payer: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        """The mandates on a wallet (every wallet's when None), newest first."""
        rows = self.p.db.all("SELECT reference FROM momo_mandates" + (" WHERE payer = ?" if payer else "")
                             + " ORDER BY created_at DESC, reference LIMIT ?", ((self.p.msisdn(payer), limit) if payer else (limit,)))
        return [self.mandate(r[0]) for r in rows]

    def change(self, reference: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Change the mandate's terms (`CHANGEABLE`: amount_limit, end, payments, frequency, status)."""
        unknown = set(changes) - set(CHANGEABLE)
        if unknown:
            raise BaobabError("BAD_MANDATE", f"{', '.join(sorted(unknown))} cannot be changed")
        with self.p.db.atomic():
            current = self.mandate(reference)
            terms = {**current, **changes}
            self.check_terms(terms)
            self.p.db.run("UPDATE momo_mandates SET amount_limit = ?, end_date = ?, payments = ?, frequency = ?, status = ? "
                          "WHERE reference = ?", (terms["amount_limit"], terms["end"], terms["payments"], terms["frequency"],
                                                  terms["status"], reference))
        return self.mandate(reference)

    def authorises(self, reference: str, payer: str, payee: str, amount: int, at: datetime | None = None) -> dict[str, Any]:
        """The mandate, if it authorises this payment now; NO_MANDATE_AUTHORITY (its `rule`) if not."""
        try:
            m = self.mandate(reference)
        except BaobabError:
            raise BaobabError("NO_MANDATE_AUTHORITY", f"no debit mandate {reference}", rule="unknown") from None
        day = (at or datetime.now(timezone.utc)).astimezone(self.p.zone).date()

        def refuse(rule: str, text: str) -> None:
            raise BaobabError("NO_MANDATE_AUTHORITY", text, rule=rule)
        if m["payer"] != payer or m["payee"] != payee:
            refuse("parties", f"{reference} does not let {payee} take payments from {payer}")
        if m["status"] != "active":
            refuse("inactive", f"{reference} is inactive")
        if day < date.fromisoformat(m["start"]) or (m["end"] and day > date.fromisoformat(m["end"])):
            refuse("dates", f"{reference} runs from {m['start']} to {m['end'] or 'no end'}")
        if m["amount_limit"] is not None and amount > int(m["amount_limit"]):
            refuse("amount", f"{reference} allows at most {m['amount_limit']} minor units a payment")
        if m["payments"] is not None and m["taken"] >= int(m["payments"]):
            refuse("payments", f"{reference} allowed {m['payments']} payments; all were taken")
        now = period(m["frequency"], day)
        if now is not None and m["last_day"] is not None and period(m["frequency"], date.fromisoformat(m["last_day"])) == now:
            refuse("frequency", f"{reference} allows one payment {m['frequency']}; this period's was taken")
        return m

    def debit(self, reference: str, payer: str, payee: str, amount: int, *, description: str = "",
              reviewed: bool = False, at: datetime | None = None) -> str:
        """The payee takes a payment the mandate authorises: checked and paid in one transaction (a
        party under sanctions review: held, as any payment, unless the officer `reviewed` it)."""
        src, dst = self.p.msisdn(payer), self.p.msisdn(payee)
        if not reviewed:
            self.p.hold_if_screened("send", src, dst, amount, at, reference=f"mandate {reference}")
        with self.p.db.atomic():
            self.authorises(reference, src, dst, amount, at)
            movement = self.p.transfer_reviewed(src, dst, amount, reference=(description or f"mandate {reference}")[:160], at=at)
            day = (at or datetime.now(timezone.utc)).astimezone(self.p.zone).date().isoformat()
            self.p.db.run("INSERT INTO momo_mandate_debits (reference, movement, day, amount) VALUES (?, ?, ?, ?)",
                          (reference, movement, day, amount))
            return movement


def _stamp(at: datetime | None) -> str:
    return (at or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat()

