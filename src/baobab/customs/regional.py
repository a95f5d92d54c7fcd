"""Statistics for the region, from the network's own activity: one row per country and month,
as open data (CSV and JSON) with the definition of every column.

What the report's agenda asks regional statistics to measure (digitalisation of trade), read
from the ledger a node holds (declarations, letters of credit, payment instructions and their
settlements, members) and from the remittance quotes its payment providers sent:

- time from lodgement to release of goods declarations, and the share lodged on documents
  presented digitally (referenced in the ledger's document registry);
- letters of credit: issued, honoured, the median time from issuance to the first honour, and the
  fees recorded on them;
- the share of small exporters among the traders active in the month (`SMALL_EXPORTER` below);
- payments through the switch (settled payment instructions) with the fees recorded on them, and
  remittances with their total cost as the World Bank's Remittance Prices Worldwide measures it
  (fees plus exchange-rate margin, as a share of the amount sent).

Only aggregates leave: no row names an organisation. Money stays in integer minor units, one row
per country, month and currency where amounts are summed; shares, hours and percentages are
decimal strings (empty where there is nothing to measure).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from baobab.customs.statistics import as_csv, as_json

SMALL_EXPORTER = 10  # export shipments in the twelve months to the end of the month, at most
DEFINITIONS = {
    "country": "ISO 3166-1 country: of the customs (declarations), of the issuing bank (credits), of the trader "
               "(traders), of the payer (payments), of the sending provider (remittances)",
    "month": "month (UTC) of lodgement, issuance, activity, instruction or quote, YYYY-MM",
    "currency": "ISO 4217 currency of the amounts of this row (empty: a row without amounts)",
    "declarations": "goods declarations lodged",
    "median_hours_to_release": "median hours from lodgement to release of those released",
    "digital_share": "share of declarations lodged with their documents referenced in the ledger's registry",
    "credits_issued": "letters of credit issued",
    "credits_honoured": "of those, credits with a presentation honoured",
    "median_hours_issue_to_honour": "median hours from issuance to the first honour",
    "credit_fees_minor": "bank fees recorded on those credits (`fees` entries), in minor units of currency",
    "traders": "traders active: lodged a declaration, or applicant or beneficiary of a credit issued",
    "small_exporters": f"traders with 1 to {SMALL_EXPORTER} export shipments (export declarations, credits as "
                       "beneficiary) in the twelve months to the end of the month",
    "small_exporter_share": "small_exporters / traders",
    "payments_settled": "payment instructions settled through the switch",
    "payments_value_minor": "their value, in minor units of currency",
    "payment_fees_minor": "fees recorded on their settlements (`fee` of the settlement), in minor units of currency",
    "payment_cost_percent": "payment_fees_minor / payments_value_minor x 100",
    "remittances": "remittances sent (quotes used) by the providers of this node",
    "remittances_sent_minor": "amount the senders paid, fees included, in minor units of currency",
    "remittance_cost_minor": "fees plus exchange-rate margin, in minor units of currency",
    "remittance_cost_percent": "remittance_cost_minor / remittances_sent_minor x 100 (World Bank RPW total cost; "
                               "SDG 10.c target: under 3)",
}
_COUNTS = ("declarations", "credits_issued", "credits_honoured", "traders", "small_exporters", "payments_settled",
           "remittances")
_AMOUNTS = ("credit_fees_minor", "payments_value_minor", "payment_fees_minor", "remittances_sent_minor",
            "remittance_cost_minor")


@dataclass
class Sources:
    """What the indicators are computed from."""

    declarations: list[dict[str, Any]] = field(default_factory=list)
    credits: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)     # payment instructions
    remittances: list[dict[str, Any]] = field(default_factory=list)  # quotes sent (`Remittances.sent`)
    country_of: dict[str, str] = field(default_factory=dict)          # organisation -> country


def collect(view: Any, remittances: Iterable[dict[str, Any]] = ()) -> Sources:
    """The sources from a node's ledger view (`gateway.view`): every declaration, credit and payment
    instruction in its state, and the members' countries."""
    members = view.members()
    names = [c["contract"] for c in view.contracts()]
    sources = Sources([v for _, v, _ in view.scan("customs_declarations:declaration/")],
                      [v for _, v, _ in view.scan("letter_of_credit:lc/")],
                      [v for name in names for _, v, _ in view.scan(f"{name}:payment/")], list(remittances))
    sources.country_of = {org: (members.org(org) or {}).get("country", "") for org in _organisations(sources)}
    return sources


def _organisations(s: Sources) -> set[str]:
    orgs = {d["declarant"] for d in s.declarations} | {p["payer"] for p in s.payments}
    orgs |= {q["sender_fsp"] for q in s.remittances}
    for lc in s.credits:
        orgs |= {lc["parties"].get(role) for role in ("applicant", "beneficiary", "issuing_bank")} - {None}
    return orgs


