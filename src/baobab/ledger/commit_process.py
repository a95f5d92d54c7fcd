"""Validation and commit in a process of their own: the embedded node's second core.

One Python process runs one thread at a time, so an embedded node that endorses, validates
and commits in one process uses one core. Here the node keeps endorsement, ordering and
queries, and hands each signed block to a committer process, which runs the one validation
path (`Validator.process`, as the audit does) against the state it owns and commits the block
durably to SQLite. Only then does it answer with the validation codes and the writes, from
which the node updates its cache and answers its waiting clients: nothing is acknowledged
before it is on disk, and a block that does not validate or store stops the node as before.

The node passes along, with each block, the signature checks it already did (the client's
signature it verified, the endorsements it signed): (key, signature, signed message) triples
the committer adds to its memo of verified signatures. The committer still derives every
signed message from the block's own bytes, so a triple only counts for the very bytes it was
checked for, exactly as the memo works inside one process.

Like every user of `multiprocessing` outside the fork start method, a script that opens a node
must do so under `if __name__ == "__main__":` (the committer starts from a fork server that
imports the script's main module).

The committer holds an exclusive lock on the data folder while it lives, so two processes can
never write one ledger; it exits when the node closes the pipe or dies.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
import threading
import time
from collections import deque
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from baobab.core.errors import BaobabError
from baobab.core.keys import Triple, remember_verified
from baobab.ledger.store.base import BlockRecord, Write
from baobab.ledger.store.recent import RecentTxIds

log = logging.getLogger(__name__)

LOCK_FILE = "ledger.lock"
IN_FLIGHT = 2  # blocks sent and not yet committed: the next is ready as soon as one is done
PROFILE_ENV = "BAOBAB_PROFILE_COMMITTER"  # a file to write the committer's cProfile to at close
LOCK_WAIT_S = 30.0  # a node closing in another process releases the folder within this

Committed = tuple[BlockRecord, list[str], list[Write]]


class CommitProcess:
    """The node's side: start the committer, send it blocks, receive what each committed."""

    def __init__(self, conn: Connection, process: Any, recent: RecentTxIds) -> None:
        self._conn, self._process, self.recent = conn, process, recent
        self._slots = threading.Semaphore(IN_FLIGHT)
        self._sent: deque[dict[str, Any]] = deque()
        self._send_lock = threading.Lock()
        self.failure: BaobabError | None = None
        self._on_commit: Callable[[dict[str, Any], Committed], None] | None = None
        self._on_failure: Callable[[BaobabError], None] | None = None
        self._receiver: threading.Thread | None = None

    @classmethod
    def start(cls, data_dir: Path, genesis: dict[str, Any], registry: Any,
              genesis_block: dict[str, Any] | None, lock_wait_s: float = LOCK_WAIT_S) -> "CommitProcess":
        """Start the committer for the ledger in `data_dir`; returns once it has checked the store
        (and written `genesis_block` to an empty one)."""
        ctx = multiprocessing.get_context("forkserver")  # a fork of a clean server: no threads copied
        ctx.set_forkserver_preload([__name__, "baobab.contracts"])
        ours, theirs = ctx.Pipe()
        process = ctx.Process(target=serve, name="baobab-committer", daemon=True,
                              args=(theirs, str(data_dir), genesis, registry, genesis_block, lock_wait_s))
        process.start()
        theirs.close()
        ended = BaobabError("STORE_UNAVAILABLE", "the committer process ended while starting (a script that opens "
                                                 "a node must do so under `if __name__ == \"__main__\":`)")
        while not ours.poll(0.5):
            if not process.is_alive():
                raise ended
        try:
            kind, payload = pickle.loads(ours.recv_bytes())
        except (EOFError, OSError):
            process.join(5)
            raise ended from None
        if kind == "error":
            process.join(5)
            raise BaobabError(payload[0], payload[1], **payload[2])
        recent = RecentTxIds(genesis["time_window_s"])
        recent.restore(payload)
        return cls(ours, process, recent)

    @property
    def pid(self) -> int:
        return int(self._process.pid)

    def run(self, on_commit: Callable[[dict[str, Any], Committed], None],
            on_failure: Callable[[BaobabError], None]) -> None:
        """Start delivering results: `on_commit(block, (record, tx_ids, writes))` per block, in
        order; `on_failure(error)` once if the committer refuses a block or dies."""
        self._on_commit, self._on_failure = on_commit, on_failure
        self._receiver = threading.Thread(target=self._receive, name="baobab-commit-results", daemon=True)
        self._receiver.start()

    def send(self, block: dict[str, Any], verified: list[Triple]) -> None:
        """Hand a block over; blocks while IN_FLIGHT blocks are committing. Raises if the
        committer has failed (the orderer then stops rather than fork the chain)."""
        while not self._slots.acquire(timeout=0.5):
            if self.failure is not None:
                raise self.failure
        if self.failure is not None:
            self._slots.release()
            raise self.failure
        with self._send_lock:
            self._sent.append(block)
            try:
                self._conn.send_bytes(pickle.dumps((block, verified), pickle.HIGHEST_PROTOCOL))
            except (OSError, ValueError) as exc:
                self._fail(BaobabError("STORE_UNAVAILABLE", f"the committer process is gone: {exc}"))
                raise self.failure from None  # type: ignore[misc]

    def _receive(self) -> None:
        while True:
            try:
                kind, payload = pickle.loads(self._conn.recv_bytes())
            except (EOFError, OSError):  # it ended without being asked to
                self._fail(BaobabError("STORE_UNAVAILABLE", "the committer process ended"))
                return
            if kind == "closed":
                return
            block = self._sent.popleft()
            if kind == "error":
                self._fail(BaobabError(payload[0], payload[1], **payload[2]))
                return
            number, bhash, codes, chash, tx_ids, writes = payload
            record = BlockRecord(number, bhash, b"", codes, chash)
            try:
                self._on_commit(block, (record, tx_ids, [Write(k, v, ver) for k, v, ver in writes]))  # type: ignore[misc]
            except Exception:  # noqa: BLE001 - the block is committed; a waiter's trouble is its own
                log.exception("applying committed block %d", number)
            self._slots.release()

    def _fail(self, error: BaobabError) -> None:
        if self.failure is None:
            self.failure = error
            log.error("the committer failed: %s", error.message)
            if self._on_failure is not None:
                self._on_failure(error)
        self._slots.release()

    def close(self) -> None:
        """Wait for what was sent to commit, then stop the committer."""
        with self._send_lock:
            try:
                self._conn.send_bytes(pickle.dumps(("close", None)))
            except (OSError, ValueError):
                pass
        if self._receiver is not None:
            self._receiver.join()
        self._process.join(LOCK_WAIT_S)
        if self._process.is_alive():
            self._process.kill()
        self._conn.close()


