"""A real node process on a free port, driven only over HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from baobab import embedded
from baobab.client import Identity
from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS
from baobab.http_client import BaobabClient

HERE = Path(__file__).resolve().parent
FAST_BLOCKS = {"max_txs": 50, "max_bytes": 8_000_000, "timeout_ms": 5}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, proc: subprocess.Popen[bytes], attempts: int = 400) -> None:
    """Poll /health until it answers; between polls, wait on the process (so a crash shows)."""
    for _ in range(attempts):
        try:
            if httpx.get(url + "/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        try:
            proc.wait(timeout=0.05)
            raise RuntimeError(f"node process exited with {proc.returncode}")
        except subprocess.TimeoutExpired:
            continue
    raise RuntimeError("node did not become ready")


class Node:
    def __init__(self, url: str, data: Path) -> None:
        self.url, self.data = url, data
        self.genesis = embedded.load_genesis(data)

    def client(self, org: str, name: str = "app") -> BaobabClient:
        return BaobabClient(self.url, Identity.load(self.data, DEMO_NETWORK, org, name))


@pytest.fixture(scope="session")
def node(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    data = tmp_path_factory.mktemp("api-node")
    embedded.create(data, DEMO_NETWORK, DEMO_ORGS, DEMO_ADMINS, clients=("app", "audit"), block=FAST_BLOCKS)
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, str(HERE / "serve.py"), str(data), str(port)], env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_ready(url, proc)
        yield Node(url, data)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
