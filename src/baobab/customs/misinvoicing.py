"""Misinvoicing checks: is a declared unit value far outside what comparable goods declare?

The price-filter method of trade-misinvoicing research, on the network's own declarations. For
each item, the comparables are declarations of the same HS subheading (6 digits), unit of
quantity and currency in the reference period, from the same origin when there are enough of
them (`min_comparables`), else from every origin. The item's unit value (customs value / quantity)
is flagged when it lies outside

- the interquartile filter: below Q1 - k x IQR or above Q3 + k x IQR (k = `iqr_factor`), or
- the robust z-score: |0.6745 x (x - median) / MAD| above `z_limit` (Iglewicz and Hoaglin),

both on the logarithm of unit values, which spread multiplicatively (a price half the usual is
as far off as one twice the usual); the ranges reported are unit values again.

and each flag explains itself: the unit value, the reference range, the number of comparables.
A mirror check compares one shipment as declared on export and on import (both countries on the
network): value or quantity apart by more than a tolerance is flagged the same way.

Arithmetic is decimal throughout: unit values are exact ratios of integer minor units.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from baobab.core.money import MINOR_UNITS

UNDER, OVER = "UNDER_INVOICED", "OVER_INVOICED"
MIRROR = "MIRROR_MISMATCH"


@dataclass(frozen=True)
class Item:
    declaration: str
    hs6: str
    origin: str
    unit: str            # UN/ECE unit of the quantity (KGM, NAR, LTR...)
    currency: str
    value_minor: int     # customs value of the item
    quantity: Decimal

    @property
    def unit_value(self) -> Decimal:
        return Decimal(self.value_minor).scaleb(-MINOR_UNITS[self.currency]) / self.quantity


@dataclass(frozen=True)
class Reference:
    group: str
    count: int
    q1: Decimal
    median: Decimal
    q3: Decimal
    mad: Decimal


@dataclass(frozen=True)
class Flag:
    code: str
    method: str
    declaration: str
    unit_value: Decimal
    low: Decimal
    high: Decimal
    comparables: int
    group: str

    def explain(self) -> str:
        if self.code == MIRROR:
            return (f"{self.declaration}: unit value {self.unit_value:.4f} is within {self.low:.4f}-{self.high:.4f} but the "
                    f"quantity differs from the {self.group} ({self.method})")
        side = "below" if self.code == UNDER else "above"
        return (f"{self.declaration}: unit value {self.unit_value:.4f} is {side} the range {self.low:.4f}-{self.high:.4f} "
                f"of {self.comparables} comparable declarations ({self.group}; {self.method})")


def _reference(group: str, values: list[Decimal]) -> Reference:
    """Quartiles, median and median absolute deviation of the log unit values."""
    logs = [v.ln() for v in values]
    q1, median, q3 = statistics.quantiles(logs, n=4, method="inclusive")
    mad = statistics.median([abs(v - median) for v in logs])
    return Reference(group, len(values), q1, median, q3, mad)


class PriceFilter:
    def __init__(self, history: Iterable[Item], *, iqr_factor: Decimal = Decimal("1.5"), z_limit: Decimal = Decimal("3.5"),
                 min_comparables: int = 20) -> None:
        self.iqr_factor, self.z_limit, self.min_comparables = iqr_factor, z_limit, min_comparables
        by_origin: dict[tuple[str, str, str, str], list[Decimal]] = defaultdict(list)
        by_goods: dict[tuple[str, str, str], list[Decimal]] = defaultdict(list)
        for item in history:
            by_origin[(item.hs6, item.unit, item.currency, item.origin)].append(item.unit_value)
            by_goods[(item.hs6, item.unit, item.currency)].append(item.unit_value)
        self._by_origin = {k: _reference(f"HS {k[0]} from {k[3]}, per {k[1]} in {k[2]}", v)
                           for k, v in by_origin.items() if len(v) >= min_comparables}
        self._by_goods = {k: _reference(f"HS {k[0]}, per {k[1]} in {k[2]}", v)
                          for k, v in by_goods.items() if len(v) >= min_comparables}

    def reference(self, item: Item) -> Reference | None:
        return (self._by_origin.get((item.hs6, item.unit, item.currency, item.origin))
                or self._by_goods.get((item.hs6, item.unit, item.currency)))

    def check(self, item: Item, *, iqr_factor: Decimal | None = None, z_limit: Decimal | None = None,
              min_comparables: int | None = None) -> list[Flag]:
        """The flags of one item (empty: priced like its comparables, or too few to say). A risk
        rule may set its own thresholds; `min_comparables` below the filter's own changes nothing."""
        k, z = iqr_factor or self.iqr_factor, z_limit or self.z_limit
        ref = self.reference(item)
        if ref is None or ref.count < (min_comparables or 0):
            return []
        value, flags = item.unit_value, []
        if value <= 0:
            return [Flag(UNDER, "no value declared", item.declaration, value, Decimal(0), Decimal(0), ref.count, ref.group)]
        x = value.ln()
        spread = ref.q3 - ref.q1
        bands = [(f"interquartile filter, k={k}", ref.q1 - k * spread, ref.q3 + k * spread)]
        if ref.mad > 0:
            reach = z * ref.mad / Decimal("0.6745")
            bands.append((f"robust z-score, |z|>{z}", ref.median - reach, ref.median + reach))
        for method, low, high in bands:
            if not low <= x <= high:
                flags.append(Flag(UNDER if x < low else OVER, method, item.declaration, value, low.exp(), high.exp(),
                                  ref.count, ref.group))
        return flags


def mirror(exported: Item, imported: Item, *, tolerance: Decimal = Decimal("0.10")) -> Flag | None:
    """One shipment as declared on both sides: flagged when the import value per unit differs from
    the export value per unit by more than `tolerance` (freight and insurance ride within it), or
    the quantities differ at all."""
    if exported.currency != imported.currency or exported.unit != imported.unit:
        return None
    x, e = imported.unit_value, exported.unit_value
    low, high = e * (1 - tolerance), e * (1 + tolerance)
    if exported.quantity == imported.quantity and low <= x <= high:
        return None
    return Flag(UNDER if x < low else OVER if x > high else MIRROR, f"mirror check, tolerance {tolerance:%}",
                imported.declaration, x, low, high, 1, f"export declaration {exported.declaration}")
