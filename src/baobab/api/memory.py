"""What the API must remember across requests and restarts: used nonces, issued tokens and
idempotency keys. A small SQLite file next to the ledger (`api.sqlite`), never the ledger."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS nonces (identity TEXT, nonce TEXT, expires REAL, PRIMARY KEY (identity, nonce));
DROP TABLE IF EXISTS tokens;
CREATE TABLE IF NOT EXISTS bearer_tokens (token_hash TEXT PRIMARY KEY, id TEXT UNIQUE, identity TEXT, org TEXT,
                                          org_version TEXT, issued REAL, expires REAL);
CREATE INDEX IF NOT EXISTS bearer_tokens_org ON bearer_tokens (org, issued);
CREATE TABLE IF NOT EXISTS idempotency (identity TEXT, key TEXT, body_sha256 TEXT, tx_id TEXT,
                                        PRIMARY KEY (identity, key));
"""
TOKEN_COLUMNS = ("id", "identity", "org", "org_version", "issued", "expires")


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
                self._db.execute("DELETE FROM bearer_tokens WHERE expires < ?", (now,))
                self._pruned = now
            try:
                self._db.execute("INSERT INTO nonces VALUES (?, ?, ?)", (identity, nonce, now + ttl_s))
                return True
            except sqlite3.IntegrityError:
                return False

    def add_token(self, token_hash: str, token: dict[str, Any], keep: int) -> None:
        """Store a token (`{id, identity, org, org_version, issued, expires}`); an identity keeps
        its `keep` newest tokens, older ones are revoked."""
        with self._lock:
            self._db.execute("INSERT INTO bearer_tokens VALUES (?, ?, ?, ?, ?, ?, ?)",
                             (token_hash, *(token[c] for c in TOKEN_COLUMNS)))
            self._db.execute("DELETE FROM bearer_tokens WHERE identity = ? AND token_hash NOT IN (SELECT token_hash "
                             "FROM bearer_tokens WHERE identity = ? ORDER BY issued DESC LIMIT ?)",
                             (token["identity"], token["identity"], keep))

    def token(self, token_hash: str) -> dict[str, Any] | None:
        """A live token's record, or None if unknown, expired or revoked."""
        with self._lock:
            row = self._db.execute(f"SELECT {', '.join(TOKEN_COLUMNS)} FROM bearer_tokens WHERE token_hash = ? "
                                   "AND expires > ?", (token_hash, time.time())).fetchone()
        return None if row is None else dict(zip(TOKEN_COLUMNS, row))

    def tokens_of(self, org: str) -> list[dict[str, Any]]:
        """An organisation's live tokens, oldest first."""
        with self._lock:
            rows = self._db.execute(f"SELECT {', '.join(TOKEN_COLUMNS)} FROM bearer_tokens WHERE org = ? AND "
                                    "expires > ? ORDER BY issued", (org, time.time())).fetchall()
        return [dict(zip(TOKEN_COLUMNS, row)) for row in rows]

    def revoke_tokens(self, *, org: str, token_id: str | None = None, unless_version: str | None = None) -> int:
        """Delete an organisation's token `token_id`, or all its tokens not bound to
        `unless_version`; how many went."""
        with self._lock:
            if token_id is not None:
                cur = self._db.execute("DELETE FROM bearer_tokens WHERE org = ? AND id = ?", (org, token_id))
            else:
                cur = self._db.execute("DELETE FROM bearer_tokens WHERE org = ? AND org_version IS NOT ?",
                                       (org, unless_version))
        return cur.rowcount

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
