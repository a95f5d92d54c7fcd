"""`baobab up` as a real process on a free port; the commands under test talk to it over HTTP."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from baobab.cli import cli
from baobab.net.process import free_port, wait_healthy

BAOBAB = [sys.executable, "-m", "baobab.cli"]


@dataclass
class Up:
    url: str
    data: Path

    def run(self, *args: str, identity: str | None = "KLTB/app") -> Result:
        """`baobab ARGS --url URL --data DATA [--as IDENTITY]` in this process."""
        extra = ["--url", self.url, "--data", str(self.data)] + (["--as", identity] if identity else [])
        return CliRunner().invoke(cli, [*args, *extra], catch_exceptions=False)


@pytest.fixture(scope="module")
def up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Up]:
    data, port = tmp_path_factory.mktemp("cli") / "data", free_port()
    proc = subprocess.Popen([*BAOBAB, "up", "--no-stories", "--data", str(data), "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc, attempts=3000, poll_s=0.1)
        yield Up(f"http://127.0.0.1:{port}", data)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
