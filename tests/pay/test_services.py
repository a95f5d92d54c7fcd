"""A node's services carry a payment instruction of a customer (not itself an FSP) through the
switch, between the FSPs that keep the payer's and the payee's accounts, and record the proof on
the ledger; a payer no FSP serves gets a failure recorded with FSPIOP code 3204."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from baobab import embedded
from baobab.contracts import default_registry
from baobab.pay.agent import transfer_id_for
from baobab.pay.hub import Hub
from baobab.pay.switch import COMMITTED
from baobab.reactors import Reactor
from baobab.services import add_payments, agent_secret, open_hub
from tests.conftest import FAST_BLOCKS, SMALL_ORGS, Net
from tests.payments.sample_payables import Bills
from tests.reactors.test_reactors import NodeHost

HOME_FSP = {"TRADER": "KEBANK"}
LIQUIDITY = {"KEBANK": {"KES": 1_000_000_00}, "MYBANK": {"KES": 1_000_000_00}, "ARBANK": {"KES": 0}}


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Net, Reactor, Hub]]:
    path = tmp_path / "net"
    embedded.create(path, "test-net", SMALL_ORGS, ["KEBANK", "MYBANK", "ARBANK"], block=FAST_BLOCKS)
    registry = default_registry()
    registry.install(Bills())
    net = Net(path, embedded.open_node(path, registry))
    host = NodeHost(net.node, path, {o["id"] for o in SMALL_ORGS})
    host.network = net.node.network  # type: ignore[attr-defined]
    hub = open_hub(path, SMALL_ORGS, HOME_FSP, LIQUIDITY, "http://127.0.0.1:1/fsp")
    reactor = Reactor(host, registry, [o["id"] for o in SMALL_ORGS], path)
    add_payments(reactor, hub, path, net.node.network)
    yield net, reactor, hub
    net.node.close()
    hub.db.close()


def test_a_customer_pays_through_its_bank_and_the_ledger_keeps_the_fulfilment(world) -> None:  # type: ignore[no-untyped-def]
    net, reactor, hub = world
    net.submit("MYBANK", "bills", "bill", {"bill_id": "B1", "payer": "TRADER", "minor": 120_00})
    reactor.run_once()
    instruction = net.query("TRADER", "bills", "payment", {"obligation": "B1/payment"})
    assert instruction["status"] == "settled"
    switch = hub.switch
    transfer = switch.get(transfer_id_for(net.node.network, "bills", "B1/payment"), source="KEBANK")
    assert (transfer.state, transfer.payer, transfer.payee) == (COMMITTED, "KEBANK", "MYBANK")
    assert (switch.position("KEBANK", "KES"), switch.position("MYBANK", "KES")) == (120_00, -120_00)


def test_a_payer_no_fsp_serves_is_recorded_as_failed_with_3204(world) -> None:  # type: ignore[no-untyped-def]
    net, reactor, hub = world
    net.submit("MYBANK", "bills", "bill", {"bill_id": "B2", "payer": "CUSTOMS", "minor": 5_00})
    reactor.run_once()
    instruction = net.query("CUSTOMS", "bills", "payment", {"obligation": "B2/payment"})
    assert instruction["status"] == "failed" and instruction["failure"]["reason"].startswith("3204")


def test_onboarding_twice_changes_nothing_and_the_agent_secret_stays(world, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    net, reactor, hub = world
    secret = agent_secret(net.path)
    again = open_hub(net.path, SMALL_ORGS, HOME_FSP, LIQUIDITY, "http://127.0.0.1:1/fsp")
    assert again.switch.liquidity("KEBANK", "KES") == hub.switch.liquidity("KEBANK", "KES") == 1_000_000_00
    assert agent_secret(net.path) == secret and oct((net.path / "keys" / "agent.secret").stat().st_mode & 0o777) == "0o600"
    again.db.close()
