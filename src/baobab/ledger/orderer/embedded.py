"""The in-process orderer of the embedded mode.

A single thread takes envelopes from a queue and cuts a block when it holds `max_txs`
transactions, would exceed `max_bytes`, or the oldest queued transaction has waited
`timeout_ms`. The block is signed with the orderer key and handed to the committer on the
same thread, so blocks are delivered strictly in order and the next block is being filled
while the current one commits.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from typing import Any, TypeVar

from baobab.core.keys import PrivateKey
from baobab.ledger.block import block_hash, make_block
from baobab.ledger.orderer.base import Deliver, Orderer
from baobab.ledger.tx import now_rfc3339

log = logging.getLogger(__name__)


T = TypeVar("T", bound=tuple[Any, ...])


def take_batch(queue: deque[T], max_txs: int, max_bytes: int) -> list[T]:
    """Pop the next block's worth of queued items, each `(envelope, size, ...)`: at most
    `max_txs`, and no more than `max_bytes` unless a single item is larger on its own.
    Shared by every orderer so that all cut blocks by the same rule."""
    batch: list[T] = []
    size = 0
    while queue and len(batch) < max_txs:
        n = queue[0][1]
        if batch and size + n > max_bytes:
            break
        batch.append(queue.popleft())
        size += n
    return batch


class EmbeddedOrderer(Orderer):
    def __init__(self, network: str, key: PrivateKey, max_txs: int, max_bytes: int, timeout_ms: int) -> None:
        self.network, self.key = network, key
        self.max_txs, self.max_bytes, self.timeout = max_txs, max_bytes, timeout_ms / 1000
        self._queue: deque[tuple[dict[str, Any], int, float, bytes]] = deque()
        self._cond = threading.Condition()
        self._running = False
        self._thread: threading.Thread | None = None

    def start(self, height: int, head_hash: str, deliver: Deliver) -> None:
        self._next, self._head, self._deliver = height, head_hash, deliver
        self._running = True
        self._thread = threading.Thread(target=self._loop, name="baobab-orderer", daemon=True)
        self._thread.start()

    def submit(self, envelope: dict[str, Any], data: bytes) -> None:
        with self._cond:
            self._queue.append((envelope, len(data), time.monotonic(), data))
            if len(self._queue) == 1 or len(self._queue) >= self.max_txs:
                self._cond.notify()  # start the block timer, or cut a full block

    def _take_batch(self) -> list[tuple[dict[str, Any], int, float, bytes]] | None:
        """Wait until a block is due; None once stopped with nothing left."""
        with self._cond:
            while True:
                if self._queue:
                    due = self._queue[0][2] + self.timeout
                    if len(self._queue) >= self.max_txs or time.monotonic() >= due or not self._running:
                        break
                    self._cond.wait(max(0.0, due - time.monotonic()))
                elif not self._running:
                    return None
                else:
                    self._cond.wait()
            return take_batch(self._queue, self.max_txs, self.max_bytes)

    def _loop(self) -> None:
        while (batch := self._take_batch()) is not None:
            block = make_block(self.network, self._next, self._head, [i[0] for i in batch], now_rfc3339(), self.key,
                               leaves=[i[3] for i in batch])
            try:
                self._deliver(block)
            except Exception:  # the committer could not store it: stop rather than fork the chain
                log.exception("block %d could not be committed; the orderer stops", self._next)
                self._running = False
                return
            self._next += 1
            self._head = block_hash(block["header"])

    def stop(self) -> None:
        with self._cond:
            self._running = False
            self._cond.notify()
        if self._thread is not None:
            self._thread.join()
