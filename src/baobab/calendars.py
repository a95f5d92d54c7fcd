"""Bank calendars from maintained sources, published on the ledger (off-ledger side of `bank_calendar`).

Public holidays and weekends by country come from the `holidays` package; the UTC offsets of
the country's principal time zone (the first that `pytz.country_timezones` lists) and their
changes during the year come from the time-zone database shipped with `pytz`. The contract
never imports either: it reads what was published, so every node computes the same deadlines.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import holidays
import pytz

from baobab.contracts.trade.bank_calendar import NAME
from baobab.core.errors import BaobabError


@lru_cache(maxsize=256)
def _offsets(zone: str, year: int) -> tuple[tuple[str, int], ...]:
    return tuple((o["from"], o["minutes"]) for o in _scan(zone, year))


def offsets(zone: str, year: int) -> list[dict[str, Any]]:
    """The UTC offset in force at 1 January 00:00Z and each change during `year`, to the hour."""
    return [{"from": stamp, "minutes": minutes} for stamp, minutes in _offsets(zone, year)]


def _scan(zone: str, year: int) -> list[dict[str, Any]]:
    tz = pytz.timezone(zone)
    start = datetime(year, 1, 1, tzinfo=timezone.utc)
    out: list[dict[str, Any]] = []
    hour = start
    while hour.year == year:
        minutes = int(hour.astimezone(tz).utcoffset().total_seconds() // 60)  # type: ignore[union-attr]
        if not out or out[-1]["minutes"] != minutes:
            out.append({"from": hour.strftime("%Y-%m-%dT%H:%M:%SZ"), "minutes": minutes})
        hour += timedelta(hours=1)
    return out


def country_year(country: str, year: int) -> dict[str, Any]:
    """The arguments of `bank_calendar.publish` for a country's year."""
    days = holidays.country_holidays(country, years=year)
    zone = pytz.country_timezones[country][0]
    return {"country": country, "year": year, "weekend": sorted(days.weekend),
            "closed": sorted(d.isoformat() for d in days if d.year == year), "offsets": offsets(zone, year),
            "source": f"holidays {holidays.__version__}; {zone} (pytz {pytz.__version__})"}


def publish(actor: Any, countries: list[str], years: list[int]) -> int:
    """Publish each country's years through `actor` (a bank or regulator) unless the ledger already holds
    the same; the number of calendars written."""
    written = 0
    for country in sorted(set(countries)):
        for year in years:
            args = country_year(country, year)
            try:
                held = actor.query(NAME, "calendar", {"country": country, "year": year})
            except BaobabError:  # not yet published (CALENDAR_NOT_FOUND)
                held = None
            if held and all(held[k] == args[k] for k in ("weekend", "closed", "offsets")):
                continue
            outcome = actor.submit(NAME, "publish", args)
            if outcome["code"] != "VALID":
                raise RuntimeError(f"bank_calendar.publish {country} {year}: {outcome['code']}")
            written += 1
    return written


def main(argv: list[str] | None = None) -> int:
    """python -m baobab.calendars --url URL --data DIR --as ORG --country MY [--country AR ...] [--year 2027 ...]"""
    import argparse
    from datetime import date

    from baobab.http_client import http_actors

    ap = argparse.ArgumentParser(prog="python -m baobab.calendars",
                                 description="Publish countries' banking calendars (holidays, weekends, UTC offsets) "
                                             "on the ledger, as a bank or regulator, for the bank_calendar contract.")
    ap.add_argument("--url", required=True, help="a node's API, e.g. http://127.0.0.1:8080")
    ap.add_argument("--data", required=True, help="the folder holding the organisation's client keys")
    ap.add_argument("--as", dest="org", required=True, help="the publishing organisation (role bank or regulator)")
    ap.add_argument("--country", action="append", required=True, help="ISO 3166-1 alpha-2 code; repeat for more")
    ap.add_argument("--year", action="append", type=int, help="default: this year and the next two")
    args = ap.parse_args(argv)
    this = date.today().year
    written = publish(http_actors(args.url, args.data)(args.org), args.country, args.year or [this, this + 1, this + 2])
    print(f"{written} calendar(s) published; the others were already on the ledger")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
