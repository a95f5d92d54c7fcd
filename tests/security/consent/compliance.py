"""Consent scenarios of the compliance contracts: a suspicious transaction report is filed by a
provider or bank with its own country's regulator, acknowledged by that regulator alone, read by
those two alone."""

from __future__ import annotations

from typing import Any

from tests.security.consent.framework import Case, Scenarios, World

SCENARIOS = Scenarios()
C = "suspicious_reports"
PROVIDER, REGULATOR = "KE-MOMO", "CBK"
REGULATORS = [REGULATOR, "MY-REG"]


def _report(world: World) -> dict[str, Any]:
    return {"report_id": world.unique("str"), "regulator": REGULATOR, "activity": "structuring",
            "subject": {"name": "Amina Bello", "msisdn": "+254712345678"}, "amount": {"currency": "KES", "minor": 29_400_00},
            "narrative": "three cash deposits just under the threshold", "movements": [{"id": "cash_in-1"}]}


def _filed(world: World) -> str:
    args = _report(world)
    world.ok(PROVIDER, C, "file", args)
    return str(args["report_id"])


@SCENARIOS.add("suspicious_reports.file")
def file(world: World) -> Case:
    # a Kenyan provider or bank files with Kenya's regulator; no trader, customs, regulator or oracle files
    return Case(_report(world), callers=[PROVIDER, "KCBANK"])


@SCENARIOS.add("suspicious_reports.acknowledge")
def acknowledge(world: World) -> Case:
    # only the regulator it was filed with: not the filer, not another country's regulator
    return Case({"report_id": _filed(world), "reference": "FRC-1"}, callers=[REGULATOR])


@SCENARIOS.add("suspicious_reports.get")
def get(world: World) -> Case:
    return Case({"report_id": _filed(world)}, callers=[PROVIDER, REGULATOR])


@SCENARIOS.add("suspicious_reports.received")
def received(world: World) -> Case:
    return Case({}, callers=REGULATORS)


@SCENARIOS.add("suspicious_reports.summary")
def summary(world: World) -> Case:
    return Case({}, callers=REGULATORS)
