"""Bank calendars on the ledger: when banks are closed, so that deadlines are the same on every node.

A contract may not read a holiday library at run time (two nodes with different versions would
compute different deadlines), so the calendar is data on the ledger:

    country/<CC>/<YYYY>  {"country", "year", "weekend": [5, 6], "closed": ["2026-01-01", ...],
                          "offsets": [{"from": "2026-01-01T00:00:00Z", "minutes": 480}, ...], "source", ...}
    bank/<ORG>/<YYYY>    {"bank", "year", "closed": [...]}   closures the bank records itself

A country's year is published off-ledger from the `holidays` package and the time-zone
database (`baobab.calendars`, used by the demo and `baobab` tools) by a bank or a regulator.
Recorded days cannot be rewritten once they are past: a republication (a newer `holidays`
release) may change only days after the transaction date, so no running deadline moves
backwards. A bank adds its own closures (strike, system outage declared in advance) only for
days to come. `calendar_of(ctx, bank)` gives the letter-of-credit contract the banking days of
a bank at its place: its country's calendar plus its own closures.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from baobab.contracts.trade.banking_days import BankingDays
from baobab.contracts.trade.common import bad_argument, org_record, reject, tx_date
from baobab.core.codes import COUNTRIES
from baobab.ledger.contract import ANY_MEMBER, Context, Contract, Reason, function

NAME = "bank_calendar"
PUBLISHERS = ("bank", "regulator")
MAX_CLOSED = 200
MAX_OFFSETS = 8


def country_key(country: str, year: int) -> str:
    return f"country/{country}/{year}"


def bank_key(bank: str, year: int) -> str:
    return f"bank/{bank}/{year}"


def _year(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
        bad_argument("year must be an integer from 2000 to 2100")
    return value


def _days(days: Any, year: int) -> list[str]:
    if not isinstance(days, list) or len(days) > MAX_CLOSED:
        bad_argument(f"closed days are a list of at most {MAX_CLOSED} dates")
    out = set()
    for day in days:
        try:
            parsed = date.fromisoformat(day) if isinstance(day, str) and len(day) == 10 else None
        except ValueError:
            parsed = None
        if parsed is None or parsed.year != year:
            bad_argument(f"closed day {day!r} is not a date YYYY-MM-DD in {year}")
        out.add(day)
    return sorted(out)


def _offsets(offsets: Any, year: int) -> list[dict[str, Any]]:
    """UTC offsets in force from each instant of the year, the first from 1 January 00:00 UTC."""
    if not isinstance(offsets, list) or not 1 <= len(offsets) <= MAX_OFFSETS:
        bad_argument(f"offsets are a list of 1 to {MAX_OFFSETS} changes")
    out, last = [], ""
    for change in offsets:
        if not isinstance(change, dict) or set(change) != {"from", "minutes"}:
            bad_argument("an offset is {from: YYYY-MM-DDTHH:MM:SSZ, minutes: integer}")
        stamp, minutes = change["from"], change["minutes"]
        if not isinstance(stamp, str) or len(stamp) != 20 or not stamp.startswith(f"{year:04d}-") \
                or stamp[10] != "T" or stamp[19] != "Z" or stamp <= last:
            bad_argument(f"offset change {stamp!r} is not an increasing UTC instant of {year}")
        if isinstance(minutes, bool) or not isinstance(minutes, int) or not -720 <= minutes <= 840:
            bad_argument("an offset is -720 to 840 minutes from UTC")
        out.append({"from": stamp, "minutes": minutes})
        last = stamp
    if out[0]["from"] != f"{year:04d}-01-01T00:00:00Z":
        bad_argument("the first offset applies from 1 January 00:00:00Z")
    return out


def calendar_of(ctx: Context, bank: str) -> BankingDays:
    """The banking days of `bank` at its place: its country's recorded year and its own closures."""
    country = org_record(ctx, bank)["country"]

    def load(year: int) -> dict[str, Any] | None:
        record = ctx.read(NAME, country_key(country, year))
        if record is None:
            return None
        own = ctx.read(NAME, bank_key(bank, year)) or {"closed": []}
        return {"weekend": record["weekend"], "closed": set(record["closed"]) | set(own["closed"]),
                "offsets": record["offsets"]}

    return BankingDays(load, f"{bank} ({country})")


