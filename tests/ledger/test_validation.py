"""Every ordered transaction is kept with a validation code; only VALID ones change state."""

from __future__ import annotations

import copy

from baobab.core.jcs import canonicalize
from baobab.core.keys import PrivateKey
from tests.conftest import Net
from tests.ledger.test_transactions import balance, fund


def endorse(net: Net, org: str, function: str, args: dict) -> dict:
    return net.node.endorse(net.identity(org).proposal("accounts", function, args))


def test_read_conflict_invalidates_the_later_of_two_concurrent_spends(net: Net) -> None:
    fund(net, 1000)
    first = endorse(net, "KEBANK", "transfer", {"src": "a", "dst": "b", "amount": 800})
    second = endorse(net, "KEBANK", "transfer", {"src": "a", "dst": "b", "amount": 700})
    assert net.node.order(first).code == "VALID"
    assert net.node.order(second).code == "MVCC_READ_CONFLICT"
    assert balance(net, "a") == 200 and balance(net, "b") == 800


def test_policy_failure_with_one_endorsement(net: Net) -> None:
    fund(net)
    env = endorse(net, "KEBANK", "transfer", {"src": "a", "dst": "b", "amount": 1})
    env["endorsements"] = env["endorsements"][:1]
    out = net.node.order(env)
    assert out.code == "ENDORSEMENT_POLICY_FAILURE" and out.events == []
    assert balance(net, "b") == 0


def test_endorsement_by_a_non_bank_does_not_count(net: Net) -> None:
    fund(net)
    env = endorse(net, "KEBANK", "transfer", {"src": "a", "dst": "b", "amount": 1})
    trader_peer = PrivateKey.from_text((net.path / "keys" / "TRADER" / "peer.key").read_text().strip())
    env["endorsements"] = env["endorsements"][:1] + [{"org": "TRADER", "signature": trader_peer.sign("endorsement", env["result"])}]
    assert net.node.order(env).code == "ENDORSEMENT_POLICY_FAILURE"


def test_tampered_result_breaks_endorsement_signatures(net: Net) -> None:
    fund(net)
    env = endorse(net, "KEBANK", "transfer", {"src": "a", "dst": "b", "amount": 1})
    forged = copy.deepcopy(env)
    forged["result"]["writes"][1][1]["balance"] = 1_000_000
    assert net.node.order(forged).code == "BAD_SIGNATURE"
    assert balance(net, "b") == 0


def test_writes_outside_the_contract_namespace_are_refused(net: Net) -> None:
    fund(net)
    env = endorse(net, "KEBANK", "transfer", {"src": "a", "dst": "b", "amount": 1})
    env["result"]["writes"].append(["governance:org/TRADER", {"evil": True}])
    env["endorsements"] = [
        {"org": e["org"], "signature": net.node.peer_keys[e["org"]].sign("endorsement", env["result"])}
        for e in env["endorsements"]
    ]
    assert net.node.order(env).code == "BAD_RWSET"


def test_duplicate_id_in_a_later_block_is_kept_but_not_applied(net: Net) -> None:
    fund(net)
    env = endorse(net, "KEBANK", "transfer", {"src": "a", "dst": "b", "amount": 10})
    first = net.node.order(env)
    net.node.orderer.submit(env, canonicalize(env))  # bypass the node's dedupe, as a faulty client might
    net.submit("KEBANK", "accounts", "open", {"account": "c", "currency": "KES"})  # flush a block
    dup_blocks = [n for n in range(first.block + 1, net.node.height())
                  if any(t == env for t in net.node.block(n)["transactions"])]
    assert dup_blocks, "the duplicate was ordered"
    record = net.node.store.block(dup_blocks[0])
    idx = net.node.block(dup_blocks[0])["transactions"].index(env)
    assert record.codes[idx] == "DUPLICATE_TXID"
    assert balance(net, "b") == 10
    assert net.node.outcome(first.tx_id) == first


def test_invalid_transactions_stay_in_their_block(net: Net) -> None:
    fund(net)
    env = endorse(net, "KEBANK", "transfer", {"src": "a", "dst": "b", "amount": 1})
    env["endorsements"] = []
    out = net.node.order(env)
    assert net.node.block(out.block)["transactions"][out.index] == env
    assert net.node.store.tx(out.tx_id) == (out.block, out.index, "ENDORSEMENT_POLICY_FAILURE")
