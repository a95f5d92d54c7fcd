"""Network mode: a payment instruction on the ledger is carried out by the payer's node as an FSP
client of the switch, which runs in its operator's node. Lookup, quote, transfer and fulfilment
travel as FSPIOP requests and callbacks over HTTP between three nodes (payer bank, payee bank,
operator), and the fulfilment comes back to the ledger as the proof of settlement."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from baobab.demo import DEMO_ORGS
from baobab.net.local import LocalNetwork
from baobab.pay.agent import transfer_id_for
from baobab.pay.fspiop_agent import QUOTES
from baobab.pay.store import PostgresDatabase, SQLiteDatabase
from baobab.pay.switch import COMMITTED, Switch, condition_of
from baobab.stories import await_payment

pytestmark = [pytest.mark.services, pytest.mark.slow]
ORGS = ["KLTB", "BPLATA", "CBK"]
PAYER, PAYEE, OPERATOR = "KLTB", "BPLATA", "CBK"


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    from tests.network.conftest import local_network_or_skip

    local_network_or_skip()
    orgs = [o for o in DEMO_ORGS if o["id"] in ORGS]
    network = LocalNetwork(tmp_path_factory.mktemp("paynet"), orgs, [PAYER, PAYEE], nats_servers=1, orderers=1,
                           switch_operator=OPERATOR, contracts=["tests.payments.sample_payables:Bills"])
    network.create()
    try:
        network.start(timeout=120)
        yield network
    finally:
        network.stop()


def fsp_store(net: LocalNetwork, node: str) -> SQLiteDatabase:
    return SQLiteDatabase(net.network_dir / "nodes" / node / "fsp" / f"{node}.sqlite")


def test_an_instruction_is_settled_through_fspiop_callbacks_with_the_fulfilment_as_proof(net: LocalNetwork) -> None:
    import uuid

    body = net.submit(PAYEE, "bills", "bill", {"bill_id": "B-NET-1", "payer": PAYER, "minor": 1_250_00, "currency": "USD"})
    assert body["code"] == "VALID", body
    paid = await_payment(net.actors()(PAYER), "bills", "B-NET-1/payment", wait_s=90)
    assert paid["status"] == "settled", paid
    transfer_id = transfer_id_for(net.network, "bills", "B-NET-1/payment")
    assert paid["settlement"]["reference"] == transfer_id

    # the switch committed it under the condition whose preimage the ledger holds as proof
    db = PostgresDatabase(net.databases["switch"])
    try:
        switch = Switch(db)
        t = switch.get(transfer_id, source=PAYER)
        assert (t.state, t.payer, t.payee) == (COMMITTED, PAYER, PAYEE)
        assert condition_of(paid["settlement"]["proof"]) == t.condition
        assert (switch.position(PAYER, "USD"), switch.position(PAYEE, "USD")) == (1_250_00, -1_250_00)
        # what the switch owed the payer about it: the payee's fulfilment, passed on once
        owed = db.all("SELECT fsp, method, path FROM switch_callbacks WHERE path LIKE ?", (f"%{transfer_id}%",))
        assert owed == [(PAYER, "PUT", f"/transfers/{transfer_id}")]
    finally:
        db.close()

    # the payer's FSP, on its own node, received the quote and the fulfilment as callbacks
    payer = fsp_store(net, PAYER)
    try:
        received = {(m, p): json.loads(b) for m, p, b in payer.all("SELECT method, path, body FROM fsp_received")}
        quote_id = str(uuid.uuid5(QUOTES, transfer_id))
        assert ("PUT", f"/quotes/{quote_id}") in received
        fulfilled = received[("PUT", f"/transfers/{transfer_id}")]
        assert fulfilled["transferState"] == COMMITTED and fulfilled["fulfilment"] == paid["settlement"]["proof"]
    finally:
        payer.close()
