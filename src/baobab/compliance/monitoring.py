"""Transaction monitoring: rules over a provider's movements that open cases for its compliance
officer, who dismisses a case or files a suspicious transaction report (`reports.py`).

Rules (thresholds in `Rules`, minor units of the provider's currency):
    structuring    several cash-ins into one wallet on one day, each just under the reporting
                   threshold, together over it (splitting cash to stay below the report)
    velocity       more movements out of one wallet within an hour than people make
    pass_through   a wallet that sends on, within a day, nearly all it received (a mule)
    sanctions      a customer whose match with the sanctions list was confirmed

Each rule is a pure function of the movements it reads; a case is opened once per wallet, rule
and day, so scanning again opens nothing new.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable

from baobab.core.errors import BaobabError, register_codes
from baobab.i18n import money
from baobab.wallet.provider import Provider

register_codes({"NO_CASE": (404, "No open compliance case with this id")})
SCHEMA = """
CREATE TABLE IF NOT EXISTS comp_cases (
  id TEXT PRIMARY KEY, msisdn TEXT NOT NULL, rule TEXT NOT NULL, day TEXT NOT NULL, detail TEXT NOT NULL,
  movements TEXT NOT NULL, total BIGINT NOT NULL, state TEXT NOT NULL, opened_at TEXT NOT NULL,
  decided_by TEXT, note TEXT, report_tx TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS comp_cases_once ON comp_cases (msisdn, rule, day);
"""
OUT_KINDS = ("send", "send_out", "cash_out")
IN_KINDS = ("send", "receive", "cash_in")


@dataclass(frozen=True)
class Rules:
    reporting_threshold: int          # cash a provider reports anyway (a currency transaction report)
    structuring_band_bp: int = 2_000  # "just under": within 20% below the threshold
    structuring_count: int = 3
    velocity_per_hour: int = 10
    pass_through_bp: int = 9_000      # sent on 90% or more of what came in
    pass_through_min: int = 0         # ignore small amounts (default: the reporting threshold)


@dataclass(frozen=True)
class Finding:
    msisdn: str
    rule: str
    detail: str
    movements: tuple[str, ...]
    total: int


Fmt = Callable[[int], str]  # minor units -> "KES 90,000.00"


def structuring(rows: list[dict[str, Any]], rules: Rules, fmt: Fmt = str) -> list[Finding]:
    low = rules.reporting_threshold * (10_000 - rules.structuring_band_bp) // 10_000
    found = []
    by_wallet: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["kind"] == "cash_in" and low <= r["amount"] < rules.reporting_threshold:
            by_wallet.setdefault(r["payee"], []).append(r)
    for msisdn, near in by_wallet.items():
        total = sum(r["amount"] for r in near)
        if len(near) >= rules.structuring_count and total >= rules.reporting_threshold:
            found.append(Finding(msisdn, "structuring", f"{len(near)} cash-ins just under the reporting threshold "
                                 f"({fmt(rules.reporting_threshold)}), {fmt(total)} in all", tuple(r["id"] for r in near), total))
    return found


def velocity(rows: list[dict[str, Any]], rules: Rules, fmt: Fmt = str) -> list[Finding]:
    found = []
    by_wallet: dict[str, list[dict[str, Any]]] = {}
    for r in rows:
        if r["kind"] in OUT_KINDS and r["payer"]:
            by_wallet.setdefault(r["payer"], []).append(r)
    for msisdn, out in by_wallet.items():
        out.sort(key=lambda r: r["at"])
        start = 0
        for end in range(len(out)):
            while out[end]["at"] - out[start]["at"] > timedelta(hours=1):
                start += 1
            window = out[start:end + 1]
            if len(window) > rules.velocity_per_hour:
                found.append(Finding(msisdn, "velocity", f"{len(window)} payments out within one hour",
                                     tuple(r["id"] for r in window), sum(r["amount"] for r in window)))
                break
    return found


def pass_through(rows: list[dict[str, Any]], rules: Rules, fmt: Fmt = str) -> list[Finding]:
    floor = rules.pass_through_min or rules.reporting_threshold
    found = []
    wallets = {r["payee"] for r in rows if r["kind"] in IN_KINDS and r["payee"]}
    for msisdn in sorted(wallets):
        came = [r for r in rows if r["payee"] == msisdn and r["kind"] in IN_KINDS]
        went = [r for r in rows if r["payer"] == msisdn and r["kind"] in OUT_KINDS]
        received, sent = sum(r["amount"] for r in came), sum(r["amount"] for r in went)
        if received >= floor and sent * 10_000 >= received * rules.pass_through_bp:
            found.append(Finding(msisdn, "pass_through", f"received {fmt(received)} and sent on {fmt(sent)} the same day",
                                 tuple(r["id"] for r in came + went), received))
    return found


RULES = (structuring, velocity, pass_through)


class Monitor:
    def __init__(self, provider: Provider, rules: Rules) -> None:
        self.p, self.rules = provider, rules
        provider.db.script(SCHEMA)

    def movements(self, day: str) -> list[dict[str, Any]]:
        rows = self.p.db.all("SELECT id, kind, payer, payee, amount, at FROM momo_movements WHERE day = ? ORDER BY at, id", (day,))
        return [{"id": r[0], "kind": r[1], "payer": r[2], "payee": r[3], "amount": int(r[4]),
                 "at": datetime.fromisoformat(r[5])} for r in rows]

    def scan(self, day: str, *, at: datetime | None = None) -> list[str]:
        """Run every rule over the day's movements (and the confirmed sanctions matches); the ids
        of the cases opened now."""
        rows = self.movements(day)
        currency = self.p.scheme.currency
        findings = [f for rule in RULES for f in rule(rows, self.rules, lambda minor: money({"currency": currency, "minor": minor}, "en"))]
        findings += [Finding(s["msisdn"], "sanctions", f"confirmed match with {s['match']['listed']} ({s['match']['reference']})",
                             (), 0) for s in self.p.screening("confirmed")]
        opened = []
        with self.p.db.atomic():
            for f in findings:
                if self.p.db.one("SELECT 1 FROM comp_cases WHERE msisdn = ? AND rule = ? AND day = ?", (f.msisdn, f.rule, day)):
                    continue
                case = f"case-{uuid.uuid4().hex[:12]}"
                self.p.db.run("INSERT INTO comp_cases (id, msisdn, rule, day, detail, movements, total, state, opened_at) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, 'open', ?)",
                              (case, f.msisdn, f.rule, day, f.detail, json.dumps(list(f.movements)), f.total,
                               (at or datetime.now(timezone.utc)).isoformat()))
                opened.append(case)
        return opened

    def cases(self, state: str | None = None) -> list[dict[str, Any]]:
        rows = self.p.db.all("SELECT id, msisdn, rule, day, detail, movements, total, state, opened_at, decided_by, note, report_tx "
                             "FROM comp_cases ORDER BY opened_at, id")
        keys = ("id", "msisdn", "rule", "day", "detail", "movements", "total", "state", "opened_at", "decided_by", "note", "report_tx")
        out = [{**dict(zip(keys, r)), "movements": json.loads(r[5]),
                "total": {"currency": self.p.scheme.currency, "minor": int(r[6])}} for r in rows]
        return [c for c in out if state is None or c["state"] == state]

    def case(self, case_id: str) -> dict[str, Any]:
        for c in self.cases():
            if c["id"] == case_id:
                return c
        raise BaobabError("NO_CASE", f"no case {case_id}")

    def close(self, case_id: str, state: str, *, by: str, note: str = "", report_tx: str | None = None) -> None:
        """Dismiss an open case, or mark it filed (with the report's ledger transaction)."""
        with self.p.db.atomic():
            if self.case(case_id)["state"] != "open":
                raise BaobabError("NO_CASE", f"case {case_id} is no longer open")
            self.p.db.run("UPDATE comp_cases SET state = ?, decided_by = ?, note = ?, report_tx = ? WHERE id = ?",
                          (state, by, note[:500], report_tx, case_id))
