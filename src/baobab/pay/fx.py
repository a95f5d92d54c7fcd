"""Foreign exchange on the switch: FX provider participants publish their prices, the switch quotes.

    hub.fx.publish("AEBANK", {("INR", "AED"): "0.0440"}, margin_bp=60)   # the provider's mid rates, its margin
    fx = hub.fx.quote("INR", "AED")       -> FxQuote(fxp, source, target, applied_rate, mid_rate)
    fx, cost = hub.fx.remittance(Money("INR", 20_000_00), "AED", sender_fee=Money("INR", 150_00))
        what the sender sees before agreeing (pay/cost.py): the amount that arrives, every fee,
        the exchange margin and the total cost as a % of the amount sent, beside the SDG 10.c 3%

An FX provider is a participant holding a position in both currencies: a conversion is two
transfers through the switch, the source currency from the payer's FSP to the provider and the
target currency from the provider to the payee's FSP. Its prices are kept in the switch's
database; the applied rate is the mid-market rate less the provider's margin, rounded down (the
margin is what the sender pays for the exchange). Where several providers exchange a pair, the
switch quotes the one whose applied rate gives the receiver most (the lower id on a tie).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any

from baobab.core.errors import BaobabError, register_codes
from baobab.core.money import Money, check_currency
from baobab.pay.cost import Cost, remittance_cost
from baobab.pay.errors import FspiopError
from baobab.pay.store import Database

register_codes({"NO_FX": (422, "No exchange between these currencies here")})
RATE_DIGITS = Decimal("0.000001")
SCHEMA = """
CREATE TABLE IF NOT EXISTS switch_fx (
  fxp TEXT NOT NULL, source TEXT NOT NULL, target TEXT NOT NULL, mid_rate TEXT NOT NULL, margin_bp INTEGER NOT NULL,
  PRIMARY KEY (fxp, source, target));
"""


@dataclass(frozen=True)
class FxQuote:
    fxp: str
    source: str
    target: str
    applied_rate: str
    mid_rate: str


def applied_rate(mid: str, margin_bp: int) -> str:
    rate = (Decimal(mid) * (10_000 - margin_bp) / 10_000).quantize(RATE_DIGITS, ROUND_DOWN).normalize()
    return format(rate, "f")


class SwitchFx:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.script(SCHEMA)

    def publish(self, fxp: str, rates: dict[tuple[str, str], str], *, margin_bp: int) -> None:
        """The provider's mid-market rates (target units per source unit, decimal text) and the
        margin it keeps, replacing what it published before; every currency must be one it holds."""
        if not isinstance(margin_bp, int) or not 0 <= margin_bp < 10_000:
            raise FspiopError("3101", "a margin is 0 to 9,999 basis points")
        for (source, target), mid in rates.items():
            check_currency(source), check_currency(target)
            try:
                ok = Decimal(mid).is_finite() and Decimal(mid) > 0
            except (InvalidOperation, TypeError):
                ok = False
            if not ok or source == target:
                raise FspiopError("3101", f"{source}->{target} at {mid!r} is not an exchange rate")
        with self.db.atomic():
            for currency in {c for pair in rates for c in pair}:
                if self.db.one("SELECT 1 FROM switch_currencies WHERE fsp = ? AND currency = ?", (fxp, currency)) is None:
                    raise FspiopError("3201", f"{fxp} holds no {currency} position at the switch, so it cannot exchange it")
            self.db.run("DELETE FROM switch_fx WHERE fxp = ?", (fxp,))
            for (source, target), mid in sorted(rates.items()):
                self.db.run("INSERT INTO switch_fx (fxp, source, target, mid_rate, margin_bp) VALUES (?, ?, ?, ?, ?)",
                            (fxp, source, target, mid, margin_bp))

    def rates(self, fxp: str) -> list[dict[str, Any]]:
        """What the provider published: each pair's mid-market rate, its margin and the applied rate."""
        return [{"sourceCurrency": source, "targetCurrency": target, "midRate": mid, "marginBasisPoints": margin,
                 "appliedRate": applied_rate(mid, margin)} for source, target, mid, margin in self.db.all(
            "SELECT source, target, mid_rate, margin_bp FROM switch_fx WHERE fxp = ? ORDER BY source, target", (fxp,))]

    def quote(self, source: str, target: str) -> FxQuote:
        offers = [FxQuote(fxp, source, target, applied_rate(mid, margin), mid) for fxp, mid, margin in self.db.all(
            "SELECT fxp, mid_rate, margin_bp FROM switch_fx WHERE source = ? AND target = ? ORDER BY fxp", (source, target))]
        if not offers:
            raise BaobabError("NO_FX", f"no FX provider on the switch exchanges {source} for {target}")
        return max(offers, key=lambda q: Decimal(q.applied_rate))  # max keeps the first (lowest id) of equals

    def remittance(self, sent: Money, target: str, *, sender_fee: Money, receiver_fee_minor: int = 0) -> tuple[FxQuote, Cost]:
        """The FX quote for sending `sent` (fee included) to be received in `target`, with its
        cost as the World Bank's Remittance Prices Worldwide counts it."""
        fx = self.quote(sent.currency, target)
        return fx, remittance_cost(sent, target, sender_fee=sender_fee, receiver_fee_minor=receiver_fee_minor,
                                   applied_rate=fx.applied_rate, mid_rate=fx.mid_rate)
