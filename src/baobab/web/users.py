"""Users of an organisation: who may sign in to its pages, with which roles, acting as which client.

Passwords are hashed with Argon2id (argon2-cffi, its recommended parameters). After
`MAX_FAILURES` wrong passwords in a row an account is locked for `LOCK_S` seconds. A second
factor is optional: RFC 6238 TOTP (pyotp), where a code is accepted once (its time step is
remembered, so a code seen by someone else cannot be replayed). The organisation's
administrator manages its users on the pages (`admin_pages.py`): adds them, sets their roles,
locks (`disabled`, until unlocked) and unlocks them, resets a password, requires a second factor.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from baobab.core.errors import BaobabError, register_codes

register_codes({
    "BAD_CREDENTIALS": (401, "Wrong user name, password or code"),
    "ACCOUNT_LOCKED": (423, "Account locked after too many failed sign-ins"),
    "USER_EXISTS": (409, "User already exists"),
    "LAST_ADMIN": (409, "An organisation keeps at least one administrator who can sign in"),
})

# What a user may do on its organisation's pages; the organisation's roles (bank, customs...)
# decide which pages exist, these decide what the person may do on them.
USER_ROLES = frozenset({"admin", "officer", "viewer"})
USERNAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{1,31}$")
MIN_PASSWORD = 12
MAX_FAILURES = 5
LOCK_S = 900

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
  org TEXT NOT NULL, username TEXT NOT NULL, password_hash TEXT NOT NULL, roles TEXT NOT NULL,
  client TEXT NOT NULL, totp_secret TEXT, totp_last_step INTEGER NOT NULL DEFAULT -1,
  failures INTEGER NOT NULL DEFAULT 0, locked_until REAL NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (org, username));
"""
# a users file made before the administrator could lock an account gains the column
MIGRATIONS = {"disabled": "ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0"}


@dataclass(frozen=True)
class User:
    org: str
    username: str
    roles: tuple[str, ...]
    client: str
    totp: bool
    locked: bool = False  # by the administrator, or for now after too many failed sign-ins
    disabled: bool = False  # locked by the administrator, until unlocked

    def can(self, role: str) -> bool:
        return role in self.roles or "admin" in self.roles


COLUMNS = "password_hash, roles, client, totp_secret, totp_last_step, failures, locked_until, disabled"


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise BaobabError("MALFORMED", f"a password has at least {MIN_PASSWORD} characters")


def _check_roles(roles: list[str]) -> None:
    if not roles or not set(roles) <= USER_ROLES:
        raise BaobabError("MALFORMED", f"roles are drawn from {sorted(USER_ROLES)}")


