"""The switch operator's page shows each cross-currency quote as its payer saw it before agreeing:
what arrives, the fees, the exchange margin and the total cost beside the SDG 10.c 3%."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

from baobab.pay.hub import Hub
from baobab.pay.switch import stamp
from tests.web.test_switch_pages import sign_in, world  # noqa: F401  (the page's fixture)


def test_the_operator_sees_what_a_cross_currency_payer_was_shown(world) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    client, switch = world
    hub = Hub(switch.db)
    hub.switch.add_participant("INBANK", "Mumbai bank", "http://127.0.0.1:1/i", {"INR": 1_000_000_00})
    hub.switch.add_participant("FXDESK", "FX desk", "http://127.0.0.1:1/f", {"INR": 1_000_000_00, "AED": 1_000_000_00})
    hub.switch.add_participant("AEBANK", "Dubai bank", "http://127.0.0.1:1/a", {"AED": 1_000_000_00})
    hub.fx.publish("FXDESK", {("INR", "AED"): "0.0440"}, margin_bp=60)
    quote_id = str(uuid.uuid4())
    hub.fx_quotes.ask({"quoteId": quote_id, "transactionId": str(uuid.uuid4()), "amountType": "SEND",
                       "amount": {"currency": "INR", "amount": "20000"}, "fees": {"currency": "INR", "amount": "149"},
                       "payee": {"partyIdInfo": {"partyIdType": "MSISDN", "partyIdentifier": "971501234567"}}},
                      "INBANK", "AEBANK", "AED")
    assert hub.fx_quotes.answer(quote_id, {
        "transferAmount": {"currency": "AED", "amount": "868.2"}, "payeeReceiveAmount": {"currency": "AED", "amount": "863.2"},
        "payeeFspFee": {"currency": "AED", "amount": "5"}, "expiration": stamp(datetime.now(timezone.utc) + timedelta(minutes=1)),
        "ilpPacket": "AQAA", "condition": "GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM"}, "AEBANK")
    sign_in(client, "CBK", "wanjiru")
    page = client.get("/switch").text
    assert "Cross-currency quotes" in page and "FXDESK" in page and "0.043736" in page
    assert "₹20,000.00" in page and "₹149.00" in page and "₹119.10" in page and "₹381.73" in page
    assert "AED863.20" in page and "1.91%" in page and "Within the SDG target of 3%" in page
