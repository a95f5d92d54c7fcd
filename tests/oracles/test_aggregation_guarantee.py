"""What 2f+1 guarantees (docs/ORACLES.md): with at most f false answers, the accepted value and the
whole range a condition reads lie within the range of the honest answers, wherever the liars
report, just inside the agreement tolerance included; and honest answers that agree are accepted."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from baobab.contracts.oracles import conditions
from baobab.oracles.aggregation import NUMBER, aggregate


@st.composite
def honest_and_lying(draw: st.DrawFn) -> tuple[int, int, list[int], list[int]]:
    f = draw(st.integers(0, 4))
    tolerance = draw(st.integers(0, 2_000))
    centre = draw(st.integers(-40_000, 40_000))
    spread = draw(st.integers(0, tolerance))  # honest sensors agree within the tolerance
    liars = draw(st.integers(0, f))
    honest = draw(st.lists(st.integers(centre, centre + spread), min_size=max(2 * f + 1 - liars, 1) + draw(
        st.integers(0, f)), max_size=3 * f + 1 + 2))
    lo, hi = min(honest), max(honest)
    # liars anywhere, far off or just inside the tolerance on either side, colluding or not
    lie = st.one_of(st.integers(-10**9, 10**9), st.integers(hi, hi + tolerance), st.integers(lo - tolerance, lo),
                    st.just(hi + tolerance), st.just(lo - tolerance))
    return f, tolerance, honest, [draw(lie) for _ in range(liars)]


def answers(honest: list[int], lies: list[int]) -> dict[str, int]:
    return {**{f"H{i}": v for i, v in enumerate(honest)}, **{f"L{i}": v for i, v in enumerate(lies)}}


@settings(max_examples=600, deadline=None)
@given(honest_and_lying())
def test_with_at_most_f_liars_the_accepted_range_lies_within_the_honest_answers(case) -> None:
    f, tolerance, honest, lies = case
    outcome = aggregate(NUMBER, answers(honest, lies), f, tolerance)
    if outcome.accepted:
        assert min(honest) <= outcome.low <= outcome.value <= outcome.high <= max(honest)


@settings(max_examples=300, deadline=None)
@given(honest_and_lying())
def test_at_least_2f_plus_1_honest_answers_within_the_tolerance_are_accepted(case) -> None:
    f, tolerance, honest, lies = case
    if len(honest) >= 2 * f + 1:
        assert aggregate(NUMBER, answers(honest, lies), f, tolerance).accepted


@settings(max_examples=300, deadline=None)
@given(honest_and_lying(), st.integers(-50_000, 50_000))
def test_liars_cannot_release_what_every_honest_answer_breaches(case, bound: int) -> None:
    f, tolerance, honest, lies = case
    outcome = aggregate(NUMBER, answers(honest, lies), f, tolerance)
    if not outcome.accepted:
        return
    record = {"status": "accepted", "unit": "mC", "result": {"value": outcome.value, "low": outcome.low,
                                                              "high": outcome.high, "observed_at": "2026-06-20T00:00:00Z"}}
    verdict = conditions.evaluate({"answer": "r", "at_most": bound}, lambda _: record).state
    if all(v > bound for v in honest):
        assert verdict == conditions.BREACHED
    if all(v <= bound for v in honest):
        assert verdict == conditions.SATISFIED


def test_two_liars_just_inside_the_tolerance_do_not_flip_a_2_to_8_degree_payment() -> None:
    honest = [7_500, 7_520, 7_540, 7_550, 7_560]  # f=2: five honest probes, all below 8 °C
    lies = [v + 450 for v in (7_560, 7_560)]  # 450 m°C above every honest reading, inside the 500 tolerance
    outcome = aggregate(NUMBER, answers(honest, lies), 2, 500)
    assert outcome.accepted and 7_500 <= outcome.low <= outcome.high <= 7_560
    record = {"status": "accepted", "unit": "mC",
              "result": {"value": outcome.value, "low": outcome.low, "high": outcome.high}}
    assert conditions.evaluate({"answer": "r", "between": [2_000, 8_000]}, lambda _: record).state == "satisfied"


def test_f_plus_one_liars_inside_the_tolerance_cannot_release_a_payment_every_honest_answer_breaches() -> None:
    honest, lies = [1_700, 1_720], [2_150, 2_150]  # f=1, four oracles: the honest ones say it froze
    outcome = aggregate(NUMBER, answers(honest, lies), 1, 500)
    record = {"status": "accepted", "unit": "mC",
              "result": {"value": outcome.value, "low": outcome.low, "high": outcome.high}}
    assert conditions.evaluate({"answer": "r", "at_least": 2_000}, lambda _: record).state == "breached"


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 4), st.data())
def test_with_at_most_f_liars_a_yes_no_answer_is_one_some_honest_oracle_gave(f: int, data: st.DataObject) -> None:
    honest = data.draw(st.lists(st.booleans(), min_size=2 * f + 1, max_size=3 * f + 3))
    lies = data.draw(st.lists(st.booleans(), max_size=f))
    outcome = aggregate("boolean", answers(honest, lies), f)
    if outcome.accepted:
        assert outcome.value in honest
    if len(set(honest)) == 1:
        assert outcome.accepted and outcome.value == honest[0]
