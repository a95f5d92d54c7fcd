"""A node killed with SIGKILL mid-load restarts to a consistent ledger, losing nothing it
acknowledged, and answers a resubmitted transaction with its original outcome."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from baobab import embedded
from baobab.contracts import default_registry
from baobab.ledger.audit import audit
from tests.conftest import SMALL_ORGS, Net
from tests.ledger.load_worker import ACCOUNTS

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("acks_before_kill", [1, 150])
def test_sigkill_under_load_loses_no_acknowledged_transaction(tmp_path: Path, acks_before_kill: int) -> None:
    path = tmp_path / "net"
    embedded.create(path, "crash-net", SMALL_ORGS, ["KEBANK", "MYBANK", "ARBANK"],
                    block={"max_txs": 20, "max_bytes": 8_000_000, "timeout_ms": 2})
    net = Net(path, embedded.open_node(path))
    for a in range(ACCOUNTS):
        net.submit("KEBANK", "accounts", "open", {"account": f"acc{a}", "currency": "KES"})
        net.submit("KEBANK", "accounts", "issue", {"account": f"acc{a}", "amount": 1_000_000})
    net.node.close()

    worker = subprocess.Popen([sys.executable, "-m", "tests.ledger.load_worker", str(path)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    acked: list[tuple[dict, str]] = []
    assert worker.stdout is not None
    for line in worker.stdout:
        if line.startswith("ACK "):
            payload, code = line[4:].rsplit(" ", 1)
            acked.append((json.loads(payload), code.strip()))
            if len(acked) >= acks_before_kill:
                break
    worker.send_signal(signal.SIGKILL)
    worker.wait()
    # lines already written before the kill are acknowledgements too
    for line in worker.stdout.read().splitlines():
        if line.startswith("ACK "):
            payload, code = line[4:].rsplit(" ", 1)
            acked.append((json.loads(payload), code.strip()))

    net.node = embedded.open_node(path)
    try:
        report = audit(net.node.store, default_registry())
        assert report.ok, report.problem
        height = net.node.height()
        for signed, code in acked:
            outcome = net.node.submit(signed)  # resubmission
            assert outcome.code == code
        assert net.node.height() == height, "a resubmitted transaction was ordered again"
        total = sum(net.query("KEBANK", "accounts", "balance", {"account": f"acc{a}"})["balance"] for a in range(ACCOUNTS))
        assert total == ACCOUNTS * 1_000_000
    finally:
        net.node.close()
