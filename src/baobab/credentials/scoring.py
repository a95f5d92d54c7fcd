"""A lender's scorecard over the records a farmer or small firm chose to present: verified
credentials only, integer points, a reason code for every point not given.

Features (from the accepted credentials of the presentation; each ledger record counted once; a
delivery counts when the payment for it is shown too, at its delivery date):

    history      months since the first paid delivery          <3: 0   3-5: 10   6-11: 20   12+: 30
    activity     months of the last 12 with a paid delivery    0-2: 0  3-5: 15   6-8: 30    9+: 40
    income       paid deliveries of the last 12 months, as times the principal asked for
                                                               <2: 0   2-3: 15   4-7: 30    8+: 45
    repayment    loans repaid before: none 10; a repayment late 0; all on time 35, +15 with a loan
                 repaid in full (max 50)

A registration credential (who the person is, by a known issuer) is required: without one the
answer is a decline with reason R00. Bands on the total (max 165): A 120+, B 90-119, C 60-89,
below 60 declined. The offer is the principal asked for, capped at a share of the last 12
months' paid sales (A 25%, B 15%, C 8%) rounded down to a whole major unit; the fee is a flat
share of the principal (A 6%, B 9%, C 12%, in basis points); repaid in equal monthly
instalments, the remainder on the last. Money is integer minor units throughout.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from baobab.core.money import MINOR_UNITS
from baobab.credentials.credential import subjects
from baobab.credentials.records import DELIVERY, PAYMENT, REGISTERED, REPAID, REPAYMENT

# (feature, [(lowest value of the bin, points)], reason code, reason) — bins in ascending order
BINS: dict[str, tuple[list[tuple[int, int]], str, str]] = {
    "history": ([(0, 0), (3, 10), (6, 20), (12, 30)], "R01", "short trading history"),
    "activity": ([(0, 0), (3, 15), (6, 30), (9, 40)], "R02", "few months with paid sales in the last year"),
    "income": ([(0, 0), (2, 15), (4, 30), (8, 45)], "R03", "paid sales small beside the amount asked"),
}
REPAYMENT_POINTS = {"none": 10, "late": 0, "on_time": 35, "repaid_bonus": 15}
REPAYMENT_MAX = REPAYMENT_POINTS["on_time"] + REPAYMENT_POINTS["repaid_bonus"]
BANDS = [(120, "A"), (90, "B"), (60, "C")]  # below the last: declined
CAP_PERCENT = {"A": 25, "B": 15, "C": 8}
FEE_BP = {"A": 600, "B": 900, "C": 1200}
MAX_SCORE = sum(bins[-1][1] for bins, _, _ in BINS.values()) + REPAYMENT_MAX


@dataclass
class Feature:
    name: str
    value: int
    points: int
    max_points: int
    reason: str | None  # code and words when points were withheld


@dataclass
class Assessment:
    score: int
    band: str  # A, B, C, or D (declined)
    features: list[Feature]
    reasons: list[str]  # codes with words, most points lost first
    principal_minor: int = 0  # offered (0: declined)
    fee_minor: int = 0
    currency: str = ""
    instalments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def declined(self) -> bool:
        return self.principal_minor == 0

    def to_dict(self) -> dict[str, Any]:
        return {"score": self.score, "max_score": MAX_SCORE, "band": self.band, "declined": self.declined,
                "reasons": list(self.reasons), "features": [vars(f) for f in self.features],
                "principal": {"currency": self.currency, "minor": self.principal_minor},
                "fee": {"currency": self.currency, "minor": self.fee_minor}, "instalments": list(self.instalments)}


def _months_between(first: date, last: date) -> int:
    return max(0, (last.year - first.year) * 12 + last.month - first.month)


def _binned(name: str, value: int) -> Feature:
    bins, code, words = BINS[name]
    points = [p for low, p in bins if value >= low][-1]
    top = bins[-1][1]
    return Feature(name, value, points, top, None if points == top else f"{code} {words}")


def _facts(credentials: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    """Subjects of the credentials of one kind, each ledger record once (its evidence key)."""
    seen, out = set(), []
    for vc in credentials:
        if kind not in vc.get("type", []):
            continue
        evidence = (vc.get("evidence") or [{}])[0]
        subject = subjects(vc)[0]
        key = (evidence.get("namespace"), evidence.get("key"), evidence.get("repayment"), kind)
        if key in seen and evidence:
            continue
        seen.add(key)
        out.append(subject)
    return out


def _paid_deliveries(credentials: list[dict[str, Any]], currency: str) -> list[tuple[date, int]]:
    """(delivery date, amount received) of each delivery whose payment is also shown: a delivery
    without its payment, or a payment without its delivery, earns nothing."""
    paid = {p.get("for"): p["amount"]["minor"] for p in _facts(credentials, PAYMENT)
            if isinstance(p.get("amount"), dict) and p["amount"].get("currency") == currency}
    out = []
    for vc in credentials:
        if DELIVERY in vc.get("type", []):
            evidence = (vc.get("evidence") or [{}])[0]
            minor = paid.pop(f"{evidence.get('namespace')}:{evidence.get('key')}", None)
            if minor is not None:
                out.append((date.fromisoformat(subjects(vc)[0]["deliveredOn"]), minor))
    return out


def score(credentials: list[dict[str, Any]], *, principal_minor: int, currency: str, months: int, today: date) -> Assessment:
    """Score the accepted credentials of one holder for a loan of `principal_minor` over `months`."""
    if not any(REGISTERED in vc.get("type", []) for vc in credentials):
        return Assessment(0, "D", [], ["R00 no registration credential from a known issuer"], currency=currency)
    paid = _paid_deliveries(credentials, currency)
    year_ago = today - timedelta(days=365)
    recent = [(day, minor) for day, minor in paid if day > year_ago]
    first = min((day for day, _ in paid), default=today)
    income = sum(minor for _, minor in recent)
    features = [_binned("history", _months_between(first, today)),
                _binned("activity", len({(day.year, day.month) for day, _ in recent})),
                _binned("income", income // principal_minor if principal_minor > 0 else 0)]
    repayments = _facts(credentials, REPAYMENT)
    repaid = _facts(credentials, REPAID)
    if not repayments:
        points, reason = REPAYMENT_POINTS["none"], "R05 no loan repaid before"
    elif not all(r.get("onTime") for r in repayments):
        points, reason = REPAYMENT_POINTS["late"], "R04 a repayment was late"
    else:
        bonus = REPAYMENT_POINTS["repaid_bonus"] if repaid else 0
        points, reason = REPAYMENT_POINTS["on_time"] + bonus, None if repaid else "R06 no loan repaid in full yet"
    features.append(Feature("repayment", len(repayments), points, REPAYMENT_MAX, reason))
    total = sum(f.points for f in features)
    band = next((b for low, b in BANDS if total >= low), "D")
    lost = sorted((f for f in features if f.reason), key=lambda f: f.points - f.max_points)
    assessment = Assessment(total, band, features, [f.reason for f in lost if f.reason], currency=currency)
    if band == "D":
        return assessment
    unit = 10 ** MINOR_UNITS.get(currency, 2)
    cap = income * CAP_PERCENT[band] // 100 // unit * unit  # whole major units
    assessment.principal_minor = min(principal_minor, cap)
    if assessment.principal_minor <= 0:
        assessment.reasons.insert(0, "R03 paid sales small beside the amount asked")
        assessment.band = "D"
        return assessment
    assessment.fee_minor = assessment.principal_minor * FEE_BP[band] // 10_000
    total_due = assessment.principal_minor + assessment.fee_minor
    each = total_due // months
    assessment.instalments = [{"due": (today + timedelta(days=30 * (n + 1))).isoformat(),
                               "minor": each + (total_due - each * months if n == months - 1 else 0)}
                              for n in range(months)]
    return assessment
