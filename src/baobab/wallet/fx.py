"""The wallet side's view of foreign exchange on the switch: a small interface, until the switch
offers FX quotes of its own (FSPIOP 2.0 `fxQuotes`/`fxTransfers`, the payments backbone's issue).

    desk = FxDesk("AEBANK", rates=DEMO_RATES, margin_bp=60)
    quote = desk.quote("INR", "AED")          -> FxQuote(fxp, source, target, applied_rate, mid_rate)

An FX provider is a participant of the switch that holds positions in both currencies: a
conversion is two transfers through the switch, the source currency from the payer's FSP to the
FX provider, the target currency from the FX provider to the payee's FSP (`remittance.py`).
Rates are decimal strings, target units per source unit; the applied rate is the mid-market rate
less the provider's margin, rounded down (the margin is what the sender pays for the exchange,
shown as part of the total cost).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from baobab.core.errors import BaobabError, register_codes

register_codes({"NO_FX": (422, "No exchange between these currencies here")})
RATE_DIGITS = Decimal("0.000001")

# Mid-market rates for the demo network (target units per source unit), NOT market data: round
# figures near the rates of late 2026 used only so the stories show realistic costs.
DEMO_RATES: dict[tuple[str, str], str] = {("INR", "AED"): "0.0440", ("KES", "TZS"): "20.00", ("AED", "INR"): "22.70"}


@dataclass(frozen=True)
class FxQuote:
    fxp: str
    source: str
    target: str
    applied_rate: str
    mid_rate: str


class FxDesk:
    """One FX provider's prices: its mid-market rates and the margin it keeps, in basis points."""

    def __init__(self, fxp: str, *, rates: dict[tuple[str, str], str], margin_bp: int) -> None:
        if not 0 <= margin_bp < 10_000:
            raise ValueError("a margin is 0 to 9,999 basis points")
        self.fxp, self.rates, self.margin_bp = fxp, dict(rates), margin_bp

    def quote(self, source: str, target: str) -> FxQuote:
        mid = self.rates.get((source, target))
        if mid is None:
            raise BaobabError("NO_FX", f"{self.fxp} does not exchange {source} for {target}", fxp=self.fxp)
        applied = (Decimal(mid) * (10_000 - self.margin_bp) / 10_000).quantize(RATE_DIGITS, ROUND_DOWN).normalize()
        return FxQuote(self.fxp, source, target, format(applied, "f"), mid)
