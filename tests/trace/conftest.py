"""The traceability tests' network: the demo organisations on an embedded node, and each
organisation's signed HTTP client on the node's API (in-process)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from baobab import embedded
from baobab.api.app import create_app
from baobab.client import Identity
from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS
from baobab.http_client import BaobabClient
from tests.conftest import FAST_BLOCKS, Net


class Api:
    def __init__(self, net: Net, http: TestClient) -> None:
        self.net, self.http = net, http
        self._clients: dict[str, BaobabClient] = {}

    def client(self, org: str) -> BaobabClient:
        if org not in self._clients:
            self._clients[org] = BaobabClient("http://testserver", Identity.load(self.net.path, self.net.node.network, org),
                                              http=self.http)
        return self._clients[org]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    path = tmp_path / "demo"
    embedded.create(path, DEMO_NETWORK, DEMO_ORGS, DEMO_ADMINS, block=FAST_BLOCKS)
    net = Net(path, embedded.open_node(path))
    with TestClient(create_app(net.node, path)) as http:
        yield Api(net, http)
    net.node.close()
