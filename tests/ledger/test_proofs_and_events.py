"""A participant can prove a transaction is in the ledger without trusting the node."""

from __future__ import annotations

import copy
import json

from baobab.core.keys import PublicKey
from baobab.core import merkle
from baobab.core.jcs import canonicalize
from baobab.ledger.proofs import (log_path, verify_block_leaves, verify_consistency_proof, verify_head,
                                  verify_inclusion_proof)
from tests.conftest import Net
from tests.ledger.test_transactions import fund


def orderer_key(net: Net) -> PublicKey:
    return PublicKey.from_text(net.node.genesis["orderer"]["key"])


def test_inclusion_proof_verifies_and_detects_any_change(net: Net) -> None:
    fund(net)
    out = net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 5})
    net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 6})  # later blocks
    proof = net.node.inclusion_proof(out.tx_id)
    head = net.node.head()
    assert proof["code"] == "VALID" and proof["log"]["size"] == net.node.height()
    assert verify_inclusion_proof(proof, orderer_key(net)) and verify_inclusion_proof(proof, orderer_key(net), head)
    assert verify_head(head, orderer_key(net))

    forged = copy.deepcopy(proof)
    forged["transaction"]["result"]["response"] = {"src_balance": 999}
    assert not verify_inclusion_proof(forged, orderer_key(net))
    forged = copy.deepcopy(proof)
    forged["header"]["timestamp"] = "2030-01-01T00:00:00Z"
    assert not verify_inclusion_proof(forged, orderer_key(net))
    forged = copy.deepcopy(proof)
    forged["log"]["path"][0] = "00" * 32
    assert not verify_inclusion_proof(forged, orderer_key(net))
    assert not verify_inclusion_proof(proof, orderer_key(net), {**head, "root": "00" * 32})
    assert not verify_inclusion_proof(proof, PublicKey(bytes(32)))
    assert not verify_head({**head, "size": head["size"] + 1}, orderer_key(net))


def test_proofs_from_stored_tree_nodes_equal_the_rfc9162_proofs_over_every_block(net: Net) -> None:
    fund(net)
    for i in range(6):
        net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 1 + i})
    hashes = [bytes.fromhex(b.hash) for b in net.node.store.blocks()]
    leaves = [merkle.leaf_hash(h) for h in hashes]
    size = len(hashes)
    assert net.node.head()["root"] == merkle.root(hashes).hex()
    for old in range(1, size + 1):
        for new in range(old, size + 1):
            proof = net.node.consistency_proof(old, new)
            assert proof["proof"] == [h.hex() for h in merkle.consistency_proof(old, leaves[:new])]
            assert proof["old_root"] == merkle.root(hashes[:old]).hex()
    for number in range(size):
        log = log_path(net.node.store, number, size)
        assert log["path"] == [h.hex() for h in merkle.inclusion_proof(number, leaves)]


def test_a_member_checks_a_block_root_from_its_leaf_hashes(net: Net) -> None:
    fund(net)
    out = net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 5})
    leaves = net.node.block_leaves(out.block)
    assert verify_block_leaves(leaves["header"], leaves["signature"], leaves["leaves"], orderer_key(net))
    forged = [*leaves["leaves"]]
    forged[0] = "00" * 32
    assert not verify_block_leaves(leaves["header"], leaves["signature"], forged, orderer_key(net))
    assert not verify_block_leaves(leaves["header"], leaves["signature"], leaves["leaves"][1:], orderer_key(net))


def test_list_pages_resume_after_the_last_key_and_end_with_no_next(net: Net) -> None:
    fund(net)
    for name in ("c", "d", "e"):
        net.submit("KEBANK", "accounts", "open", {"account": name, "currency": "KES"})
    keys, start = [], None
    while True:
        page = net.node.page("accounts", "", start, limit=2)
        assert len(page["items"]) <= 2
        keys += [item["key"] for item in page["items"]]
        start = page["next"]
        if start is None:
            break
    assert keys == [k[len("accounts:"):] for k, _, _ in net.node.store.range("accounts:")]


def test_consistency_proof_between_two_heads(net: Net) -> None:
    fund(net)
    old_size = net.node.head()["size"]
    old_root = net.node.head()["root"]
    for i in range(3):
        net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 1 + i})
    proof = net.node.consistency_proof(old_size)
    assert proof["old_root"] == old_root and proof["new_root"] == net.node.head()["root"]
    assert verify_consistency_proof(proof)
    assert not verify_consistency_proof({**proof, "old_root": "00" * 32})


def test_events_resume_from_any_block(net: Net) -> None:
    fund(net)
    out = net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 7})
    everything = list(net.node.events(0))
    assert [e["name"] for e in everything] == ["account_opened", "account_opened", "issued", "transferred"]
    resumed = list(net.node.events(out.block))
    assert resumed == [e for e in everything if e["block"] >= out.block]
    assert resumed[0]["tx_id"] == out.tx_id and resumed[0]["payload"]["amount"] == 7


def test_leaves_read_from_a_stored_block_are_its_merkle_leaves_whatever_its_text_holds() -> None:
    from baobab.core.keys import PrivateKey
    from baobab.ledger.block import block_bytes, leaf_hashes, make_block
    from baobab.ledger.proofs import slice_leaves, split_block

    txs = [{"a": ',"transactions":[', "b": "é\u2028\"]"}, {"n": [1, {"x": None}]}, "plain", 7]
    block = make_block('net,"transactions":[', 3, "0" * 64, txs, "2026-01-01T00:00:00Z", PrivateKey.generate())
    data = block_bytes(block, [canonicalize(t) for t in txs])
    header, signature, slices = split_block(data)
    assert (header, signature) == (block["header"], block["signature"])
    assert [json.loads(s) for s in slices] == txs and slice_leaves(slices) == leaf_hashes(txs)
