"""Durable ledger storage behind one interface (SQLite embedded; PostgreSQL in network mode)."""

from __future__ import annotations

from pathlib import Path

from baobab.ledger.store.base import BlockRecord, Store, Version, Write

__all__ = ["BlockRecord", "Store", "Version", "Write", "open_store"]


def open_store(location: str | Path) -> Store:
    """A PostgreSQL store for a `postgresql://` (or `postgres://`) URL, else SQLite at a path."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        from baobab.ledger.store.postgres import PostgresStore  # psycopg is only needed here

        return PostgresStore(text)
    from baobab.ledger.store.sqlite import SQLiteStore

    return SQLiteStore(Path(text))
