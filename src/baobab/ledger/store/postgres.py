"""PostgreSQL store: the network mode's ledger, one database per organisation's node.

The schema comes from the versioned migrations in `migrations/`, applied on open. A block
and all its effects are written in one PostgreSQL transaction; with the server's default
`synchronous_commit = on`, the commit returns only once the WAL is flushed, so an
acknowledged block survives a crash. Values are stored as their RFC 8785 text, exactly as the
SQLite store does, so the two stores hold byte-identical rows for the same ledger.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import psycopg

from baobab.core.errors import BaobabError
from baobab.core.jcs import canonicalize
from baobab.ledger.store.base import BlockRecord, Store, Version, Write
from baobab.ledger.store.migrations import migrate

_TOP = chr(0x10FFFF)
_PAGE = 256


def _dump(value: Any) -> str | None:
    return None if value is None else canonicalize(value).decode("utf-8")


def _load(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def connect(url: str, **kwargs: Any) -> psycopg.Connection[Any]:
    try:
        return psycopg.connect(url, autocommit=True, **kwargs)
    except psycopg.OperationalError as exc:
        raise BaobabError("STORE_UNAVAILABLE", f"cannot reach the database: {exc}".strip()) from None


class PostgresStore(Store):
    def __init__(self, url: str) -> None:
        self.url = url
        self._db = connect(url)
        self._lock = threading.RLock()
        migrate(self._db)

    @property
    def connection(self) -> psycopg.Connection[Any]:
        """The store's connection, for side tables that share its database (private data)."""
        return self._db

    @property
    def lock(self) -> threading.RLock:
        return self._lock

    def height(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT COALESCE(MAX(number) + 1, 0) FROM blocks").fetchone()
        return int(row[0])  # type: ignore[index]

    def commit(self, block: BlockRecord, tx_ids: list[str], writes: list[Write]) -> None:
        upserts = [(w.key, _dump(w.value), *w.version) for w in writes if w.value is not None]
        deletes = [(w.key,) for w in writes if w.value is None]
        with self._lock, self._db.transaction(), self._db.cursor() as cur:
            cur.execute("INSERT INTO blocks VALUES (%s, %s, %s, %s, %s)",
                        (block.number, block.hash, block.data, json.dumps(block.codes), block.commit_hash))
            cur.executemany("INSERT INTO txs VALUES (%s, %s, %s, %s) ON CONFLICT (tx_id) DO NOTHING",
                            [(t, block.number, i, c) for i, (t, c) in enumerate(zip(tx_ids, block.codes))])
            cur.executemany("INSERT INTO state VALUES (%s, %s, %s, %s) ON CONFLICT (key) DO UPDATE "
                            "SET value = EXCLUDED.value, block = EXCLUDED.block, tx = EXCLUDED.tx", upserts)
            cur.executemany("DELETE FROM state WHERE key = %s", deletes)
            cur.executemany("INSERT INTO history VALUES (%s, %s, %s, %s)",
                            [(w.key, *w.version, _dump(w.value)) for w in writes])

    @staticmethod
    def _record(row: tuple[Any, ...]) -> BlockRecord:
        return BlockRecord(int(row[0]), row[1], bytes(row[2]), json.loads(row[3]), row[4])

    def block(self, number: int) -> BlockRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM blocks WHERE number = %s", (number,)).fetchone()
        return None if row is None else self._record(row)

    def blocks(self, start: int = 0) -> Iterator[BlockRecord]:
        number = start
        while True:  # page through so audits of large ledgers stay in bounded memory
            with self._lock:
                rows = self._db.execute("SELECT * FROM blocks WHERE number >= %s ORDER BY number LIMIT %s",
                                        (number, _PAGE)).fetchall()
            if not rows:
                return
            for row in rows:
                yield self._record(row)
            number = int(rows[-1][0]) + 1

    def tx(self, tx_id: str) -> tuple[int, int, str] | None:
        with self._lock:
            row = self._db.execute("SELECT block, idx, code FROM txs WHERE tx_id = %s", (tx_id,)).fetchone()
        return None if row is None else (int(row[0]), row[1], row[2])

    def get(self, key: str) -> tuple[Any, Version] | None:
        with self._lock:
            row = self._db.execute("SELECT value, block, tx FROM state WHERE key = %s", (key,)).fetchone()
        return None if row is None else (json.loads(row[0]), (int(row[1]), row[2]))

    def range(self, prefix: str) -> list[tuple[str, Any, Version]]:
        with self._lock:
            rows = self._db.execute(
                "SELECT key, value, block, tx FROM state WHERE key >= %s AND key < %s ORDER BY key",
                (prefix, prefix + _TOP)).fetchall()
        return [(k, json.loads(v), (int(b), t)) for k, v, b, t in rows]

    def history(self, key: str) -> list[tuple[Version, Any]]:
        with self._lock:
            rows = self._db.execute("SELECT block, tx, value FROM history WHERE key = %s ORDER BY block, tx",
                                    (key,)).fetchall()
        return [((int(b), t), _load(v)) for b, t, v in rows]

    def _scan(self, sql: str) -> Iterator[tuple[Any, ...]]:
        """Stream a whole table through a server-side cursor on a connection of its own, so an
        audit reads one consistent snapshot while the node keeps committing."""
        with psycopg.connect(self.url) as conn, conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            with conn.cursor(name="baobab_scan") as cur:
                cur.itersize = 2000
                cur.execute(sql)
                yield from cur

    def state_rows(self) -> Iterator[tuple[str, Any, Version]]:
        for k, v, b, t in self._scan("SELECT key, value, block, tx FROM state ORDER BY key"):
            yield k, v, (int(b), t)

    def history_rows(self) -> Iterator[tuple[str, Version, Any]]:
        for k, b, t, v in self._scan("SELECT key, block, tx, value FROM history ORDER BY key, block, tx"):
            yield k, (int(b), t), v

    def tx_rows(self) -> Iterator[tuple[str, int, int, str]]:
        for t, b, i, c in self._scan("SELECT tx_id, block, idx, code FROM txs ORDER BY block, idx"):
            yield t, int(b), i, c

    def close(self) -> None:
        with self._lock:
            self._db.close()
