"""Endorsement policies: which organisations must have signed a transaction's result.

A policy is a small JSON expression evaluated over the set of organisations whose
endorsement signatures verified:

    {"org": "MYBANK"}                    that organisation endorsed
    {"role": "bank", "count": 2}         at least `count` (default 1) distinct active orgs with the role
    {"all": [p, ...]}                    every sub-policy holds
    {"any": [p, ...]}                    at least one sub-policy holds
    {"n_of": 2, "of": [p, ...]}          at least n sub-policies hold
    {"orgs": ["A", "B"], "n": 2}         at least n of the listed orgs (default: all of them)

The `orgs` form is what contracts record on a state key ("the parties on this credit").
`{"governance": true}` stands for the network's governance policy, kept in world state, and
is replaced by it (`resolve`) before evaluation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from baobab.core.errors import BaobabError

Policy = dict[str, Any]
# role -> orgs holding it (active only); supplied by the membership view
RoleLookup = Callable[[str], Iterable[str]]


def check(policy: Any) -> Policy:
    """Raise BAD_POLICY unless `policy` is a well-formed expression."""
    if not isinstance(policy, dict) or len(policy) == 0:
        raise BaobabError("BAD_POLICY", "a policy is a non-empty JSON object")
    kind = next(iter(policy))
    if policy == {"governance": True}:
        pass
    elif "org" in policy and set(policy) == {"org"}:
        _need_str(policy["org"], "org")
    elif "role" in policy and set(policy) <= {"role", "count"}:
        _need_str(policy["role"], "role")
        _need_count(policy.get("count", 1))
    elif set(policy) in ({"all"}, {"any"}):
        _check_list(policy[kind])
    elif set(policy) == {"n_of", "of"}:
        _check_list(policy["of"])
        _need_count(policy["n_of"], len(policy["of"]))
    elif "orgs" in policy and set(policy) <= {"orgs", "n"}:
        orgs = policy["orgs"]
        if not isinstance(orgs, list) or not orgs:
            raise BaobabError("BAD_POLICY", "'orgs' must be a non-empty list")
        for o in orgs:
            _need_str(o, "orgs")
        _need_count(policy.get("n", len(orgs)), len(orgs))
    else:
        raise BaobabError("BAD_POLICY", f"unknown policy form with keys {sorted(policy)}")
    return policy


def _need_str(value: Any, name: str) -> None:
    if not isinstance(value, str) or not value:
        raise BaobabError("BAD_POLICY", f"'{name}' must be a non-empty string")


def _need_count(value: Any, maximum: int | None = None) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or (maximum is not None and value > maximum):
        raise BaobabError("BAD_POLICY", f"count {value!r} must be an integer from 1 to {maximum or 'n'}")


def _check_list(items: Any) -> None:
    if not isinstance(items, list) or not items:
        raise BaobabError("BAD_POLICY", "a policy list must be non-empty")
    for p in items:
        check(p)


def resolve(policy: Policy, governance_policy: Policy) -> Policy:
    """Replace every {"governance": true} by the network's governance policy."""
    if policy == {"governance": True}:
        return governance_policy
    for kind in ("all", "any", "of"):
        if kind in policy:
            return {**policy, kind: [resolve(p, governance_policy) for p in policy[kind]]}
    return policy


def satisfied(policy: Policy, endorsers: set[str], orgs_with_role: RoleLookup) -> bool:
    """True if the organisations in `endorsers` (already signature-checked and active) satisfy it."""
    if "org" in policy:
        return policy["org"] in endorsers
    if "role" in policy:
        holders = set(orgs_with_role(policy["role"]))
        return len(holders & endorsers) >= policy.get("count", 1)
    if "all" in policy:
        return all(satisfied(p, endorsers, orgs_with_role) for p in policy["all"])
    if "any" in policy:
        return any(satisfied(p, endorsers, orgs_with_role) for p in policy["any"])
    if "n_of" in policy:
        return sum(satisfied(p, endorsers, orgs_with_role) for p in policy["of"]) >= policy["n_of"]
    listed = policy["orgs"]
    return len(endorsers.intersection(listed)) >= policy.get("n", len(listed))


def choose(policy: Policy, orgs_with_role: RoleLookup, prefer: Iterable[str] = ()) -> set[str]:
    """A small set of organisations whose endorsements would satisfy the policy.

    Preferred organisations (for example the proposer's own) are taken first wherever a
    choice exists. Raises ENDORSEMENT_POLICY_FAILURE when no set of active organisations can.
    """
    preferred = list(prefer)

    def rank(candidates: Iterable[str]) -> list[str]:
        cands = sorted(set(candidates))
        return [o for o in preferred if o in cands] + [o for o in cands if o not in preferred]

    def pick(p: Policy) -> set[str] | None:
        if "org" in p:
            return {p["org"]} if p["org"] in set(orgs_with_role("*")) else None
        if "role" in p:
            holders = rank(orgs_with_role(p["role"]))
            n = p.get("count", 1)
            return set(holders[:n]) if len(holders) >= n else None
        if "orgs" in p:
            active = set(orgs_with_role("*"))
            listed = rank(o for o in p["orgs"] if o in active)
            n = p.get("n", len(p["orgs"]))
            return set(listed[:n]) if len(listed) >= n else None
        if "all" in p:
            out: set[str] = set()
            for sub in p["all"]:
                got = pick(sub)
                if got is None:
                    return None
                out |= got
            return out
        subs = p["any"] if "any" in p else p["of"]
        need = 1 if "any" in p else p["n_of"]
        options = sorted((s for s in (pick(sub) for sub in subs) if s is not None), key=len)
        if len(options) < need:
            return None
        return set().union(*options[:need])

    chosen = pick(policy)
    if chosen is None:
        raise BaobabError("ENDORSEMENT_POLICY_FAILURE", "no set of active organisations can satisfy the policy", policy=policy)
    return chosen
