"""SMS receipts: every movement tells each wallet it touched the amount with its currency, the
balance after it and the transaction id, in the holder's language; a refused movement sends
nothing; a gateway that fails gets the message again later."""

from __future__ import annotations

import pytest

from baobab.core.errors import BaobabError
from baobab.wallet import sms
from baobab.wallet.provider import Provider
from tests.wallet.test_provider import ADA, BAYO, DAY, N, p  # noqa: F401 - the provider fixture


def test_each_wallet_a_movement_touches_gets_a_receipt_in_its_language(p: Provider) -> None:  # noqa: F811
    p.set_language(BAYO, "fr")
    cash = p.cash_in("agent-17", ADA, 2_000 * N, at=DAY)
    paid = p.send(ADA, BAYO, 1_250 * N, pin="2468", at=DAY)
    gateway = sms.RecordingGateway()
    assert sms.deliver(p.db, gateway) == 3
    assert gateway.to(ADA) == [
        f"Received NGN2,000.00 from agent-17. Balance NGN2,000.00. Transaction {cash}",
        f"Paid NGN1,250.00 to {BAYO}. Fee NGN10.00. Balance NGN740.00. Transaction {paid}",
    ]
    [french] = gateway.to(BAYO)
    assert french.startswith("Reçu ") and paid in french and "1\u202f250,00" in french and "NGN" in french
    assert sms.deliver(p.db, gateway) == 0                          # each once


def test_a_refused_movement_sends_no_receipt(p: Provider) -> None:  # noqa: F811
    with pytest.raises(BaobabError):
        p.send(ADA, BAYO, 100 * N, pin="2468", at=DAY)              # nothing in the wallet
    assert sms.deliver(p.db, sms.RecordingGateway()) == 0


def test_a_message_the_gateway_did_not_take_is_sent_again(p: Provider) -> None:  # noqa: F811
    p.cash_in("agent-17", ADA, 500 * N, at=DAY)

    class Down:
        def send(self, msisdn: str, text: str) -> None:
            raise ConnectionError("SMSC unreachable")
    assert sms.deliver(p.db, Down()) == 0
    gateway = sms.RecordingGateway()
    assert sms.deliver(p.db, gateway) == 1 and gateway.sent[0][0] == ADA
