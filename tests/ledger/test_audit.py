"""`baobab verify` passes on an intact ledger and names the first thing that was altered."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable

from baobab.contracts import default_registry
from baobab.ledger.audit import audit
from tests.conftest import Net
from tests.ledger.test_transactions import fund


def build(net: Net) -> None:
    fund(net, 1000)
    for i in range(5):
        net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 10 + i})
    net.node.close()


def tamper(net: Net, sql: str, *params: object) -> None:
    db = sqlite3.connect(net.path / "ledger.sqlite")
    with db:
        assert db.execute(sql, params).rowcount == 1
    db.close()


def rewrite(net: Net, table: str, where: str, change: Callable[[str], str], *params: object) -> None:
    """Change the clear text of one sealed value row, and seal it again under the node's data
    key: what someone holding the key could do behind the node's back."""
    from baobab.ledger.store.at_rest import folder_sealer
    from baobab.ledger.store.sqlite import _block_aad, _history_aad, _state_aad

    sealer = folder_sealer(net.path)
    assert sealer is not None
    column = "data" if table == "blocks" else "value"
    db = sqlite3.connect(net.path / "ledger.sqlite")
    with db:
        ((rowid, stored, *ident),) = db.execute(f"SELECT rowid, {column}, * FROM {table} WHERE {where}", params).fetchall()
        aad = {"blocks": lambda: _block_aad(ident[0]), "state": lambda: _state_aad(ident[0]),
               "history": lambda: _history_aad(ident[0], (ident[1], ident[2]))}[table]()
        text = sealer.open(bytes(stored), aad).decode()
        altered = change(text)
        assert altered != text
        db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", (sealer.seal(altered.encode(), aad), rowid))
    db.close()


def more_balance(text: str) -> str:
    return text.replace('"balance":', '"balance":9')


def run_verify(net: Net) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "baobab.cli", "verify", "--data", str(net.path), "--json"],
                          capture_output=True, text=True)


def test_intact_ledger_verifies(net: Net) -> None:
    build(net)
    result = run_verify(net)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["ok"] and report["transactions"] == 8 and report["valid"] == 8


def test_changed_block_byte_is_named(net: Net) -> None:
    build(net)
    rewrite(net, "blocks", "number = 5", lambda text: text.replace('"amount":11', '"amount":91', 1))
    result = run_verify(net)
    assert result.returncode == 1
    assert json.loads(result.stdout)["where"] == {"table": "blocks", "block": 5}


def test_changed_validation_code_is_named(net: Net) -> None:
    build(net)
    tamper(net, "UPDATE blocks SET codes = ? WHERE number = 3", json.dumps(["ENDORSEMENT_POLICY_FAILURE"]))
    report = audit_of(net)
    assert not report.ok and report.where["block"] == 3 and report.where["table"] == "blocks" and "tx_id" in report.where


def test_changed_transaction_index_row_is_named(net: Net) -> None:
    build(net)
    db = sqlite3.connect(net.path / "ledger.sqlite")
    tx_id = db.execute("SELECT tx_id FROM txs WHERE block = 4").fetchone()[0]
    db.close()
    tamper(net, "UPDATE txs SET code = 'MVCC_READ_CONFLICT' WHERE tx_id = ?", tx_id)
    report = audit_of(net)
    assert not report.ok and report.where == {"table": "txs", "block": 4, "tx_id": tx_id}


def test_changed_state_row_is_named(net: Net) -> None:
    build(net)
    rewrite(net, "state", "key = 'accounts:acct/b'", more_balance)
    report = audit_of(net)
    assert not report.ok and report.where == {"table": "state", "key": "accounts:acct/b"}


def test_deleted_and_added_state_rows_are_named(net: Net) -> None:
    build(net)
    tamper(net, "DELETE FROM state WHERE key = 'accounts:acct/a'")
    assert audit_of(net).where == {"table": "state", "key": "accounts:acct/a"}
    tamper(net, "INSERT INTO state VALUES ('accounts:acct/zz', '{}', 1, 0)")
    assert audit_of(net).where == {"table": "state", "key": "accounts:acct/a"}  # still the first wrong key


def test_changed_history_row_is_named(net: Net) -> None:
    build(net)
    tamper(net, "UPDATE history SET value = '{\"x\":1}' WHERE key = 'accounts:acct/a' AND block = 3")
    report = audit_of(net)
    assert not report.ok and report.where == {"table": "history", "key": "accounts:acct/a"}


def audit_of(net: Net):  # noqa: ANN201
    from baobab.ledger.store.at_rest import folder_sealer
    from baobab.ledger.store.sqlite import SQLiteStore

    store = SQLiteStore(net.path / "ledger.sqlite", folder_sealer(net.path))
    try:
        return audit(store, default_registry())
    finally:
        store.close()


def test_long_ledgers_check_signatures_in_worker_processes_with_the_same_verdicts(net: Net) -> None:
    from baobab.ledger.audit import POOL_FROM_BLOCKS
    from baobab.ledger.store.at_rest import folder_sealer
    from baobab.ledger.store.sqlite import SQLiteStore

    fund(net, 10_000)
    while net.node.height() < POOL_FROM_BLOCKS + 2:
        net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 1})
    net.node.close()
    store = SQLiteStore(net.path / "ledger.sqlite", folder_sealer(net.path))
    try:
        serial, pooled = audit(store, default_registry(), workers=0), audit(store, default_registry(), workers=1)
        assert serial.ok and pooled.ok and pooled.transactions == serial.transactions > POOL_FROM_BLOCKS
    finally:
        store.close()
    rewrite(net, "state", "key = 'accounts:acct/b'", more_balance)
    store = SQLiteStore(net.path / "ledger.sqlite", folder_sealer(net.path))
    try:
        assert audit(store, default_registry(), workers=1).where == {"table": "state", "key": "accounts:acct/b"}
    finally:
        store.close()
    # Damage in blocks the workers prepare is named by the replay, the earliest first: a forged
    # endorsement (its signature fails in the worker, then in the replay), then a block that
    # does not parse (the worker hands it back to the replay).
    last = net.node.height() - 1
    rewrite(net, "blocks", "number = ?", forge_endorsement, last)
    assert audit_of(net).where == {"table": "blocks", "block": last}
    rewrite(net, "blocks", "number = ?", lambda text: text[:-1], last - 1)
    report = audit_of(net)
    assert report.where == {"table": "blocks", "block": last - 1} and "block" in str(report.problem)


def forge_endorsement(text: str) -> str:
    at = text.index('"signature":"', text.index('"endorsements":[{')) + len('"signature":"')
    return text[:at] + ("A" if text[at] != "A" else "B") + text[at + 1:]

