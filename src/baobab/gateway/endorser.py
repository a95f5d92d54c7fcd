"""The endorser interface: who executes a proposal and signs its result.

`LocalEndorser` signs with the peer keys the node holds (embedded mode); the network mode's
`baobab.net.endorse.RemoteEndorser` also asks the other organisations' nodes over signed HTTP.
"""

from __future__ import annotations

from typing import Any, Protocol

from baobab.ledger.endorse import LocalEndorser
from baobab.ledger.tx import Encoded


class Endorser(Protocol):
    def endorse(self, signed: Any, encoded: Encoded | None) -> tuple[dict[str, Any], Encoded]:
        """Authenticate the signed proposal, simulate it and gather the endorsements its
        policies need: the envelope to order, and its encoding. A contract refusal raises
        `Refused`; a missing endorser ENDORSER_UNAVAILABLE."""


__all__ = ["Endorser", "LocalEndorser"]
