"""Filing a suspicious transaction report: the compliance officer turns an open case into a
report on the ledger (contract `suspicious_reports`), addressed to the regulator of the
provider's country, which reads it there; nobody else can.

    desk = ComplianceDesk(provider, monitor, actor=actors("KE-MOMO"), regulator="CBK")
    desk.file(case_id, officer="Wanjiru K.", narrative="three cash deposits of KES 95,000 ...")

`actor` submits as the provider's organisation (in process, or over HTTP to its node: the same
in both modes). The case is marked filed with the report's ledger transaction only once the
ledger has committed it; a refused report leaves the case open.
"""

from __future__ import annotations

from typing import Any

from baobab.compliance.monitoring import Monitor
from baobab.core.errors import BaobabError
from baobab.stories import Actor

CONTRACT = "suspicious_reports"


class ComplianceDesk:
    def __init__(self, monitor: Monitor, *, actor: Actor, regulator: str) -> None:
        self.monitor, self.actor, self.regulator = monitor, actor, regulator
        self.p = monitor.p

    def report_of(self, case: dict[str, Any], officer: str, narrative: str) -> dict[str, Any]:
        """The report's arguments: the subject as the provider knows it, the case's movements."""
        wallet = self.p.wallet(case["msisdn"])
        rows = [self.p.db.one("SELECT id, kind, payer, payee, amount, at FROM momo_movements WHERE id = ?", (m,))
                for m in case["movements"]]
        movements = [{"id": r[0], "kind": r[1], "payer": r[2] or "", "payee": r[3] or "",
                      "amount": {"currency": self.p.scheme.currency, "minor": int(r[4])}, "at": r[5]} for r in rows if r]
        activity = case["rule"] if case["rule"] in ("structuring", "velocity", "pass_through", "sanctions") else "other"
        return {"report_id": f"str-{self.actor.org}-{case['id']}", "regulator": self.regulator,
                "subject": {"name": wallet["name"], "msisdn": case["msisdn"]}, "activity": activity,
                "narrative": narrative, "amount": case["total"], "movements": movements, "officer": officer}

    def file(self, case_id: str, *, officer: str, narrative: str) -> dict[str, Any]:
        case = self.monitor.case(case_id)
        if case["state"] != "open":
            raise BaobabError("NO_CASE", f"case {case_id} is {case['state']}")
        outcome = self.actor.submit(CONTRACT, "file", self.report_of(case, officer, narrative))
        if outcome.get("code") not in (None, "VALID"):
            raise BaobabError("CONTRACT_ERROR", f"the ledger refused the report: {outcome.get('code')}", outcome=outcome.get("code"))
        self.monitor.close(case_id, "filed", by=officer, note=narrative, report_tx=outcome.get("tx_id"))
        return outcome.get("response") or {}

    def dismiss(self, case_id: str, *, officer: str, note: str) -> None:
        self.monitor.close(case_id, "dismissed", by=officer, note=note)
