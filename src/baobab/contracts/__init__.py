"""Domain contracts. `default_registry` installs every contract a Baobab network runs."""

from __future__ import annotations

from baobab.ledger.governance import Governance
from baobab.ledger.runtime import Registry


def default_registry() -> Registry:
    from baobab.contracts.accounts import Accounts

    registry = Registry([Accounts()])
    registry.install(Governance())
    return registry
