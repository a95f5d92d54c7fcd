"""A double-entry journal with two-phase transfers, in the manner of TigerBeetle.

Every movement is a transfer of a positive integer amount (minor units) from one account (the
debit) to another (the credit) of the same currency, so every entry balances by construction and
the sum of credits minus debits over all accounts of a currency is always zero. An account keeps
four totals: debits and credits, each pending (reserved by a two-phase transfer not yet decided)
and posted. A pending transfer is later posted (its amount moves from pending to posted on both
sides) or voided (released). An account may carry a limit flag:

    DEBITS_MUST_NOT_EXCEED_CREDITS   debits_pending + debits_posted <= credits_posted
    CREDITS_MUST_NOT_EXCEED_DEBITS   credits_pending + credits_posted <= debits_posted

A transfer that would break a limit is refused and changes nothing. The journal runs inside the
caller's database transaction (`Database.atomic`), so a switch operation that writes several
transfers and its own rows commits all of them or none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from baobab.core.money import check_currency
from baobab.pay.store import Database

DEBITS_MUST_NOT_EXCEED_CREDITS = 1
CREDITS_MUST_NOT_EXCEED_DEBITS = 2
PENDING, POSTED, VOIDED = "pending", "posted", "voided"

SCHEMA = """
CREATE TABLE IF NOT EXISTS journal_accounts (
  id TEXT PRIMARY KEY, currency TEXT NOT NULL, flags INTEGER NOT NULL,
  debits_pending BIGINT NOT NULL DEFAULT 0, debits_posted BIGINT NOT NULL DEFAULT 0,
  credits_pending BIGINT NOT NULL DEFAULT 0, credits_posted BIGINT NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS journal_transfers (
  id TEXT PRIMARY KEY, debit TEXT NOT NULL, credit TEXT NOT NULL, amount BIGINT NOT NULL,
  currency TEXT NOT NULL, state TEXT NOT NULL, memo TEXT NOT NULL, at TEXT NOT NULL);
"""
_STATE = "journal.accounts"
_ZERO = (0, 0, 0, 0)
_ADD_TOTALS = ("UPDATE journal_accounts SET debits_pending = debits_pending + ?, debits_posted = debits_posted + ?, "
               "credits_pending = credits_pending + ?, credits_posted = credits_posted + ? WHERE id = ?")


class LimitExceeded(Exception):
    """The transfer would take an account past its limit flag."""

    def __init__(self, account: str, flag: int, amount: int = 0) -> None:
        super().__init__(f"account {account} would exceed its limit")
        self.account, self.flag, self.amount = account, flag, amount


class Balance(NamedTuple):
    currency: str
    flags: int
    debits_pending: int
    debits_posted: int
    credits_pending: int
    credits_posted: int

    @property
    def net_credit(self) -> int:
        """Posted credits minus posted debits: what the account holds."""
        return self.credits_posted - self.debits_posted

    @property
    def available(self) -> int:
        """What it holds less what is reserved to leave it (a funds out not yet confirmed)."""
        return self.credits_posted - self.debits_posted - self.debits_pending

    def moved(self, pending: bool, *, debit: int = 0, credit: int = 0) -> Balance:
        """The balance after a transfer debiting or crediting it (reserved only, when `pending`)."""
        if pending:
            return Balance(self.currency, self.flags, self.debits_pending + debit, self.debits_posted,
                           self.credits_pending + credit, self.credits_posted)
        return Balance(self.currency, self.flags, self.debits_pending, self.debits_posted + debit,
                       self.credits_pending, self.credits_posted + credit)


class Journal:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.script(SCHEMA)

    def open_account(self, account: str, currency: str, flags: int = 0) -> None:
        """Create an account (idempotent for the same currency and flags)."""
        check_currency(currency)
        existing = self.db.one("SELECT currency, flags FROM journal_accounts WHERE id = ?", (account,))
        if existing is None:
            self.db.run("INSERT INTO journal_accounts (id, currency, flags) VALUES (?, ?, ?)", (account, currency, flags))
        elif tuple(existing) != (currency, flags):
            raise ValueError(f"account {account} exists with other terms")

    def balance(self, account: str) -> Balance:
        return self.balances(account)[0]

    def balances(self, *accounts: str) -> list[Balance]:
        """Several accounts' balances in one read, in the order asked. Inside a transaction, an
        account read once is not read again: the transaction's copy is the truth (see `_open`)."""
        known, _ = self._open()
        unread = [a for a in accounts if a not in known]
        if unread:
            marks = ", ".join("?" * len(unread))
            for r in self.db.all("SELECT id, currency, flags, debits_pending, debits_posted, credits_pending, credits_posted "
                                 f"FROM journal_accounts WHERE id IN ({marks})", unread):
                known[r[0]] = Balance(*r[1:])
            missing = [a for a in unread if a not in known]
            if missing:
                raise KeyError(missing[0])
        return [known[a] for a in accounts]

    def transfer(self, transfer_id: str, debit: str, credit: str, amount: int, at: str, *,
                 pending: bool = False, memo: str = "") -> None:
        """Move `amount` from `debit` to `credit` (reserve it only, when `pending`)."""
        self.transfer_many([(transfer_id, debit, credit, amount)], at, pending=pending, memo=memo)

    def transfer_many(self, entries: Sequence[tuple[str, str, str, int]], at: str, *, pending: bool = False,
                      memo: str = "") -> dict[str, Balance]:
        """Several transfers (id, debit, credit, amount), each checked against the balances the
        earlier ones left, written with one insert. Returns every touched account's balance after
        them. Any refusal changes nothing."""
        if not self.db.in_transaction:
            with self.db.atomic():
                return self.transfer_many(entries, at, pending=pending, memo=memo)
        for _, debit, credit, amount in entries:
            if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
                raise ValueError("a transfer moves a positive integer amount")
            if debit == credit:
                raise ValueError("a transfer needs two accounts")
        wanted = list({a: None for _, debit, credit, _ in entries for a in (debit, credit)})
        now = dict(zip(wanted, self.balances(*wanted)))
        before = dict(now)
        rows = []
        for transfer_id, debit, credit, amount in entries:
            d, c = now[debit], now[credit]
            if d.currency != c.currency:
                raise ValueError(f"{debit} is in {d.currency}, {credit} in {c.currency}")
            self._check(debit, d, debit_add=amount)
            self._check(credit, c, credit_add=amount)
            now[debit], now[credit] = d.moved(pending, debit=amount), c.moved(pending, credit=amount)
            rows.append((transfer_id, debit, credit, amount, d.currency, PENDING if pending else POSTED, memo, at))
        self.db.many("INSERT INTO journal_transfers (id, debit, credit, amount, currency, state, memo, at) "
                     "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows)
        self._move(before, now)
        return now

    def post(self, transfer_id: str) -> None:
        """Post a pending transfer: its reservation becomes a movement."""
        self._decide(transfer_id, POSTED)

    def void(self, transfer_id: str) -> None:
        """Void a pending transfer: the reservation is released on both sides."""
        self._decide(transfer_id, VOIDED)

    def _decide(self, transfer_id: str, state: str) -> None:
        """A pending transfer posted or voided: its state changes (only if still pending, in the
        same statement that reads it) and both accounts' totals move with it."""
        if not self.db.in_transaction:
            with self.db.atomic():
                return self._decide(transfer_id, state)
        rows = self.db.all("UPDATE journal_transfers SET state = ? WHERE id = ? AND state = ? RETURNING debit, credit, amount",
                           (state, transfer_id, PENDING))
        if not rows:
            raise ValueError(f"transfer {transfer_id} is not pending")
        debit, credit, amount = rows[0][0], rows[0][1], int(rows[0][2])
        posted = amount if state == POSTED else 0
        d, c = self.balances(debit, credit)
        self._move({debit: d, credit: c}, {
            debit: Balance(d.currency, d.flags, d.debits_pending - amount, d.debits_posted + posted, d.credits_pending, d.credits_posted),
            credit: Balance(c.currency, c.flags, c.debits_pending, c.debits_posted, c.credits_pending - amount, c.credits_posted + posted)})

    # --- the transaction's account totals ---------------------------------------------------
    #
    # Inside a transaction the journal keeps each account it read (its balance, the truth for the
    # transaction) and what the transaction added to each (not yet written). The additions are
    # written once, when the transaction commits (`Database.before_commit`): a batch of a
    # thousand transfers among a few participants updates a few account rows, not four thousand,
    # durably with the rest or not at all. A savepoint rolled back (an operation refused inside
    # a batch) takes its additions back (`Database.undo_on_rollback`). Whoever reads the rows
    # themselves in the transaction (`totals`, reconciliation) calls `flush` first.

    def _open(self) -> tuple[dict[str, Balance], dict[str, tuple[int, int, int, int]]]:
        state = self.db.tx_state
        if _STATE not in state:
            state[_STATE] = ({}, {})
            self.db.before_commit(_STATE, self.flush)
        return state[_STATE]  # type: ignore[no-any-return]

    def _move(self, before: dict[str, Balance], after: dict[str, Balance]) -> None:
        """The accounts (which the transaction has read) go from `before` to `after`; what that
        adds to each is remembered to be written."""
        known, added = self._open()
        saved = [(a, known[a], added.get(a)) for a in after]

        def undo() -> None:
            for account, balance, delta in saved:
                known[account] = balance
                if delta is None:
                    added.pop(account, None)
                else:
                    added[account] = delta
        self.db.undo_on_rollback(undo)
        for account, b in after.items():
            a, total = before[account], added.get(account, _ZERO)
            known[account] = b
            added[account] = (total[0] + b[2] - a[2], total[1] + b[3] - a[3], total[2] + b[4] - a[4], total[3] + b[5] - a[5])

    def flush(self) -> None:
        """Write what the transaction added to the accounts' totals (added to the rows, never
        overwriting them): one statement, one row per account."""
        _, added = self._open()
        rows = [(*delta, account) for account, delta in added.items() if any(delta)]
        if not rows:
            return
        self.db.many(_ADD_TOTALS, rows)
        saved = dict(added)
        self.db.undo_on_rollback(lambda: added.update(saved))
        added.clear()

    def totals(self, currency: str) -> dict[str, int]:
        """Sums over every account of a currency: posted and pending debits equal credits."""
        self.flush()
        row = self.db.one("SELECT COALESCE(SUM(debits_pending), 0), COALESCE(SUM(debits_posted), 0), "
                          "COALESCE(SUM(credits_pending), 0), COALESCE(SUM(credits_posted), 0) "
                          "FROM journal_accounts WHERE currency = ?", (currency,))
        assert row is not None
        return dict(zip(("debits_pending", "debits_posted", "credits_pending", "credits_posted"), map(int, row)))

    def replayed_balances(self) -> dict[str, dict[str, int]]:
        """Every account's totals recomputed from the transfers alone (for reconciliation)."""
        out: dict[str, dict[str, int]] = {}
        for debit, credit, amount, state in self.db.all("SELECT debit, credit, amount, state FROM journal_transfers"):
            if state == VOIDED:
                continue
            for account, side in ((debit, "debits"), (credit, "credits")):
                totals = out.setdefault(account, {"debits_pending": 0, "debits_posted": 0, "credits_pending": 0, "credits_posted": 0})
                totals[f"{side}_{state}"] += amount
        return out

    @staticmethod
    def _check(account: str, b: Balance, *, debit_add: int = 0, credit_add: int = 0) -> None:
        if b.flags & DEBITS_MUST_NOT_EXCEED_CREDITS and b.debits_pending + b.debits_posted + debit_add > b.credits_posted:
            raise LimitExceeded(account, DEBITS_MUST_NOT_EXCEED_CREDITS, debit_add)
        if b.flags & CREDITS_MUST_NOT_EXCEED_DEBITS and b.credits_pending + b.credits_posted + credit_add > b.debits_posted:
            raise LimitExceeded(account, CREDITS_MUST_NOT_EXCEED_DEBITS, credit_add)

