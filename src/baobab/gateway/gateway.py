"""The Gateway: the one way in to the ledger, as Hyperledger Fabric's gateway service.

    submit(signed)    endorse (through the node's Endorser), order, and wait for the commit
    evaluate(signed)  run a read-only function for the proposal's signer; nothing is ordered
    status(tx_id)     the outcome of a committed transaction, "pending", or None
    events(from)      committed events of valid transactions, in order, optionally following

with `view`, the read-only `LedgerView`. The same Gateway class serves the embedded mode
(one node holding every organisation's peer key) and the network mode (a node of one
organisation, whose endorser asks the other organisations' nodes); the API, the reactors and
the services use nothing else. `min_height` is a client's causality token: the height after
the last block it saw committed on any node; the gateway first catches up to it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from baobab.client import Identity
from baobab.core.errors import BaobabError
from baobab.gateway.view import LedgerView
from baobab.keystore import Keystore
from baobab.ledger.node import Outcome
from baobab.ledger.runtime import Supervise

if TYPE_CHECKING:
    from baobab.ledger.node import Node

CATCH_UP_S = 2.0  # how long to wait for a height a client has already seen elsewhere


class Gateway:
    def __init__(self, node: "Node", *, keys_dir: str | Path | None = None, orgs: set[str] | None = None) -> None:
        """`orgs`: the organisations this node serves (None: every member, the embedded mode);
        `keys_dir`: the keystore holding their client keys, for services that act for them."""
        self._node = node
        self.view = LedgerView(node)
        self._orgs = None if orgs is None else frozenset(orgs)
        self._keys = Keystore(Path(keys_dir)) if keys_dir is not None else None

    @property
    def network(self) -> str:
        return self._node.network

    def serves(self, org: str) -> bool:
        """Does this node act for `org` (its clients use this node)?"""
        return self._orgs is None or org in self._orgs

    def signer(self, org: str, names: list[str]) -> Identity:
        """The first of `names` among `org`'s client keys held here (for services acting for it)."""
        if self._keys is None or not self.serves(org):
            raise BaobabError("FORBIDDEN", f"this node holds no client key of {org}")
        for name in names:
            try:
                return Identity(self.network, org, name, self._keys.client(org, name))
            except BaobabError:
                continue
        raise BaobabError("FORBIDDEN", f"this node holds none of {org}'s clients {', '.join(names)}")

    def catch_up(self, min_height: int) -> None:
        if min_height > 0:
            self.view.wait_for_height(min_height, CATCH_UP_S)

    # --- submit, evaluate, status, events -----------------------------------------------

    def submit(self, signed: dict[str, Any], *, wait: bool = True, timeout: float = 30.0,
               private: dict[str, Any] | None = None, min_height: int = 0) -> Outcome | str:
        """Endorse, order and (if `wait`) wait for the commit: the Outcome, or the tx id.
        Resubmitting a proposal already committed or in flight returns its first outcome.
        `private` ({members, data}) goes only to the members' nodes (network mode)."""
        self.catch_up(min_height)
        if private is None:
            return self._node.submit(signed, wait=wait, timeout=timeout)
        share = getattr(self._node, "share_private", None)
        if share is None:
            raise BaobabError("MALFORMED", "private data needs the network mode (one node per organisation)")
        share(signed, private)
        return self._node.submit(signed, wait=wait, timeout=timeout)

    def evaluate(self, signed: dict[str, Any], *, min_height: int = 0, supervise: Supervise | None = None) -> Any:
        """A read-only function's answer for the proposal's (verified) signer. A query refuses a
        caller that is not a party to the record it reads; given `supervise`, that refusal is
        put to it instead (HeldRefusal: the record and the version read), and the answer is
        given only if it returns True, having logged the supervisor's read."""
        self.catch_up(min_height)
        return self._node.query(signed, supervise)

    def status(self, tx_id: str) -> Outcome | str | None:
        """The committed outcome, "pending" while a transaction submitted here is in flight, or None."""
        found = self._node.outcome(tx_id)
        if found is not None:
            return found
        return "pending" if self._node.pending(tx_id) else None

    def events(self, from_block: int = 0, *, follow: bool = False,
               stop: threading.Event | None = None) -> Iterator[dict[str, Any]]:
        """Events of valid transactions from `from_block` on: {block, index, seq, tx_id,
        contract, name, payload}; with `follow`, wait for new blocks until `stop` is set."""
        return self._node.events(from_block, follow=follow, stop=stop)


def gateway_of(node_or_gateway: Any, **kwargs: Any) -> Gateway:
    """A Gateway over a node (or the gateway itself): for callers that hold a node."""
    return node_or_gateway if isinstance(node_or_gateway, Gateway) else Gateway(node_or_gateway, **kwargs)
