"""Who got what of the price of a traced lot: each stage per kg of green-coffee equivalent, each
stage's share of the retail price, and the farm-gate price against a published reference.

For the goods a key names (a bag, a roasted lot), `backward` gives how much of each delivery and
of each lot they hold. Then:
- farm gate: what each farmer was paid for a delivery (deliveries.delivery, settled through the
  switch), times the share of that delivery in the goods;
- each later stage: the price its seller recorded for a lot (deliveries.record_sale), times the
  amount of that lot in the goods;
- green-coffee equivalent (GCE): the kilograms of green coffee in the goods.

Amounts stay integer minor units in their own currency; comparing currencies needs the rates the
caller states (`rates`: units of the reporting currency per unit of each other), shown with the
result. Shares are exact fractions until they are displayed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from functools import cache
from importlib import resources
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.money import MINOR_UNITS
from baobab.trace.coffee import product_of
from baobab.trace.lineage import Trace, display

POUND_KG = Decimal("0.45359237")
STAGE_ORDER = ("farm_gate", "export", "import", "roasting", "retail")


@cache
def reference_prices() -> list[dict[str, Any]]:
    """The published reference prices (trace/data/reference_prices.json), each with its source and date."""
    text = resources.files("baobab.trace").joinpath("data/reference_prices.json").read_text("utf-8")
    return json.loads(text)["prices"]  # type: ignore[no-any-return]


@cache
def exchange_rates() -> dict[str, Any]:
    """The rates the value share is computed with (trace/data/exchange_rates.json, with its source and date)."""
    data = json.loads(resources.files("baobab.trace").joinpath("data/exchange_rates.json").read_text("utf-8"))
    return {**data, "rates": {c: Decimal(r) for c, r in data["rates"].items()}}


MINIMUM, LIVING_INCOME = "minimum", "living_income"


def reference_for(origin: str, product: str, kind: str = MINIMUM) -> dict[str, Any] | None:
    """The reference of `kind` for an origin (ISO 3166-1 alpha-2) and product; one for every origin ("*") otherwise."""
    of_kind = [p for p in reference_prices() if p["kind"] == kind and p["product"] == product]
    exact = [p for p in of_kind if p["origin"] == origin]
    anywhere = [p for p in of_kind if p["origin"] == "*"]
    return (exact or anywhere or [None])[0]


def per_kg(reference: dict[str, Any]) -> Fraction:
    """The reference price per kilogram of green-coffee equivalent, in major units of its currency
    (a price per kg of parchment is worth more per kg of the green coffee it hulls into)."""
    if "per_kg" in reference:
        price = Fraction(Decimal(reference["per_kg"]))
    else:
        price = Fraction(Decimal(reference["per_lb"])) / Fraction(POUND_KG)
    return price / Fraction(Decimal(reference.get("green_per_basis_kg", "1")))


@dataclass
class Check:
    """The farm-gate price against one published reference."""
    reference: dict[str, Any] | None
    below: bool = False
    farmers_below: list[str] = field(default_factory=list)  # paid less per kg GCE than the reference
    per_kg_reporting: Fraction | None = None  # the reference per kg GCE in the reporting currency


@dataclass
class Stage:
    name: str
    currency: str
    minor: Fraction  # paid for the goods, in minor units of `currency`
    in_reporting: Fraction = Fraction(0)  # in major units of the reporting currency

    def to_dict(self, gce_kg: Fraction, retail: Fraction) -> dict[str, Any]:
        return {"stage": self.name, "currency": self.currency, "paid_minor": int(self.minor),
                "per_kg_gce": display(self.in_reporting / gce_kg, 4) if gce_kg else None,
                "share_of_retail": display(self.in_reporting / retail * 100, 2) if retail else None}


@dataclass
class ValueShare:
    key: str
    reporting_currency: str
    gce_kg: Fraction
    stages: list[Stage] = field(default_factory=list)
    farmers: dict[str, Fraction] = field(default_factory=dict)  # farmer -> paid (minor units of the farm-gate currency)
    unpaid: list[str] = field(default_factory=list)  # deliveries without a settled payment
    minimum: Check = field(default_factory=lambda: Check(None))
    living_income: Check = field(default_factory=lambda: Check(None))
    origin: str = ""
    product: str = ""
    rates: dict[str, str] = field(default_factory=dict)
    rates_source: str = ""

    def stage(self, name: str) -> Stage | None:
        return next((s for s in self.stages if s.name == name), None)

    def farmers_share(self) -> Fraction | None:
        retail, farm = self.stage("retail"), self.stage("farm_gate")
        if retail is None or farm is None or not retail.in_reporting:
            return None
        return farm.in_reporting / retail.in_reporting

    def to_dict(self) -> dict[str, Any]:
        retail = self.stage("retail")
        total = retail.in_reporting if retail else Fraction(0)
        farm = self.stage("farm_gate")
        share = self.farmers_share()
        return {"key": self.key, "reporting_currency": self.reporting_currency, "gce_kg": display(self.gce_kg),
                "stages": [s.to_dict(self.gce_kg, total) for s in self.stages],
                "farmers_share_of_retail_pct": None if share is None else display(share * 100, 2),
                "farm_gate_per_kg_gce": None if farm is None or not self.gce_kg else display(farm.in_reporting / self.gce_kg, 4),
                "reference": self.minimum.reference, "below_reference": self.minimum.below,
                "reference_per_kg": _shown(self.minimum),
                "farmers": {f: int(v) for f, v in sorted(self.farmers.items())}, "unpaid_deliveries": self.unpaid,
                "farmers_below_reference": self.minimum.farmers_below,
                "origin": self.origin, "product": self.product,
                "living_income_reference": self.living_income.reference,
                "below_living_income": self.living_income.below,
                "living_income_per_kg": _shown(self.living_income),
                "farmers_below_living_income": self.living_income.farmers_below,
                "rates": self.rates, "rates_source": self.rates_source}


def _shown(check: Check) -> str | None:
    """A reference per kg GCE in the reporting currency, as displayed (None without one)."""
    return None if check.per_kg_reporting is None else display(check.per_kg_reporting, 4)


def value_share(trace: Trace, *, delivery_of: Callable[[str], dict[str, Any] | None],
                sales_of: Callable[[str], list[dict[str, Any]]], reporting_currency: str | None = None,
                rates: dict[str, Decimal] | None = None, origin: str = "ET", product: str = "coffee") -> ValueShare:
    """What each stage was paid for the goods `trace` (a backward trace) names (by default in the
    reporting currency and at the rates of `exchange_rates()`)."""
    if reporting_currency is None or rates is None:
        reporting_currency, rates = exchange_rates()["reporting_currency"], exchange_rates()["rates"]
    def to_reporting(currency: str, minor: Fraction) -> Fraction:
        major = minor / 10 ** MINOR_UNITS.get(currency, 2)
        return major if currency == reporting_currency else major * Fraction(rates[currency])

    gce = sum((q for k, q in trace.amounts.items() if product_of(k) == "green"), Fraction(0))
    result = ValueShare(trace.key, reporting_currency, gce, rates={c: str(r) for c, r in sorted(rates.items())},
                        rates_source=f"{exchange_rates()['source']}, {exchange_rates()['date']}", origin=origin,
                        product=product)
    farm: dict[str, Fraction] = {}
    cherries = sum((d.contained for d in trace.deliveries), Fraction(0))
    green_per_cherry = gce / cherries if cherries else Fraction(0)
    per_farmer_gce: dict[str, tuple[str, Fraction, Fraction]] = {}  # farmer -> (currency, paid, kg GCE)
    for d in trace.deliveries:
        record = delivery_of(d.lot)
        if record is None or record.get("status") != "paid":
            result.unpaid.append(d.lot)
            continue
        currency = record["amount"]["currency"]
        paid = Fraction(record["amount"]["minor"]) * (d.contained / d.delivered)
        farm[currency] = farm.get(currency, Fraction(0)) + paid
        result.farmers[d.farmer] = result.farmers.get(d.farmer, Fraction(0)) + paid
        _, before, kg_before = per_farmer_gce.get(d.farmer, (currency, Fraction(0), Fraction(0)))
        per_farmer_gce[d.farmer] = (currency, before + paid, kg_before + d.contained * green_per_cherry)
    for currency, minor in farm.items():
        result.stages.append(Stage("farm_gate", currency, minor, to_reporting(currency, minor)))
    by_stage: dict[tuple[str, str], Fraction] = {}
    for lot, amount in trace.amounts.items():
        for sale in sales_of(lot):
            price_per_kg = Fraction(sale["amount"]["minor"]) / Fraction(sale["quantity_g"], 1000)
            k = (sale["stage"], sale["amount"]["currency"])
            by_stage[k] = by_stage.get(k, Fraction(0)) + price_per_kg * amount
    for (stage, currency), minor in by_stage.items():
        result.stages.append(Stage(stage, currency, minor, to_reporting(currency, minor)))
    result.stages.sort(key=lambda s: STAGE_ORDER.index(s.name) if s.name in STAGE_ORDER else len(STAGE_ORDER))
    farm_stage = result.stage("farm_gate")
    for kind in (MINIMUM, LIVING_INCOME):
        check = Check(reference_for(origin, product, kind))
        if check.reference is not None:
            check.per_kg_reporting = to_reporting(check.reference["currency"],
                                                  per_kg(check.reference) * 10 ** MINOR_UNITS.get(check.reference["currency"], 2))
            if farm_stage is not None and gce:
                check.below = farm_stage.in_reporting / gce < check.per_kg_reporting
                check.farmers_below = sorted(f for f, (currency, paid, kg) in per_farmer_gce.items()
                                             if kg and to_reporting(currency, paid) / kg < check.per_kg_reporting)
        if kind == MINIMUM:
            result.minimum = check
        else:
            result.living_income = check
    return result


def share_of(store: Any, org: str, key: str, ask: Callable[[str, dict[str, Any]], Any]) -> ValueShare:
    """The value share of the goods `key` names, as `org` may trace them, with the payments and
    sales read from the ledger by `ask(function, args)` (the deliveries contract, as `org`)."""
    from baobab.trace.lineage import backward

    def delivery_of(lot: str) -> dict[str, Any] | None:
        try:
            return ask("delivery", {"delivery_id": lot.rsplit("/", 1)[1]})  # type: ignore[no-any-return]
        except BaobabError:
            return None  # not paid through the ledger

    return value_share(backward(store, org, key), delivery_of=delivery_of,
                       sales_of=lambda lot: ask("sales", {"lot": lot}))