class BankCalendar(Contract):
    name = NAME
    reasons = {
        "PAST_DAYS_CHANGED": Reason("conflict", "Days already past cannot be rewritten"),
        "CALENDAR_NOT_FOUND": Reason("not_found", "No calendar is recorded for this country and year"),
        "UNKNOWN_ORG": Reason("invalid", "The organisation named is not an active member"),
    }

    @function(policy={"role": "*"}, callers=PUBLISHERS)
    def publish(self, ctx: Context, country: str, year: int, weekend: list[int], closed: list[str],
                offsets: list[dict[str, Any]], source: str) -> dict[str, Any]:
        """Called by: a bank or a regulator (any one; the data comes from the public `holidays` package
        and time-zone database). Records, or republishes for days still to come, a country's banking year."""
        if country not in COUNTRIES:
            bad_argument(f"country {country!r} is not an ISO 3166-1 alpha-2 code")
        year = _year(year)
        if not isinstance(weekend, list) or len(weekend) > 3 or len(set(weekend)) != len(weekend) \
                or any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in weekend):
            bad_argument("weekend is a list of at most 3 distinct weekdays, 0 = Monday to 6 = Sunday")
        if not isinstance(source, str) or not source.strip() or len(source) > 200:
            bad_argument("source names where the calendar comes from (1-200 characters)")
        record = {"country": country, "year": year, "weekend": sorted(weekend), "closed": _days(closed, year),
                  "offsets": _offsets(offsets, year), "source": source}
        key = country_key(country, year)
        before = ctx.get(key)
        if before is not None:
            self._keep_past(ctx, before, record)
        record = {**record, "by": ctx.caller.org, "at": ctx.timestamp,
                  "history": (before or {}).get("history", []) + [{"by": ctx.caller.org, "at": ctx.timestamp,
                                                                   "source": source}]}
        ctx.put(key, record)
        ctx.emit("bank_calendar_published", {"country": country, "year": year, "closed": len(record["closed"])})
        return record

    def _keep_past(self, ctx: Context, before: dict[str, Any], after: dict[str, Any]) -> None:
        as_of = tx_date(ctx).isoformat()
        past = lambda days: [d for d in days if d <= as_of]  # noqa: E731
        started = f"{after['year']:04d}-01-01" <= as_of
        changed = past(before["closed"]) != past(after["closed"]) or (started and before["weekend"] != after["weekend"]) \
            or [o for o in before["offsets"] if o["from"][:10] <= as_of] != [o for o in after["offsets"] if o["from"][:10] <= as_of]
        if changed:
            reject("PAST_DAYS_CHANGED", f"the {after['country']} calendar for {after['year']} may change only after {as_of}")

    @function(policy={"role": "*"}, callers=("bank",))
    def record_closure(self, ctx: Context, year: int, days: list[str]) -> dict[str, Any]:
        """Called by: a bank, for itself only. Adds days to come on which it is closed (beyond its
        country's calendar); a day already past cannot be added."""
        year = _year(year)
        days = _days(days, year)
        if not days:
            bad_argument("name at least one day")
        as_of = tx_date(ctx).isoformat()
        if any(d <= as_of for d in days):
            reject("PAST_DAYS_CHANGED", f"a closure is recorded in advance: days after {as_of} only")
        key = bank_key(ctx.caller.org, year)
        before = ctx.get(key) or {"bank": ctx.caller.org, "year": year, "closed": []}
        record = {**before, "closed": sorted(set(before["closed"]) | set(days))}
        ctx.put(key, record)
        ctx.emit("bank_closure_recorded", {"bank": ctx.caller.org, "year": year, "days": days})
        return record

    @function(query=True, callers=ANY_MEMBER)
    def calendar(self, ctx: Context, country: str, year: int) -> dict[str, Any]:
        """Called by: any member (public data). A country's recorded banking year."""
        record = ctx.get(country_key(country, year)) if isinstance(country, str) and len(country) == 2 else None
        if record is None:
            reject("CALENDAR_NOT_FOUND", f"no calendar for {country!r} in {year}")
        return record  # type: ignore[no-any-return]

    @function(query=True, callers=ANY_MEMBER)
    def closures(self, ctx: Context, bank: str, year: int) -> dict[str, Any]:
        """Called by: any member (public data). The closures a bank recorded for a year."""
        org_record(ctx, bank)
        return ctx.get(bank_key(bank, year)) or {"bank": bank, "year": year, "closed": []}  # type: ignore[no-any-return]
