"""The consent framework: scenarios, the shared world they run in, and the families of contracts.

See the package docstring (`tests/security/consent/__init__.py`) for the shape of a scenario module.
"""

from __future__ import annotations

import hashlib
import importlib
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from baobab import embedded
from baobab.client import Identity
from baobab.contracts import default_registry
from baobab.core.jcs import canonicalize
from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS
from baobab.ledger.contract import Contract
from baobab.ledger.node import Node, Outcome
from baobab.ledger.runtime import Registry
from baobab.ledger.tx import make_proposal, sign_proposal

FAST_BLOCKS = {"max_txs": 50, "max_bytes": 8_000_000, "timeout_ms": 5}
TIME_WINDOW_S = 400 * 24 * 3600  # so that a Case's `as_of` may be a date to come (an expiry, a maturity)
HERE = Path(__file__).resolve().parent
# Contracts outside baobab.contracts.<family>.* and the family whose scenario module covers them.
FAMILY_OF_MODULE = {"baobab.ledger.governance": "governance", "baobab.contracts.accounts": "accounts",
                    "baobab.contracts.oversight": "accounts", "baobab.contracts.private_records": "accounts"}


@dataclass
class Case:
    """One call of a function: its arguments and the organisations that may make it."""

    args: dict[str, Any]
    callers: list[str]  # legitimate callers; the first makes the control call
    anyone: bool = False  # every member may call it for itself (declared ANY_MEMBER)
    as_of: str | None = None  # proposal time (RFC 3339 UTC) for the calls, if not now
    client: str = "app"  # the callers' client identity that may call; their other clients may not

    @classmethod
    def any_member(cls, args: dict[str, Any], caller: str) -> "Case":
        """Every member may make this call for itself; `caller` makes the control call."""
        return cls(args, [caller], anyone=True)

Builder = Callable[["World"], Case]


class Scenarios(dict[str, Builder]):
    """A family's scenario builders by "<contract>.<function>"."""

    def add(self, name: str) -> Callable[[Builder], Builder]:
        def register(builder: Builder) -> Builder:
            if name in self:
                raise ValueError(f"two scenarios for {name}")
            self[name] = builder
            return builder
        return register


class World:
    """The demo network the scenarios run on, with every contract of the default registry."""

    def __init__(self, root: Path, registry: Registry | None = None) -> None:
        self.root = root
        embedded.create(root, DEMO_NETWORK, DEMO_ORGS, DEMO_ADMINS, block=FAST_BLOCKS, time_window_s=TIME_WINDOW_S)
        self.registry = registry or default_registry()
        self.node: Node = embedded.open_node(root, self.registry)
        self.admins = list(DEMO_ADMINS)
        self.orgs = {o["id"]: o for o in DEMO_ORGS}
        self._ids: dict[tuple[str, str], Identity] = {}
        self._serial = itertools.count(1)
        self.memo: dict[str, Any] = {}  # what a family's builders share (a programme opened once...)

    def close(self) -> None:
        self.node.close()

    def identity(self, org: str, client: str = "app") -> Identity:
        if (org, client) not in self._ids:
            self._ids[org, client] = Identity.load(self.root, self.node.network, org, client)
        return self._ids[org, client]

    def unique(self, prefix: str) -> str:
        return f"{prefix}-{next(self._serial)}"

    def proposal(self, org: str, contract: str, function: str, args: dict[str, Any],
                 as_of: str | None = None, client: str = "app") -> dict[str, Any]:
        me = self.identity(org, client)
        return sign_proposal(make_proposal(self.node.network, me.id, contract, function, args, timestamp=as_of), me.key)

    def submit(self, org: str, contract: str, function: str, args: dict[str, Any], as_of: str | None = None) -> Outcome:
        outcome = self.node.submit(self.proposal(org, contract, function, args, as_of))
        assert isinstance(outcome, Outcome)
        return outcome

    def ok(self, org: str, contract: str, function: str, args: dict[str, Any], as_of: str | None = None) -> Any:
        """Submit as `org` and insist the transaction committed VALID; its response."""
        outcome = self.submit(org, contract, function, args, as_of)
        assert outcome.valid, (contract, function, outcome.code)
        return outcome.response

    def query(self, org: str, contract: str, function: str, args: dict[str, Any], as_of: str | None = None) -> Any:
        return self.node.query(self.proposal(org, contract, function, args, as_of))

    def call(self, org: str, contract: str, function: str, case: Case, client: str = "app") -> Any:
        """Make the call of `case` as `org`: a query, or a transaction that must commit VALID."""
        _, spec = self.registry.function(contract, function)
        signed = self.proposal(org, contract, function, case.args, case.as_of, client)
        if spec.policy is None:
            return self.node.query(signed)
        outcome = self.node.submit(signed)
        assert isinstance(outcome, Outcome) and outcome.valid, (contract, function, outcome)
        return outcome.response

    def kinds(self, exclude: list[str]) -> list[str]:
        """One organisation of each role of the demo network, none of them in `exclude`."""
        chosen: dict[str, str] = {}
        for org in DEMO_ORGS:
            for role in org["roles"]:
                if role not in chosen and org["id"] not in exclude:
                    chosen[role] = org["id"]
        return sorted(set(chosen.values()))

    def snapshot(self) -> tuple[int, str]:
        """(height, digest of the whole world state): equal snapshots mean nothing changed."""
        rows = [[k, v, list(ver)] for k, v, ver in self.node.store.range("")]
        return self.node.height(), hashlib.sha256(canonicalize(rows)).hexdigest()


def family_of(contract: Contract) -> str:
    module = type(contract).__module__
    if module in FAMILY_OF_MODULE:
        return FAMILY_OF_MODULE[module]
    parts = module.split(".")
    return parts[2] if len(parts) >= 4 and parts[1] == "contracts" else parts[-1]


def load_families() -> tuple[dict[str, Builder], set[str]]:
    """Every scenario of the family modules present in this folder, and the names of those families.

    A family is named after its module (`trade.py` is family "trade"); `family_of` says which
    family a contract belongs to, so a contract whose family has no module yet is reported as such."""
    scenarios: dict[str, Builder] = {}
    present = set()
    for path in sorted(HERE.glob("*.py")):
        if path.stem in ("__init__", "framework") or path.stem.startswith("test_"):
            continue
        module = importlib.import_module(f"tests.security.consent.{path.stem}")
        scenarios.update(module.SCENARIOS)
        present.add(path.stem)
    return scenarios, present


def functions(registry: Registry) -> list[tuple[str, str, Contract]]:
    """(contract name, function name, contract) of every function installed."""
    out = []
    for name in registry.names():
        contract = registry.contract(name)
        out += [(name, fn, contract) for fn in sorted(contract.functions)]
    return out
