"""The API tests run against both modes through one fixture, `node`:

- embedded: one node process (tests/api/serve.py) serving every organisation;
- network: a JetStream cluster of three NATS servers, two ordering nodes and four organisation
  nodes (each with its own PostgreSQL database) hosting the demo organisations by region,
  so that a trade between Argentina and Malaysia is endorsed and read across nodes.

Either way the tests speak HTTP only: `node.client(org)` is that organisation's client on the
node that serves it (all clients share one causality token), `node.url_of(org)` that node's
URL, `node.actors()` the stories' actors. Both are session-scoped: each is started once.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from baobab import embedded
from baobab.client import Identity
from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS
from baobab.http_client import BaobabClient, Causality, http_actors
from baobab.net.process import free_port, stop, wait_healthy

HERE = Path(__file__).resolve().parent
FAST_BLOCKS = {"max_txs": 50, "max_bytes": 8_000_000, "timeout_ms": 5}
MODES = ["embedded", "network"]
# The network mode's four nodes (named by the bank that runs each) and the countries they host.
REGIONS = {"KLTB": {"MY", "SG", "CN"}, "BPLATA": {"AR", "ES", "MX"}, "KCBANK": {"KE", "NL", "ET", "ZM", "TZ"},
           "AEBANK": {"AE", "IN"}}
DEALS = "tests.api.deals_contract:Deals"


class Node:
    """The network under test, as its clients see it."""

    def __init__(self, mode: str, urls: dict[str, str] | str, data: Path) -> None:
        self.mode, self.data = mode, data
        self.genesis = embedded.load_genesis(data)
        self.network = self.genesis["network"]
        self._urls = urls
        self.causality = Causality()
        self._clients: dict[tuple[str, str], BaobabClient] = {}

    def url_of(self, org: str) -> str:
        return self._urls if isinstance(self._urls, str) else self._urls[org]

    @property
    def url(self) -> str:
        """The URL of the node serving KLTB (the embedded node serves everyone)."""
        return self.url_of("KLTB")

    def client(self, org: str, name: str = "app") -> BaobabClient:
        if (org, name) not in self._clients:
            self._clients[(org, name)] = BaobabClient(self.url_of(org), Identity.load(self.data, self.network, org, name),
                                                      causality=self.causality)
        return self._clients[(org, name)]

    def actors(self) -> Any:
        return http_actors(self._urls, self.data, causality=self.causality)

    def height(self, org: str = "KLTB") -> int:
        return int(httpx.get(self.url_of(org) + "/health").json()["height"])


def _embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    data = tmp_path_factory.mktemp("api-node")
    embedded.create(data, DEMO_NETWORK, DEMO_ORGS, DEMO_ADMINS, clients=("app", "audit"), block=FAST_BLOCKS)
    port = free_port()
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, str(HERE / "serve.py"), str(data), str(port)], env=env)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc, attempts=400)
        yield Node("embedded", url, data)
    finally:
        stop(proc)


def _network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    from baobab.net.local import LocalNetwork
    from tests.network.conftest import local_network_or_skip

    local_network_or_skip()
    hosting = {bank: [o["id"] for o in DEMO_ORGS if o["country"] in countries] for bank, countries in REGIONS.items()}
    hosting = {bank: [bank] + [o for o in orgs if o != bank] for bank, orgs in hosting.items()}
    net = LocalNetwork(tmp_path_factory.mktemp("api-net"), DEMO_ORGS, DEMO_ADMINS, orderers=2, hosting=hosting,
                       contracts=[DEALS], block={"max_txs": 200, "max_bytes": 8_000_000, "timeout_ms": 10})
    net.create()
    try:
        net.start(timeout=120)
        yield Node("network", net.urls, net.network_dir)
    finally:
        net.stop()


@pytest.fixture(scope="session", params=MODES)
def node(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    yield from (_embedded if request.param == "embedded" else _network)(tmp_path_factory)
