"""The read-only ledger view: everything the API, the CLI and services read, and nothing else.

It answers from the node's committed state, blocks and proofs; it never writes. Access is not
decided here (the caller's rights are the API's `access` module): the view is the ledger as
the node holds it. `query_as` runs a contract query as an already authenticated caller.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from baobab.ledger.membership import Caller, Membership
from baobab.ledger.runtime import Supervise, key_policy_key, run_query
from baobab.ledger.tx import now_rfc3339

if TYPE_CHECKING:
    from baobab.ledger.node import Node

Version = tuple[int, int]


@dataclass(frozen=True)
class TxRecord:
    """A committed transaction: its envelope as ordered, where it is, and its validation code."""

    tx_id: str
    envelope: dict[str, Any]
    block: int
    index: int
    code: str


@dataclass(frozen=True)
class BlockEntry:
    number: int
    hash: str
    commit_hash: str
    codes: list[str]
    header: dict[str, Any]
    signature: str
    transactions: list[dict[str, Any]]


class LedgerView:
    def __init__(self, node: "Node") -> None:
        self._node = node

    # --- the network ------------------------------------------------------------------

    @property
    def network(self) -> str:
        return self._node.network

    @property
    def genesis(self) -> dict[str, Any]:
        return self._node.genesis

    def members(self) -> Membership:
        """Membership as of the last committed block."""
        return self._node.members()

    def contracts(self) -> list[dict[str, Any]]:
        """Installed contracts, their functions (kind, policy, argument schema) and the reasons
        they refuse with (each answered as CONTRACT_ERROR with that `reason` and its status)."""
        registry = self._node.registry
        return [{"contract": name, "reasons": registry.contract(name).reason_rows(), "functions": [
            {"name": f, "kind": "query" if spec.policy is None else "transaction", "policy": spec.policy,
             "args": spec.args.json_schema()} for f, spec in sorted(registry.contract(name).functions.items())]}
            for name in registry.names()]

    def is_query(self, contract: str, function: str) -> bool:
        """Is this function a read-only query? (UNKNOWN_CONTRACT / UNKNOWN_FUNCTION otherwise)"""
        return self._node.registry.function(contract, function)[1].policy is None

    # --- state ------------------------------------------------------------------------

    def get(self, full_key: str) -> tuple[Any, Version] | None:
        """A live key's (value, version), or None."""
        return self._node.state.get(full_key)

    def range(self, prefix: str, after: str | None = None) -> list[tuple[str, Any, Version]]:
        """Live keys starting with `prefix` (and, with `after`, greater than it), in key order."""
        return self._node.state.range(prefix, after)

    def scan(self, prefix: str, after: str | None = None, batch: int = 200) -> Iterator[tuple[str, Any, Version]]:
        """The same rows as `range`, read as indexed pages of `batch` keys, only as far as the caller
        iterates (a list page reads what it shows, not the whole namespace)."""
        while True:
            rows = self._node.state.range(prefix, after, batch)
            yield from rows
            if len(rows) < batch:
                return
            after = rows[-1][0]

    def history(self, full_key: str) -> list[dict[str, Any]]:
        """Every committed version of a key, oldest first (`deleted` marks deletions)."""
        return [{"version": list(v), "value": value, "deleted": value is None}
                for v, value in self._node.store.history(full_key)]

    def key_policy(self, full_key: str) -> Any:
        """The key-level endorsement policy recorded for a key, if any."""
        row = self._node.state.get(key_policy_key(full_key))
        return None if row is None else row[0]

    # --- transactions and blocks ------------------------------------------------------

    def height(self) -> int:
        return self._node.height()

    def wait_for_height(self, height: int, timeout: float) -> bool:
        """Wait until the node holds at least `height` blocks (False if `timeout` s pass first)."""
        return self._node.wait_for_height(height, timeout)

    def transaction(self, tx_id: str) -> TxRecord | None:
        row = self._node.store.tx(tx_id)
        if row is None:
            return None
        number, index, code = row
        return TxRecord(tx_id, self._node.block(number)["transactions"][index], number, index, code)

    def block(self, number: int) -> BlockEntry | None:
        record = self._node.store.block(number)
        if record is None:
            return None
        block = json.loads(record.data)
        return BlockEntry(record.number, record.hash, record.commit_hash, list(record.codes), block["header"],
                          block["signature"], block["transactions"])

    def block_leaves(self, number: int) -> dict[str, Any] | None:
        """A block's orderer-signed header and the leaf hash of each of its transactions (None: no such block)."""
        if self._node.store.block(number) is None:
            return None
        return self._node.block_leaves(number)  # type: ignore[no-any-return]

    def blocks(self, start: int, limit: int) -> list[BlockEntry]:
        out = []
        for number in range(start, min(start + limit, self.height())):
            entry = self.block(number)
            if entry is not None:
                out.append(entry)
        return out

    # --- proofs -----------------------------------------------------------------------

    def head(self) -> dict[str, Any]:
        return self._node.head()

    def inclusion_proof(self, tx_id: str) -> dict[str, Any]:
        return self._node.inclusion_proof(tx_id)

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> dict[str, Any]:
        return self._node.consistency_proof(old_size, new_size)

    # --- queries ----------------------------------------------------------------------

    def query_as(self, caller: Caller, contract: str, function: str, args: dict[str, Any],
                 supervise: Supervise | None = None) -> Any:
        """A read-only contract function's answer for an authenticated caller, as of the last
        committed block. No proposal signature: the caller was authenticated by the request.
        `supervise`: see `Gateway.evaluate`."""
        node = self._node
        proposal = {"network": node.network, "contract": contract, "function": function, "args": args,
                    "creator": caller.identity, "nonce": uuid.uuid4().hex, "timestamp": now_rfc3339()}
        tx_id = "query-" + hashlib.sha256(proposal["nonce"].encode()).hexdigest()  # never ordered
        return run_query(node.registry, proposal, tx_id, caller, node.state.get, node.state.range, supervise)
