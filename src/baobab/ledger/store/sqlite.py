"""SQLite store: the embedded default. WAL journal with synchronous=FULL, so a committed
block survives a crash or power loss, and readers never see a half-written block.

With a `sealer` (the node's data key, see at_rest.py) the ledger's contents are sealed at
rest: each block's bytes and every state and history value are stored AES-GCM sealed, bound
to where they belong (block number; key; key and version), so a copied file shows no trade
data and a row moved elsewhere does not open. Keys, transaction ids, codes and hashes stay
in clear for the indexes. Rows written unsealed (a ledger from before) are still read.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import json

from baobab.core.errors import BaobabError
from baobab.core.jcs import canonicalize
from baobab.ledger.store import tree
from baobab.ledger.store.at_rest import Sealer, is_sealed, private_file, private_folder
from baobab.ledger.store.base import BlockRecord, Store, Version, Write
from baobab.ledger.store.migrations import migrate_sqlite

_TOP = chr(0x10FFFF)


# Many rows per statement: the sqlite3 module releases the GIL at every step, and a committer
# that must win the GIL back once per row from busy endorsing threads commits slowly.
_ROWS_PER_STATEMENT = 200


def _insert_rows(db: sqlite3.Connection, insert: str, rows: list[tuple[Any, ...]]) -> None:
    for i in range(0, len(rows), _ROWS_PER_STATEMENT):
        chunk = rows[i : i + _ROWS_PER_STATEMENT]
        marks = ",".join(["(" + ",".join("?" * len(chunk[0])) + ")"] * len(chunk))
        db.execute(f"{insert} VALUES {marks}", [v for row in chunk for v in row])


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def _block_aad(number: int) -> bytes:
    return f"block/{number}".encode()


def _state_aad(key: str) -> bytes:
    return f"state/{key}".encode("utf-8", "surrogatepass")


def _history_aad(key: str, version: Version) -> bytes:
    return f"history/{version[0]}/{version[1]}/{key}".encode("utf-8", "surrogatepass")


def _dump(value: Any) -> str | None:
    return None if value is None else canonicalize(value).decode("utf-8")


class SQLiteStore(Store):
    """One writer connection behind a lock, and a small pool of reader connections, so
    queries and endorsements never wait for a block's commit (WAL readers see the last
    committed block). A reader is borrowed for one query and returned; at most
    `IDLE_READERS` stay open, however many threads come and go, each with a small page cache
    (opening and closing one per query costs more than the query)."""

    IDLE_READERS = 64
    READER_CACHE_KIB = 512

    def __init__(self, path: str | Path, sealer: Sealer | None = None) -> None:
        self.path = str(path)
        self.sealer = sealer
        # Owner-only before SQLite opens it: its -wal and -shm files take the database's mode.
        private_folder(Path(path).parent)
        private_file(Path(path))
        try:
            self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            migrate_sqlite(self._db)
        except sqlite3.DatabaseError as exc:
            raise BaobabError("CORRUPT", f"{path} is not a readable ledger database: {exc}",
                              table="database") from None
        for suffix in ("-wal", "-shm"):
            private_file(Path(self.path + suffix), create=False)
        self._lock = threading.RLock()
        self._idle: list[sqlite3.Connection] = []
        self._idle_lock = threading.Lock()
        try:
            self._grow_tree()
        except sqlite3.DatabaseError as exc:  # a damaged page under the ledger's tables
            self._db.close()
            raise BaobabError("CORRUPT", f"{path} is not a readable ledger database: {exc}",
                              table="database") from None

    def _connect_reader(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        conn.execute("PRAGMA query_only=ON")
        conn.execute(f"PRAGMA cache_size=-{self.READER_CACHE_KIB}")
        return conn

    def _query(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[tuple[Any, ...]]:
        with self._idle_lock:
            conn = self._idle.pop() if self._idle else None
        conn = conn or self._connect_reader()
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            with self._idle_lock:
                keep = len(self._idle) < self.IDLE_READERS
                if keep:
                    self._idle.append(conn)
            if not keep:
                conn.close()

    def height(self) -> int:
        ((n,),) = self._query("SELECT COALESCE(MAX(number) + 1, 0) FROM blocks")
        return int(n)

    def commit(self, block: BlockRecord, tx_ids: list[str], writes: list[Write]) -> None:
        with self._lock:
            db = self._db
            db.execute("BEGIN IMMEDIATE")
            try:
                db.execute(
                    "INSERT INTO blocks VALUES (?, ?, ?, ?, ?)",
                    (block.number, block.hash, self._seal(block.data, _block_aad(block.number)),
                     json.dumps(block.codes), block.commit_hash),
                )
                texts = [_dump(w.value) for w in writes]  # once per write, for state and history
                _insert_rows(db, "INSERT OR IGNORE INTO txs", [(t, block.number, i, c) for i, (t, c) in
                                                               enumerate(zip(tx_ids, block.codes))])
                _insert_rows(db, "INSERT OR REPLACE INTO state",
                             [(w.key, self._seal_text(t, _state_aad(w.key)), *w.version)
                              for w, t in zip(writes, texts) if t is not None])
                deletes = [w.key for w in writes if w.value is None]
                for i in range(0, len(deletes), _ROWS_PER_STATEMENT):
                    chunk = deletes[i : i + _ROWS_PER_STATEMENT]
                    db.execute(f"DELETE FROM state WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                _insert_rows(db, "INSERT INTO history", [(w.key, *w.version, self._seal_text(t, _history_aad(w.key, w.version)))
                                                         for w, t in zip(writes, texts)])
                self._add_leaf(block.number, block.hash)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _add_leaf(self, number: int, block_hash: str) -> None:
        def node(n: tree.Node) -> bytes:
            row = self._db.execute("SELECT hash FROM tree WHERE level = ? AND idx = ?", n).fetchone()
            if row is None:
                raise BaobabError("CORRUPT", f"block-hash tree node {n} is missing", table="tree")
            return bytes(row[0])

        rows = tree.new_nodes(number, tree.block_leaf(block_hash), node)
        self._db.executemany("INSERT OR REPLACE INTO tree VALUES (?, ?, ?)", rows)

    def _grow_tree(self) -> None:
        """Add the tree nodes of blocks committed before the store kept them (older ledgers)."""
        with self._lock:
            ((leaves,),) = self._db.execute("SELECT COUNT(*) FROM tree WHERE level = 0").fetchall()
            if leaves >= self.height():
                return
            self._db.execute("BEGIN IMMEDIATE")
            try:
                for number, block_hash in self._db.execute(
                        "SELECT number, hash FROM blocks WHERE number >= ? ORDER BY number", (leaves,)).fetchall():
                    self._add_leaf(number, block_hash)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise

    def tree_nodes(self, nodes: set[tree.Node]) -> dict[tree.Node, bytes]:
        found: dict[tree.Node, bytes] = {}
        wanted = sorted(nodes)
        for i in range(0, len(wanted), 400):
            chunk = wanted[i : i + 400]
            where = " OR ".join(["(level = ? AND idx = ?)"] * len(chunk))
            for level, idx, h in self._query(f"SELECT level, idx, hash FROM tree WHERE {where}",
                                             [v for n in chunk for v in n]):
                found[(level, idx)] = bytes(h)
        return found

    def tree_rows(self) -> Iterator[tuple[int, int, bytes]]:
        for level, idx, h in self._scan("SELECT level, idx, hash FROM tree ORDER BY level, idx"):
            yield level, idx, bytes(h)

    def checked_height(self) -> int:
        rows = self._query("SELECT height FROM checked WHERE id = 0")
        return int(rows[0][0]) if rows else 0

    def mark_checked(self, height: int) -> None:
        with self._lock:  # autocommit: durable when it returns
            self._db.execute("INSERT OR REPLACE INTO checked VALUES (0, ?)", (height,))

    def integrity(self) -> list[str]:
        try:
            rows = self._query("PRAGMA integrity_check")
        except sqlite3.DatabaseError as exc:
            return [str(exc)]
        return [] if [r[0] for r in rows] == ["ok"] else [str(r[0]) for r in rows]

    # --- sealing at rest -------------------------------------------------------------

    def _seal(self, data: bytes, aad: bytes) -> bytes:
        return data if self.sealer is None else self.sealer.seal(data, aad)

    def _seal_text(self, text: str | None, aad: bytes) -> str | bytes | None:
        return text if text is None or self.sealer is None else self.sealer.seal(text.encode("utf-8"), aad)

    def _open(self, stored: Any, aad: bytes, table: str) -> bytes:
        data = bytes(stored) if not isinstance(stored, str) else stored.encode("utf-8")
        if not is_sealed(data):
            return data  # written before sealing, or by a store without a data key
        if self.sealer is None:
            raise BaobabError("CORRUPT", f"the {table} rows are sealed and no data key was given", table=table)
        try:
            return self.sealer.open(data, aad)
        except BaobabError as exc:
            raise BaobabError("CORRUPT", f"a sealed {table} row does not open: {exc.message}", table=table) from None

    def _text(self, stored: Any, aad: bytes, table: str) -> str | None:
        return None if stored is None else self._open(stored, aad, table).decode("utf-8")

    def _record(self, row: tuple[Any, ...]) -> BlockRecord:
        return BlockRecord(row[0], row[1], self._open(row[2], _block_aad(row[0]), "blocks"), json.loads(row[3]), row[4])

    def block(self, number: int) -> BlockRecord | None:
        rows = self._query("SELECT * FROM blocks WHERE number = ?", (number,))
        return self._record(rows[0]) if rows else None

    def blocks(self, start: int = 0) -> Iterator[BlockRecord]:
        number = start
        while True:  # page through so audits of large ledgers stay in bounded memory
            rows = self._query("SELECT * FROM blocks WHERE number >= ? ORDER BY number LIMIT 256", (number,))
            if not rows:
                return
            for row in rows:
                yield self._record(row)
            number = rows[-1][0] + 1

    def tx(self, tx_id: str) -> tuple[int, int, str] | None:
        rows = self._query("SELECT block, idx, code FROM txs WHERE tx_id = ?", (tx_id,))
        return (rows[0][0], rows[0][1], rows[0][2]) if rows else None

    def known_tx_ids(self, tx_ids: list[str]) -> set[str]:
        found: set[str] = set()
        for i in range(0, len(tx_ids), 500):  # stay under SQLite's bound-parameter limit
            chunk = tx_ids[i : i + 500]
            marks = ",".join("?" * len(chunk))
            found.update(r[0] for r in self._query(f"SELECT tx_id FROM txs WHERE tx_id IN ({marks})", chunk))
        return found

    def get(self, key: str) -> tuple[Any, Version] | None:
        rows = self._query("SELECT value, block, tx FROM state WHERE key = ?", (key,))
        return (json.loads(self._text(rows[0][0], _state_aad(key), "state")), (rows[0][1], rows[0][2])) if rows else None  # type: ignore[arg-type]

    def range(self, prefix: str, start_after: str | None = None,
              limit: int | None = None) -> list[tuple[str, Any, Version]]:
        after = start_after is not None and start_after >= prefix  # a page resumes after a key
        rows = self._query(
            f"SELECT key, value, block, tx FROM state WHERE key {'>' if after else '>='} ? AND key < ? "
            "ORDER BY key LIMIT ?", (start_after if after else prefix, prefix + _TOP, -1 if limit is None else limit))
        return [(k, json.loads(self._text(v, _state_aad(k), "state")), (b, t)) for k, v, b, t in rows]  # type: ignore[arg-type]

    def history(self, key: str) -> list[tuple[Version, Any]]:
        rows = self._query("SELECT block, tx, value FROM history WHERE key = ? ORDER BY block, tx", (key,))
        return [((b, t), _load(self._text(v, _history_aad(key, (b, t)), "history"))) for b, t, v in rows]

    def _scan(self, sql: str) -> Iterator[tuple[Any, ...]]:
        conn = self._connect_reader()  # its own connection: an audit scan streams for long
        try:
            yield from conn.execute(sql)
        finally:
            conn.close()

    def state_rows(self) -> Iterator[tuple[str, Any, Version]]:
        for k, v, b, t in self._scan("SELECT key, value, block, tx FROM state ORDER BY key"):
            yield k, self._text(v, _state_aad(k), "state"), (b, t)

    def history_rows(self) -> Iterator[tuple[str, Version, Any]]:
        for k, b, t, v in self._scan("SELECT key, block, tx, value FROM history ORDER BY key, block, tx"):
            yield k, (b, t), self._text(v, _history_aad(k, (b, t)), "history")

    def tx_rows(self) -> Iterator[tuple[str, int, int, str]]:
        yield from self._scan("SELECT tx_id, block, idx, code FROM txs ORDER BY block, idx")

    def close(self) -> None:
        with self._lock:
            with self._idle_lock:
                for conn in self._idle:
                    conn.close()
                self._idle.clear()
            self._db.close()
