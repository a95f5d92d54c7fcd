"""FX on the switch: an FX provider participant publishes its prices; the switch quotes the offer
that gives the receiver most, and the sender sees, before agreeing, what arrives, every fee, the
exchange margin and the total cost as a percentage of the amount sent beside the SDG 10.c 3%."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from baobab.core.errors import BaobabError
from baobab.core.money import Money
from baobab.pay.errors import FspiopError
from baobab.pay.hub import Hub
from baobab.pay.store import SQLiteDatabase


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    hub = Hub(SQLiteDatabase(tmp_path / "switch.sqlite"))
    hub.switch.add_participant("FXA", "FX A", "http://127.0.0.1:1/FXA", {"INR": 0, "AED": 0})
    hub.switch.add_participant("FXB", "FX B", "http://127.0.0.1:1/FXB", {"INR": 0, "AED": 0})
    hub.switch.add_participant("BANK", "A bank", "http://127.0.0.1:1/BANK", {"INR": 0})
    yield hub
    hub.db.close()


def test_the_switch_quotes_the_best_offer_with_its_full_cost(hub: Hub) -> None:
    hub.fx.publish("FXA", {("INR", "AED"): "0.0440"}, margin_bp=60)
    hub.fx.publish("FXB", {("INR", "AED"): "0.0440"}, margin_bp=250)
    fx, cost = hub.fx.remittance(Money("INR", 20_000_00), "AED", sender_fee=Money("INR", 149_00))
    assert (fx.fxp, fx.applied_rate, fx.mid_rate) == ("FXA", "0.043736", "0.0440")
    # 19,851 INR converted at 0.043736 = 868.20 AED (rounded down); margin 0.6% of 19,851 = 119.10 INR
    assert (cost.converted, cost.received) == (Money("AED", 868_20), Money("AED", 868_20))
    assert (cost.sender_fee, cost.fx_margin, cost.total_cost) == (Money("INR", 149_00), Money("INR", 119_10), Money("INR", 268_10))
    shown = cost.to_dict()
    assert (shown["total_cost_percent"], shown["sdg_target_percent"], shown["within_sdg_target"]) == ("1.34", "3", True)


def test_a_provider_publishes_only_what_it_can_exchange(hub: Hub) -> None:
    with pytest.raises(FspiopError) as info:
        hub.fx.publish("BANK", {("INR", "AED"): "0.0440"}, margin_bp=60)  # it holds no AED
    assert info.value.code == "3201"
    for rates, margin in (({("INR", "AED"): "-1"}, 60), ({("INR", "INR"): "1"}, 60), ({("INR", "AED"): "0.044"}, 10_000)):
        with pytest.raises(FspiopError) as info:
            hub.fx.publish("FXA", rates, margin_bp=margin)
        assert info.value.code == "3101"
    with pytest.raises(BaobabError) as refused:
        hub.fx.quote("INR", "AED")  # nothing was published
    assert refused.value.code == "NO_FX"


def test_publishing_again_replaces_the_providers_prices(hub: Hub) -> None:
    hub.fx.publish("FXA", {("INR", "AED"): "0.0440", ("AED", "INR"): "22.70"}, margin_bp=60)
    hub.fx.publish("FXA", {("INR", "AED"): "0.0450"}, margin_bp=0)
    assert hub.fx.quote("INR", "AED").applied_rate == "0.045"
    with pytest.raises(BaobabError):
        hub.fx.quote("AED", "INR")
