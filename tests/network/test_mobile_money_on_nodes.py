"""Mobile money in network mode: a provider's own node (`baobab node` with the network's switch)
runs its wallets, agents, USSD, mmAPI and /momo pages through the same services wiring as
`baobab up`. A customer pays another over USSD and an agent takes cash in from its page, both
against the running node over HTTP; a refused step changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from baobab.demo import DEMO_ORGS
from baobab.net.config import NodeConfig
from baobab.net.local import LocalNetwork
from baobab.pay.hub import Hub
from baobab.pay.store import PostgresDatabase
from baobab.services import WEB_FILE, network_mobile_money
from baobab.wallet.services import ensure_wallet
from baobab.web.users import Users

pytestmark = [pytest.mark.services, pytest.mark.slow]
KES = 100
AMINA, JUMA = "+254712345678", "+254722000111"
PASSWORD = "correct horse battery"


def _prepare_provider(net: LocalNetwork) -> None:
    """What the provider's operator does before opening: an agent with e-float, two customers and
    the agent's sign-in, in the node's own data folder (the books the node then runs)."""
    data = NodeConfig.load(net.root / "KE-MOMO.json").api_dir
    hub = Hub(PostgresDatabase(net.switch))
    try:
        mm = network_mobile_money(data, hub, ["KE-MOMO"])
        assert mm is not None and list(mm.providers) == ["KE-MOMO"]
        momo = mm.providers["KE-MOMO"]
        momo.add_agent("eldoret-07", "Mama Njeri Shop")
        momo.issue_float("eldoret-07", 50_000 * KES, reference="deposit slip 1")
        ensure_wallet(mm, "KE-MOMO", AMINA, "Amina Chebet", by="eldoret-07", pin="2580")
        ensure_wallet(mm, "KE-MOMO", JUMA, "Juma Otieno", by="eldoret-07", pin="1357")
        mm.close()
    finally:
        hub.db.close()
    Users(data / WEB_FILE).add("KE-MOMO", "eldoret-07", PASSWORD, ["officer"])


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalNetwork]:
    from tests.network.conftest import local_network_or_skip

    local_network_or_skip()
    orgs = [o for o in DEMO_ORGS if o["id"] in ("KE-MOMO", "CBK")]
    network = LocalNetwork(tmp_path_factory.mktemp("momonet"), orgs, ["KE-MOMO", "CBK"], nats_servers=1, orderers=1)
    network.create()
    try:
        _prepare_provider(network)
        network.start(timeout=90)
        yield network
    finally:
        network.stop()


def ussd(client: httpx.Client, phone: str, text: str) -> str:
    answer = client.post("/ussd-gateway/KE-MOMO/ussd", data={"sessionId": "s-1", "phoneNumber": phone, "text": text,
                                                               "serviceCode": "*384#"})
    assert answer.status_code == 200
    return answer.text


def test_an_agent_cash_in_and_a_wallet_payment_on_the_providers_node(net: LocalNetwork) -> None:
    with httpx.Client(base_url=net.urls["KE-MOMO"], timeout=30) as client:
        signed_in = client.post("/signin", data={"org": "KE-MOMO", "username": "eldoret-07", "password": PASSWORD})
        assert signed_in.status_code in (200, 303)
        page = client.get("/momo").text
        assert "Agent eldoret-07" in page
        csrf = page.split('name="csrf" value="')[1].split('"')[0]
        done = client.post("/momo/agent/cash-in", data={"csrf": csrf, "phone": "0712 345678", "amount": "2500"},
                           follow_redirects=False)
        assert done.status_code == 303
        refused = client.post("/momo/agent/cash-in", data={"csrf": csrf, "phone": AMINA, "amount": "200000"})
        assert refused.status_code == 422 and "LIMIT_" in refused.text   # over the tier's one-movement limit

        assert "2,500.00" in ussd(client, AMINA, "1*2580")
        assert ussd(client, AMINA, "2*0722000111*400").startswith("CON ")
        assert ussd(client, AMINA, "2*0722000111*400*2580").startswith("END Sent")
        assert "400.00" in ussd(client, JUMA, "1*1357")
        assert ussd(client, AMINA, "2*0722000111*400*0000").startswith("END ")   # wrong PIN: nothing sent
        assert "2,100.00" in ussd(client, AMINA, "1*2580")

        day = client.get("/momo").text
        assert "cash_in" in day and "47,500.00" in day   # the agent's float went to the wallet
    # the same node serves the provider's GSMA mmAPI (a client without a key is refused in its terms)
    answer = httpx.get(net.urls["KE-MOMO"] + "/mmapi/KE-MOMO/accounts/msisdn/%2B254712345678/balance", timeout=30)
    assert answer.status_code == 401 and answer.json()["errorCategory"] == "authorisation"
