"""The embedded node validates and commits in a committer process of its own (two cores):
the same outcomes and audit as in one process, one writer per ledger, and a committer that
dies fails the waiting clients at once instead of leaving them to time out."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from baobab import embedded
from baobab.contracts import default_registry
from baobab.core.errors import BaobabError
from baobab.ledger.audit import audit
from baobab.ledger.commit_process import CommitProcess
from baobab.core.keys import PrivateKey
from tests.conftest import FAST_BLOCKS, SMALL_ORGS, Net

ADMINS = ["KEBANK", "MYBANK", "ARBANK"]


def _net(tmp_path: Path, *, commit_process: bool = True) -> Net:
    path = tmp_path / "net"
    if not path.exists():
        embedded.create(path, "test-net", SMALL_ORGS, ADMINS, block=FAST_BLOCKS)
    return Net(path, embedded.open_node(path, commit_process=commit_process))


def _transfers(net: Net) -> list[str]:
    net.submit("KEBANK", "accounts", "open", {"account": "a", "currency": "KES"})
    net.submit("KEBANK", "accounts", "open", {"account": "b", "currency": "KES"})
    net.submit("KEBANK", "accounts", "issue", {"account": "a", "amount": 1_000})
    return [net.submit("KEBANK", "accounts", "transfer", {"src": "a", "dst": "b", "amount": 10}).code
            for _ in range(5)]


def test_a_committer_process_gives_the_outcomes_state_and_audit_of_one_process(tmp_path: Path) -> None:
    net = _net(tmp_path)
    try:
        assert net.node.committer is not None and net.node.committer.pid != os.getpid()
        codes = _transfers(net)
        assert codes == ["VALID"] * 5
        assert net.query("KEBANK", "accounts", "balance", {"account": "b"})["balance"] == 50
        height, head = net.node.height(), net.node.head()
    finally:
        net.node.close()
    # the same folder opened in one process sees exactly what the committer process stored
    net = _net(tmp_path, commit_process=False)
    try:
        assert net.node.committer is None
        assert net.node.height() == height and net.node.head()["commit_hash"] == head["commit_hash"]
        assert net.query("KEBANK", "accounts", "balance", {"account": "a"})["balance"] == 950
        report = audit(net.node.store, default_registry())
        assert report.ok, report.problem
    finally:
        net.node.close()


def test_the_committer_checks_every_signature_the_node_did_not_check_itself(tmp_path: Path) -> None:
    """A client-assembled envelope comes with signatures the node neither made nor verified: the
    committer verifies them itself, and a forged endorsement is refused there."""
    net = _net(tmp_path)
    try:
        net.submit("KEBANK", "accounts", "open", {"account": "a", "currency": "KES"})
        signed = net.identity("KEBANK").proposal("accounts", "open", {"account": "b", "currency": "KES"})
        envelope = net.node.endorse(signed)
        forger = PrivateKey.generate()
        envelope["endorsements"][0]["signature"] = forger.sign("endorsement", envelope["result"])
        outcome = net.node.order(envelope)
        assert outcome.code == "BAD_SIGNATURE"
        with pytest.raises(BaobabError):
            net.query("KEBANK", "accounts", "balance", {"account": "b"})
        honest = net.identity("KEBANK").proposal("accounts", "open", {"account": "c", "currency": "KES"})
        assert net.node.order(net.node.endorse(honest)).code == "VALID"
    finally:
        net.node.close()


def test_two_committers_never_write_one_ledger(tmp_path: Path) -> None:
    net = _net(tmp_path)
    try:
        genesis = embedded.load_genesis(net.path)
        with pytest.raises(BaobabError) as busy:
            CommitProcess.start(net.path, genesis, default_registry(), None, lock_wait_s=0.2)
        assert busy.value.code == "STORE_UNAVAILABLE"
        assert net.submit("KEBANK", "accounts", "open", {"account": "a", "currency": "KES"}).valid
    finally:
        net.node.close()
    reopened = _net(tmp_path)  # closing released the ledger
    reopened.node.close()


def test_a_dead_committer_fails_clients_at_once_and_loses_nothing_acknowledged(tmp_path: Path) -> None:
    net = _net(tmp_path)
    try:
        net.submit("KEBANK", "accounts", "open", {"account": "a", "currency": "KES"})
        acknowledged = net.node.height()
        assert net.node.committer is not None
        os.kill(net.node.committer.pid, signal.SIGKILL)
        for account in ("b", "c"):  # the first finds it out, the next is told at once
            with pytest.raises(BaobabError) as failed:
                net.submit("KEBANK", "accounts", "open", {"account": account, "currency": "KES"})
            assert failed.value.code == "STORE_UNAVAILABLE"
    finally:
        net.node.close()
    net = _net(tmp_path)
    try:
        assert net.node.height() >= acknowledged
        assert net.query("KEBANK", "accounts", "balance", {"account": "a"})["balance"] == 0
        assert net.submit("KEBANK", "accounts", "open", {"account": "d", "currency": "KES"}).valid
    finally:
        net.node.close()
