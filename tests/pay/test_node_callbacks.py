"""An embedded node serves the FSPIOP callback endpoints of the FSPs it hosts where it really
listens, and its FSPs meet the switch over HTTP: an account lookup and a whole transfer (quote,
prepare, fulfilment) travel as requests signed with the FSPs' peer keys and callbacks answered on
the node's own port. Restarted on another port, the switch calls it back there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from baobab import embedded
from baobab.api.app import create_app
from baobab.core.errors import BaobabError
from baobab.gateway.gateway import Gateway
from baobab.pay.fspiop_agent import FspiopAgent, Settled
from baobab.pay.switch import COMMITTED, condition_of
from baobab.services import NodeServices, agent_secret, mount_for_people, start_node_services
from tests.conftest import FAST_BLOCKS, SMALL_ORGS
from tests.pay.servers import WAIT_S, Served, free_port

HOME_FSP = {"TRADER": "KEBANK"}
LIQUIDITY = {"KEBANK": {"KES": 1_000_000_00}, "MYBANK": {"KES": 1_000_000_00}, "ARBANK": {"KES": 0}}


@pytest.fixture
def node(tmp_path: Path) -> Iterator[tuple[object, Path]]:
    path = tmp_path / "net"
    embedded.create(path, "test-net", SMALL_ORGS, ["KEBANK", "MYBANK", "ARBANK"], block=FAST_BLOCKS)
    node = embedded.open_node(path)
    yield node, path
    node.close()


def serve(node: object, path: Path) -> tuple[NodeServices, Served]:
    port = free_port()
    services = start_node_services(node, path, home_fsp=HOME_FSP, liquidity=LIQUIDITY, url=f"http://127.0.0.1:{port}")
    gateway = Gateway(node, keys_dir=path / "keys")
    app = create_app(gateway, path)
    mount_for_people(app, gateway, path, hub=services.hub, operator="KEBANK", fsps=services.fsps)
    return services, Served(app, port)


def settle(agent: FspiopAgent, transfer_id: str) -> Settled:
    for _ in range(int(WAIT_S / agent.wait_s) + 1):  # each pass waits for its callback; a hang guard bounds them
        try:
            return agent.pay(transfer_id, "TRADER", "MYBANK", {"currency": "KES", "minor": 250_00})  # type: ignore[no-any-return]
        except BaobabError as exc:
            assert exc.code == "AWAITING_PAYEE_FSP"
    raise AssertionError("no fulfilment arrived")


def test_the_node_serves_its_fsps_callbacks_and_a_transfer_travels_over_http(node) -> None:  # type: ignore[no-untyped-def]
    node, path = node
    services, served = serve(node, path)
    try:
        hub, fsps = services.hub, services.fsps
        assert fsps is not None and sorted(fsps.participants) == ["ARBANK", "KEBANK", "MYBANK"]
        assert hub.endpoint("KEBANK") == f"{served.url}/fspiop-callbacks/KEBANK"
        fsps["KEBANK"].ask_fsp("BUSINESS", "TRADER")  # signed with KEBANK's peer key: that is its credential
        assert fsps["KEBANK"].await_outcome("participants", "BUSINESS/TRADER", WAIT_S) == ("ok", {"fspId": "KEBANK"})

        is_fsp = {"KEBANK", "MYBANK", "ARBANK"}.__contains__
        agent = FspiopAgent(fsps, node.network, agent_secret(path), serves=lambda org: True, is_fsp=is_fsp, wait_s=1.0)
        done = settle(agent, "5a0c8a64-3f0e-4c59-8a39-2b2f1f0f9d11")
        t = hub.switch.get(done.id, source="KEBANK")
        assert (t.state, t.payer, t.payee) == (COMMITTED, "KEBANK", "MYBANK") and condition_of(done.fulfilment) == t.condition
        assert (hub.switch.position("KEBANK", "KES"), hub.switch.position("MYBANK", "KES")) == (250_00, -250_00)
    finally:
        served.stop()
        services.stop()

    services, served = serve(node, path)  # the node comes back on another port
    try:
        assert services.hub.endpoint("MYBANK") == f"{served.url}/fspiop-callbacks/MYBANK"
    finally:
        served.stop()
        services.stop()
