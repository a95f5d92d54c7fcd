"""The cost of a remittance as the World Bank's Remittance Prices Worldwide counts it (fees plus
the exchange-rate margin, as a percentage of the amount sent), against the SDG 10.c target of 3%."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from baobab.core.errors import BaobabError
from baobab.core.money import Money
from baobab.pay.cost import remittance_cost


def test_mumbai_to_dubai_shows_every_fee_and_the_margin() -> None:
    # 20,000 INR sent with a 100 INR fee; mid 0.04400 AED/INR, applied 0.04378 (0.5% margin); 2 AED paid out fee
    cost = remittance_cost(Money("INR", 20_000_00), "AED", sender_fee=Money("INR", 100_00), receiver_fee_minor=2_00,
                           applied_rate="0.04378", mid_rate="0.04400")
    assert cost.converted == Money("AED", 871_22)           # 19,900 INR x 0.04378 = 871.222 -> 871.22
    assert cost.received == Money("AED", 869_22)
    assert cost.fx_margin == Money("INR", 99_50)             # 19,900 x 0.00022 / 0.044 = 99.50 INR
    assert cost.total_cost == Money("INR", 100_00 + 99_50 + 45_45)  # fee + margin + 2 AED / 0.044 = 45.45 INR
    assert cost.total_cost_percent == "1.22" and cost.within_sdg_target


def test_a_costly_corridor_is_flagged_against_the_target() -> None:
    cost = remittance_cost(Money("USD", 200_00), "KES", sender_fee=Money("USD", 9_99), receiver_fee_minor=0,
                           applied_rate="120", mid_rate="129")
    assert Decimal(cost.total_cost_percent) > 3 and not cost.within_sdg_target


@pytest.mark.parametrize("kwargs", [
    {"sender_fee": Money("EUR", 1)},
    {"sender_fee": Money("INR", 20_000_00)},
    {"applied_rate": "0.05"},            # better than mid: not a quote
    {"mid_rate": "-1"},
    {"applied_rate": "abc"},
    {"receiver_fee_minor": 10**9},
    {"sender_fee": Money("INR", 20_000_00 - 1)},  # one paisa left: nothing arrives once converted
])
def test_impossible_quotes_are_refused(kwargs: dict) -> None:  # type: ignore[type-arg]
    args = {"sender_fee": Money("INR", 100_00), "receiver_fee_minor": 0, "applied_rate": "0.0437", "mid_rate": "0.044", **kwargs}
    with pytest.raises(BaobabError):
        remittance_cost(Money("INR", 20_000_00), "AED", **args)


@settings(suppress_health_check=[HealthCheck.too_slow], deadline=None)  # the shared machine's load is not the code's
@given(net=st.integers(10_000, 10**10), fee=st.integers(0, 9_999), margin_bp=st.integers(0, 500))
def test_received_never_exceeds_what_the_mid_rate_would_give(net: int, fee: int, margin_bp: int) -> None:
    sent, mid = net + fee, "0.044"  # at least 100 INR arrive for conversion (a quote where nothing arrives is refused)
    applied = str(Decimal(mid) * Decimal(10_000 - margin_bp) / 10_000)
    cost = remittance_cost(Money("INR", sent), "AED", sender_fee=Money("INR", fee), receiver_fee_minor=0,
                           applied_rate=applied, mid_rate=mid)
    assert cost.received.minor <= (sent - fee) * 44 // 1000  # at most what the mid rate gives, rounded down
    assert cost.total_cost.minor >= fee
