"""The oracle terms of an obligation: which rounds may decide a conditional payment or a policy.

The party that bears the risk (the payer of a conditional payment, the insurer of a policy)
fixes, when it creates the obligation, for each answer the obligation depends on:

    {"feed": "uld/AKE1/temp-max",      the feed asked
     "oracles": ["A", "B", "C", "D"],   exactly these oracles are asked...
     "min_oracles": 4,                  ...or every oracle serving the feed, at least this many
     "f": 1,                            faulty oracles tolerated (2f+1 must agree)
     "tolerance": 500,                  agreement tolerance, in the feed's unit
     "aggregation": "trimmed_median",   or "majority" for a yes/no feed
     "min_reputation": 0,               oracles below this score (per mille) are not asked
     "observed_from": null,             observations made before this time are refused
     "openers": ["IBERJUS"]}            who may open the rounds

The obligation contract stores them at `oracle_terms/<obligation id>` in its own namespace
(only it can write there), with the obligation's parties:

    {"terms": {<answer name>: <terms>}, "parties": [...]}

A round is opened for one answer of one obligation (`oracles.request(..., obligation={"contract",
"id", "answer"})`): the oracle registry checks the opener and the round's parameters against
these terms and records the round as the answer's; the obligation contract reads the answer's
round from the registry and checks it against the terms again before it acts on it. A round
opened by anyone else, on another feed or with other parameters is not the answer's round and
can neither release nor withhold anything. Pure functions, used by both contracts.
"""

from __future__ import annotations

import re
from typing import Any

from baobab.ledger.contract import ContractError
import baobab.oracles.aggregation as agg
import baobab.oracles.observation as obs

ANSWER_NAME = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}"
FIELDS = {"feed", "oracles", "min_oracles", "f", "tolerance", "aggregation", "min_reputation", "observed_from",
          "openers"}
REQUIRED = {"feed", "f", "tolerance", "aggregation", "openers"}
MAX_ORACLES = 64
MAX_OPENERS = 16
MAX_ANSWERS = 64


def terms_key(obligation_id: str) -> str:
    return f"oracle_terms/{obligation_id}"


def bound_key(contract: str, obligation_id: str, answer: str) -> str:
    """Where the oracle registry records the round of one answer of an obligation."""
    return f"bound/{contract}|{obligation_id}|{answer}"


def _int(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _orgs(value: Any, what: str, limit: int) -> list[str]:
    if (not isinstance(value, list) or not 0 < len(value) <= limit
            or not all(isinstance(o, str) and obs.ID_PATTERN.match(o) for o in value)):
        raise ContractError(f"{what} is a list of 1-{limit} organisation ids", reason="BAD_TERMS")
    if len(set(value)) != len(value):
        raise ContractError(f"{what} names an organisation twice", reason="BAD_TERMS")
    return sorted(value)


def check(terms: Any, default_opener: str) -> dict[str, Any]:
    """The terms of one answer, complete and checked; BAD_TERMS otherwise."""
    if not isinstance(terms, dict) or not set(terms) <= FIELDS:
        raise ContractError(f"oracle terms are an object with fields among {sorted(FIELDS)}", reason="BAD_TERMS")
    terms = {"oracles": None, "min_oracles": None, "min_reputation": 0, "observed_from": None,
             "openers": [default_opener], **terms}
    missing = REQUIRED - set(terms)
    if missing:
        raise ContractError(f"oracle terms need {sorted(missing)}", reason="BAD_TERMS")
    if not isinstance(terms["feed"], str) or not obs.ID_PATTERN.match(terms["feed"]):
        raise ContractError(f"feed {terms['feed']!r} is not a feed id", reason="BAD_TERMS")
    if not _int(terms["f"], 0, 21) or not _int(terms["tolerance"], 0, obs.MAX_ABS_VALUE):
        raise ContractError("f is 0-21 and tolerance a non-negative integer in the feed's unit", reason="BAD_TERMS")
    if terms["aggregation"] not in agg.AGGREGATION_OF.values():
        raise ContractError(f"aggregation is one of {sorted(agg.AGGREGATION_OF.values())}", reason="BAD_TERMS")
    if not _int(terms["min_reputation"], 0, 1000):
        raise ContractError("min_reputation is 0-1000 per mille", reason="BAD_TERMS")
    if terms["observed_from"] is not None:
        obs.parse_utc(terms["observed_from"], "observed_from")
    need = agg.quorum(terms["f"])
    if (terms["oracles"] is None) == (terms["min_oracles"] is None):
        raise ContractError("oracle terms name the oracles or their minimum number, one of the two", reason="BAD_TERMS")
    if terms["oracles"] is not None:
        terms["oracles"] = _orgs(terms["oracles"], "oracles", MAX_ORACLES)
        if len(terms["oracles"]) < need:
            raise ContractError(f"{len(terms['oracles'])} oracles cannot tolerate f={terms['f']}: "
                                f"at least {need} (2f+1)", reason="BAD_TERMS")
    elif not _int(terms["min_oracles"], need, MAX_ORACLES):
        raise ContractError(f"min_oracles is {need} (2f+1) to {MAX_ORACLES}", reason="BAD_TERMS")
    terms["openers"] = _orgs(terms["openers"], "openers", MAX_OPENERS)
    return terms


def check_all(answers: Any, names: list[str], default_opener: str) -> dict[str, dict[str, Any]]:
    """Terms for exactly the answers `names` (those a condition reads), each checked."""
    if not isinstance(answers, dict) or not 0 < len(answers) <= MAX_ANSWERS:
        raise ContractError(f"oracle terms are an object of 1-{MAX_ANSWERS} answers", reason="BAD_TERMS")
    bad = [n for n in answers if not re.fullmatch(ANSWER_NAME, n)]
    if bad:
        raise ContractError(f"answer names {bad} must be 1-64 of A-Z a-z 0-9 _ . -", reason="BAD_TERMS")
    if set(answers) != set(names):
        raise ContractError(f"oracle terms are given for {sorted(answers)} but the condition reads {sorted(names)}",
                            reason="BAD_TERMS")
    return {name: check(answers[name], default_opener) for name in sorted(answers)}


def mismatch(terms: dict[str, Any], round_record: dict[str, Any]) -> str:
    """Why `round_record` does not follow `terms` ('' when it does): the one rule both the
    registry (when the round is opened) and the obligation (when it acts on it) apply."""
    if round_record.get("requested_by") not in terms["openers"]:
        return f"opened by {round_record.get('requested_by')}, not by {' or '.join(terms['openers'])}"
    for name in ("feed", "f", "tolerance", "aggregation", "min_reputation", "observed_from"):
        if round_record.get(name) != terms[name]:
            return f"{name} is {round_record.get(name)!r}, the terms say {terms[name]!r}"
    asked = round_record.get("oracles") or []
    excluded = [e["oracle"] for e in round_record.get("excluded") or []]
    if terms["oracles"] is not None and sorted([*asked, *excluded]) != terms["oracles"]:
        return f"asks {asked}, the terms name {terms['oracles']}"
    if terms["min_oracles"] is not None and len(asked) < terms["min_oracles"]:
        return f"asks {len(asked)} oracles, the terms need at least {terms['min_oracles']}"
    return ""
