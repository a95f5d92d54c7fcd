"""Versioned SQL migrations for the PostgreSQL store, applied in order on start.

Files are named NNNN_description.sql. The applied versions are recorded in
`schema_migrations`; each migration runs in its own transaction under an advisory lock, so
two processes starting against the same database cannot apply one twice.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

_LOCK_ID = 0x6261_6F62  # "baob": the advisory lock taken while migrating


def migrations() -> list[tuple[int, str, str]]:
    """(version, name, sql) of every migration shipped with the package, in order."""
    out = []
    for entry in resources.files(__name__).iterdir():
        if entry.name.endswith(".sql"):
            version = int(entry.name.split("_", 1)[0])
            out.append((version, entry.name, entry.read_text(encoding="utf-8")))
    return sorted(out)


def migrate(conn: Any) -> list[int]:
    """Apply the missing migrations on a psycopg connection; return the versions applied."""
    applied: list[int] = []
    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_ID,))
        conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations ("
                     "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TIMESTAMPTZ NOT NULL DEFAULT now())")
        done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
        for version, name, sql in migrations():
            if version in done:
                continue
            conn.execute(sql)
            conn.execute("INSERT INTO schema_migrations (version, name) VALUES (%s, %s)", (version, name))
            applied.append(version)
    return applied
