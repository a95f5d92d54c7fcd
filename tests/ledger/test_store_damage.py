"""A damaged store is named by `baobab verify`, refused by the node at start, and a damaged
transaction-id index never lets a transaction be applied twice."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from collections.abc import Callable

import pytest

from baobab import embedded
from baobab.core.errors import BaobabError
from baobab.core.jcs import canonicalize
from baobab.ledger.node import Outcome
from tests.conftest import Net
from tests.ledger.test_audit import build, more_balance, rewrite, tamper
from tests.ledger.test_transactions import fund

ONE_BYTE_CHANGED = "(CASE substr(tx_id, 1, 1) WHEN '0' THEN '1' ELSE '0' END) || substr(tx_id, 2)"
# One changed row in each derived table, and the table the damage must be reported in.
DAMAGE: dict[str, Callable[[Net], None]] = {
    "txs": lambda net: tamper(net, f"UPDATE txs SET tx_id = {ONE_BYTE_CHANGED} WHERE block = 4"),
    "state": lambda net: rewrite(net, "state", "key = 'accounts:acct/b'", more_balance),
    "history": lambda net: rewrite(net, "history", "key = 'accounts:acct/a' AND block = 3",
                                   lambda text: text.replace("1000", "1001")),
    "tree": lambda net: tamper(net, "UPDATE tree SET hash = zeroblob(32) WHERE level = 1 AND idx = 1"),
}


def verify_json(net: Net) -> tuple[int, dict, str]:  # type: ignore[type-arg]
    result = subprocess.run([sys.executable, "-m", "baobab.cli", "verify", "--data", str(net.path), "--json"],
                            capture_output=True, text=True)
    return result.returncode, json.loads(result.stdout) if result.stdout else {}, result.stderr


@pytest.mark.parametrize("table", sorted(DAMAGE))
def test_each_damaged_derived_table_is_named_by_verify_and_refused_by_the_node(net: Net, table: str) -> None:
    build(net)
    DAMAGE[table](net)
    code, report, stderr = verify_json(net)
    assert code == 1 and not report["ok"] and report["where"]["table"] == table, stderr
    with pytest.raises(BaobabError) as refused:
        embedded.open_node(net.path)
    assert refused.value.code == "STORE_MISMATCH" and refused.value.detail["table"] == table


def malform(net: Net) -> None:
    """Overwrite the database file after its first page with garbage, as a failing disk might."""
    path = net.path / "ledger.sqlite"
    data = bytearray(path.read_bytes())
    page = 4096
    assert len(data) > 3 * page
    data[2 * page : 3 * page] = b"\xa5" * page
    path.write_bytes(bytes(data))


def test_a_malformed_database_file_is_named_by_verify_and_refused_by_the_node(net: Net) -> None:
    build(net)
    malform(net)
    code, report, stderr = verify_json(net)
    assert code == 1 and not report["ok"] and report["where"] == {"table": "database"}
    assert "Traceback" not in stderr
    with pytest.raises(BaobabError) as refused:
        embedded.open_node(net.path)
    assert refused.value.code == "CORRUPT" and refused.value.detail["table"] == "database"


def test_a_transaction_is_not_applied_twice_when_its_index_row_is_altered(deals_net: Net) -> None:
    net = deals_net
    out = net.submit("KEBANK", "deals", "note", {"name": "x", "value": 1})  # a blind write: no read to conflict
    envelope = net.node.block(out.block)["transactions"][out.index]
    # The running node's index loses the transaction (one changed byte in its id).
    tamper(net, f"UPDATE txs SET tx_id = {ONE_BYTE_CHANGED} WHERE tx_id = ?", out.tx_id)
    assert net.node.store.tx(out.tx_id) is None
    again = net.node.order(envelope)
    assert isinstance(again, Outcome) and (again.block, again.index) == (out.block, out.index)
    # Even ordered past the node's own bookkeeping, the block's validation refuses the repeat.
    height = net.node.height()
    net.node.orderer.submit(envelope, canonicalize(envelope))
    assert net.node.wait_for_height(height + 1, 10)
    record = net.node.store.block(height)
    assert record is not None and record.codes == ["DUPLICATE_TXID"]
    assert len(net.node.history("deals", "note/x")) == 1


def test_a_committed_transaction_is_found_in_its_block_not_the_index_alone(net: Net) -> None:
    fund(net, 1000)
    first = net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 1})
    second = net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 2})
    db = sqlite3.connect(net.path / "ledger.sqlite")
    with db:
        db.execute("UPDATE txs SET block = ?, idx = ? WHERE tx_id = ?", (first.block, first.index, second.tx_id))
    db.close()
    net.node.recent = type(net.node.recent)(net.node.genesis["time_window_s"])  # as after a restart without it
    with pytest.raises(BaobabError) as refused:
        net.node.outcome(second.tx_id)
    assert refused.value.code == "STORE_MISMATCH"


def test_a_ledger_holding_malformed_transactions_passes_the_start_check_and_verify(net: Net) -> None:
    fund(net, 100)
    height = net.node.height()
    for junk in ({"proposal": {"x": "é"}, "signature": "s"}, "junk", [1, 2], {}):
        net.node.orderer.submit(junk, canonicalize(junk))
    assert net.node.wait_for_height(height + 1, 10)
    while net.node.store.tx("genesis") and sum(len(net.node.store.block(n).codes)  # type: ignore[union-attr]
                                               for n in range(height, net.node.height())) < 4:
        assert net.node.wait_for_height(net.node.height() + 1, 10)
    net.reopen()  # the start check reads the same ids from the blocks as the validator gave them
    code, report, stderr = verify_json(net)
    assert code == 0 and report["ok"], stderr


def test_a_flipped_byte_in_a_sealed_row_is_named_and_refused(net: Net) -> None:
    build(net)
    db = sqlite3.connect(net.path / "ledger.sqlite")
    with db:
        (sealed,) = db.execute("SELECT value FROM state WHERE key = 'accounts:acct/b'").fetchone()
        flipped = bytes(sealed[:30]) + bytes([sealed[30] ^ 1]) + bytes(sealed[31:])
        db.execute("UPDATE state SET value = ? WHERE key = 'accounts:acct/b'", (flipped,))
    db.close()
    code, report, _ = verify_json(net)
    assert code == 1 and report["where"] == {"table": "state"}
    with pytest.raises(BaobabError) as refused:
        embedded.open_node(net.path)
    assert refused.value.detail["table"] == "state"


# --- the start check covers what is new since the last start --------------------------------

def checked_then_more(net: Net) -> int:
    """A ledger a start has checked, then more blocks committed: the checked height."""
    fund(net, 1000)
    net.reopen()  # this start checks every block and records it
    checked = net.node.store.checked_height()
    assert checked == net.node.height()
    for i in range(5):
        net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 10 + i})
    net.node.close()
    return checked


# One changed row of the last block in each derived table (after the checked height).
LAST = "(SELECT MAX(number) FROM blocks)"
NEW_DAMAGE: dict[str, Callable[[Net], None]] = {
    "txs": lambda net: tamper(net, f"UPDATE txs SET tx_id = {ONE_BYTE_CHANGED} WHERE block = {LAST}"),
    "state": lambda net: rewrite(net, "state", "key = 'accounts:acct/b'", more_balance),
    "history": lambda net: rewrite(net, "history", f"key = 'accounts:acct/a' AND block = {LAST}", more_balance),
    "tree": lambda net: tamper(net, f"UPDATE tree SET hash = zeroblob(32) WHERE level = 0 AND idx = {LAST}"),
}


@pytest.mark.parametrize("table", sorted(NEW_DAMAGE))
def test_damage_to_rows_of_blocks_committed_since_the_last_start_is_refused(net: Net, table: str) -> None:
    checked_then_more(net)
    NEW_DAMAGE[table](net)
    with pytest.raises(BaobabError) as refused:
        embedded.open_node(net.path)
    assert refused.value.code == "STORE_MISMATCH" and refused.value.detail["table"] == table


def test_a_start_checks_only_the_new_blocks_and_verify_still_reads_every_one(net: Net) -> None:
    checked_then_more(net)
    net.node = embedded.open_node(net.path)  # checks the new blocks; now all are checked
    height = net.node.height()
    assert net.node.store.checked_height() == height
    net.node.close()
    # A row of a block checked before is not read again at start (that is the full audit's job).
    tamper(net, "UPDATE tree SET hash = zeroblob(32) WHERE level = 0 AND idx = 1")
    net.node = embedded.open_node(net.path)
    net.node.close()
    code, report, stderr = verify_json(net)
    assert code == 1 and report["where"]["table"] == "tree", stderr


def test_a_block_altered_after_the_checked_height_is_refused(net: Net) -> None:
    checked_then_more(net)
    db = sqlite3.connect(net.path / "ledger.sqlite")
    with db:  # the commit hash chain no longer covers the last block's codes
        assert db.execute("UPDATE blocks SET commit_hash = ? WHERE number = (SELECT MAX(number) FROM blocks)",
                          ("0" * 64,)).rowcount == 1
    db.close()
    with pytest.raises(BaobabError) as refused:
        embedded.open_node(net.path)
    assert refused.value.code == "STORE_MISMATCH" and refused.value.detail["table"] == "blocks"
