"""Shared fixtures: small embedded networks in a temporary folder."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from baobab import embedded
from baobab.client import Identity
from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS
from baobab.gateway import Gateway, gateway_of
from baobab.ledger.node import Node, Outcome
from baobab.stories.embedded import embedded_actors

FAST_BLOCKS = {"max_txs": 50, "max_bytes": 8_000_000, "timeout_ms": 5}

SMALL_ORGS = [
    {"id": "KEBANK", "name": "Kenya Trade Bank", "country": "KE", "roles": ["bank"]},
    {"id": "MYBANK", "name": "Malaysia Trade Bank", "country": "MY", "roles": ["bank"]},
    {"id": "ARBANK", "name": "Banco del Sur", "country": "AR", "roles": ["bank"]},
    {"id": "TRADER", "name": "Nairobi Traders Ltd", "country": "KE", "roles": ["trader"]},
    {"id": "CUSTOMS", "name": "Kenya Customs", "country": "KE", "roles": ["customs"]},
]


class Net:
    """A running embedded network and the client identities of its organisations."""

    def __init__(self, path: Path, node: Node) -> None:
        self.path, self.node = path, node
        self._ids: dict[str, Identity] = {}

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
        return embedded_actors(self.node, self.path)

    def reopen(self) -> None:
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
