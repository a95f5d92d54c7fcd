"""Suspicious transaction reports (STRs): what a bank or payment provider files with the
regulator of its own country, on the ledger.

    file         a payment provider or bank: the report (subject, activity, the movements, the
                 amount, the officer's narrative) to the regulator of its country -> filed
    acknowledge  that regulator: it has read the report, with its reference   -> acknowledged
    get          the filer and that regulator; nobody else: to any other organisation it does
                 not exist (the subject is never told: no tipping-off)
    received     a regulator: the reports filed with it, oldest first
    summary      a regulator: counts and totals by filer and activity (the aggregates of smart
                 oversight, without the subjects)

A report names its parties (filer, regulator), so the API's access rules show it to them alone;
the key's endorsement policy is the filer's, and the regulator's acknowledgement is checked by
the contract against the caller.
"""

from __future__ import annotations

import re
from typing import Any

from baobab.core.money import MINOR_UNITS
from baobab.ledger.contract import PARTIES, Context, Contract, ContractError, Reason, function

ANY_ONE = {"role": "*"}
FILERS = ("payment-provider", "bank")
ACTIVITIES = ("structuring", "velocity", "pass_through", "sanctions", "other")
MAX_MOVEMENTS = 500
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


class SuspiciousReports(Contract):
    name = "suspicious_reports"
    reasons = {
        "NOT_THE_REGULATOR": Reason("invalid", "That organisation is not the regulator of the filer's country"),
        "NOT_THE_ADDRESSEE": Reason("forbidden", "Only the regulator the report was filed with may do this"),
    }

    @function(policy=ANY_ONE, callers=FILERS)
    def file(self, ctx: Context, report_id: str, regulator: str, subject: dict[str, Any], activity: str,
             narrative: str, amount: dict[str, Any], movements: list[dict[str, Any]] = [],  # noqa: B006
             officer: str = "") -> dict[str, Any]:
        """Called by: a payment provider or bank, which becomes the filer. `regulator` must be a
        regulator of the filer's own country."""
        if not _ID.fullmatch(report_id):
            raise ContractError("report_id must be 1-64 of A-Z a-z 0-9 _ . : -")
        filer = ctx.read("governance", f"org/{ctx.caller.org}") or {}
        office = ctx.read("governance", f"org/{regulator}")
        if office is None or "regulator" not in office.get("roles", []) or office.get("country") != filer.get("country"):
            raise ContractError(f"{regulator} is not the regulator of {filer.get('country')}", reason="NOT_THE_REGULATOR")
        if activity not in ACTIVITIES:
            raise ContractError(f"activity is one of {', '.join(ACTIVITIES)}")
        if not isinstance(subject.get("name"), str) or not subject["name"].strip() or set(subject) - {"name", "msisdn", "account"}:
            raise ContractError("subject is {name, msisdn?, account?}")
        if set(amount) != {"currency", "minor"} or amount["currency"] not in MINOR_UNITS \
                or not isinstance(amount["minor"], int) or amount["minor"] < 0:
            raise ContractError("amount is {currency, minor} with minor a whole number of minor units, not negative")
        if len(movements) > MAX_MOVEMENTS or not all(isinstance(m, dict) and isinstance(m.get("id"), str) for m in movements):
            raise ContractError(f"movements are at most {MAX_MOVEMENTS} objects, each with an id")
        if not narrative.strip():
            raise ContractError("a report says in words why the activity is suspicious")
        if ctx.get(f"report/{report_id}") is not None:
            raise ContractError(f"report {report_id} exists", reason="ALREADY_EXISTS")
        record = {"id": report_id, "filer": ctx.caller.org, "regulator": regulator, "parties": [ctx.caller.org, regulator],
                  "subject": {k: str(v)[:200] for k, v in subject.items()}, "activity": activity,
                  "narrative": narrative[:4000], "amount": dict(amount), "movements": movements, "officer": officer[:100],
                  "status": "filed", "filed_at": ctx.timestamp, "acknowledged_at": None, "regulator_reference": None}
        ctx.put(f"report/{report_id}", record)
        ctx.set_key_policy(f"report/{report_id}", {"orgs": [ctx.caller.org]})
        ctx.emit("str_filed", {"id": report_id, "filer": ctx.caller.org, "regulator": regulator, "parties": record["parties"]})
        return record

    @function(policy=ANY_ONE, callers=("regulator",))
    def acknowledge(self, ctx: Context, report_id: str, reference: str) -> dict[str, Any]:
        """Called by: the regulator the report was filed with, once, with its own reference."""
        record = ctx.get(f"report/{report_id}")
        if record is None or record["regulator"] != ctx.caller.org:
            raise ContractError(f"no report {report_id} filed with {ctx.caller.org}", reason="NOT_THE_ADDRESSEE")
        if record["status"] != "filed":
            raise ContractError(f"report {report_id} is {record['status']}", reason="WRONG_STATE")
        record = {**record, "status": "acknowledged", "acknowledged_at": ctx.timestamp, "regulator_reference": reference[:64]}
        ctx.put(f"report/{report_id}", record)
        ctx.emit("str_acknowledged", {"id": report_id, "filer": record["filer"], "parties": record["parties"]})
        return record

    @function(query=True, callers=PARTIES)
    def get(self, ctx: Context, report_id: str) -> dict[str, Any]:
        """Called by: the filer or the regulator it was filed with; to anyone else it does not exist."""
        record = ctx.get(f"report/{report_id}")
        if record is None or ctx.caller.org not in record["parties"]:
            raise ContractError(f"no report {report_id}", reason="NOT_FOUND")
        return record  # type: ignore[no-any-return]

    @function(query=True, callers=("regulator",))
    def received(self, ctx: Context, status: str = "") -> list[dict[str, Any]]:
        """Called by: a regulator: the reports filed with it (in one status, if given), oldest first."""
        rows = [v for _, v in ctx.range("report/") if v["regulator"] == ctx.caller.org and (not status or v["status"] == status)]
        return sorted(rows, key=lambda r: (r["filed_at"], r["id"]))

    @function(query=True, callers=("regulator",))
    def summary(self, ctx: Context) -> dict[str, Any]:
        """Called by: a regulator: how many reports each filer made, by activity, and their totals
        by currency (no subject named)."""
        out: dict[str, Any] = {}
        for _, v in ctx.range("report/"):
            if v["regulator"] != ctx.caller.org:
                continue
            filer = out.setdefault(v["filer"], {"reports": 0, "by_activity": {}, "totals": {}})
            filer["reports"] += 1
            filer["by_activity"][v["activity"]] = filer["by_activity"].get(v["activity"], 0) + 1
            currency = v["amount"]["currency"]
            filer["totals"][currency] = filer["totals"].get(currency, 0) + v["amount"]["minor"]
        return out
