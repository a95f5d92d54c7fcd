"""The storage interface the ledger needs, and nothing more.

A store keeps blocks exactly as ordered (their canonical bytes), the validation code of
every transaction, the world state with a version (block, tx index) per key, and the
history of every key. `commit` writes one block and all its effects in a single atomic,
durable database transaction: after a crash a block is either wholly there or not at all.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Version = tuple[int, int]  # (block number, transaction index within the block)


@dataclass(frozen=True)
class Write:
    key: str
    value: Any  # None deletes the key
    version: Version


@dataclass(frozen=True)
class BlockRecord:
    number: int
    hash: str
    data: bytes  # the block's RFC 8785 bytes, as ordered
    codes: list[str]  # validation code per transaction
    commit_hash: str  # chains the validation outcome of every block so far


class Store(ABC):
    @abstractmethod
    def height(self) -> int:
        """Number of committed blocks (the next block's number)."""

    @abstractmethod
    def commit(self, block: BlockRecord, tx_ids: list[str], writes: list[Write]) -> None:
        """Atomically and durably store a block, its transactions' codes and its state writes."""

    @abstractmethod
    def block(self, number: int) -> BlockRecord | None: ...

    @abstractmethod
    def blocks(self, start: int = 0) -> Iterator[BlockRecord]:
        """Committed blocks from `start`, in order."""

    @abstractmethod
    def tx(self, tx_id: str) -> tuple[int, int, str] | None:
        """(block, index, validation code) of a transaction, if committed."""

    def known_tx_ids(self, tx_ids: list[str]) -> set[str]:
        """Which of these transaction ids are already committed (one query per block)."""
        return {t for t in tx_ids if self.tx(t) is not None}

    @abstractmethod
    def get(self, key: str) -> tuple[Any, Version] | None: ...

    @abstractmethod
    def range(self, prefix: str, start_after: str | None = None,
              limit: int | None = None) -> list[tuple[str, Any, Version]]:
        """Live keys starting with `prefix`, in key order; a page of at most `limit` keys
        after `start_after` when given (an indexed range read, not a scan of the prefix)."""

    @abstractmethod
    def history(self, key: str) -> list[tuple[Version, Any]]:
        """Every committed write of a key, oldest first (value None = deleted)."""

    @abstractmethod
    def state_rows(self) -> Iterator[tuple[str, Any, Version]]:
        """All live state, in key order (for audits)."""

    @abstractmethod
    def history_rows(self) -> Iterator[tuple[str, Version, Any]]:
        """All history rows ordered by key then version (for audits)."""

    @abstractmethod
    def tx_rows(self) -> Iterator[tuple[str, int, int, str]]:
        """All (tx_id, block, index, code) rows ordered by block and index (for audits)."""

    @abstractmethod
    def tree_nodes(self, nodes: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        """Stored nodes (level, index) of the block-hash tree (see store/tree.py), in one read."""

    @abstractmethod
    def tree_rows(self) -> Iterator[tuple[int, int, bytes]]:
        """All (level, index, hash) tree rows ordered by level then index (for audits)."""

    @abstractmethod
    def integrity(self) -> list[str]:
        """The database's own integrity check: [] when sound, else what it reports."""

    def checked_height(self) -> int:
        """How many blocks, from genesis, a node's start check has found its derived tables to
        agree with (0: none yet). The start check covers the blocks after it (`audit.check_store`)."""
        return 0

    def mark_checked(self, height: int) -> None:
        """Record that the start check passed for the first `height` blocks."""

    @abstractmethod
    def close(self) -> None: ...
