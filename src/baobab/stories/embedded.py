"""Actors backed by an in-process node, for the embedded mode and the tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from baobab.client import Identity
from baobab.ledger.node import Node, Outcome


class EmbeddedActor:
    def __init__(self, node: Node, identity: Identity) -> None:
        self.node, self.identity, self.org = node, identity, identity.org

    def submit(self, contract: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
        outcome = self.node.submit(self.identity.proposal(contract, function, args))
        assert isinstance(outcome, Outcome)
        return outcome.to_dict()

    def query(self, contract: str, function: str, args: dict[str, Any]) -> Any:
        return self.node.query(self.identity.proposal(contract, function, args))


def embedded_actors(node: Node, data_dir: str | Path):  # -> Actors
    cache: dict[str, EmbeddedActor] = {}

    def actor(org: str) -> EmbeddedActor:
        if org not in cache:
            cache[org] = EmbeddedActor(node, Identity.load(data_dir, node.network, org))
        return cache[org]

    return actor
