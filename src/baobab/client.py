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
