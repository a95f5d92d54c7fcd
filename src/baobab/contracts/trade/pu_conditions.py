"""Conditions of a bank payment undertaking: a small table of kinds, open for more.

Each kind checks its specification when the undertaking is proposed (`check`) and answers
whether it is met from ledger state (`is_met`). Two kinds exist:

    {"kind": "confirmation", "by": ORG, "what": "delivery"}
        met once ORG has called `confirm` for this condition (e.g. the buyer or a carrier
        confirming delivery).
    {"kind": "ledger_fact", "contract": NAME, "key": KEY, "field": FIELD, "equals": VALUE}
        met when the JSON value under KEY in contract NAME's namespace has FIELD == VALUE;
        the way an oracle's aggregated answer (or any other contract's state) can release payment.

To add a kind (say, an oracle-specific one), write a `ConditionKind` and call `register`.
Evaluation reads state through the contract's Context, so it is deterministic and the
reads are version-checked at commit like any other.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from baobab.contracts.trade.common import bad_argument
from baobab.ledger.contract import Context

NAME = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass(frozen=True)
class ConditionKind:
    check: Callable[[Context, dict[str, Any]], dict[str, Any]]
    is_met: Callable[[Context, dict[str, Any], dict[str, Any]], bool]  # (ctx, spec, undertaking)


CONDITION_KINDS: dict[str, ConditionKind] = {}


def register(kind: str, condition: ConditionKind) -> None:
    CONDITION_KINDS[kind] = condition


def _check_confirmation(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    if set(spec) != {"kind", "by", "what"} or not isinstance(spec["what"], str) or not NAME.fullmatch(spec["what"]):
        bad_argument("a confirmation condition is {kind, by: ORG, what: name}")
    record = ctx.read("governance", f"org/{spec['by']}") if isinstance(spec["by"], str) and spec["by"] else None
    if record is None:
        bad_argument(f"{spec['by']!r} is not a member organisation")
    return spec


def _confirmed(ctx: Context, spec: dict[str, Any], undertaking: dict[str, Any]) -> bool:
    return any(c["by"] == spec["by"] and c["what"] == spec["what"] for c in undertaking["confirmations"])


def _check_fact(ctx: Context, spec: dict[str, Any]) -> dict[str, Any]:
    if set(spec) != {"kind", "contract", "key", "field", "equals"}:
        bad_argument("a ledger_fact condition is {kind, contract, key, field, equals}")
    if not isinstance(spec["contract"], str) or not NAME.fullmatch(spec["contract"]):
        bad_argument("ledger_fact.contract must be a contract name")
    if not isinstance(spec["key"], str) or not spec["key"] or not isinstance(spec["field"], str):
        bad_argument("ledger_fact.key and ledger_fact.field must be text")
    return spec


def _fact_holds(ctx: Context, spec: dict[str, Any], undertaking: dict[str, Any]) -> bool:
    value = ctx.read(spec["contract"], spec["key"])
    return isinstance(value, dict) and spec["field"] in value and value[spec["field"]] == spec["equals"]


register("confirmation", ConditionKind(_check_confirmation, _confirmed))
register("ledger_fact", ConditionKind(_check_fact, _fact_holds))


def check_conditions(ctx: Context, specs: Any) -> list[dict[str, Any]]:
    if not isinstance(specs, list) or not specs or len(specs) > 10:
        bad_argument("an undertaking has 1 to 10 conditions")
    out = []
    for spec in specs:
        kind = CONDITION_KINDS.get(spec.get("kind")) if isinstance(spec, dict) else None
        if kind is None:
            bad_argument(f"unknown condition kind; known: {sorted(CONDITION_KINDS)}")
        out.append(kind.check(ctx, spec))
    return out


def unmet(ctx: Context, undertaking: dict[str, Any]) -> list[int]:
    """Indexes of the conditions not met yet."""
    return [i for i, spec in enumerate(undertaking["conditions"])
            if not CONDITION_KINDS[spec["kind"]].is_met(ctx, spec, undertaking)]
