"""The Store contract, held by both stores alike; migrations; audits of a PostgreSQL ledger."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path

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


def test_migrations_are_recorded_and_run_once(store_location: str) -> None:
    open_store(store_location).close()
    store = open_store(store_location)
    store.close()
    if store_location.startswith("postgresql"):
        with psycopg.connect(store_location) as conn:
            versions = [r[0] for r in conn.execute("SELECT version FROM schema_migrations ORDER BY version")]
    else:
        with closing(sqlite3.connect(store_location)) as db:
            versions = [r[0] for r in db.execute("SELECT version FROM schema_migrations ORDER BY version")]
    assert versions == [version for version, _, _ in migrations("postgres")]


def test_both_stores_have_the_same_schema_versions() -> None:
    assert [v for v, _, _ in migrations("sqlite")] == [v for v, _, _ in migrations("postgres")]
    assert [n for _, n, _ in migrations("sqlite")] == [n for _, n, _ in migrations("postgres")]


def test_a_sqlite_ledger_from_before_the_migrations_opens_with_its_blocks(tmp_path: Path) -> None:
    """A ledger whose tables were made without schema_migrations takes the first versions as
    applied, keeps its rows, and records every version."""
    path = tmp_path / "old.sqlite"
    with closing(sqlite3.connect(path)) as db:
        db.executescript("""
            CREATE TABLE blocks (number INTEGER PRIMARY KEY, hash TEXT NOT NULL, data BLOB NOT NULL,
                                 codes TEXT NOT NULL, commit_hash TEXT NOT NULL);
            CREATE TABLE txs (tx_id TEXT PRIMARY KEY, block INTEGER NOT NULL, idx INTEGER NOT NULL, code TEXT NOT NULL);
            CREATE TABLE state (key TEXT PRIMARY KEY, value TEXT NOT NULL, block INTEGER NOT NULL, tx INTEGER NOT NULL);
            CREATE TABLE history (key TEXT NOT NULL, block INTEGER NOT NULL, tx INTEGER NOT NULL, value TEXT,
                                  PRIMARY KEY (key, block, tx));
            INSERT INTO blocks VALUES (0, '0000000000000000000000000000000000000000000000000000000000000000', x'7b7d', '["VALID"]', 'c0');
            INSERT INTO state VALUES ('ns:a', '1', 0, 0);""")
    store = open_store(path)
    try:
        assert store.height() == 1 and store.get("ns:a") == (1, (0, 0))
        assert store.tree_nodes({(0, 0)})  # the tree migration ran, and the store filled it
    finally:
        store.close()
    with closing(sqlite3.connect(path)) as db:
        assert [r[0] for r in db.execute("SELECT version FROM schema_migrations ORDER BY version")] == [v for v, _, _ in migrations("sqlite")]


def test_reads_do_not_wait_for_a_commit_in_progress(pg_url: str) -> None:
    """Pooled connections: while a block is being written (its transaction open), reads are
    answered from the last committed state instead of queueing behind the writer."""
    store = open_store(pg_url)
    try:
        store.commit(_block(0), ["t0"], [Write("ns:a", 1, (0, 0))])
        with store.connection() as writer, writer.transaction():  # type: ignore[attr-defined]
            writer.execute("INSERT INTO blocks VALUES (1, '1111111111111111111111111111111111111111111111111111111111111111', '\\x7b7d', '[]', 'c1')")
            writer.execute("UPDATE state SET value = '2' WHERE key = 'ns:a'")
            assert store.height() == 1 and store.get("ns:a") == (1, (0, 0))
        assert store.height() == 2 and store.get("ns:a") == (2, (0, 0))
    finally:
        store.close()


def test_an_unreachable_database_is_store_unavailable() -> None:
    from baobab.core.errors import BaobabError
    from baobab.ledger.store.postgres import PostgresStore
    from baobab.net.process import free_port

    with pytest.raises(BaobabError) as refused:
        PostgresStore(f"postgresql://127.0.0.1:{free_port()}/none", wait_s=1)
    assert refused.value.code == "STORE_UNAVAILABLE"


def test_audit_finds_a_row_changed_behind_the_ledger(net) -> None:  # noqa: ANN001 - the PostgreSQL `net`
    net.submit("KEBANK", "accounts", "open", {"account": "ke-1", "currency": "KES"})
    net.submit("KEBANK", "accounts", "issue", {"account": "ke-1", "amount": 500})
    assert audit(net.node.store, default_registry()).ok
    with psycopg.connect(net.url, autocommit=True) as conn:
        conn.execute("""UPDATE state SET value = '{"balance":900000,"currency":"KES","owner":"KEBANK"}'
                        WHERE key = 'accounts:acct/ke-1'""")
    report = audit(net.node.store, default_registry())
    assert not report.ok and report.where == {"table": "state", "key": "accounts:acct/ke-1"}