def _at(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _hours(start: str, end: str) -> Decimal:
    return Decimal(int((_at(end) - _at(start)).total_seconds())) / 3600


def _median(values: list[Decimal]) -> str:
    return str(statistics.median(values).quantize(Decimal("0.01"))) if values else ""


def _ratio(part: int, whole: int, scale: int = 1, places: str = "0.0001") -> str:
    return "" if whole == 0 else str((Decimal(part) * scale / whole).quantize(Decimal(places)))


def _honoured_at(lc: dict[str, Any]) -> str | None:
    stamps = [p["honour"]["at"] for p in lc.get("presentations", []) if p.get("honour")]
    return min(stamps) if stamps else None


def _month_end(month: str) -> datetime:
    """The first instant after `month` (YYYY-MM)."""
    year, mon = int(month[:4]), int(month[5:7])
    return datetime.fromisoformat(f"{year + mon // 12}-{mon % 12 + 1:02d}-01T00:00:00+00:00")


def indicators(s: Sources) -> list[dict[str, Any]]:
    """The rows, by country, month and currency (DEFINITIONS' columns)."""
    counts: dict[tuple[str, str], dict[str, Any]] = defaultdict(lambda: defaultdict(list))
    amounts: dict[tuple[str, str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    where = s.country_of.get
    shipments: dict[str, list[datetime]] = defaultdict(list)  # exporter -> when each export shipment started
    active: dict[tuple[str, str], set[str]] = defaultdict(set)
    for d in s.declarations:
        cell = counts[(d["countries"]["destination" if d["procedure"] == "import" else "origin"], d["history"][0]["at"][:7])]
        cell["declarations"].append(d)
        active[(where(d["declarant"], ""), d["history"][0]["at"][:7])].add(d["declarant"])
        if d["procedure"] == "export":
            shipments[d["declarant"]].append(_at(d["history"][0]["at"]))
    for lc in s.credits:
        if not lc.get("issued_at"):
            continue
        month, parties = lc["issued_at"][:7], lc["parties"]
        counts[(where(parties["issuing_bank"], ""), month)]["credits"].append(lc)
        for fee in lc.get("fees", []):
            amounts[(where(parties["issuing_bank"], ""), month, fee["currency"])]["credit_fees_minor"] += fee["minor"]
        for role in ("applicant", "beneficiary"):
            active[(where(parties[role], ""), month)].add(parties[role])
        shipments[parties["beneficiary"]].append(_at(lc["issued_at"]))
    for p in s.payments:
        if p.get("status") != "settled":
            continue
        key = (where(p["payer"], ""), p["instructed_at"][:7], p["amount"]["currency"])
        counts[key[:2]]["payments"].append(p)
        amounts[key]["payments_value_minor"] += p["amount"]["minor"]
        amounts[key]["payment_fees_minor"] += int((p.get("settlement") or {}).get("fee") or 0)
    for q in s.remittances:
        cost = q["cost"]
        key = (where(q["sender_fsp"], ""), q["expires"][:7], cost["sent"]["currency"])
        counts[key[:2]]["remittances"].append(q)
        amounts[key]["remittances_sent_minor"] += cost["sent"]["minor"]
        amounts[key]["remittance_cost_minor"] += cost["total_cost"]["minor"]
    for key in active:
        counts[key]  # a month with traders only still gets its row
    rows = []
    for (country, month), cell in sorted(counts.items()):
        decls, credits = cell["declarations"], cell["credits"]
        released = [_hours(d["history"][0]["at"], h["at"]) for d in decls for h in d["history"] if h["status"] == "released"]
        honoured = [(lc["issued_at"], _honoured_at(lc)) for lc in credits]
        to_honour = [_hours(start, end) for start, end in honoured if end]
        traders = active.get((country, month), set())
        end = _month_end(month)
        small = {t for t in traders if 0 < sum(1 for at in shipments.get(t, []) if end - timedelta(days=365) <= at < end)
                 <= SMALL_EXPORTER}
        base = {"country": country, "month": month, "currency": "", "declarations": len(decls),
                "median_hours_to_release": _median(released),
                "digital_share": _ratio(sum(1 for d in decls if d.get("documents")), len(decls)),
                "credits_issued": len(credits), "credits_honoured": len(to_honour),
                "median_hours_issue_to_honour": _median(to_honour), "traders": len(traders), "small_exporters": len(small),
                "small_exporter_share": _ratio(len(small), len(traders)), "payments_settled": len(cell["payments"]),
                "remittances": len(cell["remittances"])}
        currencies = sorted(c for (k0, k1, c) in amounts if (k0, k1) == (country, month))
        for n, currency in enumerate(currencies or [""]):
            money = amounts.get((country, month, currency), {})
            row = {**base, "currency": currency, **{a: money.get(a, 0) for a in _AMOUNTS}}
            if n:  # counts once per country and month: later currency rows carry amounts only
                row.update({c: "" for c in (*_COUNTS, "median_hours_to_release", "digital_share",
                                            "median_hours_issue_to_honour", "small_exporter_share")})
            row["payment_cost_percent"] = _ratio(row["payment_fees_minor"], row["payments_value_minor"], 100, "0.01")
            row["remittance_cost_percent"] = _ratio(row["remittance_cost_minor"], row["remittances_sent_minor"], 100, "0.01")
            rows.append({k: row[k] for k in DEFINITIONS})
    return rows


def export(sources: Sources, fmt: str) -> str:
    """The rows as `fmt` (csv or json, the latter with the definitions); KeyError for another format."""
    return {"csv": as_csv, "json": as_json}[fmt](indicators(sources), DEFINITIONS)
