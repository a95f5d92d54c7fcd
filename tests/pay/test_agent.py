"""A payment instruction on the ledger is carried out through the switch by the payer's node and
its outcome recorded by the payer: settled with the transfer id and the fulfilment as proof, or
failed with the FSPIOP code. Doing it again after a crash moves no money twice."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from baobab import embedded
from baobab.contracts import default_registry
from baobab.pay.agent import PaymentAgent, transfer_id_for
from baobab.pay.store import SQLiteDatabase
from baobab.pay.switch import COMMITTED, Switch, condition_of
from baobab.reactors import Reactor
from tests.conftest import FAST_BLOCKS, SMALL_ORGS, Net
from tests.payments.sample_payables import Bills
from tests.reactors.test_reactors import NodeHost

PAYER, PAYEE = "KEBANK", "MYBANK"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Net, Switch, Reactor]]:
    path = tmp_path / "net"
    embedded.create(path, "test-net", SMALL_ORGS, ["KEBANK", "MYBANK", "ARBANK"], block=FAST_BLOCKS)
    registry = default_registry()
    registry.install(Bills())
    net = Net(path, embedded.open_node(path, registry))
    switch = Switch(SQLiteDatabase(tmp_path / "switch.sqlite"))
    for org in (PAYER, PAYEE):
        switch.add_participant(org, org, f"http://127.0.0.1:1/{org}", {"KES": 1_000_000})
    switch.fund("seed", PAYER, "KES", 500_000)
    reactor = Reactor(NodeHost(net.node, path, {PAYER, PAYEE}), registry, [o["id"] for o in SMALL_ORGS], tmp_path)
    agent = PaymentAgent(switch, net.node.network, b"agent secret for tests")
    reactor.on("*", "payment_instructed", agent.handle)
    yield net, switch, reactor
    net.node.close()
    switch.db.close()


def instruction(net: Net, bill: str) -> dict:  # type: ignore[type-arg]
    return net.query(PAYER, "bills", "payment", {"obligation": f"{bill}/payment"})  # type: ignore[no-any-return]


def test_an_instruction_moves_money_and_the_ledger_records_the_proof(world) -> None:  # type: ignore[no-untyped-def]
    net, switch, reactor = world
    net.submit(PAYEE, "bills", "bill", {"bill_id": "B1", "payer": PAYER, "minor": 250_00})
    done = reactor.run_once()
    assert [(d["function"], d["outcome"]) for d in done] == [("payment_settled", "performed")]
    settled = instruction(net, "B1")
    transfer_id = transfer_id_for(net.node.network, "bills", "B1/payment")
    assert settled["status"] == "settled" and settled["settlement"]["reference"] == transfer_id
    t = switch.get(transfer_id, source=PAYER)
    assert t.state == COMMITTED and condition_of(settled["settlement"]["proof"]) == t.condition
    assert (switch.position(PAYER, "KES"), switch.position(PAYEE, "KES")) == (250_00, -250_00)
    assert net.node.get("bills", "bill/B1")["value"]["status"] == "paid"


def test_a_payment_the_payer_cannot_cover_fails_with_its_fspiop_code(world) -> None:  # type: ignore[no-untyped-def]
    net, switch, reactor = world
    net.submit(PAYEE, "bills", "bill", {"bill_id": "B2", "payer": PAYER, "minor": 600_000})
    reactor.run_once()
    failed = instruction(net, "B2")
    assert failed["status"] == "failed" and failed["failure"]["reason"].startswith("4001")
    assert switch.position(PAYER, "KES") == 0


def test_doing_it_again_after_a_crash_moves_no_money_twice(world) -> None:  # type: ignore[no-untyped-def]
    net, switch, reactor = world
    net.submit(PAYEE, "bills", "bill", {"bill_id": "B3", "payer": PAYER, "minor": 100_00})
    reactor.run_once()
    reactor.state["next_block"] = 0  # the node died before saving its place
    assert {d["outcome"] for d in reactor.run_once()} == {"done"}
    assert switch.position(PAYER, "KES") == 100_00 and switch.reconcile() == []


def test_a_payee_without_a_switch_account_fails_the_instruction(world) -> None:  # type: ignore[no-untyped-def]
    net, switch, reactor = world
    net.submit("ARBANK", "bills", "bill", {"bill_id": "B4", "payer": PAYER, "minor": 10})
    reactor.run_once()
    assert instruction(net, "B4")["failure"]["reason"].startswith("3203")


def test_across_nodes_the_payer_waits_for_the_payee_fsps_acceptance_then_pays(tmp_path: Path) -> None:
    """Network mode: the payer's bank and the payee's bank run on different nodes, each with its own secret."""
    from baobab.core.errors import BaobabError

    switch = Switch(SQLiteDatabase(tmp_path / "switch.sqlite"))
    for org in (PAYER, PAYEE):
        switch.add_participant(org, org, f"http://127.0.0.1:1/{org}", {"KES": 1_000_000})
    switch.fund("seed", PAYER, "KES", 500_000)
    payer_node = PaymentAgent(switch, "net", b"payer node secret", serves=lambda org: org == PAYER)
    payee_node = PaymentAgent(switch, "net", b"payee node secret", serves=lambda org: org == PAYEE)
    event = {"payload": {"contract": "bills", "obligation": "B9/payment", "payer": PAYER, "payee": PAYEE,
                         "amount": {"currency": "KES", "minor": 300_00}}}
    with pytest.raises(BaobabError) as waiting:
        payer_node.handle(event)                      # the payee's node has not read the block yet
    assert waiting.value.code == "AWAITING_PAYEE_FSP" and switch.find(transfer_id_for("net", "bills", "B9/payment")) is None
    assert payee_node.handle(event) == []             # it accepts in advance; nothing for its organisations to sign
    [settled] = payer_node.handle(event)
    t = switch.get(transfer_id_for("net", "bills", "B9/payment"), source=PAYER)
    assert settled.function == "payment_settled" and t.state == COMMITTED and t.fulfilment == payee_node.fulfilment(t.id)
    assert switch.position(PAYER, "KES") == 300_00
