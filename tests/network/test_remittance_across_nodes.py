"""An inbound international remittance to a wallet at a provider on another node (network mode).

Mumbai Remit Services (IN-REMIT) runs its own node, Emirates Exchange House (AE-EXCH) its
wallets on another, and the central bank's node runs the switch, with the FX provider (AEBANK)
publishing its rupee-dirham prices there. The remittance company asks its node for a quote over
the /v1 API: the quote goes over FSPIOP through the switch, which brings in the FX provider and
asks AE-EXCH in dirhams; the sender sees the amount that arrives and the total cost before
paying. Paid, the rupees and the dirhams move as two legs through the FX provider, committed
when AE-EXCH's node has credited the wallet; a wallet that can no longer take it (limits checked
at that moment) refuses, and both legs are given back.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from baobab.core.errors import BaobabError
from baobab.demo import DEMO_ORGS
from baobab.net.local import LocalNetwork
from baobab.pay.hub import Hub
from baobab.pay.store import PostgresDatabase
from baobab.pay.switch import COMMITTED
from tests.network.test_wallets_across_nodes import _prepare, ussd

pytestmark = [pytest.mark.services, pytest.mark.slow]
PRIYA = "+971501234567"   # AE-EXCH, a basic-tier wallet: AED 5,000 a movement, AED 10,000 a day and at most


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    from tests.network.conftest import local_network_or_skip

    local_network_or_skip()
    orgs = [o for o in DEMO_ORGS if o["id"] in ("CBK", "AEBANK", "IN-REMIT", "AE-EXCH")]
    network = LocalNetwork(tmp_path_factory.mktemp("remitnet"), orgs, ["CBK", "IN-REMIT", "AE-EXCH"], nats_servers=1,
                           orderers=1, switch_operator="CBK",
                           hosting={"CBK": ["CBK", "AEBANK"], "IN-REMIT": ["IN-REMIT"], "AE-EXCH": ["AE-EXCH"]})
    network.create()
    try:
        _prepare(network, "AE-EXCH", [(PRIYA, "Priya Kumar", "3690", 0)])
        network.start(timeout=120)
        yield network
    finally:
        network.stop()


def quote(net: LocalNetwork, rupees: int) -> dict[str, Any]:
    body = {"amount": {"currency": "INR", "minor": rupees * 100}, "payee": PRIYA}
    return dict(net.client("IN-REMIT").request("POST", "/v1/remittances/quotes", body=body).json())


def send(net: LocalNetwork, quote_id: str) -> dict[str, Any]:
    return dict(net.client("IN-REMIT").request("POST", f"/v1/remittances/quotes/{quote_id}/send",
                                               body={"sender_name": "Ravi Kumar"}).json())


def positions(net: LocalNetwork) -> dict[tuple[str, str], int]:
    hub = Hub(PostgresDatabase(net.switch))
    try:
        return {(fsp, c): hub.switch.position(fsp, c) for fsp, c in (("IN-REMIT", "INR"), ("AEBANK", "INR"),
                                                                     ("AEBANK", "AED"), ("AE-EXCH", "AED"))}
    finally:
        hub.db.close()


def test_the_sender_sees_the_cost_then_the_wallet_on_another_node_is_credited_through_the_fx_provider(net: LocalNetwork) -> None:
    before = positions(net)
    shown = quote(net, 20_000)
    cost = shown["cost"]
    # as the embedded story 9 (tests/wallet/test_remittance.py): fee INR 149, rate 0.043736, AED 868.20 arrives
    assert shown["payee_fsp"] == "AE-EXCH" and shown["fxp"] == "AEBANK"
    assert cost["received"] == {"currency": "AED", "minor": 868_20} and cost["sender_fee"]["minor"] == 149_00
    assert (cost["total_cost"]["minor"], cost["total_cost_percent"], cost["within_sdg_target"]) == (268_10, "1.34", True)
    assert positions(net) == before                                   # a quote moves nothing
    done = send(net, shown["id"])
    assert done["state"] == COMMITTED, done
    assert "868.20" in ussd(net, "AE-EXCH", PRIYA, "1*3690")          # credited on AE-EXCH's own node
    after = positions(net)
    assert {k: after[k] - before[k] for k in after} == {("IN-REMIT", "INR"): 19_851_00, ("AEBANK", "INR"): -19_851_00,
                                                       ("AEBANK", "AED"): 868_20, ("AE-EXCH", "AED"): -868_20}
    with pytest.raises(BaobabError) as again:
        send(net, shown["id"])                                        # a quote pays once
    assert again.value.code == "NO_QUOTE"


def test_a_wallet_that_cannot_take_it_refuses_at_the_quote_or_at_the_transfer_and_nothing_moves(net: LocalNetwork) -> None:
    before = positions(net)
    with pytest.raises(BaobabError) as single:
        quote(net, 200_000)                                           # ~AED 8,740 > the tier's AED 5,000 a movement
    assert single.value.code == "SWITCH_REFUSED" and "5105" in single.value.message
    first, second = quote(net, 110_000), quote(net, 110_000)          # AED 4,804.44 each: each fits now
    assert send(net, first["id"])["state"] == COMMITTED
    moved = positions(net)
    with pytest.raises(BaobabError) as limit:                         # the second would pass AED 10,000: checked now
        send(net, second["id"])
    assert limit.value.code == "SWITCH_REFUSED" and ("5200" in limit.value.message or "5105" in limit.value.message)
    assert positions(net) == moved                                    # both legs given back
    assert "5,672.64" in ussd(net, "AE-EXCH", PRIYA, "1*3690")        # 868.20 + 4,804.44, the refused one not credited
    assert moved[("IN-REMIT", "INR")] - before[("IN-REMIT", "INR")] == 109_851_00
