"""A bill payment held for the provider's sanctions review, once the compliance officer releases
it, pays down the presented bill it was made against, as it would have been had it not been held;
a bill paid otherwise in the meantime refuses the release and nothing moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from baobab.compliance.sanctions import SanctionsList
from baobab.core.errors import BaobabError
from baobab.pay.store import SQLiteDatabase
from baobab.wallet.kyc import scheme
from baobab.wallet.provider import Provider
from tests.compliance.test_sanctions import UN_XML
from tests.wallet.test_provider import ADA, DAY, FAST, N, TARIFF

POWER = "+2348069990000"
SUSPECT = "+2348059876543"


@pytest.fixture
def p(tmp_path: Path) -> Provider:
    prov = Provider(SQLiteDatabase(tmp_path / "m.sqlite"), scheme("NG"), TARIFF, hasher=FAST)
    prov.add_agent("a1", "Agent")
    prov.issue_float("a1", 100_000 * N, reference="slip", at=DAY)
    prov.register(POWER, "Ikeja Electric", tier=3, by="a1", pin="4444", at=DAY)
    prov.add_biller("101", POWER, "Ikeja Electric")
    prov.register(SUSPECT, "Jose Maria Quinones", by="a1", pin="1357", at=DAY)   # a namesake of a listed person
    prov.cash_in("a1", SUSPECT, 2_000 * N, at=DAY)
    prov.screen = SanctionsList.from_un_xml(UN_XML, source="test list").screen     # the operator loads the list
    assert prov.screen_all(at=DAY) == [SUSPECT]
    return prov


def held_payment(p: Provider, reference: str, amount: int) -> str:
    with pytest.raises(BaobabError) as caught:
        p.pay_bill(SUSPECT, "101", reference, amount, pin="1357", at=DAY)
    assert caught.value.code == "HELD_FOR_REVIEW"
    return str(caught.value.detail["hold"])


def due(p: Provider, reference: str) -> tuple[int, str]:
    bill = p.bill("101", reference)
    return bill["due_amount"]["minor"], bill["status"]


def test_a_released_bill_payment_pays_down_the_bill(p: Provider) -> None:
    p.present_bill("101", SUSPECT, "INV-11", 900 * N, due="2026-12-20", minimum=300 * N)
    hold = held_payment(p, "INV-11", 400 * N)
    assert due(p, "INV-11") == (900 * N, "unpaid") and p.balance(POWER) == 0        # held: nothing paid yet
    p.decide_screening(SUSPECT, cleared=True, by="officer")
    assert p.release_hold(hold, by="officer", at=DAY) is not None
    assert due(p, "INV-11") == (500 * N, "partialpaid") and p.balance(POWER) == 400 * N
    assert p.bills(SUSPECT) == [p.bill("101", "INV-11")]                                # still listed, for what is left


def test_a_bill_paid_otherwise_meanwhile_refuses_the_release_and_nothing_moves(p: Provider) -> None:
    p.present_bill("101", SUSPECT, "W-7", 150 * N, due="2026-12-28")
    hold, again = held_payment(p, "W-7", 150 * N), held_payment(p, "W-7", 150 * N)   # the customer tried twice
    p.decide_screening(SUSPECT, cleared=True, by="officer")
    assert p.release_hold(again, by="officer", at=DAY) is not None                     # the second, released first
    assert due(p, "W-7") == (0, "paid")
    balances = p.balance(SUSPECT), p.balance(POWER)
    assert p.release_hold(hold, by="officer", at=DAY) is None
    [refused] = p.holds("refused")
    assert refused["id"] == hold and "BILL_PAID" in refused["note"]
    assert (p.balance(SUSPECT), p.balance(POWER)) == balances and due(p, "W-7") == (0, "paid")
