"""A stateful property test of the switch: whatever the sequence of prepares, fulfilments,
rejections, expiries, funds movements and settlements, each currency's journal sums to zero, no participant's
position passes its liquidity or its net debit cap, and every transfer ends committed or aborted
exactly once, with the journal agreeing."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from baobab.pay.errors import FspiopError
from baobab.pay.store import SQLiteDatabase
from baobab.pay.switch import ABORTED, COMMITTED, RESERVED, Switch, stamp

FULFILMENT = "UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA"
CONDITION = "GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM"
FSPS = ("a", "b", "c")
T0 = datetime(2026, 12, 2, tzinfo=timezone.utc)


class SwitchMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.switch = Switch(SQLiteDatabase(":memory:"))
        for fsp in FSPS:
            self.switch.add_participant(fsp, fsp.upper(), f"http://{fsp}", {"USD": 1_000})
        self.now = T0
        self.count = 0
        self.ended: dict[str, str] = {}

    @rule(fsp=st.sampled_from(FSPS), amount=st.integers(1, 600))
    def fund(self, fsp: str, amount: int) -> None:
        self.count += 1
        self.switch.fund(f"f{self.count}", fsp, "USD", amount, at=self.now)

    @rule(fsp=st.sampled_from(FSPS), amount=st.integers(1, 600))
    def withdraw(self, fsp: str, amount: int) -> None:
        self.count += 1
        try:
            self.switch.withdraw(f"w{self.count}", fsp, "USD", amount, at=self.now)
        except FspiopError as e:
            assert e.code == "4001"

    @rule(payer=st.sampled_from(FSPS), payee=st.sampled_from(FSPS), amount=st.integers(1, 400),
          ttl=st.integers(1, 30))
    def prepare(self, payer: str, payee: str, amount: int, ttl: int) -> None:
        self.count += 1
        r = {"transferId": f"t{self.count}", "payerFsp": payer, "payeeFsp": payee,
             "amount": {"currency": "USD", "minor": amount}, "condition": CONDITION,
             "expiration": stamp(self.now + timedelta(seconds=ttl))}
        try:
            assert self.switch.prepare(r, source=payer, at=self.now).state == RESERVED
        except FspiopError as e:
            assert e.code in ("4001", "4200") or (payer == payee and e.code == "3100")

    def _open(self) -> list[str]:
        return [t for (t,) in self.switch.db.all("SELECT id FROM switch_transfers WHERE state = ?", (RESERVED,))]

    @precondition(lambda self: self._open())
    @rule(data=st.data(), good=st.booleans())
    def fulfil(self, data: st.DataObject, good: bool) -> None:
        transfer_id = data.draw(st.sampled_from(self._open()))
        payee = self.switch.db.one("SELECT payee FROM switch_transfers WHERE id = ?", (transfer_id,))[0]
        try:
            self.switch.fulfil(transfer_id, FULFILMENT if good else "B" * 43, source=payee, at=self.now)
        except FspiopError as e:
            assert e.code in ("3100", "3303")

    @precondition(lambda self: self._open())
    @rule(data=st.data())
    def reject(self, data: st.DataObject) -> None:
        transfer_id = data.draw(st.sampled_from(self._open()))
        payee = self.switch.db.one("SELECT payee FROM switch_transfers WHERE id = ?", (transfer_id,))[0]
        self.switch.reject(transfer_id, "5100", source=payee, at=self.now)

    @rule(seconds=st.integers(0, 20))
    def time_passes(self, seconds: int) -> None:
        self.now += timedelta(seconds=seconds)
        self.switch.expire(self.now)

    @rule()
    def settle_a_window(self) -> None:
        closed = self.switch.close_window(at=self.now)
        report = self.switch.start_settlement(closed)
        assert sum(r["net"] for r in report) == 0
        self.switch.settle(closed, at=self.now)

    @invariant()
    def journal_balances_and_agrees(self) -> None:
        assert self.switch.reconcile() == []

    @invariant()
    def positions_within_liquidity_and_cap(self) -> None:
        for fsp in FSPS:
            position = self.switch.position(fsp, "USD")
            assert position <= max(self.switch.liquidity(fsp, "USD"), 0) or position <= 0
            assert position <= 1_000

    @invariant()
    def every_transfer_ends_once(self) -> None:
        for transfer_id, state in self.switch.db.all("SELECT id, state FROM switch_transfers"):
            if transfer_id in self.ended:
                assert state == self.ended[transfer_id]  # an ended transfer never changes again
            elif state in (COMMITTED, ABORTED):
                self.ended[transfer_id] = state

    def teardown(self) -> None:
        self.switch.db.close()


SwitchMachine.TestCase.settings = settings(max_examples=60, stateful_step_count=40, deadline=None)
TestSwitchProperties = SwitchMachine.TestCase
