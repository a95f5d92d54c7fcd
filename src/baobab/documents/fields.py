"""Field types shared by the trade document models: code lists, identifiers, money, quantities.

Each type checks one standard (ISO 3166-1, ISO 4217, UN/LOCODE, HS, RFC 3339, UN/ECE Rec 20
and Rec 21, ISO 6346) and fails with a message naming it, so a rejected document tells the
sender exactly which field to fix. Numbers are integers only: money in minor units,
quantities in a unit small enough to need no fraction (e.g. GRM rather than 0.5 KGM).
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic_core import PydanticCustomError

from baobab.core.codes import COUNTRIES
from baobab.vocab import trade
from baobab.vocab.trade import MASS_UNITS, PACKAGE_TYPES, UNIT_CODES, VOLUME_UNITS

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def _fail(kind: str, message: str, value: Any) -> PydanticCustomError:
    # Formatted here, without a context, so braces in the value are never re-interpreted.
    return PydanticCustomError(kind, message.replace("{value!r}", repr(value)))


def _country(value: str) -> str:
    if value not in COUNTRIES:
        raise _fail("country", "{value!r} is not an ISO 3166-1 alpha-2 country code", value)
    return value


def _currency(value: str) -> str:
    if not trade.is_currency(value):
        raise _fail("currency", "{value!r} is not an ISO 4217 currency code", value)
    return value


def _locode(value: str) -> str:
    if not trade.is_locode(value):
        raise _fail("locode", "{value!r} is not a UN/LOCODE (country code + 3 letters or digits 2-9)", value)
    return value


def _hs(value: str) -> str:
    if not trade.is_hs_code(value):
        raise _fail("hs_code", "{value!r} is not an HS code (6 to 10 digits, no dots)", value)
    return value


def _date(value: str) -> str:
    try:
        if _DATE.fullmatch(value):
            date.fromisoformat(value)
            return value
    except ValueError:
        pass
    raise _fail("date", "{value!r} is not an RFC 3339 full-date (YYYY-MM-DD)", value)


def _date_time(value: str) -> str:
    try:
        if _DATE_TIME.fullmatch(value):
            datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
            return value
    except ValueError:
        pass
    raise _fail("date_time", "{value!r} is not an RFC 3339 date-time with a UTC offset", value)


def _unit(value: str) -> str:
    if value not in UNIT_CODES:
        raise _fail("unit", "{value!r} is not an accepted UN/ECE Rec 20 unit code", value)
    return value


def _package_type(value: str) -> str:
    if value not in PACKAGE_TYPES:
        raise _fail("package_type", "{value!r} is not an accepted UN/ECE Rec 21 package type code", value)
    return value


def container_check_digit(owner_serial: str) -> int:
    """ISO 6346 check digit of the first 10 characters of a container number."""
    values = {}
    n = 10
    for letter in "ABCDEFGHIJKLMNOPQRSTUVWXYZ":
        if n % 11 == 0:  # multiples of 11 are skipped
            n += 1
        values[letter] = n
        n += 1
    total = sum((values[c] if c.isalpha() else int(c)) << i for i, c in enumerate(owner_serial))
    return total % 11 % 10


def _container(value: str) -> str:
    if not trade.CONTAINER.fullmatch(value) or container_check_digit(value[:10]) != int(value[10]):
        raise _fail("container", "{value!r} is not an ISO 6346 container number with a valid check digit", value)
    return value


def _lei(value: str) -> str:
    if not trade.LEI.fullmatch(value) or int("".join(str(int(c, 36)) for c in value)) % 97 != 1:
        raise _fail("lei", "{value!r} is not an ISO 17442 LEI with valid check digits", value)
    return value


Text = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=r"\S")]
Reference = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^\S(.*\S)?$")]
Country = Annotated[str, AfterValidator(_country)]
Currency = Annotated[str, AfterValidator(_currency)]
UNLocode = Annotated[str, AfterValidator(_locode)]
HSCode = Annotated[str, AfterValidator(_hs)]
Date = Annotated[str, AfterValidator(_date)]
DateTime = Annotated[str, AfterValidator(_date_time)]
UnitCode = Annotated[str, AfterValidator(_unit)]
PackageType = Annotated[str, AfterValidator(_package_type)]
ContainerNumber = Annotated[str, AfterValidator(_container)]
LEI = Annotated[str, AfterValidator(_lei)]
Count = Annotated[int, Field(ge=1)]


class Model(BaseModel):
    """Strict: unknown fields are refused and nothing is coerced (no "12" for 12, no 12.0)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class Money(Model):
    """Same shape as baobab.core.money.Money.to_json(): integer minor units and a currency."""

    currency: Currency
    minor: int = Field(ge=0)


class Quantity(Model):
    value: int = Field(ge=0)
    unit: UnitCode


def _mass(q: Quantity) -> Quantity:
    if q.unit not in MASS_UNITS:
        raise _fail("mass_unit", "{value!r} is not a mass unit (GRM, KGM, TNE, LBR)", q.unit)
    return q


def _volume(q: Quantity) -> Quantity:
    if q.unit not in VOLUME_UNITS:
        raise _fail("volume_unit", "{value!r} is not a volume unit (LTR, MLT, MTQ)", q.unit)
    return q


Weight = Annotated[Quantity, AfterValidator(_mass)]
Volume = Annotated[Quantity, AfterValidator(_volume)]


def grams(weight: Quantity) -> int | None:
    """A metric weight in grams, or None for units that do not convert exactly (LBR)."""
    factor = MASS_UNITS.get(weight.unit)
    return None if factor is None else weight.value * factor


class Party(Model):
    """A trade party (UN/CEFACT TradeParty, simplified)."""

    name: Text
    country: Country
    address_lines: list[Text] = Field(default_factory=list, max_length=5)
    city: Text | None = None
    postal_code: Reference | None = None
    tax_id: Reference | None = None
    lei: LEI | None = None
