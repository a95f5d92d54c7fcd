"""The fairness report of the scorecard on a synthetic population: fairlearn's approval rates and
parity measures agree with a count made by hand, per gender and province, and a seed fixes it."""

from __future__ import annotations

from datetime import date

from baobab.credentials.fairness import ASK, MONTHS, population, report
from baobab.credentials.scoring import score

TODAY = date(2026, 6, 1)


def test_approval_rates_and_parity_per_group_match_a_direct_count() -> None:
    farmers = population(240, seed=3, today=TODAY)
    result = report(farmers, TODAY)
    approved = {f.n: not score(f.credentials, principal_minor=ASK, currency="ZMW", months=MONTHS, today=TODAY).declined
                for f in farmers}
    assert result["approved"] == sum(approved.values()) and 0 < result["approved"] < len(farmers)
    for name, group_of in (("gender", lambda f: f.gender), ("province", lambda f: f.province)):
        groups = sorted({group_of(f) for f in farmers})
        rates = {g: sum(approved[f.n] for f in farmers if group_of(f) == g) / sum(1 for f in farmers if group_of(f) == g)
                 for g in groups}
        assert result[name]["approval_rate"] == {g: round(r, 4) for g, r in rates.items()}
        assert result[name]["parity_difference"] == round(max(rates.values()) - min(rates.values()), 4)
        assert result[name]["parity_ratio"] == round(min(rates.values()) / max(rates.values()), 4)
    assert report(population(240, seed=3, today=TODAY), TODAY) == result  # a seed fixes the population
