"""`baobab network local` stops cleanly: SIGTERM ends it as Ctrl-C does, leaving no server of
the network running; without PostgreSQL it says so in one line."""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from .conftest import BAOBAB


def processes_mentioning(text: str) -> list[str]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            argv = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # the process ended meanwhile
            continue
        if text in argv:
            found.append(argv)
    return found


def test_without_postgresql_network_local_is_one_line_and_status_3(tmp_path: Path) -> None:
    env = {**os.environ, "BAOBAB_PG_ADMIN": "postgresql://127.0.0.1:1/postgres?connect_timeout=2"}
    result = subprocess.run([*BAOBAB, "network", "local", "--dir", str(tmp_path / "net")], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert result.stderr.startswith("Error: PostgreSQL is unreachable") and len(result.stderr.splitlines()) == 1


@pytest.mark.services
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="lists processes through /proc")
def test_sigterm_stops_every_server_of_a_local_network(tmp_path: Path) -> None:
    psycopg = pytest.importorskip("psycopg")
    from baobab.net.local import PG_ADMIN

    try:
        psycopg.connect(PG_ADMIN, connect_timeout=2).close()
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL unreachable: {exc}")
    root = tmp_path / "net"
    proc = subprocess.Popen([*BAOBAB, "network", "local", "--dir", str(root), "--orgs", "KLTB,BPLATA", "--orderers", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("Ctrl-C stops it"):
                break
        else:
            pytest.fail(f"network local exited with {proc.wait()}")
        assert len(processes_mentioning(str(root))) >= 4  # three NATS servers, nodes
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=120) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert processes_mentioning(str(root)) == []
