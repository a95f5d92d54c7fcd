"""The Store contract, held by both stores alike; migrations; audits of a PostgreSQL ledger."""

from __future__ import annotations

import json

import psycopg
import pytest

from baobab.contracts import default_registry
from baobab.ledger.audit import audit
from baobab.ledger.store import open_store
from baobab.ledger.store.base import BlockRecord, Write
from baobab.ledger.store.migrations import migrations

pytestmark = pytest.mark.services


def _block(n: int) -> BlockRecord:
    return BlockRecord(n, f"{n:064x}", json.dumps({"n": n}).encode(), ["VALID", "MVCC_READ_CONFLICT"], f"c{n}")


def test_both_stores_answer_alike(store_location: str) -> None:
    store = open_store(store_location)
    try:
        assert store.height() == 0
        store.commit(_block(0), ["t0", "t1"], [Write("ns:b", {"v": 1}, (0, 0)), Write("ns:a\u00e9", [1, "x"], (0, 0)),
                                                Write("ns:a", {"z": None}, (0, 0)), Write("other:a", 5, (0, 0))])
        store.commit(_block(1), ["t2", "t0"], [Write("ns:b", None, (1, 0)), Write("ns:c", "s", (1, 0))])
        assert store.height() == 2
        assert store.block(1) == _block(1) and store.block(2) is None
        assert [b.number for b in store.blocks(1)] == [1]
        assert store.tx("t0") == (0, 0, "VALID") and store.tx("t2") == (1, 0, "VALID") and store.tx("zz") is None
        assert store.get("ns:b") is None and store.get("ns:c") == ("s", (1, 0))
        assert [k for k, _, _ in store.range("ns:")] == ["ns:a", "ns:a\u00e9", "ns:c"]
        assert store.history("ns:b") == [((0, 0), {"v": 1}), ((1, 0), None)]
        assert [r[0] for r in store.state_rows()] == ["ns:a", "ns:a\u00e9", "ns:c", "other:a"]
        assert list(store.state_rows())[0] == ("ns:a", '{"z":null}', (0, 0))
        assert list(store.tx_rows()) == [("t0", 0, 0, "VALID"), ("t1", 0, 1, "MVCC_READ_CONFLICT"), ("t2", 1, 0, "VALID")]
        assert ("ns:b", (1, 0), None) in list(store.history_rows())
    finally:
        store.close()


def test_a_failed_commit_leaves_nothing(store_location: str) -> None:
    store = open_store(store_location)
    try:
        store.commit(_block(0), ["t0"], [Write("ns:a", 1, (0, 0))])
        with pytest.raises(Exception):  # block 0 again: the primary key refuses it mid-transaction
            store.commit(_block(0), ["t9"], [Write("ns:z", 1, (0, 0))])
        assert store.height() == 1 and store.get("ns:z") is None and store.tx("t9") is None
    finally:
        store.close()


def test_migrations_are_recorded_and_run_once(pg_url: str) -> None:
    open_store(pg_url).close()
    open_store(pg_url).close()
    with psycopg.connect(pg_url) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [version for version, _, _ in migrations()]


def test_audit_finds_a_row_changed_behind_the_ledger(net) -> None:  # noqa: ANN001 - the PostgreSQL `net`
    net.submit("KEBANK", "accounts", "open", {"account": "ke-1", "currency": "KES"})
    net.submit("KEBANK", "accounts", "issue", {"account": "ke-1", "amount": 500})
    assert audit(net.node.store, default_registry()).ok
    with psycopg.connect(net.url, autocommit=True) as conn:
        conn.execute("""UPDATE state SET value = '{"balance":900000,"currency":"KES","owner":"KEBANK"}'
                        WHERE key = 'accounts:acct/ke-1'""")
    report = audit(net.node.store, default_registry())
    assert not report.ok and report.where == {"table": "state", "key": "accounts:acct/ke-1"}
