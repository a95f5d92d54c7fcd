"""The switch's two-phase transfers as FSPIOP v1.1 defines them (API Definition v1.1.1, 6.7 and
7.6): reserve on prepare, commit only on the fulfilment of the condition, abort on rejection,
invalid fulfilment or expiry, liquidity (4001) and net debit cap (4200) checked first, resends
idempotent (3106 when the terms differ), and a transfer answered to its two parties only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from baobab.pay.errors import FspiopError
from baobab.pay.store import SQLiteDatabase
from baobab.pay.switch import ABORTED, COMMITTED, RESERVED, Switch, condition_of, stamp

# The ILP check pair of the FSPIOP conformance notes (base64url of SHA-256, no padding).
FULFILMENT = "UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA"
CONDITION = "GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM"
T0 = datetime(2026, 12, 2, 12, 0, tzinfo=timezone.utc)


@pytest.fixture
def switch(tmp_path: Path) -> Iterator[Switch]:
    s = Switch(SQLiteDatabase(tmp_path / "switch.sqlite"))
    s.add_participant("kebank", "Kenya Trade Bank", "http://127.0.0.1:1/ke", {"KES": 100_000})
    s.add_participant("mpesa", "Mobile money", "http://127.0.0.1:1/mm", {"KES": 50_000})
    s.add_participant("thirdfsp", "Another FSP", "http://127.0.0.1:1/x", {"KES": 10_000})
    s.fund("ke-1", "kebank", "KES", 80_000, at=T0)
    s.fund("mm-1", "mpesa", "KES", 50_000, at=T0)
    yield s
    s.db.close()


def request(transfer_id: str = "t-1", minor: int = 1_000, payer: str = "kebank", payee: str = "mpesa",
            expires: timedelta = timedelta(minutes=1), condition: str = CONDITION) -> dict:  # type: ignore[type-arg]
    return {"transferId": transfer_id, "payerFsp": payer, "payeeFsp": payee,
            "amount": {"currency": "KES", "minor": minor}, "condition": condition, "expiration": stamp(T0 + expires)}


def code_of(call) -> str:  # type: ignore[no-untyped-def]
    with pytest.raises(FspiopError) as err:
        call()
    return err.value.code


def test_the_ilp_pair_of_the_specification() -> None:
    assert condition_of(FULFILMENT) == CONDITION


def test_prepare_reserves_and_fulfil_commits(switch: Switch) -> None:
    t = switch.prepare(request(), source="kebank", at=T0)
    assert t.state == RESERVED and switch.position("kebank", "KES") == 1_000
    assert switch.position("mpesa", "KES") == 0  # an incoming reservation is not yet the payee's
    done = switch.fulfil("t-1", FULFILMENT, source="mpesa", at=T0)
    assert done.state == COMMITTED and done.fulfilment == FULFILMENT
    assert (switch.position("kebank", "KES"), switch.position("mpesa", "KES")) == (1_000, -1_000)
    assert switch.reconcile() == []


def test_a_wrong_fulfilment_aborts_with_3100_and_releases_the_reservation(switch: Switch) -> None:
    switch.prepare(request(), source="kebank", at=T0)
    assert code_of(lambda: switch.fulfil("t-1", "A" * 43, source="mpesa", at=T0)) == "3100"
    t = switch.get("t-1", source="kebank")
    assert (t.state, t.error_code) == (ABORTED, "3100") and switch.position("kebank", "KES") == 0
    assert code_of(lambda: switch.fulfil("t-1", FULFILMENT, source="mpesa", at=T0)) == "3100"  # never committed after
    assert switch.reconcile() == []


def test_expiry_aborts_with_3303_on_both_sides(switch: Switch) -> None:
    switch.prepare(request(), source="kebank", at=T0)
    late = T0 + timedelta(minutes=2)
    assert code_of(lambda: switch.fulfil("t-1", FULFILMENT, source="mpesa", at=late)) == "3303"
    assert switch.get("t-1", source="mpesa").error_code == "3303"
    switch.prepare(request("t-2"), source="kebank", at=T0)
    expired = switch.expire(late)
    assert [t.id for t in expired] == ["t-2"] and expired[0].state == ABORTED
    assert switch.position("kebank", "KES") == 0 and switch.reconcile() == []


def test_a_transfer_already_expired_is_refused_at_prepare(switch: Switch) -> None:
    assert code_of(lambda: switch.prepare(request(expires=timedelta(seconds=-1)), source="kebank", at=T0)) == "3303"


def test_payee_rejection_releases_the_reservation(switch: Switch) -> None:
    switch.prepare(request(), source="kebank", at=T0)
    assert switch.reject("t-1", "5100", source="mpesa", at=T0).state == ABORTED
    assert switch.position("kebank", "KES") == 0


def test_resends_are_idempotent_and_modified_resends_get_3106(switch: Switch) -> None:
    first = switch.prepare(request(), source="kebank", at=T0)
    assert switch.prepare(request(), source="kebank", at=T0) == first
    assert switch.position("kebank", "KES") == 1_000  # reserved once
    assert code_of(lambda: switch.prepare(request(minor=999), source="kebank", at=T0)) == "3106"
    switch.fulfil("t-1", FULFILMENT, source="mpesa", at=T0)
    assert switch.prepare(request(), source="kebank", at=T0).state == COMMITTED  # prepare after commit
    assert switch.fulfil("t-1", FULFILMENT, source="mpesa", at=T0).state == COMMITTED  # fulfil resent


def test_liquidity_4001_is_checked_before_the_net_debit_cap_4200(switch: Switch) -> None:
    # kebank: liquidity 80,000, cap 100,000 -> liquidity binds first
    assert code_of(lambda: switch.prepare(request(minor=80_001), source="kebank", at=T0)) == "4001"
    switch.set_net_debit_cap("kebank", "KES", 20_000)
    assert code_of(lambda: switch.prepare(request(minor=20_001), source="kebank", at=T0)) == "4200"
    assert switch.prepare(request(minor=20_000), source="kebank", at=T0).state == RESERVED
    assert code_of(lambda: switch.prepare(request("t-2", minor=1), source="kebank", at=T0)) == "4200"


def test_received_funds_give_room_only_once_committed(switch: Switch) -> None:
    switch.set_net_debit_cap("mpesa", "KES", 0)
    switch.prepare(request(minor=5_000), source="kebank", at=T0)
    back = request("t-back", minor=5_000, payer="mpesa", payee="kebank")
    assert code_of(lambda: switch.prepare(back, source="mpesa", at=T0)) == "4200"
    switch.fulfil("t-1", FULFILMENT, source="mpesa", at=T0)
    assert switch.prepare(back, source="mpesa", at=T0).state == RESERVED


def test_a_third_party_learns_nothing_and_cannot_act(switch: Switch) -> None:
    switch.prepare(request(), source="kebank", at=T0)
    assert code_of(lambda: switch.get("t-1", source="thirdfsp")) == "3208"
    assert code_of(lambda: switch.fulfil("t-1", FULFILMENT, source="thirdfsp", at=T0)) == "3208"
    assert code_of(lambda: switch.fulfil("t-1", FULFILMENT, source="kebank", at=T0)) == "3100"  # the payer may not
    assert code_of(lambda: switch.prepare(request("t-9"), source="mpesa", at=T0)) == "3100"  # not its own debit
    assert code_of(lambda: switch.get("t-unknown", source="kebank")) == "3208"


@pytest.mark.parametrize("change, code", [
    ({"transferId": "has space"}, "3101"),
    ({"condition": "short"}, "3101"),
    ({"amount": {"currency": "KES", "minor": 0}}, "3101"),
    ({"amount": {"currency": "KES", "minor": "10"}}, "3101"),
    ({"amount": {"currency": "XYZ", "minor": 10}}, "3101"),
    ({"expiration": "tomorrow"}, "3101"),
    ({"payeeFsp": "nobody"}, "3203"),
    ({"payeeFsp": "kebank"}, "3100"),
])
def test_bad_requests_get_their_code_and_change_nothing(switch: Switch, change: dict, code: str) -> None:  # type: ignore[type-arg]
    assert code_of(lambda: switch.prepare({**request(), **change}, source="kebank", at=T0)) == code
    assert switch.position("kebank", "KES") == 0 and switch.reconcile() == []


def test_a_missing_element_is_3102(switch: Switch) -> None:
    r = request()
    del r["condition"]
    assert code_of(lambda: switch.prepare(r, source="kebank", at=T0)) == "3102"


def test_withdrawal_never_uncovers_the_position(switch: Switch) -> None:
    switch.prepare(request(minor=30_000), source="kebank", at=T0)
    assert code_of(lambda: switch.withdraw("w-1", "kebank", "KES", 50_001, at=T0)) == "4001"
    switch.withdraw("w-2", "kebank", "KES", 50_000, at=T0)
    assert switch.liquidity("kebank", "KES") == 30_000 and switch.reconcile() == []


def test_an_inactive_participant_cannot_send(switch: Switch) -> None:
    switch.set_active("kebank", False)
    assert code_of(lambda: switch.prepare(request(), source="kebank", at=T0)) == "4400"


def test_a_committed_transfer_survives_reopening(tmp_path: Path) -> None:
    path = tmp_path / "durable.sqlite"
    s = Switch(SQLiteDatabase(path))
    s.add_participant("a", "A", "http://a", {"USD": 100})
    s.add_participant("b", "B", "http://b", {"USD": 100})
    s.fund("f", "a", "USD", 100, at=T0)
    s.prepare({**request(payer="a", payee="b", minor=40), "amount": {"currency": "USD", "minor": 40}}, source="a", at=T0)
    s.fulfil("t-1", FULFILMENT, source="b", at=T0)
    s.db.close()
    again = Switch(SQLiteDatabase(path))
    assert again.get("t-1", source="a").state == COMMITTED and again.position("b", "USD") == -40
    assert again.reconcile() == []


def _pay(switch: Switch, transfer_id: str, payer: str, payee: str, minor: int) -> None:
    switch.prepare(request(transfer_id, minor=minor, payer=payer, payee=payee), source=payer, at=T0)
    switch.fulfil(transfer_id, FULFILMENT, source=payee, at=T0)


def test_a_settlement_window_nets_positions_and_moves_liquidity(switch: Switch) -> None:
    _pay(switch, "t-1", "kebank", "mpesa", 7_000)
    _pay(switch, "t-2", "mpesa", "kebank", 2_000)
    closed = switch.close_window(at=T0)
    _pay(switch, "t-3", "kebank", "mpesa", 100)  # falls in the next window
    report = switch.start_settlement(closed)
    assert [(r["fsp"], r["net"]) for r in report] == [("kebank", 5_000), ("mpesa", -5_000)]
    assert sum(r["net"] for r in report) == 0
    switch.settle(closed, at=T0)
    assert switch.window(closed)["state"] == "SETTLED"
    assert (switch.liquidity("kebank", "KES"), switch.liquidity("mpesa", "KES")) == (75_000, 55_000)
    assert (switch.position("kebank", "KES"), switch.position("mpesa", "KES")) == (100, -100)  # window 2 only
    assert switch.reconcile() == []
    assert code_of(lambda: switch.settle(closed, at=T0)) == "3100"  # never twice


def test_large_payments_settle_gross_at_commit(tmp_path: Path) -> None:
    s = Switch(SQLiteDatabase(tmp_path / "gross.sqlite"), gross_from={"KES": 10_000})
    s.add_participant("kebank", "K", "http://k", {"KES": 100_000})
    s.add_participant("mpesa", "M", "http://m", {"KES": 100_000})
    s.fund("f", "kebank", "KES", 50_000, at=T0)
    _pay(s, "big", "kebank", "mpesa", 20_000)
    assert (s.liquidity("kebank", "KES"), s.liquidity("mpesa", "KES")) == (30_000, 20_000)
    assert s.position("kebank", "KES") == 0 and s.settlement_report(1) == []
    assert s.reconcile() == []


def test_a_refused_operation_inside_a_batch_undoes_only_itself(switch: Switch) -> None:
    with switch.db.atomic():  # one durable commit for the whole batch
        switch.prepare(request("t-1", minor=500), source="kebank", at=T0)
        assert code_of(lambda: switch.prepare(request("t-2", minor=90_000), source="kebank", at=T0)) == "4001"
        assert code_of(lambda: switch.fulfil("t-1", "C" * 43, source="mpesa", at=T0)) == "3100"
        switch.prepare(request("t-3", minor=700), source="kebank", at=T0)
    assert switch.get("t-1", source="kebank").state == ABORTED
    assert code_of(lambda: switch.get("t-2", source="kebank")) == "3208"
    assert switch.position("kebank", "KES") == 700 and switch.reconcile() == []


def test_the_operator_sees_each_participants_standing_and_the_windows(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from baobab.pay.store import SQLiteDatabase
    from baobab.pay.switch import Switch, condition_of

    switch = Switch(SQLiteDatabase(tmp_path / "s.sqlite"))
    switch.add_participant("alpha", "Alpha Bank", "http://127.0.0.1:1/a", {"USD": 800_00})
    switch.add_participant("beta", "Beta Wallets", "http://127.0.0.1:1/b", {"USD": 1_000_00})
    switch.fund("f1", "alpha", "USD", 500_00)
    fulfilment = "UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA"
    switch.prepare({"transferId": "t1", "payerFsp": "alpha", "payeeFsp": "beta", "amount": {"currency": "USD", "minor": 120_00},
                    "condition": condition_of(fulfilment), "expiration": "2099-01-01T00:00:00.000Z"}, source="alpha")
    standing = {r["fsp"]: r for r in switch.positions()}
    assert standing["alpha"] == {"fsp": "alpha", "name": "Alpha Bank", "active": True, "currency": "USD", "liquidity": 500_00,
                                 "position": 120_00, "net_debit_cap": 800_00, "headroom": 380_00}
    assert standing["beta"]["headroom"] == 0  # nothing placed, nothing it may send
    closed = switch.close_window()
    assert [w["state"] for w in switch.windows()] == ["OPEN", "CLOSED"] and switch.windows()[1]["id"] == closed
