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


class WalletNet:
    """The demo network whose reactor carries out payments through the switch and books them in
    the mobile-money providers' wallets, as `baobab demo` and `baobab up` run them."""

    def __init__(self, net: Net) -> None:
        from argon2 import PasswordHasher

        from baobab.gateway import gateway_of
        from baobab.wallet.ledger_payments import LedgerWallets
        from baobab.pay.demo import HOME_FSP, liquidity
        from baobab.pay.onboarding import is_fsp
        from baobab.reactors import for_node
        from baobab.services import add_payments, open_hub
        from baobab.stories.embedded import embedded_actors
        from baobab.trace.service import TraceService
        from baobab.wallet.services import open_mobile_money
        from tests.conftest import synchronous_actors

        orgs = net.node.genesis["organisations"]
        self.net, self.reactor = net, for_node(net.node, net.path)
        self.hub = open_hub(net.path, orgs, HOME_FSP, liquidity([o["id"] for o in orgs if is_fsp(o)]), "http://127.0.0.1:1/fsp")
        add_payments(self.reactor, self.hub, net.path, net.node.network)
        self.mm = open_mobile_money(net.path, self.hub, secret=b"k" * 32,
                                    hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        self.mm.ledger = LedgerWallets(self.reactor.host, self.mm, self.hub.switch, net.node.network).attach(self.reactor)
        TraceService.at(gateway_of(net.node, keys_dir=net.path / "keys"), net.path)
        self.actors = synchronous_actors(embedded_actors(net.node, net.path), self.reactor)

    def services(self) -> dict:
        return {"mobile_money": self.mm}

    def close(self) -> None:
        self.mm.close()
        self.hub.db.close()


@pytest.fixture
def wallet_net(demo_net: Net) -> Iterator[WalletNet]:
    world = WalletNet(demo_net)
    yield world
    world.close()
