"""A mobile-money provider's books: wallets by phone number, limits of the KYC tier enforced at
each movement and at their boundary, PINs that lock, agents whose float and cash are conserved,
and a journal that always balances."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baobab.core.errors import BaobabError
from baobab.wallet.kyc import scheme
from baobab.wallet.provider import Provider, Tariff
from baobab.pay.store import SQLiteDatabase

N = 100  # kobo per naira
TARIFF = Tariff(send=((5_000 * N, 10 * N), (10**12, 25 * N)), cash_out=((5_000 * N, 50 * N), (10**12, 100 * N)), agent_share_bp=6_000)
ADA, BAYO = "+2348031234567", "+2348059876543"
DAY = datetime(2026, 12, 3, 9, 0, tzinfo=timezone.utc)
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


def provider(path: Path) -> Provider:
    p = Provider(SQLiteDatabase(path / "momo.sqlite"), scheme("NG"), TARIFF, hasher=FAST)
    p.add_agent("agent-17", "Mama Nkechi Stores")
    p.issue_float("agent-17", 1_000_000 * N, reference="bank slip 991", at=DAY)
    for phone, name in ((ADA, "Ada Obi"), (BAYO, "Bayo Adeyemi")):
        p.register(phone, name, by="agent-17", pin="2468", at=DAY)
    return p


@pytest.fixture
def p(tmp_path: Path) -> Iterator[Provider]:
    prov = provider(tmp_path)
    yield prov
    prov.db.close()


@contextmanager
def error(code: str) -> Iterator[None]:
    """The block is refused with this stable code."""
    with pytest.raises(BaobabError) as caught:
        yield
    assert caught.value.code == code, f"expected {code}, got {caught.value.code}: {caught.value.message}"


def books(p: Provider) -> dict[str, int]:
    return {a: p.journal.balance(a).net_credit for a in (f"wallet/{ADA}", f"wallet/{BAYO}", "agent/agent-17/float",
                                                          "agent/agent-17/cash", "fees", "issuance")}


def test_a_wallet_is_its_phone_number_in_e164(p: Provider) -> None:
    assert p.msisdn("0803 123 4567") == ADA and p.wallet("08031234567")["name"] == "Ada Obi"
    with error("BAD_PHONE"):
        p.register("12345", "Nobody", by="agent-17")
    with error("WALLET_EXISTS"):
        p.register("0803-123-4567", "Ada again", by="agent-17")


def test_tier_1_single_movement_limit_at_its_boundary(p: Provider) -> None:
    p.cash_in("agent-17", ADA, 3_000 * N, at=DAY)                    # exactly the limit: accepted
    before = books(p)
    with pytest.raises(BaobabError) as refused:
        p.cash_in("agent-17", ADA, 3_000 * N + 1, at=DAY)            # one kobo more: refused
    assert refused.value.code == "LIMIT_SINGLE" and "at most 3000.00 NGN" in refused.value.message
    assert books(p) == before


def test_tier_1_daily_limit_counts_the_local_day(p: Provider) -> None:
    for _ in range(10):
        p.cash_in("agent-17", ADA, 3_000 * N, at=DAY)                # 30,000 NGN: the day's limit
    with error("LIMIT_DAILY"):
        p.cash_in("agent-17", ADA, 1, at=DAY)
    late = datetime(2026, 12, 3, 22, 59, tzinfo=timezone.utc)        # 23:59 in Lagos: still the same day
    with error("LIMIT_DAILY"):
        p.cash_in("agent-17", ADA, 1, at=late)
    p.cash_in("agent-17", ADA, 1, at=late + timedelta(minutes=2))    # 00:01 in Lagos: a new day


def test_tier_1_balance_limit_and_the_upgrade_that_lifts_it(p: Provider) -> None:
    for day in range(10):
        for _ in range(10):
            p.cash_in("agent-17", ADA, 3_000 * N, at=DAY + timedelta(days=day))
    assert p.balance(ADA) == 300_000 * N                             # the tier's maximum balance, reached
    with error("LIMIT_BALANCE"):
        p.cash_in("agent-17", ADA, 1, at=DAY + timedelta(days=11))
    with error("MISSING_EVIDENCE"):
        p.upgrade(ADA, 2, {"phone": ADA, "name": "Ada Obi", "photo": "seen"}, by="agent-17")
    p.upgrade(ADA, 2, {"phone": ADA, "name": "Ada Obi", "photo": "seen", "identity document": "NIN 12345678901",
                       "address": "utility bill"}, by="agent-17")
    p.cash_in("agent-17", ADA, 10_000 * N, at=DAY + timedelta(days=11))  # tier 2: more per movement, more held


def test_cash_in_and_out_conserve_the_agents_float_plus_cash(p: Provider) -> None:
    p.cash_in("agent-17", ADA, 2_000 * N, at=DAY)
    p.cash_out("agent-17", ADA, 1_000 * N, pin="2468", at=DAY)
    b = books(p)
    fee, commission = 50 * N, 30 * N                                 # 60% of the fee to the agent
    assert b[f"wallet/{ADA}"] == 2_000 * N - 1_000 * N - fee
    assert b["agent/agent-17/float"] + b["agent/agent-17/cash"] == 1_000_000 * N + commission
    assert b["agent/agent-17/cash"] == 1_000 * N and b["fees"] == fee - commission
    day = p.agent_statement("agent-17", "2026-12-03")
    assert day["movements"]["cash_in"] == {"count": 1, "minor": 2_000 * N} and day["commission"]["minor"] == commission


def test_a_wrong_pin_is_counted_even_though_the_payment_is_refused_and_locks_at_three(p: Provider) -> None:
    p.cash_in("agent-17", ADA, 2_000 * N, at=DAY)
    before = books(p)
    for _ in range(2):
        with error("WRONG_PIN"):
            p.send(ADA, BAYO, 100 * N, pin="0000", at=DAY)
    p.send(ADA, BAYO, 100 * N, pin="2468", at=DAY)                   # the right PIN resets the count
    for _ in range(3):
        with error("WRONG_PIN"):
            p.send(ADA, BAYO, 100 * N, pin="1111", at=DAY)
    with error("WALLET_LOCKED"):
        p.send(ADA, BAYO, 100 * N, pin="2468", at=DAY)
    assert p.balance(ADA) == before[f"wallet/{ADA}"] - 100 * N - 10 * N and p.wallet(ADA)["locked"]


def test_a_payment_beyond_the_balance_changes_nothing(p: Provider) -> None:
    p.cash_in("agent-17", ADA, 100 * N, at=DAY)
    before = books(p)
    with error("INSUFFICIENT_FUNDS"):
        p.send(ADA, BAYO, 95 * N, pin="2468", at=DAY)                # 95 + a fee of 10 > 100
    assert books(p) == before and p.statement(BAYO) == []


def test_only_its_own_super_agent_rebalances_an_agent(p: Provider) -> None:
    p.add_agent("super-1", "Lagos Aggregators")
    p.add_agent("agent-22", "Corner Shop 22", super_agent="super-1")
    p.issue_float("super-1", 50_000 * N, reference="slip 7", at=DAY)
    p.rebalance("super-1", "agent-22", 20_000 * N, at=DAY)
    with error("NO_AGENT"):
        p.rebalance("agent-17", "agent-22", 1, at=DAY)
    assert p.journal.balance("agent/agent-22/float").net_credit == 20_000 * N


OPS = st.lists(st.tuples(st.sampled_from(["cash_in", "cash_out", "send", "send_back"]),
                         st.integers(1, 4_000 * N), st.integers(0, 40)), max_size=30)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_whatever_happens_the_journal_balances_and_no_wallet_exceeds_its_tier(tmp_path_factory, ops) -> None:  # type: ignore[no-untyped-def]
    p = provider(tmp_path_factory.mktemp("momo"))
    tier_max = scheme("NG").tier(1).balance_max
    for kind, amount, hours in ops:
        at = DAY + timedelta(hours=hours)
        try:
            {"cash_in": lambda: p.cash_in("agent-17", ADA, amount, at=at),
             "cash_out": lambda: p.cash_out("agent-17", ADA, amount, pin="2468", at=at),
             "send": lambda: p.send(ADA, BAYO, amount, pin="2468", at=at),
             "send_back": lambda: p.send(BAYO, ADA, amount, pin="2468", at=at)}[kind]()
        except BaobabError:
            pass
        totals = p.journal.totals("NGN")
        assert totals["debits_posted"] == totals["credits_posted"]
        assert all(0 <= p.balance(w) <= tier_max for w in (ADA, BAYO))  # type: ignore[operator]
        b = books(p)  # e-money issued is all somewhere; cash moved only between the agent and customers
        assert b["agent/agent-17/float"] + b["fees"] + b[f"wallet/{ADA}"] + b[f"wallet/{BAYO}"] == -b["issuance"] == 1_000_000 * N
        assert b["agent/agent-17/cash"] == -p.journal.balance("cash/customers").net_credit
    p.db.close()


def test_a_mistaken_payment_is_reversed_only_with_the_payees_consent_and_once(p: Provider) -> None:
    p.cash_in("agent-17", ADA, 2_000 * N, at=DAY)
    movement = p.send(ADA, BAYO, 800 * N, pin="2468", at=DAY)
    with error("NOT_REVERSIBLE"):
        p.request_reversal(BAYO, movement, "not mine to ask")      # only the payer asks
    p.request_reversal(ADA, movement, "sent to the wrong number")
    assert p.balance(BAYO) == 800 * N                              # nothing moves on the asking
    with error("WRONG_PIN"):
        p.approve_reversal(BAYO, movement, pin="0000")
    p.approve_reversal(BAYO, movement, pin="2468")
    assert p.balance(BAYO) == 0 and p.balance(ADA) == 2_000 * N - 10 * N  # the fee stays with the provider
    with error("NOT_REVERSIBLE"):
        p.approve_reversal(BAYO, movement, pin="2468")


def test_an_agents_own_limits_are_checked_at_each_cash_movement(tmp_path: Path) -> None:
    p = provider(tmp_path)
    p.set_agent_limits("agent-17", per_movement=2_000 * N, per_day=3_000 * N)
    with pytest.raises(BaobabError) as single:
        p.cash_in("agent-17", ADA, 2_001 * N, at=DAY)
    assert single.value.code == "LIMIT_AGENT" and p.balance(ADA) == 0
    p.cash_in("agent-17", ADA, 2_000 * N, at=DAY)
    p.cash_out("agent-17", ADA, 1_000 * N, pin="2468", at=DAY)                 # 3,000 handled: the day's limit, exactly
    with pytest.raises(BaobabError) as daily:
        p.cash_in("agent-17", BAYO, 1, at=DAY)
    assert daily.value.code == "LIMIT_AGENT" and p.balance(BAYO) == 0
    p.cash_in("agent-17", BAYO, 1_000 * N, at=DAY + timedelta(days=1))         # a new day in Lagos
    assert p.balance(BAYO) == 1_000 * N


def test_the_velocity_limit_refuses_the_payment_beyond_the_hours_count(tmp_path: Path) -> None:
    p = Provider(SQLiteDatabase(tmp_path / "v.sqlite"), scheme("NG"), TARIFF, hasher=FAST, payments_per_hour=3)
    p.add_agent("agent-17", "Mama Nkechi")
    p.issue_float("agent-17", 100_000 * N, reference="slip", at=DAY)
    for phone, name in ((ADA, "Ada Obi"), (BAYO, "Bayo Adeyemi")):
        p.register(phone, name, by="agent-17", pin="2468", at=DAY)
    p.cash_in("agent-17", ADA, 1_000 * N, at=DAY)
    for minute in (0, 20, 40):
        p.send(ADA, BAYO, 10 * N, pin="2468", at=DAY + timedelta(minutes=minute))
    with pytest.raises(BaobabError) as fast:
        p.send(ADA, BAYO, 10 * N, pin="2468", at=DAY + timedelta(minutes=59))
    assert fast.value.code == "LIMIT_VELOCITY" and p.balance(BAYO) == 30 * N
    p.send(ADA, BAYO, 10 * N, pin="2468", at=DAY + timedelta(minutes=60, seconds=1))   # the first left the hour
    assert p.balance(BAYO) == 40 * N
