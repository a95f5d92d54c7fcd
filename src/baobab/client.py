"""Signing proposals as a client identity of an organisation."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from baobab.core.keys import PrivateKey
from baobab.keystore import Keystore
from baobab.ledger.tx import make_proposal, sign_proposal


@dataclass
class Identity:
    network: str
    org: str
    name: str
    key: PrivateKey

    @property
    def id(self) -> str:
        return f"{self.org}/{self.name}"

    @classmethod
    def load(cls, data_dir: str | Path, network: str, org: str, name: str = "app") -> "Identity":
        return cls(network, org, name, Keystore(Path(data_dir) / "keys").client(org, name))

    def proposal(self, contract: str, function: str, args: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
        """A signed proposal, ready to submit or query."""
        return sign_proposal(make_proposal(self.network, self.id, contract, function, args or {}, **extra), self.key)


class Actor:
    """One organisation's client in the stories, the tests and the tools: it signs proposals as
    its identity and sends them through a gateway, either a node's in-process `Gateway`
    (`baobab.gateway`) or a node's HTTP API (`baobab.http_client.HttpGateway`); both offer
    `submit(signed)` and `evaluate(signed)`. This is the stories' `Actor`."""

    def __init__(self, identity: Identity, gateway: Any) -> None:
        self.identity, self.gateway, self.org = identity, gateway, identity.org

    def submit(self, contract: str, function: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
        """Submit and wait for the commit: the outcome (tx_id, code, block, index, response, events)."""
        outcome = self.gateway.submit(self.identity.proposal(contract, function, args or {}))
        return outcome if isinstance(outcome, dict) else outcome.to_dict()  # type: ignore[no-any-return]

    def query(self, contract: str, function: str, args: dict[str, Any] | None = None) -> Any:
        return self.gateway.evaluate(self.identity.proposal(contract, function, args or {}))


def actors_over(gateway_of: Any, identity_of: Any) -> Any:
    """The stories' `Actors`: `actors(org)` is that organisation's Actor, made once, with the
    identity `identity_of(org)` and the gateway `gateway_of(org)` (its node)."""
    cache: dict[str, Actor] = {}

    def actor(org: str) -> Actor:
        if org not in cache:
            cache[org] = Actor(identity_of(org), gateway_of(org))
        return cache[org]

    return actor
