"""PostgreSQL store: the network mode's ledger, one database per organisation's node.

The schema comes from the versioned migrations in `migrations/postgres/`, applied on open.
Connections come from a pool (psycopg_pool): reads from the API, endorsements and the block
follower run at once, each on a connection of its own, instead of queueing behind one. A block
and all its effects are written in one PostgreSQL transaction; with the server's default
`synchronous_commit = on`, the commit returns only once the WAL is flushed, so an
acknowledged block survives a crash. Values are stored as their RFC 8785 text, exactly as the
SQLite store does, so the two stores hold byte-identical rows for the same ledger.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg_pool import ConnectionPool, PoolTimeout

from baobab.core.errors import BaobabError
from baobab.core.jcs import canonicalize
from baobab.ledger.store import tree
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
    def __init__(self, url: str, *, pool_size: int = 10, wait_s: float = 10.0) -> None:
        self.url = url
        # A connection that broke (the server restarted) is dropped when it comes back to the
        # pool and replaced; the query that met it fails, and its caller retries as before.
        self._pool = ConnectionPool(url, min_size=2, max_size=pool_size, kwargs={"autocommit": True},
                                    timeout=wait_s, name="baobab-ledger", open=False)
        self._pool.open()
        try:
            self._pool.wait(wait_s)
            with self.connection() as conn:
                migrate(conn)
            self._grow_tree()
        except PoolTimeout as exc:
            self._pool.close()
            raise BaobabError("STORE_UNAVAILABLE", f"cannot reach the database: {exc}".strip()) from None
        except BaseException:
            self._pool.close()
            raise

    @contextmanager
    def connection(self) -> Iterator[psycopg.Connection[Any]]:
        """A pooled connection (autocommit), also for side tables that share the store's
        database (private data); STORE_UNAVAILABLE when none can be had in time."""
        try:
            with self._pool.connection() as conn:
                yield conn
        except PoolTimeout as exc:
            raise BaobabError("STORE_UNAVAILABLE", f"cannot reach the database: {exc}".strip()) from None

    def _one(self, sql: str, params: Any = ()) -> Any:
        with self.connection() as conn:
            return conn.execute(sql, params).fetchone()

    def _all(self, sql: str, params: Any = ()) -> list[Any]:
        with self.connection() as conn:
            return conn.execute(sql, params).fetchall()

    def height(self) -> int:
        row = self._one("SELECT COALESCE(MAX(number) + 1, 0) FROM blocks")
        return int(row[0])

    def commit(self, block: BlockRecord, tx_ids: list[str], writes: list[Write]) -> None:
        """One PostgreSQL transaction, sent as one pipeline: every statement leaves at once and
        the server's answers are read at COMMIT, so a block costs about one round trip instead
        of one per statement. The block-hash tree's left siblings come from the frontier kept
        in memory (`_frontier`), not from a query per level."""
        upserts = [(w.key, _dump(w.value), *w.version) for w in writes if w.value is not None]
        deletes = [(w.key,) for w in writes if w.value is None]
        rows = tree.new_nodes(block.number, tree.block_leaf(block.hash), self._tree_node)
        with self.connection() as conn, conn.pipeline(), conn.transaction(), conn.cursor() as cur:
            cur.execute("INSERT INTO blocks VALUES (%s, %s, %s, %s, %s)",
                        (block.number, block.hash, block.data, json.dumps(block.codes), block.commit_hash))
            cur.executemany("INSERT INTO txs VALUES (%s, %s, %s, %s) ON CONFLICT (tx_id) DO NOTHING",
                            [(t, block.number, i, c) for i, (t, c) in enumerate(zip(tx_ids, block.codes))])
            cur.executemany("INSERT INTO state VALUES (%s, %s, %s, %s) ON CONFLICT (key) DO UPDATE "
                            "SET value = EXCLUDED.value, block = EXCLUDED.block, tx = EXCLUDED.tx", upserts)
            cur.executemany("DELETE FROM state WHERE key = %s", deletes)
            cur.executemany("INSERT INTO history VALUES (%s, %s, %s, %s)",
                            [(w.key, *w.version, _dump(w.value)) for w in writes])
            self._insert_tree(cur, rows)
        self._advance_frontier(block.number + 1, rows)

    @staticmethod
    def _insert_tree(cur: Any, rows: list[tuple[int, int, bytes]]) -> None:
        cur.executemany("INSERT INTO tree VALUES (%s, %s, %s) ON CONFLICT (level, idx) DO UPDATE SET hash = EXCLUDED.hash",
                        rows)

    def _tree_node(self, n: tree.Node) -> bytes:
        """A stored tree node, from the frontier in memory or else from the table."""
        found = self._frontier.get(n)
        if found is None:
            row = self._one("SELECT hash FROM tree WHERE level = %s AND idx = %s", n)
            if row is None:
                raise BaobabError("CORRUPT", f"block-hash tree node {n} is missing", table="tree")
            found = bytes(row[0])
        return found

    def _advance_frontier(self, size: int, rows: list[tuple[int, int, bytes]]) -> None:
        """After a commit: keep the nodes whose leaves make up [0, size) (at most log2 size of
        them), which are exactly the left siblings the next commits read."""
        known = {**self._frontier, **{(level, idx): h for level, idx, h in rows}}
        self._frontier = {n: known[n] for n in tree.cover(0, size) if n in known}

    def _grow_tree(self) -> None:
        """Add the tree nodes of blocks committed before the store kept them (older ledgers)."""
        self._frontier: dict[tree.Node, bytes] = {}
        with self.connection() as conn, conn.transaction(), conn.cursor() as cur:
            leaves = int(cur.execute("SELECT COUNT(*) FROM tree WHERE level = 0").fetchone()[0])  # type: ignore[index]
            for number, block_hash in cur.execute("SELECT number, hash FROM blocks WHERE number >= %s ORDER BY number",
                                                  (leaves,)).fetchall():
                def node(n: tree.Node) -> bytes:
                    row = cur.execute("SELECT hash FROM tree WHERE level = %s AND idx = %s", n).fetchone()
                    if row is None:
                        raise BaobabError("CORRUPT", f"block-hash tree node {n} is missing", table="tree")
                    return bytes(row[0])

                self._insert_tree(cur, tree.new_nodes(int(number), tree.block_leaf(block_hash), node))

    def tree_nodes(self, nodes: set[tree.Node]) -> dict[tree.Node, bytes]:
        if not nodes:
            return {}
        levels, indexes = zip(*sorted(nodes))
        rows = self._all("SELECT t.level, t.idx, t.hash FROM tree t JOIN unnest(%s::int[], %s::bigint[]) "
                         "AS w(level, idx) ON t.level = w.level AND t.idx = w.idx", (list(levels), list(indexes)))
        return {(int(level), int(idx)): bytes(h) for level, idx, h in rows}

    def checked_height(self) -> int:
        row = self._one("SELECT height FROM checked WHERE id = 0")
        return int(row[0]) if row else 0

    def mark_checked(self, height: int) -> None:
        with self.connection() as conn, conn.transaction():
            conn.execute("INSERT INTO checked VALUES (0, %s) ON CONFLICT (id) DO UPDATE SET height = EXCLUDED.height",
                         (height,))

    def tree_rows(self) -> Iterator[tuple[int, int, bytes]]:
        for level, idx, h in self._scan("SELECT level, idx, hash FROM tree ORDER BY level, idx"):
            yield int(level), int(idx), bytes(h)

    def integrity(self) -> list[str]:
        """PostgreSQL has no whole-database check; where the amcheck extension is installed,
        each ledger table's B-tree indexes are checked against their ordering invariants."""
        problems: list[str] = []
        with self.connection() as conn:
            if conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'").fetchone() is None:
                return problems
            for (index,) in conn.execute(
                    "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                    "JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname IN ('blocks','txs','state','history','tree')"
                    ).fetchall():
                try:
                    conn.execute("SELECT bt_index_check(%s::regclass, true)", (index,))
                except psycopg.Error as exc:
                    problems.append(f"index {index}: {exc}".strip())
        return problems

    @staticmethod
    def _record(row: tuple[Any, ...]) -> BlockRecord:
        return BlockRecord(int(row[0]), row[1], bytes(row[2]), json.loads(row[3]), row[4])

    def block(self, number: int) -> BlockRecord | None:
        row = self._one("SELECT * FROM blocks WHERE number = %s", (number,))
        return None if row is None else self._record(row)

    def blocks(self, start: int = 0) -> Iterator[BlockRecord]:
        number = start
        while True:  # page through so audits of large ledgers stay in bounded memory
            rows = self._all("SELECT * FROM blocks WHERE number >= %s ORDER BY number LIMIT %s", (number, _PAGE))
            if not rows:
                return
            for row in rows:
                yield self._record(row)
            number = int(rows[-1][0]) + 1

    def tx(self, tx_id: str) -> tuple[int, int, str] | None:
        row = self._one("SELECT block, idx, code FROM txs WHERE tx_id = %s", (tx_id,))
        return None if row is None else (int(row[0]), row[1], row[2])

    def known_tx_ids(self, tx_ids: list[str]) -> set[str]:
        return {r[0] for r in self._all("SELECT tx_id FROM txs WHERE tx_id = ANY(%s)", (tx_ids,))} if tx_ids else set()

    def get(self, key: str) -> tuple[Any, Version] | None:
        row = self._one("SELECT value, block, tx FROM state WHERE key = %s", (key,))
        return None if row is None else (json.loads(row[0]), (int(row[1]), row[2]))

    def range(self, prefix: str, start_after: str | None = None,
              limit: int | None = None) -> list[tuple[str, Any, Version]]:
        after = start_after is not None and start_after >= prefix  # a page resumes after a key
        rows = self._all(f"SELECT key, value, block, tx FROM state WHERE key {'>' if after else '>='} %s AND key < %s "
                         "ORDER BY key LIMIT %s", (start_after if after else prefix, prefix + _TOP, limit))
        return [(k, json.loads(v), (int(b), t)) for k, v, b, t in rows]

    def history(self, key: str) -> list[tuple[Version, Any]]:
        rows = self._all("SELECT block, tx, value FROM history WHERE key = %s ORDER BY block, tx", (key,))
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
        self._pool.close()