# --- the committer process ----------------------------------------------------------------


def _lock_folder(data_dir: Path, wait_s: float) -> FileLock:
    """Hold the ledger's writer lock (waiting a while for a node closing elsewhere); the
    operating system releases it when this process ends, however it ends."""
    lock = FileLock(data_dir / LOCK_FILE, timeout=wait_s, is_singleton=False)
    try:
        lock.acquire()
    except Timeout:
        raise BaobabError("STORE_UNAVAILABLE", f"the ledger in {data_dir} is served by another process") from None
    return lock


def _error(exc: BaobabError) -> tuple[str, Any]:
    return "error", (exc.code, exc.message, exc.detail)


def serve(conn: Connection, data_dir: str, genesis: dict[str, Any], registry: Any,
          genesis_block: dict[str, Any] | None, lock_wait_s: float = LOCK_WAIT_S) -> None:
    """The committer's loop: check the store, then validate and commit each block it is sent."""
    from baobab.embedded import LEDGER_FILE
    from baobab.ledger.audit import check_store
    from baobab.ledger.state_cache import StateCache
    from baobab.ledger.store.at_rest import folder_sealer
    from baobab.ledger.store.sqlite import SQLiteStore
    from baobab.ledger.tx import parse_time
    from baobab.ledger.validator import Validator

    root = Path(data_dir)
    try:
        lock = _lock_folder(root, lock_wait_s)
        store = SQLiteStore(root / LEDGER_FILE, folder_sealer(root, create=True))
        recent = RecentTxIds(genesis["time_window_s"])
        if store.height():
            report = check_store(store, recent)
            if not report.ok:
                code = "CORRUPT" if report.where.get("table") == "database" else "STORE_MISMATCH"
                raise BaobabError(code, f"the ledger store is damaged, the node will not serve it: {report.problem}. "
                                        "Run `baobab verify` for the full audit.", **report.where)
        state = StateCache(store, recent)
        validator = Validator(genesis, registry)
        head = store.block(store.height() - 1) if store.height() else None
        if head is None:
            if genesis_block is None:
                raise BaobabError("CORRUPT", "an empty ledger needs the orderer key to write the genesis block")
            head, tx_ids, writes = validator.process(genesis_block, None, state)
            store.commit(head, tx_ids, writes)
            state.committed(writes)
    except BaobabError as exc:
        conn.send_bytes(pickle.dumps(_error(exc)))
        return
    conn.send_bytes(pickle.dumps(("ready", recent.snapshot())))
    profile = os.environ.get(PROFILE_ENV)  # set by `bench ledger --profile`
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            break  # the node is gone: nothing more can be acknowledged
        block, verified = pickle.loads(message)
        if block == "close":
            conn.send_bytes(pickle.dumps(("closed", None)))
            break
        remember_verified(verified)
        try:
            record, tx_ids, writes = validator.process(block, head, state)
            store.commit(record, tx_ids, writes)
        except Exception as exc:  # noqa: BLE001 - refused or not stored: the node stops its orderer
            error = exc if isinstance(exc, BaobabError) else BaobabError(
                "STORE_UNAVAILABLE", f"block {head.number + 1} could not be stored: {exc}")
            conn.send_bytes(pickle.dumps(_error(error)))
            continue
        recent.add(record.number, parse_time(block["header"]["timestamp"]), tx_ids)
        state.committed(writes)
        head = record
        conn.send_bytes(pickle.dumps(("ok", (record.number, record.hash, record.codes, record.commit_hash, tx_ids,
                                              [(w.key, w.value, w.version) for w in writes])),
                                     pickle.HIGHEST_PROTOCOL))
    store.close()
    lock.release()
    if profile:
        profiler.disable()
        profiler.dump_stats(profile)
