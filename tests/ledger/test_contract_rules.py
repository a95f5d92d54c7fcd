"""Contracts are deterministic: the runtime refuses I/O, clocks, randomness and floats."""

from __future__ import annotations

import importlib

import pytest
from hypothesis import given, strategies as st

from baobab.core.errors import BaobabError
from baobab.ledger import policy as policies
from baobab.ledger.contract import Refused
from baobab.ledger.determinism import audit_module, audit_source
from baobab.ledger.membership import Caller
from baobab.ledger.runtime import Registry, simulate
from tests.ledger.sample_contracts import Refuser


@pytest.mark.parametrize("source, problem", [
    ("import time\n", "import time"),
    ("import random\n", "import random"),
    ("from os import path\n", "import os"),
    ("from uuid import uuid4\n", "import of uuid4"),
    ("import uuid\nx = uuid.uuid4()\n", ".uuid4"),
    ("import socket\n", "import socket"),
    ("x = 0.1\n", "float literal"),
    ("from datetime import datetime\nd = datetime.now()\n", "now"),
    ("f = open('x')\n", "open"),
    ("eval('1')\n", "eval"),
])
def test_nondeterministic_sources_are_refused(source: str, problem: str) -> None:
    assert any(problem in p for p in audit_source(source)[0])


def test_shipped_contracts_pass_the_audit() -> None:
    from baobab.contracts import default_registry

    assert "accounts" in default_registry().names()  # installing audits every module


def test_allowed_imports_pass() -> None:
    problems, imported = audit_source("from baobab.ledger.contract import Contract\nfrom decimal import Decimal\nimport re\nx = re.compile('a')\n")
    assert problems == [] and imported == ["baobab.ledger.contract"]


HELPER = "import time\n\n\ndef stamp() -> int:\n    return int(time.time())\n"
CONTRACT = ("from baobab.ledger.contract import Context, Contract, function\n"
            "from baobab_clocked.helper import stamp\n\n\n"
            "class Clocked(Contract):\n    name = 'clocked'\n\n"
            "    @function(policy={'role': '*'})\n"
            "    def tick(self, ctx: Context) -> int:\n        return stamp()\n")


def test_a_helper_module_that_reads_the_clock_is_refused_transitively(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    package = tmp_path / "baobab_clocked"  # a Baobab package: the audit follows its imports as it does contracts/ helpers
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "helper.py").write_text(HELPER)
    (package / "contract.py").write_text(CONTRACT)
    monkeypatch.syspath_prepend(str(tmp_path))
    assert any(p.startswith("baobab_clocked.helper:") and "import time" in p for p in audit_module("baobab_clocked.contract"))
    module = importlib.import_module("baobab_clocked.contract")
    with pytest.raises(ValueError, match="not deterministic"):
        Registry([module.Clocked()])


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


# --- refusals: one reason list per contract, one status per kind of reason ----------------

def _refusal(reason: str) -> dict:  # type: ignore[type-arg]
    caller = Caller("A", "app", ("bank",), "KE")
    proposal = {"contract": "refuser", "function": "act", "args": {"reason": reason}, "timestamp": "2026-01-01T00:00:00Z"}
    result = simulate(Registry([Refuser()]), proposal, "tx", caller, lambda k: None, lambda p: [])
    assert result["status"] == "error" and result["writes"] == []
    return result["response"]  # type: ignore[no-any-return]


@pytest.mark.parametrize("reason, status", [("TOO_EARLY", 409), ("NOT_FOUND", 404), ("NOT_A_PARTY", 403),
                                            ("INVALID", 422)])
def test_a_refusal_keeps_its_reason_and_gets_the_status_of_its_kind(reason: str, status: int) -> None:
    refused = Refused.from_result("refuser", _refusal(reason))
    assert (refused.code, refused.status, refused.detail["reason"], refused.detail["contract"]) == (
        "CONTRACT_ERROR", status, reason, "refuser")
    assert refused.detail["extra"] == 1


def test_a_reason_the_contract_did_not_declare_is_a_bug_not_a_refusal() -> None:
    with pytest.raises(BaobabError) as err:
        _refusal("MADE_UP")
    assert err.value.code == "INTERNAL"
