"""Duty arithmetic per schedule: integer minor units, Decimal rates, half-up rounding per line;
the most specific heading wins; a preference only lowers the rate; unknown goods are refused."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, strategies as st

from baobab.customs import duties
from baobab.customs.schedules import demo_schedule
from baobab.ledger.contract import ContractError

SCHEDULE = duties.check_schedule({
    "country": "ET", "currency": "ETB", "version": "t1",
    "duty": {"8528": "30", "852872": "35", "0603": "12.5", "3004": "0"},
    "preferences": {"AfCFTA": {"0603": "0", "8528": "40"}},
    "taxes": [{"code": "VAT", "rate": "15", "base": "value+duty"}, {"code": "WHT", "rate": "3", "base": "value"}]})


def item(hs: str, minor: int, currency: str = "ETB", n: int = 1) -> dict[str, Any]:
    return {"n": n, "hs_code": hs, "value": {"currency": currency, "minor": minor}}


def charges(assessment: dict[str, Any], n: int = 0) -> dict[str, int]:
    return {c["code"]: c["minor"] for c in assessment["lines"][n]["charges"]}


def test_duty_then_taxes_on_their_bases() -> None:
    a = duties.assess(SCHEDULE, [item("85287200", 1_000_000)])                 # 10,000.00 ETB
    assert charges(a) == {"DUTY": 350_000, "VAT": 202_500, "WHT": 30_000}       # 35%; 15% of 13,500.00; 3% of 10,000.00
    assert a["total"] == {"currency": "ETB", "minor": 582_500}
    assert a["lines"][0]["charges"][0]["heading"] == "852872"                  # the subheading beats its heading


def test_each_line_is_rounded_half_up_to_a_minor_unit() -> None:
    a = duties.assess(SCHEDULE, [item("060311", 13), item("060311", 3, n=2)])
    # 12.5% of 13 = 1.625 -> 2; VAT 15% of 15 = 2.25 -> 2; WHT 3% of 13 = 0.39 -> 0
    assert charges(a, 0) == {"DUTY": 2, "VAT": 2, "WHT": 0}
    # 12.5% of 3 = 0.375 -> 0; 15% of 3 = 0.45 -> 0; 0.09 -> 0
    assert charges(a, 1) == {"DUTY": 0, "VAT": 0, "WHT": 0}
    assert a["total"]["minor"] == 4                                             # the sum of rounded lines


def test_a_value_in_another_currency_is_converted_at_the_customs_rate() -> None:
    a = duties.assess(SCHEDULE, [item("300490", 12_345, "USD")], rate=Decimal("150.25"))
    assert a["lines"][0]["customs_value"] == {"currency": "ETB", "minor": 1_854_836}   # 123.45 x 150.25 = 18,548.3625
    assert a["exchange_rate"] == "150.25" and charges(a)["DUTY"] == 0


def test_a_preference_applies_only_where_it_is_lower() -> None:
    a = duties.assess(SCHEDULE, [item("060311", 100_000), item("852872", 100_000, n=2)], agreement="AfCFTA")
    assert a["lines"][0]["charges"][0]["regime"] == "AfCFTA" and charges(a, 0)["DUTY"] == 0
    assert a["lines"][1]["charges"][0]["regime"] == "general" and charges(a, 1)["DUTY"] == 35_000


def test_a_value_customs_determined_replaces_the_declared_one() -> None:
    a = duties.assess(SCHEDULE, [item("852872", 1_000)], values={"1": 100_000})
    assert a["lines"][0]["declared_value"]["minor"] == 100_000 and charges(a)["DUTY"] == 35_000


@pytest.mark.parametrize("call, reason", [
    (lambda: duties.assess(SCHEDULE, [item("090111", 100)]), "TARIFF_UNKNOWN"),
    (lambda: duties.assess(SCHEDULE, [item("060311", 100)], agreement="EAC"), "NO_PREFERENCE"),
    (lambda: duties.exchange_rate("1e3"), "BAD_ASSESSMENT"),
    (lambda: duties.exchange_rate("0"), "BAD_ASSESSMENT"),
])
def test_what_cannot_be_assessed_is_refused_with_its_code(call: Any, reason: str) -> None:
    with pytest.raises(ContractError) as caught:
        call()
    assert caught.value.reason == reason


@pytest.mark.parametrize("change", [
    {"duty": {"8528": 30}},                    # a number, not a decimal string
    {"duty": {"8528": "0.5.1"}},
    {"duty": {"85": "10"}},                    # a chapter is not a heading
    {"currency": "XXX1"},
    {"taxes": [{"code": "VAT", "rate": "15", "base": "cif"}]},
    {"conformity": {"programme": "PVOC", "headings": ["85"]}},
    {"extra": 1},
])
def test_a_malformed_schedule_is_refused(change: dict[str, Any]) -> None:
    with pytest.raises(ContractError) as caught:
        duties.check_schedule({"country": "ET", "currency": "ETB", "version": "x", "duty": {"8528": "30"}, **change})
    assert caught.value.reason == "BAD_SCHEDULE"


def test_the_shipped_schedules_are_valid() -> None:
    assert demo_schedule("ET")["preferences"]["AfCFTA"]["0603"] == "0"
    assert demo_schedule("KE")["conformity"]["programme"] == "PVOC"


@given(st.integers(min_value=0, max_value=10**13), st.decimals(min_value=0, max_value=1000, places=4))
def test_a_line_is_within_half_a_minor_unit_of_the_exact_figure(base: int, rate: Decimal) -> None:
    exact = Decimal(base) * rate / 100
    assert abs(duties.percent(base, str(rate)) - exact) <= Decimal("0.5")
