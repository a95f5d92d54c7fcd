"""Customs statistics from the network's own declarations, as open data (CSV and JSON) by
country and month, each figure with its definition.

Two tables, computed from the declaration records a customs holds (`customs_declarations.queue`):

- trade: declared customs value and items by reporting country, month of lodgement, flow
  (import/export), partner country and HS chapter, per currency (values are never converted);
- indicators: by reporting country and month, declarations lodged and released, the median
  hours from lodgement to release, the share of each risk channel, the share of declarations
  built on documents on the ledger ("presented digitally") and the duties and taxes collected
  (assessed and paid), per currency.

Money stays in integer minor units; shares and hours are decimal strings.
"""

from __future__ import annotations

import csv
import io
import json
import statistics
from collections import defaultdict
from datetime import datetime
from decimal import Decimal
from typing import Any

TRADE_DEFINITIONS = {
    "reporter": "ISO 3166-1 country of the customs the declarations were lodged with",
    "month": "month of lodgement (UTC), YYYY-MM",
    "flow": "import or export",
    "partner": "country of origin of an import, of destination of an export",
    "hs_chapter": "first two digits of the HS code",
    "currency": "ISO 4217 currency of the declared values (values are not converted)",
    "items": "number of declared items",
    "value_minor": "sum of declared customs values, in minor units of the currency",
}
INDICATOR_DEFINITIONS = {
    "reporter": TRADE_DEFINITIONS["reporter"],
    "month": TRADE_DEFINITIONS["month"],
    "lodged": "declarations lodged in the month",
    "released": "of those, declarations released so far",
    "median_hours_to_release": "median time from lodgement to release of the released ones, in hours (empty: none)",
    "green_share": "share of screened declarations sent through the green channel",
    "yellow_share": "share sent through the yellow channel",
    "red_share": "share sent through the red channel",
    "digital_share": "share of declarations that reference documents registered on the ledger",
    "duty_currency": "ISO 4217 currency the duties were assessed in (one row per currency)",
    "duties_collected_minor": "duties and taxes assessed and paid, in minor units of duty_currency",
}


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _reporter(record: dict[str, Any]) -> str:
    return record["countries"]["destination" if record["procedure"] == "import" else "origin"]  # type: ignore[no-any-return]


def _share(part: int, whole: int) -> str:
    return "" if whole == 0 else str((Decimal(part) / whole).quantize(Decimal("0.0001")))


def trade(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    cells: dict[tuple[str, ...], list[int]] = defaultdict(lambda: [0, 0])
    for r in records:
        partner = r["countries"]["origin" if r["procedure"] == "import" else "destination"]
        for item in r["items"]:
            key = (_reporter(r), r["history"][0]["at"][:7], r["procedure"], partner, item["hs_code"][:2],
                   item["value"]["currency"])
            cells[key][0] += 1
            cells[key][1] += item["value"]["minor"]
    return [dict(zip(TRADE_DEFINITIONS, (*key, count, value))) for key, (count, value) in sorted(cells.items())]


def indicators(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in records:
        groups[(_reporter(r), r["history"][0]["at"][:7])].append(r)
    rows = []
    for (reporter, month), group in sorted(groups.items()):
        hours = []
        for r in group:
            released = [h["at"] for h in r["history"] if h["status"] == "released"]
            if released:
                seconds = (_when(released[0]) - _when(r["history"][0]["at"])).total_seconds()
                hours.append(Decimal(int(seconds)) / 3600)
        screened = [r["channel"] for r in group if r.get("channel")]
        collected: dict[str, int] = defaultdict(int)
        for r in group:
            a = r.get("assessment")
            if a and a.get("paid"):
                collected[a["total"]["currency"]] += a["total"]["minor"]
        base = {"reporter": reporter, "month": month, "lodged": len(group), "released": len(hours),
                "median_hours_to_release": str(statistics.median(hours).quantize(Decimal("0.01"))) if hours else "",
                **{f"{c}_share": _share(screened.count(c), len(screened)) for c in ("green", "yellow", "red")},
                "digital_share": _share(sum(1 for r in group if r.get("documents")), len(group))}
        for currency in sorted(collected) or [""]:
            rows.append({**base, "duty_currency": currency, "duties_collected_minor": collected.get(currency, 0)})
    return rows


def as_csv(rows: list[dict[str, Any]], definitions: dict[str, str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(definitions), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def as_json(rows: list[dict[str, Any]], definitions: dict[str, str]) -> str:
    return json.dumps({"definitions": definitions, "rows": rows}, ensure_ascii=False, indent=1)


TABLES = {"trade": (trade, TRADE_DEFINITIONS), "indicators": (indicators, INDICATOR_DEFINITIONS)}


def export(table: str, records: list[dict[str, Any]], fmt: str) -> str:
    """One table of `records` as `fmt` (csv or json); KeyError for an unknown table or format."""
    compute, definitions = TABLES[table]
    rows = compute(records)
    return {"csv": as_csv, "json": as_json}[fmt](rows, definitions)
