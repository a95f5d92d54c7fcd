"""The journal inside a batch: account totals are kept by the transaction and written at its
commit, so what one operation of a batch does, and undoes, must come out in the rows exactly as
if every operation had written its own."""

from __future__ import annotations

import pytest

from baobab.pay.journal import DEBITS_MUST_NOT_EXCEED_CREDITS, Journal, LimitExceeded
from baobab.pay.store import SQLiteDatabase

AT = "2026-12-03T09:00:00.000Z"


@pytest.fixture
def journal(tmp_path):
    db = SQLiteDatabase(tmp_path / "journal.sqlite")
    j = Journal(db)
    with db.atomic():
        j.open_account("reserve", "USD")
        for name in ("a", "b"):
            j.open_account(name, "USD", DEBITS_MUST_NOT_EXCEED_CREDITS)
        j.transfer("fund-a", "reserve", "a", 1_000, AT)
    yield j
    db.close()


def _rows(j: Journal) -> dict[str, tuple[int, ...]]:
    return {r[0]: tuple(r[1:]) for r in j.db.all(
        "SELECT id, debits_pending, debits_posted, credits_pending, credits_posted FROM journal_accounts")}


def _replayed(j: Journal) -> dict[str, tuple[int, ...]]:
    return {a: tuple(t.values()) for a, t in j.replayed_balances().items()}


def test_an_operation_undone_inside_a_batch_leaves_the_others(journal, tmp_path):
    db = journal.db
    with db.atomic():
        journal.transfer("t1", "a", "b", 100, AT)
        with pytest.raises(RuntimeError), db.atomic():  # an operation that fails after moving money
            journal.transfer("t2", "a", "b", 200, AT, pending=True)
            journal.post("t2")
            raise RuntimeError("refused after writing")
        with pytest.raises(LimitExceeded), db.atomic():  # more than `a` holds: refused, changes nothing
            journal.transfer("t3", "a", "b", 901, AT)
        journal.transfer("t4", "a", "b", 50, AT, pending=True)
        assert journal.balance("a").available == 850
    assert db.one("SELECT 1 FROM journal_transfers WHERE id IN ('t2', 't3')") is None
    assert _rows(journal)["a"] == (50, 100, 0, 1_000)
    assert _rows(journal)["b"] == (0, 0, 50, 100)
    assert _replayed(journal) == {a: r for a, r in _rows(journal).items() if any(r)}
    db.close()
    reopened = Journal(SQLiteDatabase(tmp_path / "journal.sqlite"))  # what was committed is on disk
    assert reopened.balance("b").credits_pending == 50 and reopened.balance("b").net_credit == 100


def test_totals_read_inside_a_batch_see_it_and_survive_a_rollback(journal):
    db = journal.db
    with db.atomic():
        journal.transfer("t1", "a", "b", 100, AT)
        with pytest.raises(RuntimeError), db.atomic():
            journal.transfer("t2", "a", "b", 300, AT)
            assert journal.totals("USD")["credits_posted"] == 1_400  # written out to be summed
            journal.transfer("t3", "b", "a", 10, AT)
            raise RuntimeError("undone")
        assert journal.totals("USD")["credits_posted"] == 1_100
        journal.transfer("t4", "b", "a", 20, AT)
    assert _rows(journal)["a"] == (0, 100, 0, 1_020)
    assert _rows(journal)["b"] == (0, 20, 0, 100)
    assert _replayed(journal) == {a: r for a, r in _rows(journal).items() if any(r)}


def test_a_batch_that_fails_writes_nothing(journal):
    db = journal.db
    before = _rows(journal)
    with pytest.raises(RuntimeError), db.atomic():
        journal.transfer("t1", "a", "b", 100, AT, pending=True)
        journal.void("t1")
        raise RuntimeError("the whole batch fails")
    assert _rows(journal) == before
    assert journal.balance("a").available == 1_000
    with db.atomic():  # and the next transaction reads the rows afresh
        journal.transfer("t1", "a", "b", 1_000, AT)
    assert journal.balance("a").net_credit == 0


def test_a_transfer_outside_a_transaction_commits_on_its_own(journal):
    journal.transfer("t1", "a", "b", 70, AT, pending=True)
    journal.post("t1")
    assert _rows(journal)["b"] == (0, 0, 0, 70)
