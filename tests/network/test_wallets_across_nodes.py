"""Payments between mobile-money providers run by two organisations on two nodes (network mode).

KE-MOMO's node and KE-PESA's node each run their provider's wallets; the switch runs on the
central bank's node. A KE-MOMO customer pays a KE-PESA customer over USSD: the payment travels as
FSPIOP messages (quote, transfer) from KE-MOMO's FSP through the switch to KE-PESA's callback
endpoint, which credits the wallet and fulfils. A payee whose wallet would exceed its tier's
maximum balance is refused (5200) and the payer keeps the money; a held payment released by the
compliance officer goes the same way.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from baobab.demo import DEMO_ORGS
from baobab.net.config import NodeConfig
from baobab.net.local import LocalNetwork
from baobab.pay.hub import Hub
from baobab.pay.store import PostgresDatabase
from baobab.pay.switch import COMMITTED
from baobab.services import network_mobile_money
from baobab.wallet.services import ensure_wallet

pytestmark = [pytest.mark.services, pytest.mark.slow]
KES = 100
AMINA = "+254712345678"        # KE-MOMO
BARAKA = "+254733000222"       # KE-PESA
WANJIRU = "+254733000333"      # KE-PESA, a wallet near its tier's maximum balance
EARLIER = datetime.now(timezone.utc) - timedelta(days=3)  # her cash-ins count toward another day's limits


def _prepare(net: LocalNetwork, fsp: str, customers: list[tuple[str, str, str, int]]) -> None:
    """The provider's operator, before opening: an agent with e-float and its customers' wallets
    (each funded by a cash-in three days ago), listed on the network's switch."""
    data = NodeConfig.load(net.root / f"{fsp}.json").api_dir
    hub = Hub(PostgresDatabase(net.switch))
    try:
        mm = network_mobile_money(data, hub, [fsp])
        assert mm is not None
        p = mm.providers[fsp]
        p.add_agent("agent-1", "Corner Shop")
        p.issue_float("agent-1", 1_000_000 * KES, reference="deposit slip 1", at=EARLIER)
        for phone, name, pin, funds in customers:
            ensure_wallet(mm, fsp, phone, name, by="agent-1", pin=pin)
            for part in range(0, funds, 150_000 * KES):  # within the tier's one-movement limit
                p.cash_in("agent-1", phone, min(150_000 * KES, funds - part), at=EARLIER)
        mm.close()
    finally:
        hub.db.close()


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    from tests.network.conftest import local_network_or_skip

    local_network_or_skip()
    orgs = [o for o in DEMO_ORGS if o["id"] in ("KE-MOMO", "KE-PESA", "CBK")]
    network = LocalNetwork(tmp_path_factory.mktemp("walletsnet"), orgs, ["CBK", "KE-MOMO", "KE-PESA"], nats_servers=1,
                           orderers=1, switch_operator="CBK")
    network.create()
    try:
        _prepare(network, "KE-MOMO", [(AMINA, "Amina Chebet", "2580", 10_000 * KES)])
        _prepare(network, "KE-PESA", [(BARAKA, "Baraka Mwangi", "1357", 0),
                                      (WANJIRU, "Wanjiru Kamau", "4680", 299_500 * KES)])
        network.start(timeout=120)
        yield network
    finally:
        network.stop()


def ussd(net: LocalNetwork, fsp: str, phone: str, text: str) -> str:
    answer = httpx.post(f"{net.urls[fsp]}/ussd-gateway/{fsp}/ussd", timeout=60,
                        data={"sessionId": "s-1", "phoneNumber": phone, "text": text, "serviceCode": "*384#"})
    assert answer.status_code == 200
    return answer.text


def transfers(net: LocalNetwork) -> list[tuple[str, str, int, str]]:
    db = PostgresDatabase(net.switch)
    try:
        return [(r[0], r[1], int(r[2]), r[3]) for r in db.all("SELECT payer, payee, amount, state FROM switch_transfers "
                                                               "ORDER BY prepared_at")]
    finally:
        db.close()


def test_a_customer_pays_another_providers_customer_on_another_node(net: LocalNetwork) -> None:
    assert ussd(net, "KE-MOMO", AMINA, "2*0733000222*1500").startswith("CON ")
    sent = ussd(net, "KE-MOMO", AMINA, "2*0733000222*1500*2580")
    assert sent.startswith("END Sent KES1,500.00"), sent
    assert "8,500.00" in ussd(net, "KE-MOMO", AMINA, "1*2580")
    assert "1,500.00" in ussd(net, "KE-PESA", BARAKA, "1*1357")     # credited on KE-PESA's own node
    assert transfers(net) == [("KE-MOMO", "KE-PESA", 1_500 * KES, COMMITTED)]  # through the switch


def test_a_payee_over_its_maximum_balance_is_refused_and_the_payer_keeps_the_money(net: LocalNetwork) -> None:
    before = transfers(net)
    refused = ussd(net, "KE-MOMO", AMINA, "2*0733000333*1000*2580")
    assert refused.startswith("END ") and "Sent" not in refused, refused
    assert "8,500.00" in ussd(net, "KE-MOMO", AMINA, "1*2580")         # nothing taken
    assert "299,500.00" in ussd(net, "KE-PESA", WANJIRU, "1*4680")      # nothing credited
    assert transfers(net) == before                                     # refused at the quote: no transfer reserved
    # a wrong PIN sends nothing either
    assert ussd(net, "KE-MOMO", AMINA, "2*0733000222*100*0000").startswith("END ")
    assert "8,500.00" in ussd(net, "KE-MOMO", AMINA, "1*2580")
