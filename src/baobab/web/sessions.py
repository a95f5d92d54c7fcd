"""Sessions of signed-in people: a random id in an HttpOnly cookie, the session kept server side.

A new session id is issued at every sign-in (an id planted before sign-in is never promoted:
no session fixation), only its SHA-256 is stored, and a session ends after `IDLE_S` without use
or `ABSOLUTE_S` after sign-in. Each session has a CSRF token that every form posts back; a POST
without the right token changes nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

COOKIE = "baobab_session"
IDLE_S = 30 * 60
ABSOLUTE_S = 12 * 3600

SCHEMA = """
CREATE TABLE IF NOT EXISTS sessions (
  id_hash TEXT PRIMARY KEY, org TEXT NOT NULL, username TEXT NOT NULL, csrf TEXT NOT NULL,
  created REAL NOT NULL, last_seen REAL NOT NULL);
"""


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


@dataclass(frozen=True)
class Session:
    org: str
    username: str
    csrf: str

    def csrf_ok(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(self.csrf, token or "")


class Sessions:
    def __init__(self, path: str | Path, *, clock: Callable[[], float] | None = None) -> None:
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.executescript(SCHEMA)
        self._lock = threading.Lock()
        self.clock = clock or time.time

    def start(self, org: str, username: str) -> str:
        """A fresh session for a user who just signed in: the cookie value."""
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._db.execute("INSERT INTO sessions VALUES (?, ?, ?, ?, ?, ?)",
                             (_hash(session_id), org, username, secrets.token_urlsafe(24), now, now))
        return session_id

    def get(self, session_id: str | None) -> Session | None:
        """The live session behind a cookie value (its idle clock restarts), or None."""
        if not session_id:
            return None
        now = self.clock()
        with self._lock:
            row = self._db.execute("SELECT org, username, csrf, created, last_seen FROM sessions WHERE id_hash = ?",
                                   (_hash(session_id),)).fetchone()
            if row is None:
                return None
            org, username, csrf, created, last_seen = row
            if now - last_seen > IDLE_S or now - created > ABSOLUTE_S:
                self._db.execute("DELETE FROM sessions WHERE id_hash = ?", (_hash(session_id),))
                return None
            self._db.execute("UPDATE sessions SET last_seen = ? WHERE id_hash = ?", (now, _hash(session_id)))
        return Session(org, username, csrf)

    def end(self, session_id: str | None) -> None:
        if session_id:
            with self._lock:
                self._db.execute("DELETE FROM sessions WHERE id_hash = ?", (_hash(session_id),))

    def end_all(self, org: str, username: str | None = None) -> None:
        """End every session of a user (or of a whole organisation, when it is suspended)."""
        with self._lock:
            if username is None:
                self._db.execute("DELETE FROM sessions WHERE org = ?", (org,))
            else:
                self._db.execute("DELETE FROM sessions WHERE org = ? AND username = ?", (org, username))

    def close(self) -> None:
        self._db.close()
