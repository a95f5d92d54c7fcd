"""Network mode: the switch keeps its books in PostgreSQL, as the operator's node runs it there.
The same cross-currency flow over real HTTP as tests/pay/test_fx_fspiop.py (quote with the full
cost, two legs committed under the payee's fulfilment, conservation per currency), and a signed
request replayed against the PostgreSQL seen-set is refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

import pytest

from baobab.pay.errors import FspiopError
from baobab.pay.replay import ReplayGuard
from baobab.pay.store import PostgresDatabase
from tests.pay.test_fx_fspiop import FxWorld, happy_path

pytestmark = [pytest.mark.services]


def test_a_cross_currency_payment_on_a_switch_in_postgresql(tmp_path: Path, pg_url: str) -> None:
    world = FxWorld(tmp_path, PostgresDatabase(pg_url))
    try:
        happy_path(world)
    finally:
        world.close()


def test_the_seen_signatures_are_kept_in_postgresql(pg_url: str) -> None:
    db = PostgresDatabase(pg_url)
    try:
        guard = ReplayGuard(db, timedelta(minutes=5))
        now = datetime.now(timezone.utc)
        headers = {"Date": format_datetime(now, usegmt=True), "FSPIOP-Signature": '{"signature":"s","protectedHeader":"e30"}'}
        guard.admit(headers, now=now)
        other = PostgresDatabase(pg_url)  # another connection, as after a restart
        try:
            with pytest.raises(FspiopError) as refused:
                ReplayGuard(other, timedelta(minutes=5)).admit(headers, now=now)
            assert refused.value.code == "3105"
        finally:
            other.close()
    finally:
        db.close()


def test_baobab_hub_keeps_its_books_in_postgresql(tmp_path: Path, pg_url: str) -> None:
    from click.testing import CliRunner

    from baobab.cli import cli

    issued = CliRunner().invoke(cli, ["hub", "--data", str(tmp_path), "--database", pg_url, "--issue-token", "KEBANK"])
    assert issued.exit_code == 0 and len(issued.output.strip()) >= 40, issued.output
    db = PostgresDatabase(pg_url)
    try:
        assert db.all("SELECT principal FROM hub_tokens") == [("KEBANK",)]
        assert db.one("SELECT COUNT(*) FROM switch_windows")[0] == 1  # the switch's schema, in PostgreSQL
    finally:
        db.close()
