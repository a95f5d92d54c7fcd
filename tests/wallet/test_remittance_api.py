"""The remittance company's /v1/remittances API in the embedded mode (`baobab up`, a real process,
its stories played, so Priya's wallet at AE-EXCH exists): the quote with the full cost, the
payment, and bad requests refused with a stable code and nothing moved. The same API in network
mode, to a wallet on another node: tests/network/test_remittance_across_nodes.py."""

from __future__ import annotations

import pytest

from baobab.client import Identity
from baobab.core.errors import BaobabError
from baobab.demo import DEMO_NETWORK
from baobab.http_client import BaobabClient
from baobab.net.process import free_port
from baobab.wallet import remittance  # noqa: F401  (the wallet's codes, so this client knows them)
from tests.api.test_up import start, stop

pytestmark = [pytest.mark.slow]
PRIYA = "+971501234567"


def test_a_remittance_company_quotes_and_pays_over_the_api_and_bad_requests_move_nothing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data, port = tmp_path / "data", free_port()
    proc = start(data, port)
    try:
        remit = BaobabClient(f"http://127.0.0.1:{port}", Identity.load(data, DEMO_NETWORK, "IN-REMIT"))
        body = {"amount": {"currency": "INR", "minor": 20_000_00}, "payee": PRIYA}
        shown = remit.request("POST", "/v1/remittances/quotes", body=body).json()
        assert shown["cost"]["received"] == {"currency": "AED", "minor": 868_20} and shown["cost"]["total_cost_percent"] == "1.34"
        done = remit.request("POST", f"/v1/remittances/quotes/{shown['id']}/send", body={"sender_name": "Ravi Kumar"}).json()
        assert done["cost"] == shown["cost"] and len(done["transfers"]) == 2
        for bad, code in ((body | {"payee": "+971500000000"}, "NO_WALLET"),                # nobody's wallet
                          (body | {"amount": {"currency": "INR", "minor": 1.5}}, "FLOAT_NOT_ALLOWED"),
                          ({"payee": PRIYA}, "BAD_MONEY")):
            with pytest.raises(BaobabError) as refused:
                remit.request("POST", "/v1/remittances/quotes", body=bad)
            assert refused.value.code == code, refused.value.detail
        with pytest.raises(BaobabError) as again:
            remit.request("POST", f"/v1/remittances/quotes/{shown['id']}/send", body={"sender_name": "Ravi Kumar"})
        assert again.value.code == "NO_QUOTE"                                              # paid once
        bank = BaobabClient(f"http://127.0.0.1:{port}", Identity.load(data, DEMO_NETWORK, "KLTB"))
        with pytest.raises(BaobabError) as forbidden:
            bank.request("POST", "/v1/remittances/quotes", body=body)                     # not a remittance company
        assert forbidden.value.code == "FORBIDDEN"
    finally:
        stop(proc)
