"""The terms of a documentary credit: their shape, defaults and which ones an amendment may change.

Pure functions, used by the letter-of-credit contract; malformed terms raise BAD_ARGUMENT
naming the field, and nothing is written.
"""

from __future__ import annotations

import re
from typing import Any

from baobab.contracts.jurisdiction import from_ports
from baobab.contracts.trade.common import bad_argument, parse_date
from baobab.core.money import MINOR_UNITS
from baobab.vocab.trade import DOCUMENT_TYPES, HS_CODE, INCOTERMS_2020, LOCODE, UNIT_CODES

DEFAULT_PRESENTATION_DAYS = 21  # UCP 600 art. 14(c)
MAX_INSTALMENTS = 24

# name -> (required, check); a check returns the normalised value or calls bad_argument.
FIELDS: dict[str, tuple[bool, Any]] = {}


def _field(name: str, required: bool = True):  # type: ignore[no-untyped-def]
    def register(check):  # type: ignore[no-untyped-def]
        FIELDS[name] = (required, check)
        return check
    return register


def _int(value: Any, name: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        bad_argument(f"terms.{name} must be an integer from {low} to {high}")
    return value


def _text(value: Any, name: str, limit: int = 500) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        bad_argument(f"terms.{name} must be text of 1-{limit} characters")
    return value


def _bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        bad_argument(f"terms.{name} must be true or false")
    return value


def _pattern(value: Any, name: str, pattern: re.Pattern[str], what: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        bad_argument(f"terms.{name} {value!r} is not {what}")
    return value


def _date(value: Any, name: str) -> str:
    if not isinstance(value, str):
        bad_argument(f"terms.{name} must be a date YYYY-MM-DD")
    parse_date(value, f"terms.{name}")
    return value


@_field("amount")
def _amount(v: Any) -> dict[str, Any]:
    if not isinstance(v, dict) or set(v) != {"currency", "minor"} or v["currency"] not in MINOR_UNITS:
        bad_argument("terms.amount must be {currency: ISO 4217 code, minor: integer minor units}")
    _int(v["minor"], "amount.minor", 1, 10**15)
    return {"currency": v["currency"], "minor": v["minor"]}


@_field("quantity")
def _quantity(v: Any) -> dict[str, Any]:
    if not isinstance(v, dict) or set(v) != {"value", "unit"}:
        bad_argument("terms.quantity must be {value: integer, unit: UN/ECE Rec 20 code}")
    return {"value": _int(v["value"], "quantity.value", 1, 10**15), "unit": _unit(v["unit"])}


def _unit(v: Any) -> str:
    if v not in UNIT_CODES:
        bad_argument(f"terms.quantity.unit {v!r} is not a UN/ECE Rec 20 unit code")
    return v  # type: ignore[no-any-return]


_field("amount_tolerance_pct", False)(lambda v: _int(v, "amount_tolerance_pct", 0, 10))
_field("about", False)(lambda v: _bool(v, "about"))  # "about"/"approximately": +-10% (art. 30(a))
_field("quantity_counted", False)(lambda v: _bool(v, "quantity_counted"))  # items/packages: no +-5%
_field("expiry_date")(lambda v: _date(v, "expiry_date"))
_field("expiry_place")(lambda v: _text(v, "expiry_place", 100))
_field("latest_shipment_date")(lambda v: _date(v, "latest_shipment_date"))
_field("presentation_days", False)(lambda v: _int(v, "presentation_days", 1, 180))
_field("port_of_loading")(lambda v: _pattern(v, "port_of_loading", LOCODE, "a UN/LOCODE"))
_field("port_of_discharge")(lambda v: _pattern(v, "port_of_discharge", LOCODE, "a UN/LOCODE"))
_field("goods_description")(lambda v: _text(v, "goods_description"))
_field("hs_code")(lambda v: _pattern(v, "hs_code", HS_CODE, "an HS code of 6-10 digits"))
_field("incoterm")(lambda v: _pattern(v, "incoterm", re.compile("|".join(INCOTERMS_2020)), "an Incoterms 2020 rule"))
# art. 31(a): partial drawings or shipments are allowed unless the credit prohibits them
_field("partial_shipments", False)(lambda v: _bool(v, "partial_shipments"))
# art. 6(a): the bank with which the credit is available (the nominated bank), where presentation is made
_field("available_with", False)(lambda v: _pattern(v, "available_with", re.compile("issuing_bank|advising_bank"),
                                                   "issuing_bank or advising_bank"))
_field("transhipment", False)(lambda v: _bool(v, "transhipment"))
_field("title_to", False)(lambda v: _pattern(v, "title_to", re.compile("applicant|issuing_bank"), "applicant or issuing_bank"))


@_field("required_documents")
def _required(v: Any) -> list[str]:
    if not isinstance(v, list) or not v or len(v) > 20:
        bad_argument("terms.required_documents must be a non-empty list of document types")
    for item in v:
        if item not in DOCUMENT_TYPES:
            bad_argument(f"terms.required_documents: unknown document type {item!r}")
    if len(set(v)) != len(v):
        bad_argument("terms.required_documents lists a type twice")
    return sorted(v)


@_field("instalments", False)
def _instalments(v: Any) -> list[dict[str, Any]] | None:
    """Drawings by instalments within given periods (art. 32): [{until: date, minor: amount}, ...];
    instalment i covers shipments after the previous `until` up to its own."""
    if v is None:
        return None
    if not isinstance(v, list) or not 2 <= len(v) <= MAX_INSTALMENTS:
        bad_argument(f"terms.instalments must be a list of 2 to {MAX_INSTALMENTS} periods")
    out, last = [], ""
    for i, item in enumerate(v):
        if not isinstance(item, dict) or set(item) != {"until", "minor"}:
            bad_argument(f"terms.instalments[{i}] must be {{until: date, minor: amount in minor units}}")
        until = _date(item["until"], f"instalments[{i}].until")
        if until <= last:
            bad_argument("terms.instalments must end on increasing dates")
        out.append({"until": until, "minor": _int(item["minor"], f"instalments[{i}].minor", 1, 10**15)})
        last = until
    return out


DEFAULTS = {"amount_tolerance_pct": 0, "about": False, "quantity_counted": False,
            "presentation_days": DEFAULT_PRESENTATION_DAYS, "partial_shipments": True,
            "transhipment": True, "title_to": "applicant", "available_with": "issuing_bank", "instalments": None}
AMENDABLE = frozenset(FIELDS)  # every term may be amended; the beneficiary decides


def check_terms(terms: Any) -> dict[str, Any]:
    """Validated, defaulted terms; BAD_ARGUMENT on the first malformed field."""
    if not isinstance(terms, dict):
        bad_argument("terms must be a JSON object")
    unknown = sorted(set(terms) - set(FIELDS))
    if unknown:
        bad_argument(f"unknown terms {unknown}")
    out: dict[str, Any] = {}
    for name, (required, check) in FIELDS.items():
        if name in terms:
            out[name] = check(terms[name])
        elif required:
            bad_argument(f"terms.{name} is required")
        else:
            out[name] = DEFAULTS[name]
    if parse_date(out["latest_shipment_date"], "") > parse_date(out["expiry_date"], ""):
        bad_argument("terms.latest_shipment_date must not be after terms.expiry_date")
    from_ports(out["port_of_loading"], out["port_of_discharge"])  # each port's first two letters: a country
    if out["instalments"] is not None:
        if sum(i["minor"] for i in out["instalments"]) != out["amount"]["minor"]:
            bad_argument("terms.instalments must add up to the credit amount")
        if out["instalments"][-1]["until"] > out["latest_shipment_date"]:
            bad_argument("terms.instalments must end by the latest shipment date")
        if not out["partial_shipments"]:
            bad_argument("terms.instalments need partial_shipments (art. 32)")
    return out


def amend_terms(current: dict[str, Any], changes: Any) -> dict[str, Any]:
    """The terms after an amendment; the changed fields must be known and well formed."""
    if not isinstance(changes, dict) or not changes:
        bad_argument("an amendment changes at least one term")
    unknown = sorted(set(changes) - AMENDABLE)
    if unknown:
        bad_argument(f"unknown terms {unknown}")
    return check_terms({**current, **changes})
