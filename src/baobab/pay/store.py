"""The switch's database: SQLite in the embedded default, PostgreSQL in network mode, one interface.

Statements are written once with `?` placeholders; the PostgreSQL side turns them into `%s`.
`atomic()` is one database transaction: a switch operation commits every row it wrote, durably,
or none; operations grouped in an outer `atomic()` share one durable commit (group commit).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol


class Database(Protocol):
    @property
    def tx_cache(self) -> dict[Any, Any]: ...
    def script(self, sql: str) -> None: ...
    def run(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None: ...
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
    def atomic(self) -> Any: ...
    def close(self) -> None: ...


class _Transactional:
    """Transactions over one connection guarded by a lock; a nested `atomic()` is a savepoint, so
    an operation refused inside a batch undoes its own writes and nothing else."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        self._cache: dict[Any, Any] = {}

    @property
    def tx_cache(self) -> dict[Any, Any]:
        """Rows the current transaction read and will read again (a participant's standing, the
        open window, account balances): valid while the transaction holds, since only it can change
        them (SQLite's write lock, PostgreSQL's serializable snapshot); emptied when it ends and at
        any rollback; whoever writes such a row updates or drops it. Outside a transaction, a
        fresh dict each time: nothing is remembered."""
        return self._cache if self._depth else {}

    def _execute(self, sql: str) -> None:
        raise NotImplementedError

    @contextmanager
    def atomic(self) -> Iterator[None]:
        with self._lock:
            depth = self._depth
            if not depth:
                self._cache.clear()
            self._execute(f"SAVEPOINT sp{depth}" if depth else self._begin_sql)
            self._depth = depth + 1
            try:
                yield
            except BaseException:
                self._cache.clear()
                self._execute(f"ROLLBACK TO SAVEPOINT sp{depth}" if depth else "ROLLBACK")
                if depth:
                    self._execute(f"RELEASE SAVEPOINT sp{depth}")
                raise
            finally:
                self._depth = depth
                if not depth:
                    self._cache.clear()
            self._execute(f"RELEASE SAVEPOINT sp{depth}" if depth else "COMMIT")

    _begin_sql = "BEGIN"


class SQLiteDatabase(_Transactional):
    def __init__(self, path: str | Path) -> None:
        super().__init__()
        path = Path(path)
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o600)  # readable by the node's user alone
            os.close(fd)
        self._conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")  # an acknowledged transfer survives a crash

    _begin_sql = "BEGIN IMMEDIATE"

    def _execute(self, sql: str) -> None:
        self._conn.execute(sql)

    def script(self, sql: str) -> None:
        with self._lock:
            self._conn.executescript(sql)

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self._lock:
            self._conn.execute(sql, params)

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement run for each of `rows`: one call however many rows."""
        with self._lock:
            self._conn.executemany(sql, rows)

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self._lock:
            return self._conn.execute(sql, params).fetchone()  # type: ignore[no-any-return]

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def close(self) -> None:
        self._conn.close()


class PostgresDatabase(_Transactional):
    def __init__(self, dsn: str) -> None:
        import psycopg

        super().__init__()
        self._conn = psycopg.connect(dsn, autocommit=True)

    @staticmethod
    def _sql(sql: str) -> str:
        return sql.replace("?", "%s")

    _begin_sql = "BEGIN ISOLATION LEVEL SERIALIZABLE"

    def _execute(self, sql: str) -> None:
        self._conn.execute(sql)  # type: ignore[call-overload]

    def script(self, sql: str) -> None:
        with self._lock:
            for statement in filter(str.strip, sql.split(";")):
                self._conn.execute(statement)  # type: ignore[call-overload]

    def run(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self._lock:
            self._conn.execute(self._sql(sql), params)  # type: ignore[call-overload]

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """One statement run for each of `rows`, pipelined: one round trip however many rows."""
        if rows:
            with self._lock, self._conn.cursor() as cursor:
                cursor.executemany(self._sql(sql), rows)

    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        with self._lock:
            return self._conn.execute(self._sql(sql), params).fetchone()  # type: ignore[call-overload,no-any-return]

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(self._sql(sql), params).fetchall()  # type: ignore[call-overload,no-any-return]

    def close(self) -> None:
        self._conn.close()
