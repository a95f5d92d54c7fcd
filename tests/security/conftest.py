"""Security tests run against nodes served over real HTTP, in every mode of `MODES`:

- embedded: one node process (tests/security/serve.py) serving every organisation;
- network: a JetStream cluster, two ordering nodes and two organisation nodes (each with its
  own PostgreSQL database): KEBANK's node serves KEBANK, TRADER and CUSTOMS, MYBANK's node
  MYBANK and ARBANK. Skipped, with the reason, where PostgreSQL or nats-server is missing.

`node` is one network per module and mode; `serve(**limits)` a node of its own with those
`Limits`, in `LIMITED_MODES` (the network's nodes take the default limits). Tests speak HTTP
only: `node.client(org)` is that organisation's client on the node that serves it (clients
share one causality token), `node.url_of(org)` that node's URL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from baobab import embedded
from baobab.client import Identity
from baobab.http_client import BaobabClient, Causality
from baobab.net.process import free_port, wait_healthy
from baobab.net.process import stop as stop_process
from tests.conftest import FAST_BLOCKS, SMALL_ORGS

HERE = Path(__file__).resolve().parent
MODES = ("embedded", "network")
LIMITED_MODES = ("embedded",)
NETWORK = "sec-net"
ADMINS = ["KEBANK", "MYBANK", "ARBANK"]
HOSTING = {"KEBANK": ["KEBANK", "TRADER", "CUSTOMS"], "MYBANK": ["MYBANK", "ARBANK"]}
# Two application clients per organisation (`ops` is the second) and the node's own `audit`.
CLIENTS = ("app", "ops", "audit")


class Served:
    """The nodes under test as their clients see them; `data` holds the genesis and keys."""

    def __init__(self, mode: str, urls: dict[str, str] | str, data: Path, logs: list[Path],
                 stop: Callable[[], None]) -> None:
        self.mode, self.data, self._urls, self._logs, self.stop = mode, data, urls, logs, stop
        self.network = embedded.load_genesis(data)["network"]
        self.causality = Causality()
        self._clients: dict[tuple[str, str], BaobabClient] = {}

    def url_of(self, org: str) -> str:
        return self._urls if isinstance(self._urls, str) else self._urls[org]

    @property
    def url(self) -> str:
        """The URL of the node serving KEBANK (the embedded node serves everyone)."""
        return self.url_of("KEBANK")

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def identity(self, org: str, name: str = "app") -> Identity:
        return Identity.load(self.data, self.network, org, name)

    def client(self, org: str, name: str = "app") -> BaobabClient:
        if (org, name) not in self._clients:
            self._clients[(org, name)] = BaobabClient(self.url_of(org), self.identity(org, name), timeout=30.0,
                                                      causality=self.causality)
        return self._clients[(org, name)]

    def log(self) -> str:
        return "".join(path.read_text(errors="replace") for path in self._logs if path.exists())


def start(mode: str, root: Path, *, umask: int = -1, **limits: Any) -> Served:
    """A node of five organisations (three admin banks, a trader, customs) in `mode`, its
    process started with `umask` (-1: this process's)."""
    if mode == "network":
        if limits or umask != -1:
            raise ValueError("the network's nodes take the default limits and umask")
        return start_network(root)
    data = root / "data"
    embedded.create(data, NETWORK, SMALL_ORGS, ADMINS, clients=CLIENTS, block=FAST_BLOCKS)
    port = free_port()
    log_path = root / "node.log"
    with log_path.open("wb") as log:
        proc = subprocess.Popen([sys.executable, str(HERE / "serve.py"), str(data), str(port), json.dumps(limits)],
                                env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=log, stderr=subprocess.STDOUT,
                                umask=umask)
    url = f"http://127.0.0.1:{port}"

    def stop() -> None:
        stop_process(proc)

    try:
        wait_healthy(url, proc)
    except RuntimeError:
        proc.kill()
        raise RuntimeError(log_path.read_text(errors="replace")) from None
    return Served(mode, url, data, [log_path], stop)


def start_network(root: Path) -> Served:
    """The same organisations on two network-mode nodes (HOSTING), with the default limits."""
    from baobab.net.local import LocalNetwork
    from tests.network.conftest import local_network_or_skip

    local_network_or_skip()
    net = LocalNetwork(root, SMALL_ORGS, ADMINS, hosting=HOSTING, clients=CLIENTS,
                       block={"max_txs": 200, "max_bytes": 8_000_000, "timeout_ms": 10})
    net.create()
    try:
        net.start(timeout=120)
    except BaseException:
        net.stop()
        raise
    logs = [proc.log for name, proc in net.procs.items() if name in net.node_urls or name in HOSTING]
    return Served("network", net.urls, net.network_dir, logs, net.stop)


@pytest.fixture(scope="module", params=MODES)
def node(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A node with the default limits, shared by a module's tests."""
    served = start(request.param, tmp_path_factory.mktemp(f"sec-{request.param}"))
    yield served
    served.stop()


@pytest.fixture(params=LIMITED_MODES)
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
