"""Versioned SQL migrations of the ledger stores, applied in order when a store opens.

Each store has its folder (`postgres/`, `sqlite/`) of files named NNNN_description.sql, with the
same versions for the same change, so that both stores have one schema history. The applied
versions are recorded in `schema_migrations`. All missing migrations run in one transaction
under a lock (PostgreSQL: an advisory lock; SQLite: the database's write lock), so two
processes opening the same database cannot apply one twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from importlib import resources
from typing import Any

_LOCK_ID = 0x6261_6F62  # "baob": the advisory lock taken while migrating
DIALECTS = ("postgres", "sqlite")
_TABLE = {
    "postgres": "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TIMESTAMPTZ NOT NULL DEFAULT now())",
    "sqlite": "CREATE TABLE IF NOT EXISTS schema_migrations ("
              "version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
              "applied TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')))",
}


def migrations(dialect: str = "postgres") -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped for `dialect`, in order."""
    out = []
    for entry in resources.files(__name__).joinpath(dialect).iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            out.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(out)


def _apply(execute: Callable[..., Any], dialect: str, mark: str) -> list[int]:
    """Run the migrations not yet recorded, inside the caller's transaction."""
    execute(_TABLE[dialect])
    done = {row[0] for row in execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in migrations(dialect):
        if version in done:
            continue
        for statement in _statements(sql) if dialect == "sqlite" else [sql]:
            execute(statement)
        execute(f"INSERT INTO schema_migrations (version, name) VALUES ({mark}, {mark})", (version, name))
        applied.append(version)
    return applied


def _statements(script: str) -> list[str]:
    """A script's statements one by one: sqlite3 runs one per call, and `executescript` would
    commit the migration's transaction half way."""
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current)
            current = ""
    return out + ([current] if current.strip() and not current.strip().startswith("--") else [])


def migrate(conn: Any) -> list[int]:
    """Apply the missing migrations on a psycopg connection; return the versions applied."""
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
        return _apply(conn.execute, "postgres", "%s")


def migrate_sqlite(db: sqlite3.Connection) -> list[int]:
    """Apply the missing migrations on a sqlite3 connection in autocommit mode."""
    if _sqlite_versions(db) >= {version for version, _, _ in migrations("sqlite")}:
        return []  # nothing to do: no write lock taken (`baobab verify` beside a running node)
    db.execute("BEGIN IMMEDIATE")  # the write lock first: a second process waits, then finds them done
    try:
        applied = _apply(db.execute, "sqlite", "?")
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
    return applied


def _sqlite_versions(db: sqlite3.Connection) -> set[int]:
    try:
        return {row[0] for row in db.execute("SELECT version FROM schema_migrations")}
    except sqlite3.OperationalError:  # no such table yet
        return set()
