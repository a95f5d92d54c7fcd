"""Contracts are deterministic: the runtime refuses I/O, clocks, randomness and floats."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from baobab.core.errors import BaobabError
from baobab.ledger import policy as policies
from baobab.ledger.contract import audit_source


@pytest.mark.parametrize("source, problem", [
    ("import time\n", "import time"),
    ("import random\n", "import random"),
    ("from os import path\n", "from os import"),
    ("import socket\n", "import socket"),
    ("x = 0.1\n", "float literal"),
    ("from datetime import datetime\nd = datetime.now()\n", "now"),
    ("f = open('x')\n", "open"),
    ("eval('1')\n", "eval"),
])
def test_nondeterministic_sources_are_refused(source: str, problem: str) -> None:
    assert any(problem in p for p in audit_source(source))


def test_shipped_contracts_pass_the_audit() -> None:
    from baobab.contracts import default_registry

    assert "accounts" in default_registry().names()  # installing audits every module


def test_allowed_imports_pass() -> None:
    assert audit_source("from baobab.ledger.contract import Contract\nfrom decimal import Decimal\nx = 1\n") == []


ORGS = {"A": ["bank"], "B": ["bank"], "C": ["trader"], "D": ["customs"]}


def with_role(role: str) -> list[str]:
    return [o for o, r in ORGS.items() if role == "*" or role in r]


leaf = st.one_of(
    st.sampled_from(sorted(ORGS)).map(lambda o: {"org": o}),
    st.sampled_from(["bank", "trader", "customs"]).map(lambda r: {"role": r}),
    st.just({"role": "bank", "count": 2}),
)
policy_strategy = st.recursive(
    leaf,
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3).map(lambda ps: {"all": ps}),
        st.lists(inner, min_size=1, max_size=3).map(lambda ps: {"any": ps}),
        st.lists(inner, min_size=2, max_size=3).map(lambda ps: {"n_of": 2, "of": ps}),
    ),
    max_leaves=6,
)


@given(policy_strategy, st.sets(st.sampled_from(sorted(ORGS))))
def test_policies_are_monotonic_and_choose_finds_a_satisfying_set(policy: dict, endorsers: set[str]) -> None:
    policies.check(policy)
    if policies.satisfied(policy, endorsers, with_role):
        assert policies.satisfied(policy, set(ORGS), with_role)  # more endorsers never hurt
    try:
        chosen = policies.choose(policy, with_role)
    except BaobabError as e:
        assert e.code == "ENDORSEMENT_POLICY_FAILURE"
        assert not policies.satisfied(policy, set(ORGS), with_role)
    else:
        assert policies.satisfied(policy, chosen, with_role)


@pytest.mark.parametrize("bad", [
    {}, [], {"org": ""}, {"role": "bank", "count": 0}, {"all": []}, {"n_of": 3, "of": [{"org": "A"}]},
    {"orgs": []}, {"orgs": ["A"], "n": 2}, {"whatever": 1}, {"role": "bank", "count": True},
])
def test_malformed_policies_are_refused(bad: object) -> None:
    with pytest.raises(BaobabError) as e:
        policies.check(bad)
    assert e.value.code == "BAD_POLICY"
