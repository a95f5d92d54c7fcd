"""Turning several oracles' answers into one: a trimmed median for numbers, majority for yes/no.

A round tolerates `f` faulty oracles (silent, lying, colluding). It needs at least 2f+1
answers and is accepted only when at least 2f+1 distinct oracles agree.

Numbers (`trimmed_median`): sort the n answers and drop the f lowest and the f highest. Every
answer left lies within the range of the honest answers whenever at most f answers are false:
an answer above every honest one, still left after trimming, would have f answers above it
too, all false as well, so f+1 liars. The accepted `value` is the (upper) median of what is
left, always a reported value, and `low`/`high` are the least and greatest answers left: the
range the truth is known to lie in. Answers within `tolerance` of the value agree; the others
are outliers. Liars reporting just inside the tolerance change nothing: trimming does not look
at the tolerance. Conditions on a round read the whole range (`conditions.py`), so a bound is
met only if every answer left meets it.

Yes/no (`majority`): accepted when at least 2f+1 answers are the same and they are more than
the others.

More than f false answers void the guarantee: f+1 colluding liars can then make a round fail,
or, if they stay within the tolerance of the honest answers, pull the range towards them.
Asking 3f+1 oracles lets a round succeed when f of them are silent.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

NUMBER = "number"
BOOLEAN = "boolean"
KINDS = (NUMBER, BOOLEAN)
TRIMMED_MEDIAN = "trimmed_median"
MAJORITY = "majority"
AGGREGATION_OF = {NUMBER: TRIMMED_MEDIAN, BOOLEAN: MAJORITY}  # the one rule for each kind of answer


def quorum(f: int) -> int:
    return 2 * f + 1


def median(values: Sequence[int]) -> int:
    """The upper median: always one of the reported values, never a fraction."""
    if not values:
        raise ValueError("median of no values")
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def trimmed(values: Sequence[int], f: int) -> list[int]:
    """The values left once the f lowest and f highest are dropped (at least 2f+1 values)."""
    if len(values) < quorum(f):
        raise ValueError(f"{len(values)} values cannot be trimmed by f={f}")
    ordered = sorted(values)
    return ordered[f:len(ordered) - f]


@dataclass(frozen=True)
class Aggregate:
    accepted: bool
    value: int | bool | None
    agreeing: list[str] = field(default_factory=list)  # oracle ids, sorted
    outliers: list[str] = field(default_factory=list)
    reason: str = ""
    low: int | None = None  # numbers: the range left after trimming (None for yes/no)
    high: int | None = None


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
    kept = trimmed([int(v) for v in answers.values()], f)
    value = median(kept)
    agreeing = sorted(o for o, v in answers.items() if abs(v - value) <= tolerance)
    outliers = sorted(o for o in answers if o not in agreeing)
    if len(agreeing) < need:
        return Aggregate(False, None, reason=f"only {len(agreeing)} of {len(answers)} answers lie within "
                                             f"{tolerance} of the trimmed median {value}; {need} (2f+1) must agree")
    return Aggregate(True, value, agreeing, outliers, low=kept[0], high=kept[-1])


def reputation_score(record: Mapping[str, int]) -> int:
    """Per mille of rounds an oracle answered without being an outlier; 1000 before its first round."""
    rounds = record.get("answered", 0) + record.get("missed", 0)
    if rounds == 0:
        return 1000
    good = record.get("answered", 0) - record.get("outliers", 0)
    return max(0, good) * 1000 // rounds
