"""The farm-gate price against the published references: Fairtrade's minimum (a floor, for every
origin) and the living-income reference price of the lot's origin, each loaded as data with its
source and date; a farmer paid below either is named."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from baobab.trace.coffee import PRODUCTS
from baobab.trace.lineage import Delivery, Trace
from baobab.trace.value_share import LIVING_INCOME, MINIMUM, per_kg, reference_prices, reference_for, value_share

GREEN = f"https://id.gs1.org/01/{PRODUCTS['green']}/10/G1"
RICH, POOR = "https://id.gs1.org/417/9524321000019", "https://id.gs1.org/417/9524321000026"
RATES = {"UGX": Decimal("0.00027"), "ETB": Decimal("0.0066667")}


def lot(deliveries: dict[str, tuple[str, str, int]]) -> tuple[Trace, dict[str, dict]]:
    """100 kg of green coffee from 500 kg of cherries, by delivery: farmer, currency and what they were paid (minor units)."""
    trace = Trace(GREEN, amounts={GREEN: Fraction(100)})
    paid = {}
    for n, (farmer, currency, minor) in enumerate(deliveries.values()):
        key = f"https://id.gs1.org/01/{PRODUCTS['cherries']}/10/D{n}"
        trace.deliveries.append(Delivery(key, farmer, f"e{n}", "0" * 64, "2026-01-01T00:00:00Z", None,
                                         Fraction(250), "KGM", Fraction(250)))
        paid[key] = {"status": "paid", "amount": {"currency": currency, "minor": minor}}
    return trace, paid


def share(deliveries: dict[str, tuple[str, str, int]], origin: str):  # type: ignore[no-untyped-def]
    trace, paid = lot(deliveries)
    return value_share(trace, delivery_of=paid.get, sales_of=lambda _: [], reporting_currency="USD", rates=RATES,
                       origin=origin)


def test_every_reference_names_its_source_and_date_and_a_living_income_one_its_basis():
    for price in reference_prices():
        assert price["source"] and price["date"][:2] == "20" and price["kind"] in (MINIMUM, LIVING_INCOME)
        if price["kind"] == LIVING_INCOME:
            assert "https://" in price["source"] and price["basis"] and price["origin"] != "*"


def test_a_parchment_price_is_worth_more_per_kg_of_green_coffee():
    uganda = reference_for("UG", "coffee", LIVING_INCOME)
    assert uganda is not None and per_kg(uganda) == Fraction(11640) / Fraction(8, 10)  # 14,550 UGX per kg GCE


def test_a_farmer_paid_below_the_living_income_reference_is_flagged_and_one_paid_above_is_not():
    # Uganda's reference: 11,640 UGX per kg parchment = 14,550 per kg GCE = USD 3.93 at the stated rate; each farmer
    # delivered half the lot's cherries, i.e. 50 kg GCE
    result = share({"a": (RICH, "UGX", 50 * 15_000), "b": (POOR, "UGX", 50 * 14_000)}, "UG")
    assert result.living_income.reference["origin"] == "UG"
    assert result.living_income.farmers_below == [POOR]
    assert result.living_income.below  # on average 14,500 per kg GCE: below too
    # Fairtrade's floor, USD 1.80 a lb = 3.97 per kg green: USD 4.05 is above it, 3.78 below
    assert result.minimum.farmers_below == [POOR] and result.minimum.reference["origin"] == "*"
    shown = result.to_dict()
    assert shown["farmers_below_living_income"] == [POOR] and shown["living_income_per_kg"] == "3.9285"


def test_everyone_paid_at_or_above_the_reference_is_not_flagged():
    result = share({"a": (RICH, "UGX", 50 * 14_550), "b": (POOR, "UGX", 50 * 16_000)}, "UG")
    assert not result.living_income.below and result.living_income.farmers_below == []


def test_an_origin_without_a_published_living_income_price_says_so_and_keeps_the_minimum_check():
    result = share({"a": (RICH, "ETB", 250 * 120_00), "b": (POOR, "ETB", 250 * 55_00)}, "ET")
    assert result.living_income.reference is None and result.to_dict()["living_income_per_kg"] is None
    assert result.minimum.reference is not None and result.minimum.farmers_below == [POOR]


