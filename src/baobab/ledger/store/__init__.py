"""Durable ledger storage behind one interface (SQLite embedded; PostgreSQL in network mode)."""

from baobab.ledger.store.base import BlockRecord, Store, Version, Write

__all__ = ["BlockRecord", "Store", "Version", "Write"]
