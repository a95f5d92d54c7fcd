"""Banking days at a place of presentation (UCP 600 art. 2, 14(b), 29(a), 33): pure rules.

A bank's year is what the ledger records for it (`bank_calendar`): the weekend days and public
holidays of its country, the closures the bank recorded itself, and the UTC offsets of its
place, so every node computes the same dates. `BankingDays` answers from such records; the
contracts build one with `bank_calendar.calendar_of` and pure tests with `BankingDays.fixed`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from baobab.ledger.contract import ContractError

MAX_SEARCH_DAYS = 370  # a year with no banking day at all is refused when it is recorded

# year -> {"weekend": [0..6], "closed": {"YYYY-MM-DD", ...}, "offsets": [{"from": rfc3339, "minutes": int}, ...]},
# or None when the ledger holds no calendar for that year
YearLoader = Callable[[int], "dict[str, Any] | None"]


class BankingDays:
    """The banking days of one bank at its place, year by year, loaded on demand."""

    def __init__(self, load: YearLoader, place: str = "the place of presentation") -> None:
        self._load = load
        self.place = place
        self._years: dict[int, dict[str, Any] | None] = {}

    @classmethod
    def fixed(cls, weekend: tuple[int, ...] = (5, 6), closed: tuple[str, ...] = (), minutes: int = 0) -> "BankingDays":
        """The same weekend every year, the given closed days and one UTC offset (for pure tests)."""
        return cls(lambda year: {"weekend": list(weekend), "closed": set(closed),
                                 "offsets": [{"from": f"{year:04d}-01-01T00:00:00Z", "minutes": minutes}]})

    def _year(self, year: int, required: bool = True) -> dict[str, Any] | None:
        if year not in self._years:
            self._years[year] = self._load(year)
        record = self._years[year]
        if record is None and required:
            raise ContractError(f"no banking calendar for {self.place} in {year} is recorded on the ledger",
                                reason="CALENDAR_MISSING", place=self.place, year=year)
        return record

    def is_open(self, day: date) -> bool:
        record = self._year(day.year)
        assert record is not None
        return day.weekday() not in record["weekend"] and day.isoformat() not in record["closed"]

    def next_open(self, day: date) -> date:
        """`day` if the bank is open then, else its next banking day (art. 29(a))."""
        for _ in range(MAX_SEARCH_DAYS):
            if self.is_open(day):
                return day
            day += timedelta(days=1)
        raise ValueError("no banking day within a year")  # recorded calendars always have one

    def after(self, start: date, days: int) -> date:
        """The `days`-th banking day following `start` (art. 14(b): the day of presentation not counted)."""
        for _ in range(days):
            start = self.next_open(start + timedelta(days=1))
        return start

    def local_date(self, timestamp: str) -> date:
        """The date at the place when the UTC `timestamp` (RFC 3339, ...Z) happened (art. 33)."""
        utc_day = date.fromisoformat(timestamp[:10])
        minutes = 0
        for year in (utc_day.year - 1, utc_day.year):  # the offset in force may have been set the year before
            record = self._year(year, required=year == utc_day.year)
            for change in record["offsets"] if record else []:
                if change["from"][:19] <= timestamp[:19]:
                    minutes = change["minutes"]
        seconds = int(timestamp[11:13]) * 3600 + int(timestamp[14:16]) * 60 + minutes * 60
        return utc_day + timedelta(days=seconds // 86400)
