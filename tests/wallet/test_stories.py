"""Stories 9 and 10 play end to end on the embedded demo network, with the mobile-money
providers beside it (`baobab demo` runs them the same way; over HTTP, tests/api/test_stories.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from baobab.demo import DEMO_ORGS
from baobab.stories.mobile_wallets import AMINA, BARAKA
from baobab.stories.mobile_wallets import STORY as WALLETS
from baobab.stories.remittance import PRIYA
from baobab.stories.remittance import STORY as REMITTANCE
from baobab.wallet.services import standalone_mobile_money
from tests.conftest import Net
from tests.wallet.test_provider import FAST


def test_story_10_wallets_at_two_providers_pay_each_other_and_a_report_reaches_the_regulator(demo_net: Net, tmp_path: Path) -> None:
    mm = standalone_mobile_money(tmp_path, DEMO_ORGS, secret=b"k" * 32, hasher=FAST)
    report = WALLETS.run(demo_net.actors(), services={"mobile_money": mm})
    assert report.payments == 1 and len(report.flags) == 1 and "3 cash-ins just under" in report.flags[0]
    momo, pesa = mm.providers["KE-MOMO"], mm.providers["KE-PESA"]
    assert momo.balance(AMINA) == (12_000 - 7_500 + 3 * 90_000) * 100
    assert pesa.balance(BARAKA) == (7_500 - 5_000 - 110) * 100     # the cash-out fee for KES 2,501-10,000
    assert mm.remittances.hub.switch.reconcile() == []
    [case] = mm.monitors["KE-MOMO"].cases("filed")
    reports = demo_net.query("CBK", "suspicious_reports", "received", {})
    assert [r["subject"]["msisdn"] for r in reports] == [AMINA] and case["report_tx"]
    mm.deliver_sms()                                               # the three deposits' receipts too
    assert len(mm.sms.to(AMINA)) == 5 and all("Transaction " in text for _, text in mm.sms.sent)
    mm.close()


def test_story_9_the_remittance_arrives_as_quoted(demo_net: Net, tmp_path: Path) -> None:
    mm = standalone_mobile_money(tmp_path, DEMO_ORGS, secret=b"k" * 32, hasher=FAST)
    report = REMITTANCE.run(demo_net.actors(), services={"mobile_money": mm})
    assert report.payments == 2 and mm.providers["AE-EXCH"].balance(PRIYA) == 868_20
    assert "1.34%" in report.notes[0]
    mm.close()


def test_a_story_that_needs_mobile_money_says_so_without_it(demo_net: Net) -> None:
    with pytest.raises(RuntimeError, match="mobile_money"):
        REMITTANCE.run(demo_net.actors())
