"""Story 10: wallets at two providers pay each other through one switch. The payer's wallet is
debited, the payee's credited and the providers' positions at the switch move by the same
amount; a refusal anywhere gives the money back; a crash half way is finished as the switch
decided."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest

from baobab.core.errors import BaobabError
from baobab.pay.hub import Hub
from baobab.pay.store import SQLiteDatabase
from baobab.wallet.interop import SwitchLink
from baobab.wallet.kyc import scheme
from baobab.wallet.provider import Provider
from tests.wallet.test_provider import FAST, TARIFF

N = 100
DAY = datetime(2026, 12, 3, 9, tzinfo=timezone.utc)
ADA, CHIDI = "+2348031234567", "+2348059876543"


def two_providers(tmp_path: Path) -> tuple[Hub, dict[str, SwitchLink]]:
    """LAGOS-PAY (ADA, funded) and ABUJA-WALLET (CHIDI) on one switch, each with an agent."""
    hub = Hub(SQLiteDatabase(tmp_path / "switch.sqlite"))
    links = {}
    for fsp, phone, name in (("LAGOS-PAY", ADA, "Ada Obi"), ("ABUJA-WALLET", CHIDI, "Chidi Eze")):
        hub.switch.add_participant(fsp, fsp, f"http://127.0.0.1:1/{fsp}", {"NGN": 1_000_000 * N})
        hub.switch.fund(f"fund-{fsp}", fsp, "NGN", 500_000 * N)
        p = Provider(SQLiteDatabase(tmp_path / f"{fsp}.sqlite"), scheme("NG"), TARIFF, hasher=FAST)
        p.add_agent("agent-1", "Agent One")
        p.issue_float("agent-1", 1_000_000 * N, reference="slip", at=DAY)
        p.register(phone, name, by="agent-1", pin="2468", at=DAY)
        links[fsp] = SwitchLink(p, fsp, hub, secret=fsp.encode() * 4)
        links[fsp].publish(phone)
    links["LAGOS-PAY"].provider.cash_in("agent-1", ADA, 3_000 * N, at=DAY)
    return hub, links


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[SwitchLink, SwitchLink, dict[str, SwitchLink]]]:
    hub, links = two_providers(tmp_path)
    yield links["LAGOS-PAY"], links["ABUJA-WALLET"], links
    hub.db.close()


def test_a_wallet_pays_a_wallet_at_another_provider_through_the_switch(world) -> None:  # type: ignore[no-untyped-def]
    lagos, abuja, links = world
    done = lagos.send(ADA, CHIDI, 1_200 * N, pin="2468", links=links, at=DAY)
    assert done["payee_fsp"] == "ABUJA-WALLET" and done["state"] == "COMMITTED"
    assert lagos.provider.balance(ADA) == 1_800 * N and abuja.provider.balance(CHIDI) == 1_200 * N
    switch = lagos.hub.switch
    assert (switch.position("LAGOS-PAY", "NGN"), switch.position("ABUJA-WALLET", "NGN")) == (1_200 * N, -1_200 * N)
    assert lagos.provider.journal.balance("interop/switch").net_credit == 1_200 * N  # owed to the switch
    assert abuja.provider.journal.balance("interop/switch").net_credit == -1_200 * N  # owed by the switch
    assert switch.reconcile() == []


def test_a_payee_whose_tier_cannot_take_it_refuses_and_the_payer_gets_it_back(world) -> None:  # type: ignore[no-untyped-def]
    lagos, abuja, links = world
    for _ in range(10):
        abuja.provider.cash_in("agent-1", CHIDI, 3_000 * N, at=DAY)   # the payee's daily limit used up
    with pytest.raises(BaobabError) as refused:
        lagos.send(ADA, CHIDI, 500 * N, pin="2468", links=links, at=DAY)
    assert refused.value.code == "LIMIT_DAILY"
    assert lagos.provider.balance(ADA) == 3_000 * N and lagos.hub.switch.position("LAGOS-PAY", "NGN") == 0
    used = lagos.provider.db.one("SELECT SUM(amount) FROM momo_usage WHERE msisdn = ?", (ADA,))
    assert used == (3_000 * N,)  # the refused payment does not count toward the payer's day


def test_a_payer_fsp_without_liquidity_is_refused_4001_and_nothing_moves(world) -> None:  # type: ignore[no-untyped-def]
    lagos, abuja, links = world
    lagos.hub.switch.withdraw("out", "LAGOS-PAY", "NGN", 500_000 * N)
    with pytest.raises(BaobabError) as refused:
        lagos.send(ADA, CHIDI, 100 * N, pin="2468", links=links, at=DAY)
    assert refused.value.detail["fspiop_code"] == "4001"
    assert lagos.provider.balance(ADA) == 3_000 * N and abuja.provider.balance(CHIDI) == 0


def test_a_crash_after_the_commit_is_finished_by_recovery(world) -> None:  # type: ignore[no-untyped-def]
    lagos, abuja, links = world
    abuja_credit = abuja.provider.credit_incoming
    abuja.provider.credit_incoming = lambda *a, **k: (_ for _ in ()).throw(SystemExit("crash"))  # type: ignore[method-assign]
    with pytest.raises(SystemExit):
        lagos.send(ADA, CHIDI, 700 * N, pin="2468", links=links, at=DAY)
    abuja.provider.credit_incoming = abuja_credit  # type: ignore[method-assign]
    assert abuja.provider.balance(CHIDI) == 0 and lagos.provider.pending_outgoing()
    assert lagos.recover(links) == 1 and lagos.recover(links) == 0
    assert abuja.provider.balance(CHIDI) == 700 * N and lagos.provider.balance(ADA) == 2_300 * N
    assert lagos.provider.journal.balance("interop/outgoing").net_credit == 0


SUSPECT = "+2348021230000"


def held_payment(lagos: SwitchLink, links: dict[str, SwitchLink], amount: int) -> str:
    """A payment to CHIDI at the other provider by a customer who matched the sanctions list
    after being funded: held before anything moved; the hold's id."""
    p = lagos.provider
    if not p.has_wallet(SUSPECT):
        p.register(SUSPECT, "Jose Maria Quinones", by="agent-1", pin="1357", at=DAY)
        p.cash_in("agent-1", SUSPECT, 2_000 * N, at=DAY)
        p.screen = lambda name: {"listed": name, "reference": "XXi.001", "score": 100} if "Quinones" in name else None
        assert p.screen_all(at=DAY) == [SUSPECT]
    with pytest.raises(BaobabError) as held:
        lagos.send(SUSPECT, CHIDI, amount, pin="1357", links=links, at=DAY)
    assert held.value.code == "HELD_FOR_REVIEW" and lagos.hub.switch.position("LAGOS-PAY", "NGN") == 0
    return str(held.value.detail["hold"])


