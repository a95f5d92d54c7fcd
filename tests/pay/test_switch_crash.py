"""SIGKILL of the switch under load: no acknowledged transfer is lost, no reservation leaks, and
every transfer is resolved (committed, or aborted at its expiry) after the restart."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from baobab.pay.store import SQLiteDatabase
from baobab.pay.switch import ABORTED, COMMITTED, RESERVED, Switch

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.parametrize("acknowledged_before_kill,mode", [(40, "alone"), (250, "alone"), (250, "grouped")])
def test_sigkill_loses_nothing_acknowledged(tmp_path: Path, acknowledged_before_kill: int, mode: str) -> None:
    path = tmp_path / "switch.sqlite"
    worker = subprocess.Popen([sys.executable, "-m", "tests.pay.crash_worker", str(path), mode], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    acknowledged: dict[str, str] = {}
    assert worker.stdout is not None
    for line in worker.stdout:
        transfer_id, state = line.split()
        acknowledged[transfer_id] = state
        if len(acknowledged) >= acknowledged_before_kill:
            break
    worker.send_signal(signal.SIGKILL)
    worker.wait()

    switch = Switch(SQLiteDatabase(path))
    for transfer_id, state in acknowledged.items():
        found = switch.find(transfer_id)
        assert found is not None, transfer_id
        assert found.state == state or (state == RESERVED and found.state == COMMITTED), (transfer_id, found.state)
    assert switch.reconcile() == []
    switch.expire(datetime.now(timezone.utc) + timedelta(hours=2))
    states = {s for (s,) in switch.db.all("SELECT state FROM switch_transfers")}
    assert states <= {COMMITTED, ABORTED}
    for fsp in ("a", "b"):  # nothing left reserved on either side
        assert switch.journal.balance(f"{fsp}/USD/position").debits_pending == 0
    assert switch.reconcile() == []
    switch.db.close()
