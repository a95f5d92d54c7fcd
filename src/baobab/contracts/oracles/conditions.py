"""Conditions over oracle answers. Pure functions.

A condition is a small JSON expression; leaves compare one named answer ("R": the accepted
result of the oracle round opened for that answer under the obligation's oracle terms, see
`terms`) with integers in the feed's unit (never floats). A numeric bound is met only if the
whole range left after trimming (`low`..`high`, see `oracles.aggregation`) meets it:

    {"answer": "R", "between": [2000, 8000]}     inclusive; e.g. milli-degrees Celsius
    {"answer": "R", "at_least": 2000}            {"answer": "R", "at_most": 8000}
    {"answer": "R", "below": 500}                {"answer": "R", "above": 0}
    {"answer": "R", "equals": 7}                 {"answer": "R", "is": true}
    {"answer": "R", "before": "2026-06-30T00:00:00Z"}   the answer was observed before then
    {"all": [c, ...]}   {"any": [c, ...]}

`evaluate` is three-valued: "satisfied", "breached" (with the reasons) or "pending" (some
round has not been decided yet). A round that failed (its oracles did not agree) breaches
the conditions that depend on it: money is never released on data nobody could confirm.
`lookup` maps an answer name to its round record (None while there is none).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from baobab.ledger.contract import ContractError

SATISFIED, BREACHED, PENDING = "satisfied", "breached", "pending"
NUMERIC_OPS = ("between", "at_least", "at_most", "below", "above", "equals")
LEAF_OPS = (*NUMERIC_OPS, "is", "before")
MAX_LEAVES = 64
MAX_DEPTH = 8
_ROUND_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,127}$")
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")

RoundLookup = Callable[[str], "dict[str, Any] | None"]


def utc(text: Any, what: str = "time") -> datetime:
    """An RFC 3339 UTC time as a naive UTC datetime, for comparisons; BAD_CONDITION otherwise."""
    if not isinstance(text, str) or not _TIME.match(text):
        raise ContractError(f"{what} {text!r} must be RFC 3339 UTC, e.g. 2026-06-30T00:00:00Z", reason="BAD_CONDITION")
    try:
        return datetime.fromisoformat(text[:-1])
    except ValueError:
        raise ContractError(f"{what} {text!r} is not a valid date", reason="BAD_CONDITION") from None


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def check(condition: Any) -> dict[str, Any]:
    """Raise BAD_CONDITION unless `condition` is well formed; return it."""
    leaves = _check(condition, 0)
    if leaves > MAX_LEAVES:
        raise ContractError(f"a condition has at most {MAX_LEAVES} comparisons", reason="BAD_CONDITION")
    return condition


def _check(c: Any, depth: int) -> int:
    if depth > MAX_DEPTH:
        raise ContractError(f"conditions nest at most {MAX_DEPTH} deep", reason="BAD_CONDITION")
    if not isinstance(c, dict) or not c:
        raise ContractError("a condition is a non-empty JSON object", reason="BAD_CONDITION")
    if set(c) in ({"all"}, {"any"}):
        items = next(iter(c.values()))
        if not isinstance(items, list) or not items:
            raise ContractError("'all' and 'any' take a non-empty list", reason="BAD_CONDITION")
        return sum(_check(x, depth + 1) for x in items)
    ops = set(c) - {"answer"}
    if "answer" not in c or len(ops) != 1 or not ops <= set(LEAF_OPS):
        raise ContractError(f"a comparison is {{'answer': round, <op>: operand}} with op one of {list(LEAF_OPS)}", reason="BAD_CONDITION")
    if not isinstance(c["answer"], str) or not _ROUND_ID.match(c["answer"]):
        raise ContractError(f"round id {c['answer']!r} is not valid", reason="BAD_CONDITION")
    op = ops.pop()
    operand = c[op]
    if op == "between":
        if not (isinstance(operand, list) and len(operand) == 2 and all(map(_int, operand)) and operand[0] <= operand[1]):
            raise ContractError("'between' takes [low, high], integers with low <= high (no floats)", reason="BAD_CONDITION")
    elif op in NUMERIC_OPS and not _int(operand):
        raise ContractError(f"'{op}' takes an integer in the feed's unit (no floats)", reason="BAD_CONDITION")
    elif op == "is" and not isinstance(operand, bool):
        raise ContractError("'is' takes true or false", reason="BAD_CONDITION")
    elif op == "before":
        utc(operand, "'before'")
    return 1


def rounds(condition: dict[str, Any]) -> list[str]:
    """The oracle rounds a condition depends on, in first-mention order."""
    if "answer" in condition:
        return [condition["answer"]]
    out: list[str] = []
    for sub in next(iter(condition.values())):
        out += [r for r in rounds(sub) if r not in out]
    return out


@dataclass(frozen=True)
class Verdict:
    state: str
    reasons: list[str] = field(default_factory=list)


def evaluate(condition: dict[str, Any], lookup: RoundLookup) -> Verdict:
    if "all" in condition:
        parts = [evaluate(c, lookup) for c in condition["all"]]
        for state in (BREACHED, PENDING):
            if any(p.state == state for p in parts):
                return Verdict(state, [r for p in parts if p.state == state for r in p.reasons])
        return Verdict(SATISFIED, [r for p in parts for r in p.reasons])
    if "any" in condition:
        parts = [evaluate(c, lookup) for c in condition["any"]]
        for state in (SATISFIED, PENDING):
            if any(p.state == state for p in parts):
                return Verdict(state, [r for p in parts if p.state == state for r in p.reasons])
        return Verdict(BREACHED, [r for p in parts for r in p.reasons])
    return _leaf(condition, lookup)


def _leaf(c: dict[str, Any], lookup: RoundLookup) -> Verdict:
    rid = c["answer"]
    record = lookup(rid)
    if record is None or record.get("status") == "open":
        return Verdict(PENDING, [f"{rid}: waiting for the oracles' answer"])
    result = record.get("result") or {}
    if record.get("status") != "accepted":
        return Verdict(BREACHED, [f"{rid}: oracles did not agree ({result.get('reason', 'round failed')})"])
    value, unit = result["value"], record.get("unit", "")
    op = next(k for k in c if k != "answer")
    operand = c[op]
    if op == "before":
        ok = utc(result["observed_at"]) < utc(operand)
        text = f"observed at {result['observed_at']}, {'before' if ok else 'not before'} {operand}"
    elif op == "is":
        ok = value is operand
        text = f"answer is {str(value).lower()}, expected {str(operand).lower()}"
    elif isinstance(value, bool):
        ok, text = False, f"answer is yes/no, not a number in {unit}"
    else:
        ok, text = _numeric(op, operand, result, unit)
    return Verdict(SATISFIED if ok else BREACHED, [f"{rid}: {text}"])


def _numeric(op: str, operand: Any, result: dict[str, Any], unit: str) -> tuple[bool, str]:
    """A bound is met only if every answer left after trimming meets it (`low`..`high`, see
    `oracles.aggregation`): f liars may choose where in the honest range the value falls, so
    the condition must hold across the range, not at one point of it."""
    low, high = result.get("low", result["value"]), result.get("high", result["value"])
    ok = {"between": lambda: operand[0] <= low and high <= operand[1], "at_least": lambda: low >= operand,
          "at_most": lambda: high <= operand, "below": lambda: high < operand,
          "above": lambda: low > operand, "equals": lambda: low == high == operand}[op]()
    shown = f"[{operand[0]}, {operand[1]}]" if op == "between" else str(operand)
    answer = f"{low}" if low == high else f"{low} to {high}"
    return ok, f"{answer} {unit} {'is' if ok else 'is not'} {op.replace('_', ' ')} {shown}".replace("  ", " ")
