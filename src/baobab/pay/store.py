"""The switch's database: SQLite in the embedded default, PostgreSQL in network mode, one interface.

Statements are written once with `?` placeholders; the PostgreSQL side turns them into `%s`.
`atomic()` is one database transaction: a switch operation commits every row it wrote, durably,
or none; operations grouped in an outer `atomic()` share one durable commit (group commit).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol


class Database(Protocol):
    @property
    def tx_cache(self) -> dict[Any, Any]: ...
    @property
    def tx_state(self) -> dict[Any, Any]: ...
    @property
    def in_transaction(self) -> bool: ...
    def undo_on_rollback(self, step: Callable[[], None]) -> None: ...
    def before_commit(self, key: Any, step: Callable[[], None]) -> None: ...
    def script(self, sql: str) -> None: ...
    def run(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def one(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None: ...
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
    def atomic(self) -> Any: ...
    def add_column(self, table: str, column: str, definition: str) -> None: ...
    def close(self) -> None: ...


class _Transactional:
    """Transactions over one connection guarded by a lock; a nested `atomic()` is a savepoint, so
    an operation refused inside a batch undoes its own writes and nothing else."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._depth = 0
        self._cache: dict[Any, Any] = {}
        self._state: dict[Any, Any] = {}
        self._undo: list[Callable[[], None]] = []
        self._before_commit: dict[Any, Callable[[], None]] = {}

    @property
    def in_transaction(self) -> bool:
        return self._depth > 0

    @property
    def tx_cache(self) -> dict[Any, Any]:
        """Rows the current transaction read and will read again (a participant's standing, the
        open window, account balances): valid while the transaction holds, since only it can change
        them (SQLite's write lock, PostgreSQL's serializable snapshot); emptied when it ends and at
        any rollback; whoever writes such a row updates or drops it. Outside a transaction, a
        fresh dict each time: nothing is remembered."""
        return self._cache if self._depth else {}

    @property
    def tx_state(self) -> dict[Any, Any]:
        """What a writer keeps for the current transaction and writes at its end (the journal's
        account totals): kept across a savepoint's rollback, which runs the undo steps the writer
        registered with `undo_on_rollback` since the savepoint, latest first; dropped when the
        transaction ends. Outside a transaction, a fresh dict each time."""
        return self._state if self._depth else {}

    def undo_on_rollback(self, step: Callable[[], None]) -> None:
        """Run `step` if the innermost savepoint (or the transaction) open now rolls back."""
        if self._depth:
            self._undo.append(step)

    def before_commit(self, key: Any, step: Callable[[], None]) -> None:
        """Run `step` (once per key) inside the transaction just before it commits: the last
        writes, durable with the rest or not at all."""
        if self._depth:
            self._before_commit.setdefault(key, step)

    def _forget(self) -> None:
        self._cache.clear()
        self._state.clear()
        self._undo.clear()
        self._before_commit.clear()

    def _execute(self, sql: str) -> None:
        raise NotImplementedError

    def atomic(self) -> _Atomic:
        return _Atomic(self)

    _begin_sql = "BEGIN"


class _Atomic:
    """`with db.atomic():` one transaction, or a savepoint inside one (a class, not a generator:
    a switch batch opens two of them per transfer)."""

    __slots__ = ("db", "depth", "mark")

    def __init__(self, db: _Transactional) -> None:
        self.db = db

    def __enter__(self) -> None:
        db = self.db
        db._lock.acquire()
        try:
            depth = self.depth = db._depth
            self.mark = len(db._undo)
            if not depth:
                db._forget()
            db._execute(f"SAVEPOINT sp{depth}" if depth else db._begin_sql)
        except BaseException:
            db._lock.release()
            raise
        db._depth = depth + 1

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> bool:
        db, depth = self.db, self.depth
        try:
            if exc_type is not None:
                self._roll_back()
                return False
            if not depth:
                try:
                    for step in list(db._before_commit.values()):
                        step()
                except BaseException:
                    self._roll_back()
                    raise
            db._depth = depth
            if not depth:
                db._forget()
            db._execute(f"RELEASE SAVEPOINT sp{depth}" if depth else "COMMIT")
            return False
        finally:
            db._lock.release()

    def _roll_back(self) -> None:
        db, depth = self.db, self.depth
        try:
            db._cache.clear()
            while len(db._undo) > self.mark:
                db._undo.pop()()
            db._execute(f"ROLLBACK TO SAVEPOINT sp{depth}" if depth else "ROLLBACK")
            if depth:
                db._execute(f"RELEASE SAVEPOINT sp{depth}")
        finally:
            db._depth = depth
            if not depth:
                db._forget()


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

    def add_column(self, table: str, column: str, definition: str) -> None:
        """Give a table made by an earlier version the column it now has (nothing if it has it)."""
        with self._lock:
            if column not in {row[1] for row in self._conn.execute(f"PRAGMA table_info({table})")}:
                self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

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

    def add_column(self, table: str, column: str, definition: str) -> None:
        """Give a table made by an earlier version the column it now has (nothing if it has it)."""
        with self._lock:
            self._conn.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS {column} {definition}")  # type: ignore[call-overload]

    def close(self) -> None:
        self._conn.close()
