"""Submitting transactions: commit, idempotent resubmission, and rejection before ordering."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey
from baobab.ledger.node import Outcome
from baobab.ledger.tx import make_proposal, sign_proposal
from tests.conftest import Net


def fund(net: Net, amount: int = 1000) -> None:
    net.submit("KEBANK", "accounts", "open", {"account": "a", "currency": "KES"})
    net.submit("KEBANK", "accounts", "open", {"account": "b", "currency": "KES"})
    net.submit("KEBANK", "accounts", "issue", {"account": "a", "amount": amount})


def balance(net: Net, account: str) -> int:
    return net.query("KEBANK", "accounts", "balance", {"account": account})["balance"]


def test_transfer_commits_with_two_bank_endorsements(net: Net) -> None:
    fund(net)
    out = net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 300})
    assert out.valid and out.response == {"src_balance": 700}
    assert out.events == [{"name": "transferred", "payload": {"src": "a", "dst": "b", "amount": 300, "currency": "KES"}}]
    block = net.node.block(out.block)
    envelope = block["transactions"][out.index]
    assert len(envelope["endorsements"]) == 2
    assert {e["org"] for e in envelope["endorsements"]} <= {"KEBANK", "MYBANK", "ARBANK"}
    assert balance(net, "a") == 700 and balance(net, "b") == 300
    history = net.node.history("accounts", "acct/a")
    assert [h["value"]["balance"] for h in history] == [0, 1000, 700]


def test_resubmitting_returns_the_original_outcome_and_applies_once(net: Net) -> None:
    fund(net)
    signed = net.identity("KEBANK").proposal("accounts", "transfer", {"src": "a", "dst": "b", "amount": 100})
    first = net.node.submit(signed)
    again = net.node.submit(signed)
    assert again == first
    assert balance(net, "b") == 100


def test_contract_error_is_refused_before_ordering_and_changes_nothing(net: Net) -> None:
    fund(net)
    height = net.node.height()
    with pytest.raises(BaobabError) as e:
        net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 5000})
    assert e.value.code == "CONTRACT_ERROR" and "insufficient funds" in e.value.message
    assert net.node.height() == height and balance(net, "a") == 1000


@pytest.mark.parametrize("contract, function, args, code", [
    ("nosuch", "transfer", {}, "UNKNOWN_CONTRACT"),
    ("accounts", "nosuch", {}, "UNKNOWN_FUNCTION"),
    ("accounts", "balance", {"account": "a"}, "UNKNOWN_FUNCTION"),  # a query is not a transaction
    ("accounts", "transfer", {"src": "a", "dst": "b", "amount": "100"}, "BAD_ARGUMENT"),
    ("accounts", "transfer", {"src": "a", "dst": "b", "amount": 1.5}, "BAD_ARGUMENT"),
    ("accounts", "transfer", {"src": "a", "dst": "b"}, "BAD_ARGUMENT"),
    ("accounts", "transfer", {"src": "a", "dst": "b", "amount": 1, "memo": "x"}, "BAD_ARGUMENT"),
])
def test_bad_proposals_get_stable_codes(net: Net, contract: str, function: str, args: dict, code: str) -> None:
    fund(net)
    height = net.node.height()
    with pytest.raises(BaobabError) as e:
        net.submit("KEBANK", contract, function, args)
    assert e.value.code == code, e.value.message
    assert net.node.height() == height


def signed_by(net: Net, creator: str, key: PrivateKey, **overrides: object) -> dict:
    proposal = make_proposal(net.node.network, creator, "accounts", "open", {"account": "z", "currency": "KES"})
    proposal.update(overrides)
    return sign_proposal(proposal, key)


def test_identity_and_signature_failures(net: Net) -> None:
    key = net.identity("KEBANK").key
    stranger = PrivateKey.generate()
    late = (datetime.now(timezone.utc) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    cases = {
        "UNKNOWN_ORG": signed_by(net, "NOBODY/app", key),
        "UNKNOWN_IDENTITY": signed_by(net, "KEBANK/ghost", key),
        "BAD_SIGNATURE": signed_by(net, "KEBANK/app", stranger),
        "EXPIRED": signed_by(net, "KEBANK/app", key, timestamp=late),
        "MALFORMED": signed_by(net, "KEBANK/app", key, network="another-net"),
    }
    for code, signed in cases.items():
        with pytest.raises(BaobabError) as e:
            net.node.submit(signed)
        assert e.value.code == code
    tampered = net.identity("KEBANK").proposal("accounts", "open", {"account": "z", "currency": "KES"})
    tampered["proposal"]["args"]["account"] = "y"
    with pytest.raises(BaobabError) as e:
        net.node.submit(tampered)
    assert e.value.code == "BAD_SIGNATURE"
    assert net.node.height() == 1  # only genesis


@pytest.mark.parametrize("signed", [
    None, [], {"proposal": {}}, {"proposal": {"network": "x"}, "signature": "s"},
    {"proposal": {"network": "x", "contract": "c", "function": "f", "args": [], "creator": "A/b",
                  "nonce": "n", "timestamp": "2026-01-01T00:00:00Z"}, "signature": "s"},
    {"proposal": {"network": "x", "contract": "c", "function": "f", "args": {}, "creator": "A/b",
                  "nonce": "n", "timestamp": "yesterday"}, "signature": "s"},
])
def test_malformed_proposals(net: Net, signed: object) -> None:
    with pytest.raises(BaobabError) as e:
        net.node.submit(signed)
    assert e.value.code == "MALFORMED"


def test_oversized_transaction_is_refused(net: Net) -> None:
    with pytest.raises(BaobabError) as e:
        net.submit("KEBANK", "accounts", "open", {"account": "x" * (1 << 20), "currency": "KES"})
    assert e.value.code == "TOO_LARGE"
    assert net.node.height() == 1


def test_state_survives_reopening(net: Net) -> None:
    fund(net)
    net.reopen()
    assert balance(net, "a") == 1000
    net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 1})
    assert balance(net, "b") == 1


def test_a_transaction_resent_after_the_orderer_refused_it_is_ordered(net: Net, monkeypatch: pytest.MonkeyPatch) -> None:
    """A hand-off to the ordering service that fails answers ORDERER_UNAVAILABLE and leaves
    nothing waiting: the client's resend is ordered and committed, once."""
    fund(net)
    signed = net.identity("KEBANK").proposal("accounts", "transfer", {"src": "a", "dst": "b", "amount": 100})
    hand_off = net.node.orderer.submit

    def unavailable(envelope: Any, data: bytes) -> None:
        raise BaobabError("ORDERER_UNAVAILABLE", "the stream is electing a leader")

    monkeypatch.setattr(net.node.orderer, "submit", unavailable)
    with pytest.raises(BaobabError) as refused:
        net.node.submit(signed, timeout=5)
    assert refused.value.code == "ORDERER_UNAVAILABLE"
    assert balance(net, "b") == 0
    monkeypatch.setattr(net.node.orderer, "submit", hand_off)
    resent = net.node.submit(signed, timeout=30)
    assert isinstance(resent, Outcome) and resent.valid
    assert net.node.submit(signed) == resent and balance(net, "b") == 100
