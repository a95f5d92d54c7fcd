"""Transaction ids of recent blocks, read from the blocks themselves.

A transaction is valid only in a block whose time is within the network's time window of its
own timestamp, so an earlier copy of it that could have taken effect sits in a block at most
two windows older than the newest one. The node keeps the ids of those blocks, taken from the
blocks (at start, by the store check's replay; then from each committed block), and refuses a
duplicate id found there even if the transaction-id index lost or altered its row: a damaged
index can then never let a transaction be applied twice.
"""

from __future__ import annotations

import threading
from collections import deque
from datetime import datetime, timedelta


class RecentTxIds:
    def __init__(self, window_s: int) -> None:
        self.keep = timedelta(seconds=2 * window_s)
        self._blocks: deque[tuple[int, datetime, list[bytes]]] = deque()
        self._where: dict[bytes, int] = {}  # id -> block << 24 | index, compact for busy ledgers
        self._newest: datetime | None = None
        self._lock = threading.Lock()

    def add(self, number: int, time: datetime, tx_ids: list[str]) -> None:
        ids = [_key(t) for t in tx_ids]
        with self._lock:
            for index, tx_id in enumerate(ids):
                self._where.setdefault(tx_id, number << 24 | index)  # a repeat is refused where it first was
            self._blocks.append((number, time, ids))
            self._newest = time if self._newest is None else max(self._newest, time)
            while self._blocks and self._blocks[0][1] < self._newest - self.keep:
                old, _, ids = self._blocks.popleft()
                for tx_id in ids:
                    if self._where.get(tx_id, -1) >> 24 == old:
                        del self._where[tx_id]

    def snapshot(self) -> list[tuple[int, datetime, list[bytes]]]:
        """The recent blocks' ids, to fill another process's copy (`restore`)."""
        with self._lock:
            return list(self._blocks)

    def restore(self, blocks: list[tuple[int, datetime, list[bytes]]]) -> None:
        with self._lock:
            for number, time, ids in blocks:
                for index, tx_id in enumerate(ids):
                    self._where.setdefault(tx_id, number << 24 | index)
                self._blocks.append((number, time, ids))
                self._newest = time if self._newest is None else max(self._newest, time)

    def where(self, tx_id: str) -> tuple[int, int] | None:
        """(block, index) of a recent transaction."""
        packed = self._where.get(_key(tx_id))
        return None if packed is None else (packed >> 24, packed & 0xFFFFFF)

    def known(self, tx_ids: list[str]) -> set[str]:
        return {t for t in tx_ids if _key(t) in self._where}


def _key(tx_id: str) -> bytes:
    try:
        return bytes.fromhex(tx_id)
    except ValueError:  # "genesis", or the id given to a malformed transaction
        return tx_id.encode()