class Users:
    def __init__(self, path: str | Path, *, clock: Callable[[], float] | None = None) -> None:
        os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))  # readable by the node's user alone
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.executescript(SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(users)")}
        for column, statement in MIGRATIONS.items():
            if column not in columns:
                self._db.execute(statement)
        self._lock = threading.Lock()
        self._hasher = PasswordHasher()
        self.clock = clock or time.time

    def add(self, org: str, username: str, password: str, roles: list[str], *, client: str = "app") -> User:
        if not USERNAME.fullmatch(username):
            raise BaobabError("MALFORMED", "a user name is 2-32 of a-z 0-9 _ . - starting with a letter or digit")
        _check_password(password)
        _check_roles(roles)
        with self._lock:
            try:
                self._db.execute("INSERT INTO users (org, username, password_hash, roles, client) VALUES (?, ?, ?, ?, ?)",
                                 (org, username, self._hasher.hash(password), json.dumps(sorted(roles)), client))
            except sqlite3.IntegrityError:
                raise BaobabError("USER_EXISTS", f"{org} already has a user {username}") from None
        return self.get(org, username)

    def get(self, org: str, username: str) -> User:
        row = self._row(org, username)
        if row is None:
            raise BaobabError("NOT_FOUND", f"no user {username} at {org}")
        return self._user(org, username, row)

    def of(self, org: str) -> list[User]:
        """The organisation's users, by name (never another organisation's)."""
        rows = self._db.execute(f"SELECT username, {COLUMNS} FROM users WHERE org = ? ORDER BY username", (org,)).fetchall()
        return [self._user(org, row[0], row[1:]) for row in rows]

    def _user(self, org: str, username: str, row: tuple) -> User:  # type: ignore[type-arg]
        return User(org, username, tuple(json.loads(row[1])), row[2], row[3] is not None,
                    locked=bool(row[7]) or row[6] > self.clock(), disabled=bool(row[7]))

    def set_roles(self, org: str, username: str, roles: list[str], client: str) -> User:
        _check_roles(roles)
        with self._lock:
            self._require(org, username)
            if "admin" not in roles:
                self._keep_an_admin(org, username)
            self._db.execute("UPDATE users SET roles = ?, client = ? WHERE org = ? AND username = ?",
                             (json.dumps(sorted(roles)), client, org, username))
        return self.get(org, username)

    def set_locked(self, org: str, username: str, locked: bool) -> User:
        """Lock an account until it is unlocked (the caller ends its sessions), or unlock it,
        which also forgives the failed sign-ins that locked it for a while."""
        with self._lock:
            self._require(org, username)
            if locked:
                self._keep_an_admin(org, username)
            self._db.execute("UPDATE users SET disabled = ?, failures = 0, locked_until = 0 WHERE org = ? AND username = ?",
                             (int(locked), org, username))
        return self.get(org, username)

    def set_password(self, org: str, username: str, password: str) -> User:
        _check_password(password)
        with self._lock:
            self._require(org, username)
            self._db.execute("UPDATE users SET password_hash = ?, failures = 0, locked_until = 0 WHERE org = ? AND username = ?",
                             (self._hasher.hash(password), org, username))
        return self.get(org, username)

    def _require(self, org: str, username: str) -> None:
        if self._row(org, username) is None:
            raise BaobabError("NOT_FOUND", f"no user {username} at {org}")

    def _keep_an_admin(self, org: str, username: str) -> None:
        """Refuse to leave the organisation without an administrator who can sign in."""
        others = [u for u in self.of(org) if u.username != username and "admin" in u.roles and not u.locked]
        if "admin" in self.get(org, username).roles and not others:
            raise BaobabError("LAST_ADMIN", f"{username} is {org}'s last administrator who can sign in")

    def enable_totp(self, org: str, username: str) -> str:
        """Give the user a TOTP secret (shown once, for the authenticator app); returns it."""
        secret = pyotp.random_base32()
        with self._lock:
            self._db.execute("UPDATE users SET totp_secret = ?, totp_last_step = -1 WHERE org = ? AND username = ?",
                             (secret, org, username))
        return secret

    def sign_in(self, org: str, username: str, password: str, code: str | None = None) -> User:
        """The user, if the password (and the TOTP code, when enabled) are right."""
        with self._lock:
            row = self._row(org, username)
            now = self.clock()
            if row is None:
                self._hasher.hash(password)  # the same work as for a real user: no timing hint
                raise BaobabError("BAD_CREDENTIALS", "wrong user name, password or code")
            password_hash, _, _, secret, last_step, failures, locked_until, disabled = row
            if disabled:
                raise BaobabError("ACCOUNT_LOCKED", "locked by the organisation's administrator")
            if locked_until > now:
                raise BaobabError("ACCOUNT_LOCKED", f"locked for {int(locked_until - now)} more seconds")
            ok = self._password_ok(password_hash, password)
            step = None
            if ok and secret is not None:
                step = self._totp_step(secret, code, now)
                ok = step is not None and step > last_step  # a code is good once
            if not ok:
                failures += 1
                lock = now + LOCK_S if failures >= MAX_FAILURES else 0
                self._db.execute("UPDATE users SET failures = ?, locked_until = ? WHERE org = ? AND username = ?",
                                 (0 if lock else failures, lock, org, username))
                raise BaobabError("BAD_CREDENTIALS", "wrong user name, password or code")
            self._db.execute("UPDATE users SET failures = 0, totp_last_step = ? WHERE org = ? AND username = ?",
                             (step if step is not None else last_step, org, username))
            if self._hasher.check_needs_rehash(password_hash):
                self._db.execute("UPDATE users SET password_hash = ? WHERE org = ? AND username = ?",
                                 (self._hasher.hash(password), org, username))
        return self.get(org, username)

    def _password_ok(self, password_hash: str, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    @staticmethod
    def _totp_step(secret: str, code: str | None, now: float) -> int | None:
        """The time step the code belongs to (the current one or one either side), or None."""
        if not code or not code.isdigit():
            return None
        totp = pyotp.TOTP(secret)
        for drift in (0, -1, 1):
            at = now + drift * totp.interval
            if totp.verify(code, for_time=at, valid_window=0):
                return int(at // totp.interval)
        return None

    def _row(self, org: str, username: str) -> tuple | None:  # type: ignore[type-arg]
        return self._db.execute(f"SELECT {COLUMNS} FROM users WHERE org = ? AND username = ?", (org, username)).fetchone()

    def close(self) -> None:
        self._db.close()
