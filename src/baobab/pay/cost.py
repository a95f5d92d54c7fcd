"""What a cross-border payment costs the sender, shown before the sender agrees.

The method is the World Bank's Remittance Prices Worldwide: the total cost of sending an amount
is every fee plus the exchange-rate margin (the difference between the mid-market rate and the
rate applied, valued on the amount converted), as a percentage of the amount sent. The
Sustainable Development Goal 10.c target is a total cost under 3%.

Amounts are integer minor units; rates are decimal strings (target units per source unit). The
sender's currency is the source. Conversions round down, in the sender's favour never the
provider's: the receiver gets whole minor units actually covered by the rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.money import MINOR_UNITS, Money

SDG_TARGET_PERCENT = Decimal("3")


def _rate(text: str, name: str) -> Decimal:
    try:
        rate = Decimal(text)
    except (InvalidOperation, TypeError):
        raise BaobabError("BAD_MONEY", f"{name} {text!r} is not a decimal rate") from None
    if not rate.is_finite() or rate <= 0:
        raise BaobabError("BAD_MONEY", f"{name} must be a positive rate")
    return rate


def _major(m: Money) -> Decimal:
    return Decimal(m.minor).scaleb(-MINOR_UNITS[m.currency])


def _to_minor(value: Decimal, currency: str) -> int:
    return int(value.scaleb(MINOR_UNITS[currency]).to_integral_value(ROUND_DOWN))


@dataclass(frozen=True)
class Cost:
    sent: Money                 # what the sender pays, fees included
    sender_fee: Money           # charged on top, in the sender's currency
    converted: Money            # what the rate turns (sent - sender fee) into
    receiver_fee: Money         # deducted on the receiving side
    received: Money             # what the receiver gets
    applied_rate: str
    mid_rate: str
    fx_margin: Money            # the margin's cost, in the sender's currency
    total_cost: Money           # fees + margin, in the sender's currency
    total_cost_percent: str     # of the amount sent, two decimals

    @property
    def within_sdg_target(self) -> bool:
        return Decimal(self.total_cost_percent) < SDG_TARGET_PERCENT

    def to_dict(self) -> dict[str, Any]:
        money = {k: {"currency": v.currency, "minor": v.minor} for k, v in self.__dict__.items() if isinstance(v, Money)}
        return {**money, "applied_rate": self.applied_rate, "mid_rate": self.mid_rate,
                "total_cost_percent": self.total_cost_percent, "within_sdg_target": self.within_sdg_target,
                "sdg_target_percent": str(SDG_TARGET_PERCENT)}


def remittance_cost(sent: Money, target_currency: str, *, sender_fee: Money, receiver_fee_minor: int,
                    applied_rate: str, mid_rate: str) -> Cost:
    """The full cost of sending `sent` (fees included) to be received in `target_currency`."""
    if sender_fee.currency != sent.currency or not 0 <= sender_fee.minor < sent.minor:
        raise BaobabError("BAD_MONEY", "the sender's fee is in the sent currency and less than the amount sent")
    applied, mid = _rate(applied_rate, "applied rate"), _rate(mid_rate, "mid-market rate")
    if applied > mid:
        raise BaobabError("BAD_MONEY", "an applied rate better than the mid-market rate is not a quote")
    net = _major(sent) - _major(sender_fee)
    converted = Money(target_currency, _to_minor(net * applied, target_currency))
    if not 0 <= receiver_fee_minor < converted.minor:
        raise BaobabError("BAD_MONEY", "the receiver's fee must be less than the amount converted")
    receiver_fee = Money(target_currency, receiver_fee_minor)
    margin = Money(sent.currency, _to_minor(net * (mid - applied) / mid, sent.currency))
    receiver_fee_in_source = Money(sent.currency, _to_minor(_major(receiver_fee) / mid, sent.currency))
    total = Money(sent.currency, sender_fee.minor + margin.minor + receiver_fee_in_source.minor)
    percent = (Decimal(total.minor) * 100 / Decimal(sent.minor)).quantize(Decimal("0.01"), ROUND_HALF_EVEN)
    return Cost(sent, sender_fee, converted, receiver_fee, Money(target_currency, converted.minor - receiver_fee_minor),
                str(applied), str(mid), margin, total, str(percent))
