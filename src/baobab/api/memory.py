"""What the API must remember across requests and restarts: used nonces, issued tokens and
idempotency keys. A small SQLite file next to the ledger (`api.sqlite`), never the ledger."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS nonces (identity TEXT, nonce TEXT, expires REAL, PRIMARY KEY (identity, nonce));
CREATE TABLE IF NOT EXISTS tokens (token_hash TEXT PRIMARY KEY, identity TEXT, expires REAL);
CREATE TABLE IF NOT EXISTS idempotency (identity TEXT, key TEXT, body_sha256 TEXT, tx_id TEXT,
                                        PRIMARY KEY (identity, key));
"""


class ApiMemory:
    def __init__(self, path: str | Path) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        # No fsync per request: a power cut may forget the last nonces, reopening a replay
        # window no longer than the timestamp window for requests signed just before it.
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()
        self._pruned = 0.0

    def use_nonce(self, identity: str, nonce: str, ttl_s: float) -> bool:
        """Record a nonce; False if this identity already used it (a replay)."""
        now = time.time()
        with self._lock:
            if now - self._pruned > 60:
                self._db.execute("DELETE FROM nonces WHERE expires < ?", (now,))
                self._db.execute("DELETE FROM tokens WHERE expires < ?", (now,))
                self._pruned = now
            try:
                self._db.execute("INSERT INTO nonces VALUES (?, ?, ?)", (identity, nonce, now + ttl_s))
                return True
            except sqlite3.IntegrityError:
                return False

    def add_token(self, token_hash: str, identity: str, expires: float) -> None:
        with self._lock:
            self._db.execute("INSERT INTO tokens VALUES (?, ?, ?)", (token_hash, identity, expires))

    def token_identity(self, token_hash: str) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT identity FROM tokens WHERE token_hash = ? AND expires > ?",
                                   (token_hash, time.time())).fetchone()
        return None if row is None else row[0]

    def idempotent(self, identity: str, key: str) -> tuple[str, str] | None:
        """(body_sha256, tx_id) first submitted under this key, if any."""
        with self._lock:
            row = self._db.execute("SELECT body_sha256, tx_id FROM idempotency WHERE identity = ? AND key = ?",
                                   (identity, key)).fetchone()
        return None if row is None else (row[0], row[1])

    def remember(self, identity: str, key: str, body_sha256: str, tx_id: str) -> None:
        with self._lock:
            self._db.execute("INSERT OR IGNORE INTO idempotency VALUES (?, ?, ?, ?)", (identity, key, body_sha256, tx_id))

    def close(self) -> None:
        with self._lock:
            self._db.close()
