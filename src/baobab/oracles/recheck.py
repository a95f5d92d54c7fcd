"""Re-checking an accepted round from the ledger alone, without asking any oracle.

Give it the round record (`oracles.round`) and the public keys of the oracles' registered
signing keys (`oracles.key`); it verifies every stored answer's signature and binding to the
round, and aggregates again. A node that altered a value or an answer cannot pass.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from baobab.core.errors import BaobabError
from baobab.oracles import aggregation as agg
from baobab.oracles import observation as obs


def recheck_round(record: dict[str, Any], public_key: Callable[[str, str], str]) -> agg.Aggregate:
    """Raise BAD_SIGNATURE / BAD_OBSERVATION if the record does not hold up; return the aggregate."""
    answers: dict[str, int | bool] = {}
    for oracle, answer in record["answers"].items():
        signed = obs.check_signed({"body": answer["body"], "signature": answer["signature"]})
        body = signed["body"]
        if body["oracle"] != oracle or body["round"] != record["id"] or body["feed"] != record["feed"]:
            raise BaobabError("BAD_OBSERVATION", f"answer of {oracle} is not bound to round {record['id']}")
        obs.verify_signature(signed, public_key(oracle, body["key"]))
        answers[oracle] = body["value"]
    outcome = agg.aggregate(record["kind"], answers, record["f"], record["tolerance"])
    result = record.get("result") or {}
    if (outcome.accepted != (record["status"] == "accepted") or outcome.value != result.get("value")
            or outcome.outliers != result.get("outliers")
            or (outcome.low, outcome.high) != (result.get("low", outcome.low), result.get("high", outcome.high))):
        raise BaobabError("BAD_OBSERVATION", f"round {record['id']} does not aggregate to its recorded result")
    return outcome
