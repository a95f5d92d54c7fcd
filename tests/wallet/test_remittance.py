"""Remittances (story 9): the sender sees, before paying, the amount that arrives and the total
cost as the World Bank's Remittance Prices Worldwide computes it (fees plus exchange margin); the
money then goes through the switch in two legs via the FX provider. Figures worked by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from baobab.core.errors import BaobabError
from baobab.core.money import Money
from baobab.demo import DEMO_ORGS
from baobab.wallet.services import MobileMoney, ensure_wallet, standalone_mobile_money
from tests.wallet.test_provider import FAST

PRIYA = "+971501234567"
NOW = datetime(2026, 12, 3, 9, tzinfo=timezone.utc)


@pytest.fixture
def mm(tmp_path: Path) -> Iterator[MobileMoney]:
    world = standalone_mobile_money(tmp_path, DEMO_ORGS, secret=b"k" * 32, hasher=FAST)
    world.providers["AE-EXCH"].add_agent("deira-03", "Deira counter")
    ensure_wallet(world, "AE-EXCH", PRIYA, "Priya Kumar", by="deira-03", pin="3690")
    yield world
    world.close()


def test_the_sender_sees_what_arrives_and_the_total_cost_before_paying(mm: MobileMoney) -> None:
    quote = mm.remittances.quote("IN-REMIT", Money("INR", 20_000_00), PRIYA, at=NOW)
    cost = quote["cost"]
    # fee INR 149 (band above 10,000); rate 0.0440 less the FX provider's 60 bp = 0.043736
    assert cost["sender_fee"] == {"currency": "INR", "minor": 149_00} and cost["applied_rate"] == "0.043736"
    # 19,851 x 0.043736 = 868.2033 -> AED 868.20 (rounded down, never in the provider's favour)
    assert cost["received"] == {"currency": "AED", "minor": 868_20}
    # margin: 19,851 x (0.0440 - 0.043736) / 0.0440 = 119.106 -> INR 119.10; total 149 + 119.10 = 268.10
    assert cost["fx_margin"] == {"currency": "INR", "minor": 119_10} and cost["total_cost"] == {"currency": "INR", "minor": 268_10}
    assert cost["total_cost_percent"] == "1.34" and cost["within_sdg_target"] is True
    small = mm.remittances.quote("IN-REMIT", Money("INR", 2_000_00), PRIYA, at=NOW)["cost"]
    # a small remittance: the INR 99 fee weighs more: 99 + 1,901 x 0.6% (11.40) = 110.40 = 5.52%
    assert (small["total_cost"]["minor"], small["total_cost_percent"], small["within_sdg_target"]) == (110_40, "5.52", False)


def test_the_quoted_amount_arrives_through_two_switch_transfers(mm: MobileMoney) -> None:
    switch = mm.remittances.hub.switch
    before = {(fsp, c): switch.position(fsp, c) for fsp, c in (("IN-REMIT", "INR"), ("AEBANK", "INR"), ("AEBANK", "AED"), ("AE-EXCH", "AED"))}
    quote = mm.remittances.quote("IN-REMIT", Money("INR", 20_000_00), PRIYA, at=NOW)
    done = mm.remittances.send(quote["id"], sender_name="Ravi Kumar", at=NOW)
    assert mm.providers["AE-EXCH"].balance(PRIYA) == 868_20 and len(done["transfers"]) == 2
    after = {(fsp, c): switch.position(fsp, c) for fsp, c in (("IN-REMIT", "INR"), ("AEBANK", "INR"), ("AEBANK", "AED"), ("AE-EXCH", "AED"))}
    assert {k: after[k] - before[k] for k in after} == {("IN-REMIT", "INR"): 19_851_00, ("AEBANK", "INR"): -19_851_00,
                                                       ("AEBANK", "AED"): 868_20, ("AE-EXCH", "AED"): -868_20}
    assert switch.reconcile() == []
    with pytest.raises(BaobabError) as used:
        mm.remittances.send(quote["id"], sender_name="Ravi Kumar", at=NOW)   # a quote pays once
    assert used.value.code == "NO_QUOTE"


def test_an_expired_quote_a_wallet_over_its_tier_and_a_listed_sender_move_nothing(mm: MobileMoney) -> None:
    switch = mm.remittances.hub.switch
    positions = lambda: (switch.position("IN-REMIT", "INR"), switch.position("AEBANK", "AED"))  # noqa: E731
    start = positions()
    old = mm.remittances.quote("IN-REMIT", Money("INR", 20_000_00), PRIYA, at=NOW)
    with pytest.raises(BaobabError) as expired:
        mm.remittances.send(old["id"], sender_name="Ravi Kumar", at=NOW + timedelta(minutes=16))
    assert expired.value.code == "NO_QUOTE"
    big = mm.remittances.quote("IN-REMIT", Money("INR", 200_000_00), PRIYA, at=NOW)     # ~AED 8,700 > basic tier's 5,000
    with pytest.raises(BaobabError) as limit:
        mm.remittances.send(big["id"], sender_name="Ravi Kumar", at=NOW)
    assert limit.value.code == "LIMIT_SINGLE"
    listed = mm.remittances.quote("IN-REMIT", Money("INR", 20_000_00), PRIYA, at=NOW)
    with pytest.raises(BaobabError) as held:
        mm.remittances.send(listed["id"], sender_name="Fatuma Halima Omondi", at=NOW)  # on the demo list (fictional)
    assert held.value.code == "HELD_FOR_REVIEW" and mm.providers["AE-EXCH"].holds()[0]["kind"] == "remittance"
    assert positions() == start and mm.providers["AE-EXCH"].balance(PRIYA) == 0


def test_a_quote_given_before_a_restart_pays_after_it_and_still_expires(tmp_path: Path, mm: MobileMoney) -> None:
    kept = mm.remittances.quote("IN-REMIT", Money("INR", 20_000_00), PRIYA, at=NOW)
    late = mm.remittances.quote("IN-REMIT", Money("INR", 2_000_00), PRIYA, at=NOW)
    mm.close()
    again = standalone_mobile_money(tmp_path, DEMO_ORGS, secret=b"k" * 32, hasher=FAST)  # the provider restarted
    try:
        with pytest.raises(BaobabError) as expired:
            again.remittances.send(late["id"], sender_name="Ravi Kumar", at=NOW + timedelta(minutes=15, seconds=1))
        assert expired.value.code == "NO_QUOTE"
        done = again.remittances.send(kept["id"], sender_name="Ravi Kumar", at=NOW + timedelta(minutes=14))
        assert done["cost"] == kept["cost"] and again.providers["AE-EXCH"].balance(PRIYA) == 868_20
        with pytest.raises(BaobabError) as used:
            again.remittances.send(kept["id"], sender_name="Ravi Kumar", at=NOW + timedelta(minutes=14))
        assert used.value.code == "NO_QUOTE"
    finally:
        again.close()
