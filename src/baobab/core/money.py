"""Money as an integer number of minor units with an ISO 4217 currency code. Never floats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from baobab.core.errors import BaobabError

# ISO 4217 active codes whose minor unit is not 2 (the default for every other listed code).
_MINOR_UNITS_EXCEPTIONS = {
    **dict.fromkeys(
        "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF".split(), 0
    ),
    **dict.fromkeys("BHD IQD JOD KWD LYD OMR TND".split(), 3),
    **dict.fromkeys("CLF UYW".split(), 4),
}
_TWO_DECIMALS = (
    "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BOV BRL BSD BTN BWP BYN "
    "BZD CAD CDF CHE CHF CHW CNY COP COU CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP "
    "GEL GHS GIP GMD GTQ GYD HKD HNL HTG HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP "
    "LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR "
    "NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN "
    "SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD USN UYU UZS VED VES WST XCD XCG YER ZAR "
    "ZMW ZWG"
).split()
MINOR_UNITS: dict[str, int] = {**dict.fromkeys(_TWO_DECIMALS, 2), **_MINOR_UNITS_EXCEPTIONS}


def check_currency(code: Any) -> str:
    if not isinstance(code, str) or code not in MINOR_UNITS:
        raise BaobabError("BAD_MONEY", f"{code!r} is not an ISO 4217 currency code")
    return code


@dataclass(frozen=True, order=True)
class Money:
    """An amount in minor units (cents, fils, ...) of one currency."""

    currency: str
    minor: int

    def __post_init__(self) -> None:
        check_currency(self.currency)
        if isinstance(self.minor, bool) or not isinstance(self.minor, int):
            raise BaobabError("BAD_MONEY", "amounts are integers in minor units")

    @classmethod
    def parse(cls, amount: str, currency: str) -> "Money":
        """From a decimal string in major units, e.g. Money.parse("1250.50", "USD")."""
        check_currency(currency)
        try:
            value = Decimal(amount)
        except (InvalidOperation, TypeError) as exc:
            raise BaobabError("BAD_MONEY", f"{amount!r} is not a decimal amount") from exc
        scaled = value.scaleb(MINOR_UNITS[currency])
        if not value.is_finite() or scaled != scaled.to_integral_value():
            raise BaobabError("BAD_MONEY", f"{amount} {currency} has more decimals than the currency allows")
        return cls(currency, int(scaled))

    @classmethod
    def from_json(cls, data: Any) -> "Money":
        if not isinstance(data, dict) or set(data) != {"currency", "minor"}:
            raise BaobabError("BAD_MONEY", "money is an object {currency, minor}")
        return cls(data["currency"], data["minor"])

    def to_json(self) -> dict[str, Any]:
        return {"currency": self.currency, "minor": self.minor}

    def _same(self, other: "Money") -> None:
        if self.currency != other.currency:
            raise BaobabError("BAD_MONEY", f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.currency, self.minor + other.minor)

    def __sub__(self, other: "Money") -> "Money":
        self._same(other)
        return Money(self.currency, self.minor - other.minor)

    def percent(self, basis_points: int) -> "Money":
        """This amount times basis_points / 10,000, rounded half-even to a minor unit."""
        q = (Decimal(self.minor) * basis_points / Decimal(10_000)).to_integral_value()
        return Money(self.currency, int(q))

    @property
    def decimal(self) -> Decimal:
        """The amount in major units, exactly: Money("USD", 125050).decimal == Decimal("1250.50")."""
        units = MINOR_UNITS[self.currency]
        return Decimal(self.minor).scaleb(-units).quantize(Decimal(1).scaleb(-units))

    def __str__(self) -> str:
        return f"{self.decimal} {self.currency}"


# Formatting for people (messages, command-line output, exports). The wire keeps
# {currency, minor}; these functions only ever change how an amount is shown.

def as_money(value: Any) -> Money | None:
    """`value` as Money if it is a well-formed {currency, minor} object, else None."""
    if isinstance(value, dict) and set(value) == {"currency", "minor"} and value["currency"] in MINOR_UNITS \
            and isinstance(value["minor"], int) and not isinstance(value["minor"], bool):
        return Money(value["currency"], value["minor"])
    return None


# Older records keep an integer amount beside a "currency" field ({currency, balance}) rather
# than a money object; these names are read as minor units of that currency for display.
AMOUNT_FIELD = re.compile(r"^(?:amount|balance|[a-z0-9_]+_(?:amount|balance))$")


def amounts_beside_currency(record: dict[str, Any]) -> dict[str, Money]:
    """{field: Money} for the integer amount fields of a record that names its currency."""
    currency = record.get("currency")
    if not isinstance(currency, str) or currency not in MINOR_UNITS:
        return {}
    return {k: Money(currency, v) for k, v in record.items()
            if AMOUNT_FIELD.match(k) and isinstance(v, int) and not isinstance(v, bool)}


def format_amount(value: Money | dict[str, Any]) -> str:
    """"1250.50 USD" for Money or its JSON form; the currency decides the decimals (ISO 4217)."""
    money = value if isinstance(value, Money) else Money.from_json(value)
    return str(money)


def for_display(value: Any) -> Any:
    """A copy of a JSON value with every money object shown as "1250.50 USD"."""
    money = as_money(value)
    if money is not None:
        return str(money)
    if isinstance(value, dict):
        beside = amounts_beside_currency(value)
        return {k: str(beside[k]) if k in beside else for_display(v) for k, v in value.items()}
    if isinstance(value, list):
        return [for_display(v) for v in value]
    return value
