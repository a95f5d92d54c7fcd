"""The pictures of the pages, made from what the pages already read (`charts.py` draws them).

    stage_shares(stages, title)              each stage's share of a product's retail price (trace)
    clearance_times(declarations)            hours from lodgement to release, per released declaration
    clearance_chart(rows, title)             the same as bars (customs)
    oracle_answers(agreement, rounds)        per answer: its thresholds and each oracle's reading
    oracle_chart(answer, title)              one answer's readings against its thresholds
    position_paths(transfers, caps)          each participant's net position after each transfer
    position_chart(paths, title)             the same, against each net debit cap (switch)

Every figure is also given to the page as rows, which the page writes as a table beside the chart.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal
from typing import Any

from markupsafe import Markup

from baobab.web.charts import bars, paths, readings


def stage_shares(stages: list[dict[str, Any]], title: str) -> Markup | None:
    rows = [(str(s["stage"]), Decimal(str(s["share_of_retail"])), f"{s['share_of_retail']} %")
            for s in stages if s.get("share_of_retail") not in (None, "")]
    return bars(rows, title) if rows else None


def _when(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def clearance_times(declarations: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Released declarations with the hours from lodgement to release (two decimals), oldest first."""
    out = []
    for d in declarations:
        history = d.get("history") or []
        released = [h["at"] for h in history if h.get("status") == "released"]
        if history and released:
            seconds = int((_when(released[0]) - _when(history[0]["at"])).total_seconds())
            out.append({"id": d["id"], "lodged": history[0]["at"],
                        "hours": (Decimal(seconds) / 3600).quantize(Decimal("0.01"))})
    return sorted(out, key=lambda r: (r["lodged"], r["id"]))


def clearance_chart(rows: list[dict[str, Any]], title: str) -> Markup | None:
    return bars([(r["id"][-14:], r["hours"], f"{r['hours']} h") for r in rows], title) if rows else None


THRESHOLDS = {"between": lambda v: (v[0], v[1]), "at_least": lambda v: (v, None), "above": lambda v: (v, None),
              "at_most": lambda v: (None, v), "below": lambda v: (None, v), "equals": lambda v: (v, v)}


def _leaves(condition: dict[str, Any]) -> list[dict[str, Any]]:
    if "answer" in condition:
        return [condition]
    return [leaf for sub in next(iter(condition.values())) for leaf in _leaves(sub)]


def oracle_answers(agreement: dict[str, Any], rounds: dict[str, dict[str, Any] | None]) -> list[dict[str, Any]]:
    """Each numeric comparison of the agreement's condition, with its thresholds, its round's
    readings (oracle, value, outlier) and the accepted result, for the page's chart and table."""
    out = []
    for leaf in _leaves(agreement["condition"]):
        op = next(k for k in leaf if k != "answer")
        if op not in THRESHOLDS:
            continue
        low, high = THRESHOLDS[op](leaf[op])
        record = rounds.get(leaf["answer"]) or {}
        result = record.get("result") or {}
        outliers = set(result.get("outliers") or [])
        values = [{"oracle": o, "value": a["body"]["value"], "outlier": o in outliers}
                  for o, a in sorted((record.get("answers") or {}).items()) if not isinstance(a["body"]["value"], bool)]
        out.append({"answer": leaf["answer"], "op": op, "low": low, "high": high, "unit": record.get("unit", ""),
                    "status": record.get("status", "waiting"), "result": result, "readings": values})
    return out


def oracle_chart(answer: dict[str, Any], title: str) -> Markup | None:
    if not answer["readings"]:
        return None
    rows = [(r["oracle"], r["value"], f"{r['value']} {answer['unit']}", r["outlier"]) for r in answer["readings"]]
    return readings(rows, answer["low"], answer["high"], title)


def position_paths(transfers: Iterable[tuple[str, str, str, int]], caps: dict[tuple[str, str], int]) -> list[dict[str, Any]]:
    """From a window's committed transfers in order (payer, payee, currency, amount): each
    participant's net position after each of its transfers (positive: it owes), its peak, its
    end and its cap."""
    running: dict[tuple[str, str], list[int]] = {}
    for payer, payee, currency, amount in transfers:
        for fsp, sign in ((payer, 1), (payee, -1)):
            series = running.setdefault((fsp, currency), [0])
            series.append(series[-1] + sign * int(amount))
    return [{"fsp": fsp, "currency": currency, "values": values, "peak": max(values), "end": values[-1],
             "cap": caps.get((fsp, currency), 0)} for (fsp, currency), values in sorted(running.items())]


def position_chart(rows: list[dict[str, Any]], title: str, money: Any) -> Markup | None:
    return paths([(r["fsp"], r["values"], r["cap"], money({"currency": r["currency"], "minor": r["peak"]}))
                  for r in rows], title) if rows else None
