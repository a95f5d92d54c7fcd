"""Tariff schedules and the assessment of duties and taxes.

A schedule is data, one per country, published on the ledger by that country's customs
(`customs_tariffs`) so that the declarant can redo every figure of its assessment:

    {"country": "ET", "currency": "ETB", "version": "2026-1",
     "duty": {"8528": "30", "852872": "35", ...},       HS heading (4) or subheading (6) -> % ad valorem
     "preferences": {"AfCFTA": {"0603": "0"}, ...},      agreement -> heading -> preferential %
     "taxes": [{"code": "VAT", "rate": "15", "base": "value+duty"}, ...],
     "conformity": {"programme": "PVOC", "headings": ["8528"]}}      optional

Rates are decimal strings (percent), never floats. The most specific code wins (a subheading
over its heading); an item whose goods the schedule does not list is refused (TARIFF_UNKNOWN)
rather than charged a guessed rate. A preferential rate applies only to goods its agreement
lists and only when a certificate of origin under that agreement has been received and used on
the declaration (the contract checks that); it never raises the duty above the general rate.

Arithmetic, in integer minor units of the schedule's currency:
- customs value: the item's value, converted at the customs exchange rate when the declaration
  is in another currency: value x rate, scaled to the schedule currency's minor units, rounded
  half up to a whole minor unit;
- each duty or tax line: base x rate / 100, rounded half up to a whole minor unit, per item and
  per line (what a declarant would compute on its own line); totals are sums of rounded lines.
Pure and deterministic: contracts import it.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from baobab.core.money import MINOR_UNITS
from baobab.ledger.contract import ContractError

TAX_BASES = ("value", "value+duty")
MAX_CODES = 20_000
_RATE = re.compile(r"\d{1,3}(\.\d{1,4})?")
_CODE = re.compile(r"\d{4}|\d{6}")
_AGREEMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._-]{0,39}")
_EXCHANGE = re.compile(r"\d{1,9}(\.\d{1,8})?")
HUNDRED = Decimal(100)


def _bad(message: str) -> ContractError:
    return ContractError(message, reason="BAD_SCHEDULE")


def _rate(value: Any, where: str) -> str:
    if not isinstance(value, str) or not _RATE.fullmatch(value) or Decimal(value) > 1000:
        raise _bad(f"{where}: a rate is a decimal string of percent, 0 to 1000 (e.g. \"12.5\"), not {value!r}")
    return value


def _rates(table: Any, where: str) -> dict[str, str]:
    if not isinstance(table, dict) or len(table) > MAX_CODES:
        raise _bad(f"{where} maps HS headings (4 digits) or subheadings (6) to rates")
    for code in table:
        if not isinstance(code, str) or not _CODE.fullmatch(code):
            raise _bad(f"{where}: {code!r} is not an HS heading (4 digits) or subheading (6 digits)")
    return {code: _rate(rate, f"{where}.{code}") for code, rate in sorted(table.items())}


def check_schedule(schedule: Any) -> dict[str, Any]:
    """The normalised schedule; BAD_SCHEDULE naming the first field that is wrong."""
    if not isinstance(schedule, dict):
        raise _bad("a tariff schedule is an object")
    unknown = set(schedule) - {"country", "currency", "version", "duty", "preferences", "taxes", "conformity", "source"}
    if unknown:
        raise _bad(f"unknown fields {sorted(unknown)}")
    country, currency, version = schedule.get("country"), schedule.get("currency"), schedule.get("version")
    if not isinstance(country, str) or not re.fullmatch(r"[A-Z]{2}", country):
        raise _bad("country is an ISO 3166-1 alpha-2 code")
    if currency not in MINOR_UNITS:
        raise _bad("currency is the ISO 4217 code duties are assessed and paid in")
    if not isinstance(version, str) or not 0 < len(version) <= 40:
        raise _bad("version names the schedule (1-40 characters)")
    preferences = schedule.get("preferences", {})
    if not isinstance(preferences, dict) or not all(isinstance(a, str) and _AGREEMENT.fullmatch(a) for a in preferences):
        raise _bad("preferences maps agreement names to rate tables")
    taxes = schedule.get("taxes", [])
    if not isinstance(taxes, list) or len(taxes) > 10:
        raise _bad("taxes is a list of at most 10 {code, rate, base}")
    checked_taxes = []
    for i, tax in enumerate(taxes):
        if not isinstance(tax, dict) or set(tax) != {"code", "rate", "base"} or tax["base"] not in TAX_BASES \
                or not isinstance(tax["code"], str) or not re.fullmatch(r"[A-Z0-9]{2,10}", tax["code"]):
            raise _bad(f"taxes[{i}] is {{code (A-Z 0-9), rate, base: value | value+duty}}")
        checked_taxes.append({"code": tax["code"], "rate": _rate(tax["rate"], f"taxes[{i}].rate"), "base": tax["base"]})
    out: dict[str, Any] = {"country": country, "currency": currency, "version": version,
                           "duty": _rates(schedule.get("duty"), "duty"),
                           "preferences": {a: _rates(t, f"preferences.{a}") for a, t in sorted(preferences.items())},
                           "taxes": checked_taxes}
    conformity = schedule.get("conformity")
    if conformity is not None:
        headings = conformity.get("headings") if isinstance(conformity, dict) else None
        if not isinstance(headings, list) or not all(isinstance(h, str) and _CODE.fullmatch(h) for h in headings) \
                or not isinstance(conformity.get("programme"), str) or not _AGREEMENT.fullmatch(conformity["programme"]):
            raise _bad("conformity is {programme, headings: [HS headings or subheadings]}")
        out["conformity"] = {"programme": conformity["programme"], "headings": sorted(set(headings))}
    if isinstance(schedule.get("source"), str):
        out["source"] = schedule["source"][:300]
    return out


def lookup(table: dict[str, str], hs_code: str) -> tuple[str, str] | None:
    """(code, rate) of the most specific entry covering `hs_code`: its subheading, else its heading."""
    for code in (hs_code[:6], hs_code[:4]):
        if code in table:
            return code, table[code]
    return None


def needs_conformity(schedule: dict[str, Any], hs_code: str) -> bool:
    conformity = schedule.get("conformity")
    return conformity is not None and any(hs_code.startswith(h) for h in conformity["headings"])


def round_minor(amount: Decimal) -> int:
    """Half up to a whole minor unit (amounts here are never negative)."""
    return int(amount.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def exchange_rate(value: Any) -> Decimal:
    if not isinstance(value, str) or not _EXCHANGE.fullmatch(value) or Decimal(value) == 0:
        raise ContractError(f"exchange_rate is a positive decimal string (units of the duty currency per unit), "
                            f"not {value!r}", reason="BAD_ASSESSMENT")
    return Decimal(value)


def convert(minor: int, currency: str, to: str, rate: Decimal) -> int:
    """`minor` units of `currency` in minor units of `to` at `rate` (units of `to` per unit)."""
    if currency == to:
        return minor
    return round_minor(Decimal(minor).scaleb(MINOR_UNITS[to] - MINOR_UNITS[currency]) * rate)


def percent(base: int, rate: str) -> int:
    return round_minor(Decimal(base) * Decimal(rate) / HUNDRED)


def assess(schedule: dict[str, Any], items: list[dict[str, Any]], *, rate: Decimal = Decimal(1),
           agreement: str | None = None, values: dict[str, int] | None = None) -> dict[str, Any]:
    """The assessment of declared `items` ({n, hs_code, value{currency, minor}}) under `schedule`.

    `values` replaces the customs value of items by number (a value customs determined after
    control, in the declaration's currency); `agreement` asks for its preferential rates.
    """
    currency, lines, total = schedule["currency"], [], 0
    preferential = schedule["preferences"].get(agreement, {}) if agreement else {}
    if agreement and agreement not in schedule["preferences"]:
        raise ContractError(f"the {schedule['country']} schedule has no preferences under {agreement}",
                            reason="NO_PREFERENCE", agreement=agreement)
    for item in items:
        general = lookup(schedule["duty"], item["hs_code"])
        if general is None:
            raise ContractError(f"item {item['n']}: HS {item['hs_code']} is not in the {schedule['country']} schedule "
                                f"{schedule['version']}", reason="TARIFF_UNKNOWN", item=item["n"])
        declared = item["value"]
        value_minor = (values or {}).get(str(item["n"]), declared["minor"])
        base = convert(value_minor, declared["currency"], currency, rate)
        duty_code, duty_rate = general
        regime = "general"
        pref = lookup(preferential, item["hs_code"])
        if pref is not None and Decimal(pref[1]) < Decimal(duty_rate):
            duty_code, duty_rate, regime = pref[0], pref[1], agreement
        duty = percent(base, duty_rate)
        charges = [{"code": "DUTY", "heading": duty_code, "regime": regime, "rate": duty_rate, "base": base, "minor": duty}]
        for tax in schedule["taxes"]:
            tax_base = base + duty if tax["base"] == "value+duty" else base
            charges.append({"code": tax["code"], "rate": tax["rate"], "base": tax_base, "minor": percent(tax_base, tax["rate"])})
        item_total = sum(c["minor"] for c in charges)
        lines.append({"n": item["n"], "customs_value": {"currency": currency, "minor": base},
                      "declared_value": {"currency": declared["currency"], "minor": value_minor},
                      "charges": charges, "total": item_total})
        total += item_total
    return {"schedule": schedule["version"], "currency": currency, "exchange_rate": str(rate), "agreement": agreement,
            "lines": lines, "total": {"currency": currency, "minor": total}}

