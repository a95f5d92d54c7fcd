"""Sign-in security: Argon2 hashes, lockout, TOTP used once, sessions that cannot be fixed,
expire, and refuse a POST without their CSRF token."""

from __future__ import annotations

from pathlib import Path

import pyotp
import pytest

from baobab.core.errors import BaobabError
from baobab.web.sessions import ABSOLUTE_S, IDLE_S, Sessions
from baobab.web.users import LOCK_S, MAX_FAILURES, Users

PASSWORD = "correct horse battery"


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def users(tmp_path: Path, clock: Clock) -> Users:
    u = Users(tmp_path / "web.sqlite", clock=clock)
    u.add("KEBANK", "amina", PASSWORD, ["officer"])
    return u


def code_of(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(BaobabError) as err:
        call()
    return err.value.code


def test_passwords_are_stored_as_argon2id_hashes(users: Users, tmp_path: Path) -> None:
    stored = users._row("KEBANK", "amina")[0]  # type: ignore[index]
    assert stored.startswith("$argon2id$") and PASSWORD not in (tmp_path / "web.sqlite").read_bytes().decode("latin-1")
    assert users.sign_in("KEBANK", "amina", PASSWORD).roles == ("officer",)


def test_a_user_of_one_organisation_is_not_a_user_of_another(users: Users) -> None:
    assert code_of(lambda: users.sign_in("MYBANK", "amina", PASSWORD)) == "BAD_CREDENTIALS"


def test_repeated_failures_lock_the_account_even_for_the_right_password(users: Users, clock: Clock) -> None:
    for _ in range(MAX_FAILURES):
        assert code_of(lambda: users.sign_in("KEBANK", "amina", "wrong password!")) == "BAD_CREDENTIALS"
    assert code_of(lambda: users.sign_in("KEBANK", "amina", PASSWORD)) == "ACCOUNT_LOCKED"
    clock.now += LOCK_S + 1
    assert users.sign_in("KEBANK", "amina", PASSWORD).username == "amina"


def test_a_totp_code_is_needed_and_good_once(users: Users, clock: Clock) -> None:
    secret = users.enable_totp("KEBANK", "amina")
    code = pyotp.TOTP(secret).at(clock.now)
    assert code_of(lambda: users.sign_in("KEBANK", "amina", PASSWORD)) == "BAD_CREDENTIALS"
    assert users.sign_in("KEBANK", "amina", PASSWORD, code).totp
    assert code_of(lambda: users.sign_in("KEBANK", "amina", PASSWORD, code)) == "BAD_CREDENTIALS"  # replayed
    clock.now += 30
    assert users.sign_in("KEBANK", "amina", PASSWORD, pyotp.TOTP(secret).at(clock.now)).username == "amina"


@pytest.mark.parametrize("username, password, roles", [
    ("Amina Upper", PASSWORD, ["officer"]), ("ok", "short", ["officer"]), ("ok2", PASSWORD, ["root"]), ("ok3", PASSWORD, []),
])
def test_bad_accounts_are_refused(users: Users, username: str, password: str, roles: list[str]) -> None:
    assert code_of(lambda: users.add("KEBANK", username, password, roles)) == "MALFORMED"


def test_sessions_rotate_expire_and_carry_a_csrf_token(tmp_path: Path, clock: Clock) -> None:
    sessions = Sessions(tmp_path / "web.sqlite", clock=clock)
    planted = "an-id-an-attacker-chose"
    assert sessions.get(planted) is None
    first = sessions.start("KEBANK", "amina")
    second = sessions.start("KEBANK", "amina")
    assert first != second and sessions.get(first) and sessions.get(second)
    s = sessions.get(first)
    assert s is not None and s.csrf_ok(s.csrf) and not s.csrf_ok(None) and not s.csrf_ok("forged")
    clock.now += IDLE_S + 1
    assert sessions.get(first) is None
    third = sessions.start("KEBANK", "amina")
    for _ in range(ABSOLUTE_S // IDLE_S + 1):  # kept busy, it still ends at the absolute limit
        clock.now += IDLE_S - 1
        alive = sessions.get(third)
    assert alive is None
    fourth = sessions.start("KEBANK", "amina")
    sessions.end_all("KEBANK")
    assert sessions.get(fourth) is None


def test_the_administrator_locks_unlocks_and_resets_and_the_last_admin_stays(users: Users) -> None:
    users.add("KEBANK", "root", PASSWORD, ["admin"])
    users.set_locked("KEBANK", "amina", True)
    assert users.get("KEBANK", "amina").disabled
    assert code_of(lambda: users.sign_in("KEBANK", "amina", PASSWORD)) == "ACCOUNT_LOCKED"  # the right password too
    users.set_locked("KEBANK", "amina", False)
    users.set_password("KEBANK", "amina", "a new long passphrase")
    assert code_of(lambda: users.sign_in("KEBANK", "amina", PASSWORD)) == "BAD_CREDENTIALS"
    assert users.sign_in("KEBANK", "amina", "a new long passphrase").username == "amina"
    assert code_of(lambda: users.set_password("KEBANK", "amina", "short")) == "MALFORMED"
    assert code_of(lambda: users.set_roles("KEBANK", "root", ["viewer"], "app")) == "LAST_ADMIN"
    assert code_of(lambda: users.set_locked("KEBANK", "root", True)) == "LAST_ADMIN"
    assert users.get("KEBANK", "root").roles == ("admin",) and not users.get("KEBANK", "root").locked
    users.set_roles("KEBANK", "amina", ["admin", "officer"], "app")
    users.set_locked("KEBANK", "root", True)  # another administrator remains
    assert [u.username for u in users.of("KEBANK")] == ["amina", "root"] and users.of("MYBANK") == []
    assert code_of(lambda: users.set_locked("MYBANK", "amina", True)) == "NOT_FOUND"  # never another organisation's


def test_an_old_users_file_gains_the_lock_column(tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "old.sqlite"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE users (org TEXT NOT NULL, username TEXT NOT NULL, password_hash TEXT NOT NULL, roles TEXT NOT NULL, "
               "client TEXT NOT NULL, totp_secret TEXT, totp_last_step INTEGER NOT NULL DEFAULT -1, failures INTEGER NOT NULL "
               "DEFAULT 0, locked_until REAL NOT NULL DEFAULT 0, PRIMARY KEY (org, username))")
    db.commit()
    db.close()
    users = Users(path)
    users.add("KEBANK", "amina", PASSWORD, ["officer"])
    assert not users.sign_in("KEBANK", "amina", PASSWORD).disabled


def test_the_demo_lists_an_officer_and_an_administrator_per_organisation(tmp_path: Path) -> None:
    from baobab.services import WEB_FILE, demo_users

    listing = demo_users(tmp_path, [{"id": "KEBANK"}, {"id": "ETCUSTOMS"}])
    assert listing.stat().st_mode & 0o777 == 0o600
    rows = [line.split() for line in listing.read_text().splitlines() if not line.startswith("#")]
    users = Users(tmp_path / WEB_FILE)
    for org, username, password, *_ in rows:
        user = users.sign_in(org, username, password)
        assert user.can("admin") == (username == "admin")
    assert sorted((r[0], r[1]) for r in rows) == [("ETCUSTOMS", "admin"), ("ETCUSTOMS", "officer"),
                                                 ("KEBANK", "admin"), ("KEBANK", "officer")]
