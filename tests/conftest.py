"""Shared fixtures: small embedded networks in a temporary folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# Every test's node sees every client at 127.0.0.1, and the OpenAPI fuzz test fails authentication
# on purpose thousands of times: the nodes the tests start inherit a budget that never runs out, and
# the lockout is tested with its own limit (tests/security/test_node_identity_and_lockout.py).
os.environ.setdefault("BAOBAB_FAILED_AUTHS_PER_MINUTE", "1000000")

from baobab import embedded
from baobab.client import Identity
from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS
from baobab.gateway import Gateway, gateway_of
from baobab.ledger.node import Node, Outcome
from baobab.reactors import Reactor
from baobab.stories.embedded import embedded_actors

FAST_BLOCKS = {"max_txs": 50, "max_bytes": 8_000_000, "timeout_ms": 5}

SMALL_ORGS = [
    {"id": "KEBANK", "name": "Kenya Trade Bank", "country": "KE", "roles": ["bank"]},
    {"id": "MYBANK", "name": "Malaysia Trade Bank", "country": "MY", "roles": ["bank"]},
    {"id": "ARBANK", "name": "Banco del Sur", "country": "AR", "roles": ["bank"]},
    {"id": "TRADER", "name": "Nairobi Traders Ltd", "country": "KE", "roles": ["trader"]},
    {"id": "CUSTOMS", "name": "Kenya Customs", "country": "KE", "roles": ["customs"]},
]


def paying_reactor(node: Node, path: Path) -> Reactor:
    """A reactor for every organisation of the network, with the payments agent on a switch of
    the network's banks and providers funded as in the demo."""
    from baobab.pay.demo import HOME_FSP, liquidity
    from baobab.pay.onboarding import is_fsp
    from baobab.reactors import for_node
    from baobab.services import add_payments, open_hub

    orgs = node.genesis["organisations"]
    reactor = for_node(node, path)
    hub = open_hub(path, orgs, HOME_FSP, liquidity([o["id"] for o in orgs if is_fsp(o)]), "http://127.0.0.1:1/fsp")
    add_payments(reactor, hub, path, node.network)
    return reactor


def synchronous_actors(actors: Any, reactor: Reactor) -> Any:
    """Stories' Actors that let `reactor` catch up after every submission and before every query."""

    class _Actor:
        def __init__(self, inner: Any) -> None:
            self.inner, self.org = inner, inner.org

        def submit(self, contract: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
            outcome = self.inner.submit(contract, function, args)
            reactor.run_once()
            return outcome  # type: ignore[no-any-return]

        def query(self, contract: str, function: str, args: dict[str, Any]) -> Any:
            reactor.run_once()
            return self.inner.query(contract, function, args)

    return lambda org: _Actor(actors(org))


class Net:
    """A running embedded network and the client identities of its organisations."""

    def __init__(self, path: Path, node: Node) -> None:
        self.path, self.node = path, node
        self._ids: dict[str, Identity] = {}
        self._reactor: Reactor | None = None

    def identity(self, org: str) -> Identity:
        if org not in self._ids:
            self._ids[org] = Identity.load(self.path, self.node.network, org)
        return self._ids[org]

    @property
    def gateway(self) -> Gateway:
        """The node's Gateway: the tests submit and query as every client does."""
        return gateway_of(self.node)

    def submit(self, org: str, contract: str, function: str, args: dict[str, Any]) -> Outcome:
        outcome = self.gateway.submit(self.identity(org).proposal(contract, function, args))
        assert isinstance(outcome, Outcome)
        return outcome

    def query(self, org: str, contract: str, function: str, args: dict[str, Any]) -> Any:
        return self.gateway.evaluate(self.identity(org).proposal(contract, function, args))

    def actors(self):  # noqa: ANN201 - the stories' Actors callable
        """The stories' Actors, with this network's reactions and payments agent run after every
        submission and before every query (as a node runs them in the background; here without
        a thread or a wait)."""
        if self._reactor is None:
            self._reactor = paying_reactor(self.node, self.path)
        return synchronous_actors(embedded_actors(self.node, self.path), self._reactor)

    def reopen(self) -> None:
        self._reactor = None
        self.node.close()
        self.node = embedded.open_node(self.path)


@pytest.fixture
def net(tmp_path: Path) -> Iterator[Net]:
    """Five organisations (three banks, a trader, customs); admins are the banks."""
    path = tmp_path / "net"
    embedded.create(path, "test-net", SMALL_ORGS, ["KEBANK", "MYBANK", "ARBANK"], block=FAST_BLOCKS)
    n = Net(path, embedded.open_node(path))
    yield n
    n.node.close()


@pytest.fixture
def demo_net(tmp_path: Path) -> Iterator[Net]:
    """The demo network with every organisation of the report's stories."""
    path = tmp_path / "demo"
    embedded.create(path, DEMO_NETWORK, DEMO_ORGS, DEMO_ADMINS, block=FAST_BLOCKS)
    n = Net(path, embedded.open_node(path))
    yield n
    n.node.close()