def test_a_held_payment_to_another_provider_is_sent_once_the_review_clears_it(world) -> None:  # type: ignore[no-untyped-def]
    lagos, abuja, links = world
    hold = held_payment(lagos, links, 500 * N)
    assert lagos.provider.balance(SUSPECT) == 2_000 * N and abuja.provider.balance(CHIDI) == 0
    lagos.provider.decide_screening(SUSPECT, cleared=True, by="officer")       # a namesake
    sent = lagos.release(hold, by="officer", links=links, at=DAY)
    assert sent is not None and sent["state"] == "COMMITTED"
    assert lagos.provider.balance(SUSPECT) == 1_500 * N and abuja.provider.balance(CHIDI) == 500 * N
    assert lagos.hub.switch.position("LAGOS-PAY", "NGN") == 500 * N and lagos.hub.switch.reconcile() == []
    [released] = lagos.provider.holds("released")
    assert released["movement"] == sent["movement"] and released["decided_by"] == "officer"
    with pytest.raises(BaobabError) as again:
        lagos.release(hold, by="officer", links=links, at=DAY)                  # sent once
    assert again.value.code == "NO_HOLD" and abuja.provider.balance(CHIDI) == 500 * N


def test_a_held_payment_is_refused_if_the_review_confirms_the_match_or_the_payee_cannot_take_it(world) -> None:  # type: ignore[no-untyped-def]
    lagos, abuja, links = world
    first = held_payment(lagos, links, 500 * N)
    for _ in range(10):
        abuja.provider.cash_in("agent-1", CHIDI, 3_000 * N, at=DAY)              # the payee's day is used up
    second = held_payment(lagos, links, 400 * N)
    lagos.provider.decide_screening(SUSPECT, cleared=True, by="officer")
    assert lagos.release(second, by="officer", links=links, at=DAY) is None      # the payee's provider refused
    assert lagos.provider.balance(SUSPECT) == 2_000 * N and lagos.hub.switch.position("LAGOS-PAY", "NGN") == 0
    assert [h["note"] for h in lagos.provider.holds("refused")] == ["LIMIT_DAILY"]
    lagos.provider.decide_screening(SUSPECT, cleared=False, by="officer")      # on second look: the listed person
    with pytest.raises(BaobabError) as confirmed:
        lagos.release(first, by="officer", links=links, at=DAY)
    assert confirmed.value.code == "CONFIRMED_MATCH" and [h["id"] for h in lagos.provider.holds()] == [first]
    lagos.provider.refuse_hold(first, by="officer", note="confirmed listed person; reported")
    assert lagos.provider.balance(SUSPECT) == 2_000 * N and abuja.provider.balance(CHIDI) == 30_000 * N
    assert lagos.provider.pending_outgoing() == []
