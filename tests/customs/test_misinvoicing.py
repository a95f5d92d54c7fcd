"""Price filters find goods declared far below (or above) what comparable declarations say, and
every flag explains itself; a mirror check compares both sides of one shipment."""

from __future__ import annotations

from decimal import Decimal

from baobab.customs.evaluate import generate
from baobab.customs.misinvoicing import MIRROR, OVER, UNDER, Item, PriceFilter, mirror


def items(hs6: str, origin: str, unit_values: list[str], start: int = 0) -> list[Item]:
    """Declarations of 100 kg each at the given USD unit values."""
    return [Item(f"D{start + i}", hs6, origin, "KGM", "USD", int(Decimal(v) * 100 * 100), Decimal(100))
            for i, v in enumerate(unit_values)]


# Green coffee (HS 090111) from Ethiopia declared at 3.80-4.60 USD/kg by 40 importers.
COFFEE = items("090111", "ET", [f"{Decimal('3.80') + Decimal(i % 9) / 10:.2f}" for i in range(40)])


def test_a_price_far_below_its_comparables_is_flagged_with_its_reasons() -> None:
    price_filter = PriceFilter(COFFEE)
    cheap = items("090111", "ET", ["0.95"], start=900)[0]
    flags = price_filter.check(cheap)
    assert {f.code for f in flags} == {UNDER} and {f.method.split(",")[0] for f in flags} == {"interquartile filter", "robust z-score"}
    text = flags[0].explain()
    assert "0.9500" in text and "40 comparable declarations" in text and "HS 090111 from ET" in text


def test_a_price_inside_the_usual_range_is_not_flagged_nor_is_a_good_without_enough_comparables() -> None:
    price_filter = PriceFilter(COFFEE)
    assert price_filter.check(items("090111", "ET", ["4.10"], start=901)[0]) == []
    assert PriceFilter(COFFEE[:10]).check(items("090111", "ET", ["0.10"], start=902)[0]) == []  # 10 < 20 comparables


def test_other_origins_are_the_reference_when_an_origin_has_too_few() -> None:
    history = COFFEE + items("090111", "UG", ["4.00"] * 5, start=100)
    flags = PriceFilter(history).check(items("090111", "UG", ["12.00"], start=903)[0])
    assert flags and flags[0].code == OVER and "HS 090111, per KGM in USD" in flags[0].group and flags[0].comparables == 45


def test_mirror_check_of_one_shipment_declared_on_both_sides() -> None:
    exported = Item("KE-EX-1", "060311", "KE", "KGM", "USD", 2_000_000, Decimal(1000))      # roses, 20 USD/kg
    assert mirror(exported, Item("NL-IM-1", "060311", "KE", "KGM", "USD", 2_150_000, Decimal(1000))) is None  # freight within 10%
    under = mirror(exported, Item("NL-IM-2", "060311", "KE", "KGM", "USD", 600_000, Decimal(1000)))
    assert under is not None and under.code == UNDER and "KE-EX-1" in under.group
    quantity = mirror(exported, Item("NL-IM-3", "060311", "KE", "KGM", "USD", 1_000_000, Decimal(500)))
    assert quantity is not None and quantity.code == MIRROR


def test_on_generated_declarations_the_robust_filter_finds_most_planted_items_and_few_honest_ones() -> None:
    declared, planted = generate(items=20_000, goods=200, seed=1)
    price_filter = PriceFilter(declared)
    flagged = {f.declaration: f.code for item in declared for f in price_filter.check(item) if f.method.startswith("robust")}
    hits = sum(1 for d, code in flagged.items() if planted.get(d) == code)
    assert hits / len(flagged) > 0.9 and hits / len(planted) > 0.8
    assert sum(1 for d in flagged if d not in planted) < 0.005 * (len(declared) - len(planted))
