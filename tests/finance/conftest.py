"""The demo network running only governance and the finance contracts (so these tests do not
depend on other contracts in progress), with in-process actors for every demo organisation."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from baobab import embedded
from baobab.contracts.finance.financing_registry import FinancingRegistry
from baobab.contracts.finance.supply_chain_finance import SupplyChainFinance
from baobab.core.errors import BaobabError
from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS
from baobab.ledger.contract import Refused
from baobab.contracts import governance
from baobab.ledger.node import Node
from baobab.ledger.runtime import Registry
from baobab.stories.embedded import embedded_actors

FAST_BLOCKS = {"max_txs": 50, "max_bytes": 8_000_000, "timeout_ms": 5}


def finance_registry() -> Registry:
    return Registry([governance(), FinancingRegistry(), SupplyChainFinance()])


class Network:
    def __init__(self, node: Node, data_dir: Path) -> None:
        self.node, self.data_dir = node, data_dir
        self.actors = embedded_actors(node, data_dir)

    def ok(self, org: str, contract: str, function: str, args: dict[str, Any]) -> Any:
        """Submit and insist the transaction committed as valid; return its response."""
        outcome = self.actors(org).submit(contract, function, args)
        assert outcome["code"] == "VALID", outcome
        return outcome["response"]

    def query(self, org: str, contract: str, function: str, args: dict[str, Any] | None = None) -> Any:
        return self.actors(org).query(contract, function, args or {})

    def rejected(self, org: str, contract: str, function: str, args: dict[str, Any]) -> Rejection:
        """Submit and insist it is refused before ordering; return why. The height must not move."""
        height = self.node.height()
        with pytest.raises(BaobabError) as info:
            self.actors(org).submit(contract, function, args)
        assert self.node.height() == height
        return Rejection.of(info.value)

    def rejected_query(self, org: str, contract: str, function: str, args: dict[str, Any]) -> Rejection:
        with pytest.raises(BaobabError) as info:
            self.actors(org).query(contract, function, args)
        return Rejection.of(info.value)


@dataclass
class Rejection:
    """Why a call was refused: `code` is the contract's reason for a contract's refusal
    (CONTRACT_ERROR), else the node's own code (arguments the contract never saw, signatures...)."""

    code: str
    message: str
    detail: dict[str, Any]

    @classmethod
    def of(cls, err: BaobabError) -> "Rejection":
        return cls(err.reason if isinstance(err, Refused) else err.code, err.message, err.detail)


def _open(root: Path, block: dict[str, int] = FAST_BLOCKS) -> Iterator[Network]:
    embedded.create(root, DEMO_NETWORK, DEMO_ORGS, DEMO_ADMINS, block=block)
    node = embedded.open_node(root, finance_registry())
    try:
        yield Network(node, root)
    finally:
        node.close()


@pytest.fixture
def fin(tmp_path: Path) -> Iterator[Network]:
    yield from _open(tmp_path / "net")


@pytest.fixture(scope="module")
def shared_fin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    yield from _open(tmp_path_factory.mktemp("finance") / "net")
