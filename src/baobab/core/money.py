"""Money as an integer number of minor units with an ISO 4217 currency code. Never floats."""

from __future__ import annotations

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

    def __str__(self) -> str:
        units = MINOR_UNITS[self.currency]
        return f"{Decimal(self.minor).scaleb(-units):.{units}f} {self.currency}"
