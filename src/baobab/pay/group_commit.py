"""Group commit: the switch operations of concurrent requests share one durable commit.

    grouped = GroupCommit(db)
    result = await grouped(hub.prepare, core, source, headers, body)   # from a request handler

A durable commit costs an fsync (SQLite with synchronous=FULL) or a WAL flush (PostgreSQL):
about a hundred a second on an ordinary disk, whatever the CPU. One writer thread takes every
operation waiting (up to `max_batch`), runs each in its own savepoint inside one transaction (an
operation that raises undoes only itself, and its caller gets the exception), commits once, and
only then answers every caller: nothing is acknowledged before it is durable, and the more
requests arrive together, the more share a commit.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from typing import Any

from baobab.pay.store import Database

MAX_BATCH = 256


def _settle(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if not future.done():
        future.set_result(value) if ok else future.set_exception(value)


class GroupCommit:
    def __init__(self, db: Database, max_batch: int = MAX_BATCH) -> None:
        self.db, self.max_batch = db, max_batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start = threading.Lock()

    async def __call__(self, operation: Callable[..., Any], *args: Any) -> Any:
        with self._start:
            if self._thread is None:  # started on first use: a switch that serves no request runs no thread
                self._thread = threading.Thread(target=self._write, name="switch-group-commit", daemon=True)
                self._thread.start()
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._queue.put((operation, args, loop, future))
        return await future

    def _write(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            outcomes: list[tuple[bool, Any]] = []
            try:
                with self.db.atomic():
                    for operation, args, _, _ in batch:
                        try:
                            with self.db.atomic():
                                outcomes.append((True, operation(*args)))
                        except Exception as exc:  # noqa: BLE001 - the caller's to answer, as if run alone
                            outcomes.append((False, exc))
            except Exception as exc:  # noqa: BLE001 - the commit failed: nothing of the batch holds
                outcomes = [(False, exc)] * len(batch)
            for (_, _, loop, future), (ok, value) in zip(batch, outcomes):
                loop.call_soon_threadsafe(_settle, future, ok, value)
