"""A participant can prove a transaction is in the ledger without trusting the node."""

from __future__ import annotations

import copy

from baobab.core.keys import PublicKey
from baobab.ledger.proofs import verify_consistency_proof, verify_inclusion_proof
from tests.conftest import Net
from tests.ledger.test_transactions import fund


def orderer_key(net: Net) -> PublicKey:
    return PublicKey.from_text(net.node.genesis["orderer"]["key"])


def test_inclusion_proof_verifies_and_detects_any_change(net: Net) -> None:
    fund(net)
    out = net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 5})
    net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 6})  # later blocks
    proof = net.node.inclusion_proof(out.tx_id)
    assert proof["code"] == "VALID" and len(proof["headers"]) == net.node.height() - out.block
    assert verify_inclusion_proof(proof, orderer_key(net))

    forged = copy.deepcopy(proof)
    forged["transaction"]["result"]["response"] = {"src_balance": 999}
    assert not verify_inclusion_proof(forged, orderer_key(net))
    forged = copy.deepcopy(proof)
    forged["headers"][-1]["timestamp"] = "2030-01-01T00:00:00Z"
    assert not verify_inclusion_proof(forged, orderer_key(net))
    forged = copy.deepcopy(proof)
    forged["headers"] = forged["headers"][:1] + forged["headers"][2:]
    assert not verify_inclusion_proof(forged, orderer_key(net)) or len(proof["headers"]) < 3
    assert not verify_inclusion_proof(proof, PublicKey(bytes(32)))


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
