"""Turning several oracles' answers into one: median for numbers, majority for yes/no.

A round tolerates `f` faulty oracles. It is accepted only when at least 2f+1 distinct
oracles agree: for numbers, answers within `tolerance` of the median of all answers; for
yes/no, the same answer. Answers outside the agreeing group are outliers.

Why 2f+1 *agreeing* rather than 2f+1 answering: with at most f faulty oracles the honest
ones are the majority of those agreeing, so the median is bracketed by honest values and
f liars cannot move the answer beyond the honest spread. A wrong answer far from the truth
could only be accepted if 2f+1 oracles colluded on it, so f+1 (indeed up to 2f) faulty
oracles can make a round fail but never make it accept a wrong value. Asking 3f+1 oracles
lets a round succeed even when f of them are faulty.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

NUMBER = "number"
BOOLEAN = "boolean"
KINDS = (NUMBER, BOOLEAN)


def quorum(f: int) -> int:
    return 2 * f + 1


def median(values: Sequence[int]) -> int:
    """The upper median: always one of the reported values, never a fraction."""
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


@dataclass(frozen=True)
class Aggregate:
    accepted: bool
    value: int | bool | None
    agreeing: list[str] = field(default_factory=list)  # oracle ids, sorted
    outliers: list[str] = field(default_factory=list)
    reason: str = ""


def aggregate(kind: str, answers: Mapping[str, int | bool], f: int, tolerance: int = 0) -> Aggregate:
    """Aggregate one answer per oracle id. Never raises on disagreement: it reports it."""
    if kind not in KINDS:
        raise ValueError(f"unknown answer kind {kind!r}")
    need = quorum(f)
    if len(answers) < need:
        return Aggregate(False, None, reason=f"{len(answers)} oracles answered; at least {need} (2f+1) needed")
    if kind == BOOLEAN:
        yes = sorted(o for o, v in answers.items() if v is True)
        no = sorted(o for o, v in answers.items() if v is False)
        winner, agreeing, others = (True, yes, no) if len(yes) > len(no) else (False, no, yes)
        if len(yes) == len(no) or len(agreeing) < need:
            return Aggregate(False, None, reason=f"{len(yes)} yes and {len(no)} no; {need} (2f+1) must agree")
        return Aggregate(True, winner, agreeing, others)
    mid = median(list(answers.values()))
    agreeing = sorted(o for o, v in answers.items() if abs(v - mid) <= tolerance)
    outliers = sorted(o for o in answers if o not in agreeing)
    if len(agreeing) < need:
        return Aggregate(False, None, reason=f"only {len(agreeing)} of {len(answers)} answers lie within "
                                             f"{tolerance} of the median {mid}; {need} (2f+1) must agree")
    return Aggregate(True, mid, agreeing, outliers)


def reputation_score(record: Mapping[str, int]) -> int:
    """Per mille of rounds an oracle answered without being an outlier; 1000 before its first round."""
    rounds = record.get("answered", 0) + record.get("missed", 0)
    if rounds == 0:
        return 1000
    good = record.get("answered", 0) - record.get("outliers", 0)
    return max(0, good) * 1000 // rounds
