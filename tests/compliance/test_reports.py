"""Monitoring rules open cases; the compliance officer files a suspicious transaction report on
the ledger, which the regulator of the provider's country reads and nobody else does.
(The same tests run on PostgreSQL in tests/network/test_compliance_on_postgres.py.)"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from baobab.compliance.monitoring import Monitor, Rules, pass_through, structuring, velocity
from baobab.compliance.reports import ComplianceDesk
from baobab.core.errors import BaobabError
from baobab.ledger.contract import Refused
from baobab.pay.store import SQLiteDatabase
from baobab.wallet.kyc import scheme
from baobab.wallet.provider import Provider
from tests.wallet.test_provider import DAY, FAST, N, TARIFF

AMINA, BARAKA, CHEPKOECH = "+2348031234567", "+2348059876543", "+2348021112222"
RULES = Rules(reporting_threshold=10_000 * N)


def provider(path: Path) -> Provider:
    p = Provider(SQLiteDatabase(path / "m.sqlite"), scheme("NG"), TARIFF, hasher=FAST)
    p.add_agent("a1", "Agent")
    p.issue_float("a1", 10_000_000 * N, reference="slip", at=DAY)
    for phone, name in ((AMINA, "Amina Bello"), (BARAKA, "Baraka Musa"), (CHEPKOECH, "Chepkoech Aliyu")):
        p.register(phone, name, tier=3, by="a1", pin="2468", at=DAY)
    return p


def rows(*spec: tuple[str, str | None, str | None, int, int]) -> list[dict]:
    return [{"id": f"m{i}", "kind": k, "payer": a, "payee": b, "amount": amount, "at": DAY + timedelta(minutes=minutes)}
            for i, (k, a, b, amount, minutes) in enumerate(spec)]


def test_structuring_is_several_cash_ins_just_under_the_threshold_adding_up_over_it() -> None:
    under = 9_500 * N
    assert [f.msisdn for f in structuring(rows(*[("cash_in", None, AMINA, under, i) for i in range(3)]), RULES)] == [AMINA]
    assert structuring(rows(*[("cash_in", None, AMINA, under, i) for i in range(2)]), RULES) == []       # two are not a pattern
    assert structuring(rows(*[("cash_in", None, AMINA, 7_000 * N, i) for i in range(5)]), RULES) == []   # not "just under"
    assert structuring(rows(*[("cash_in", None, AMINA, 10_000 * N, i) for i in range(3)]), RULES) == []  # at it: reported anyway


def test_velocity_is_more_payments_out_in_an_hour_than_the_rule_allows() -> None:
    eleven = rows(*[("send", AMINA, BARAKA, 100 * N, i * 5) for i in range(11)])
    assert [f.rule for f in velocity(eleven, RULES)] == ["velocity"]
    assert velocity(eleven[:10], RULES) == []
    spread = rows(*[("send", AMINA, BARAKA, 100 * N, i * 7) for i in range(11)])  # 70 minutes
    assert velocity(spread, RULES) == []


def test_pass_through_is_sending_on_nearly_everything_received() -> None:
    mule = rows(("receive", "X", BARAKA, 20_000 * N, 0), ("send", BARAKA, AMINA, 18_500 * N, 30))
    assert [f.msisdn for f in pass_through(mule, RULES)] == [BARAKA]
    assert pass_through(rows(("receive", "X", BARAKA, 20_000 * N, 0), ("send", BARAKA, AMINA, 10_000 * N, 30)), RULES) == []


def test_a_scan_opens_each_case_once(tmp_path: Path) -> None:
    p = provider(tmp_path)
    for i in range(3):
        p.cash_in("a1", AMINA, 9_800 * N, at=DAY + timedelta(minutes=i))
    monitor = Monitor(p, RULES)
    day = DAY.date().isoformat()
    [case] = monitor.scan(day)
    assert monitor.case(case)["rule"] == "structuring" and monitor.case(case)["total"] == {"currency": "NGN", "minor": 29_400 * N}
    assert monitor.scan(day) == []


def test_the_officer_files_a_report_the_regulator_reads_and_nobody_else(demo_net, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = provider(tmp_path)
    for i in range(3):
        p.cash_in("a1", AMINA, 9_800 * N, at=DAY + timedelta(minutes=i))
    monitor = Monitor(p, RULES)
    [case] = monitor.scan(DAY.date().isoformat())
    actors = demo_net.actors()
    desk = ComplianceDesk(monitor, actor=actors("KE-MOMO"), regulator="CBK")
    report = desk.file(case, officer="W. Kamau", narrative="Three cash deposits just under the threshold within minutes.")
    assert report["status"] == "filed" and report["subject"] == {"name": "Amina Bello", "msisdn": AMINA}
    assert [m["amount"]["minor"] for m in report["movements"]] == [9_800 * N] * 3
    assert monitor.case(case)["state"] == "filed" and monitor.case(case)["report_tx"]
    seen = actors("CBK").query("suspicious_reports", "get", {"report_id": report["id"]})
    assert seen["narrative"].startswith("Three cash deposits") and seen["filer"] == "KE-MOMO"
    assert [r["id"] for r in actors("CBK").query("suspicious_reports", "received", {})] == [report["id"]]
    assert actors("CBK").query("suspicious_reports", "summary", {}) == {
        "KE-MOMO": {"reports": 1, "by_activity": {"structuring": 1}, "totals": {"NGN": 29_400 * N}}}
    for outsider in ("MY-REG", "TZ-MOMO", "KCBANK"):       # another regulator, another provider, a bank
        with pytest.raises(BaobabError):
            actors(outsider).query("suspicious_reports", "get", {"report_id": report["id"]})
    assert actors("MY-REG").query("suspicious_reports", "received", {}) == []
    acknowledged = actors("CBK").submit("suspicious_reports", "acknowledge", {"report_id": report["id"], "reference": "FRC-2026-0042"})
    assert acknowledged["response"]["status"] == "acknowledged"
    with pytest.raises(BaobabError):
        desk.file(case, officer="W. Kamau", narrative="again")     # the case is closed: one report


def test_a_report_to_a_regulator_of_another_country_is_refused_and_the_case_stays_open(demo_net, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    p = provider(tmp_path)
    for i in range(3):
        p.cash_in("a1", AMINA, 9_800 * N, at=DAY + timedelta(minutes=i))
    monitor = Monitor(p, RULES)
    [case] = monitor.scan(DAY.date().isoformat())
    height = demo_net.node.height()
    with pytest.raises((BaobabError, Refused)):
        ComplianceDesk(monitor, actor=demo_net.actors()("KE-MOMO"), regulator="MY-REG").file(case, officer="o", narrative="n")
    with pytest.raises((BaobabError, Refused)):
        ComplianceDesk(monitor, actor=demo_net.actors()("KE-MOMO"), regulator="CBK").file(case, officer="o", narrative=" ")
    assert monitor.case(case)["state"] == "open" and demo_net.node.height() == height
