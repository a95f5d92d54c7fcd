"""Refusal reasons the oracle contracts share.

A signed observation is checked by `baobab.oracles.observation`, which the oracles' own services
use too and which raises its codes (vocab/errors.py); inside a contract each code is the
contract's reason of the same name (`Contract.call`), declared here once for every contract
that checks an observation or a payment condition.
"""

from __future__ import annotations

from baobab.ledger.contract import Reason

OBSERVATION_REASONS = {
    "BAD_OBSERVATION": Reason("invalid", "The observation is malformed or does not fit what it answers"),
    "BAD_SIGNATURE": Reason("invalid", "The observation is not signed by an active key registered for its oracle"),
    "OBSERVATION_STALE": Reason("invalid", "The observation is older than it may be"),
    "OBSERVATION_FUTURE": Reason("invalid", "The observation is dated after the transaction"),
    "OBSERVATION_REPLAYED": Reason("conflict", "The observation, or its oracle's answer or certificate, is already used"),
}

CONDITION_REASONS = {
    "BAD_CONDITION": Reason("invalid", "The payment condition is malformed (docs/ORACLES.md, Conditions)"),
}
