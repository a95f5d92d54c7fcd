"""A read-through cache of committed world state in front of the store.

Every block commits through the node, so the node can keep recently used keys in memory
and update them as it commits: endorsing and validating then rarely touch the database.
A read that misses fetches from the store; its result is cached only if no block committed
meanwhile (the generation check), so a stale value can never be cached over a fresh one.
"""

from __future__ import annotations

import threading
from typing import Any

from baobab.ledger.store.base import Store, Version, Write
from baobab.ledger.store.recent import RecentTxIds

_ABSENT = object()


class StateCache:
    def __init__(self, store: Store, recent: RecentTxIds | None = None, capacity: int = 200_000) -> None:
        self.store, self.recent, self.capacity = store, recent, capacity
        self._rows: dict[str, Any] = {}
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> tuple[Any, Version] | None:
        row = self._rows.get(key, None)
        if row is not None:
            return None if row is _ABSENT else row
        generation = self._generation
        fetched = self.store.get(key)
        with self._lock:
            if generation == self._generation:
                if len(self._rows) >= self.capacity:
                    self._rows.clear()  # bounded memory; misses refill what is in use
                self._rows[key] = _ABSENT if fetched is None else fetched
        return fetched

    def range(self, prefix: str, start_after: str | None = None,
              limit: int | None = None) -> list[tuple[str, Any, Version]]:
        return self.store.range(prefix, start_after, limit)

    def known_tx_ids(self, tx_ids: list[str]) -> set[str]:
        """Committed ids by the index and, for recent blocks, by the blocks themselves."""
        known = self.store.known_tx_ids(tx_ids)
        return known | self.recent.known(tx_ids) if self.recent is not None else known

    def committed(self, writes: list[Write]) -> None:
        """Apply a block's writes, after the store committed them."""
        with self._lock:
            self._generation += 1
            for w in writes:
                self._rows[w.key] = _ABSENT if w.value is None else (w.value, w.version)
