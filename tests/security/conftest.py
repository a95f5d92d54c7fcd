"""Security tests run against a node served over real HTTP, one server process per test
module (or per test, for tests that need their own limits).

`MODES` lists how a node is served; every fixture is parametrised by it, so the network mode
(the same app over NATS JetStream and PostgreSQL, issue 10) joins by adding its name here and
a branch in `start`.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from baobab import embedded
from baobab.client import Identity
from baobab.http_client import BaobabClient
from tests.conftest import FAST_BLOCKS, SMALL_ORGS

HERE = Path(__file__).resolve().parent
MODES = ("embedded",)
NETWORK = "sec-net"
ADMINS = ["KEBANK", "MYBANK", "ARBANK"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """A node serving its API at `url`; its log in `log_path`."""

    def __init__(self, mode: str, url: str, data: Path, proc: subprocess.Popen[bytes], log_path: Path) -> None:
        self.mode, self.url, self.data, self.proc, self.log_path = mode, url, data, proc, log_path
        self.network = NETWORK
        self.port = int(url.rsplit(":", 1)[1])

    def identity(self, org: str, name: str = "app") -> Identity:
        return Identity.load(self.data, self.network, org, name)

    def client(self, org: str, name: str = "app") -> BaobabClient:
        return BaobabClient(self.url, self.identity(org, name), timeout=30.0)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def wait_ready(url: str, proc: subprocess.Popen[bytes], attempts: int = 600) -> None:
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


def start(mode: str, root: Path, *, umask: int = -1, **limits: Any) -> Served:
    """A node of five organisations (three admin banks, a trader, customs) in `mode`, its
    process started with `umask` (-1: this process's)."""
    if mode != "embedded":
        raise ValueError(f"unknown mode {mode}")
    data = root / "data"
    embedded.create(data, NETWORK, SMALL_ORGS, ADMINS, clients=("app", "audit"), block=FAST_BLOCKS)
    port = free_port()
    log_path = root / "node.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, str(HERE / "serve.py"), str(data), str(port), json.dumps(limits)],
                                env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=log, stderr=subprocess.STDOUT,
                                umask=umask)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_ready(url, proc)
    except RuntimeError:
        proc.kill()
        raise RuntimeError(log_path.read_text(errors="replace")) from None
    return Served(mode, url, data, proc, log_path)


@pytest.fixture(scope="module", params=MODES)
def node(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A node with the default limits, shared by a module's tests."""
    served = start(request.param, tmp_path_factory.mktemp(f"sec-{request.param}"))
    yield served
    served.stop()


@pytest.fixture(params=MODES)
def serve(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Served]]:
    """`serve(umask=-1, **limits)`: a node of its own with those `Limits` (fields of
    baobab.api.limits.Limits), its process started with `umask`."""
    started: list[Served] = []

    def make(umask: int = -1, **limits: Any) -> Served:
        started.append(start(request.param, tmp_path_factory.mktemp(f"sec-{request.param}"), umask=umask, **limits))
        return started[-1]

    yield make
    for served in started:
        served.stop()
