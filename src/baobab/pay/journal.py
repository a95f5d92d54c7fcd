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

from dataclasses import dataclass
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


class LimitExceeded(Exception):
    """The transfer would take an account past its limit flag."""

    def __init__(self, account: str, flag: int) -> None:
        super().__init__(f"account {account} would exceed its limit")
        self.account, self.flag = account, flag


@dataclass(frozen=True)
class Balance:
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
        row = self.db.one("SELECT currency, flags, debits_pending, debits_posted, credits_pending, credits_posted "
                          "FROM journal_accounts WHERE id = ?", (account,))
        if row is None:
            raise KeyError(account)
        return Balance(*row)

    def balances(self, *accounts: str) -> list[Balance]:
        """Several accounts' balances in one read, in the order asked."""
        marks = ", ".join("?" * len(accounts))
        rows = {r[0]: Balance(*r[1:]) for r in self.db.all(
            "SELECT id, currency, flags, debits_pending, debits_posted, credits_pending, credits_posted "
            f"FROM journal_accounts WHERE id IN ({marks})", accounts)}
        missing = [a for a in accounts if a not in rows]
        if missing:
            raise KeyError(missing[0])
        return [rows[a] for a in accounts]

    def transfer(self, transfer_id: str, debit: str, credit: str, amount: int, at: str, *,
                 pending: bool = False, memo: str = "") -> None:
        """Move `amount` from `debit` to `credit` (reserve it only, when `pending`)."""
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise ValueError("a transfer moves a positive integer amount")
        if debit == credit:
            raise ValueError("a transfer needs two accounts")
        d, c = self.balances(debit, credit)
        if d.currency != c.currency:
            raise ValueError(f"{debit} is in {d.currency}, {credit} in {c.currency}")
        side = "pending" if pending else "posted"
        self._check(debit, d, debit_add=amount)
        self._check(credit, c, credit_add=amount)
        self.db.run(f"UPDATE journal_accounts SET debits_{side} = debits_{side} + ? WHERE id = ?", (amount, debit))
        self.db.run(f"UPDATE journal_accounts SET credits_{side} = credits_{side} + ? WHERE id = ?", (amount, credit))
        self.db.run("INSERT INTO journal_transfers (id, debit, credit, amount, currency, state, memo, at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (transfer_id, debit, credit, amount, d.currency, PENDING if pending else POSTED, memo, at))

    def post(self, transfer_id: str) -> None:
        """Post a pending transfer: its reservation becomes a movement."""
        debit, credit, amount = self._pending(transfer_id)
        self.db.run("UPDATE journal_accounts SET debits_pending = debits_pending - ?, debits_posted = debits_posted + ? "
                    "WHERE id = ?", (amount, amount, debit))
        self.db.run("UPDATE journal_accounts SET credits_pending = credits_pending - ?, credits_posted = credits_posted + ? "
                    "WHERE id = ?", (amount, amount, credit))
        self.db.run("UPDATE journal_transfers SET state = ? WHERE id = ?", (POSTED, transfer_id))

    def void(self, transfer_id: str) -> None:
        """Void a pending transfer: the reservation is released on both sides."""
        debit, credit, amount = self._pending(transfer_id)
        self.db.run("UPDATE journal_accounts SET debits_pending = debits_pending - ? WHERE id = ?", (amount, debit))
        self.db.run("UPDATE journal_accounts SET credits_pending = credits_pending - ? WHERE id = ?", (amount, credit))
        self.db.run("UPDATE journal_transfers SET state = ? WHERE id = ?", (VOIDED, transfer_id))

    def totals(self, currency: str) -> dict[str, int]:
        """Sums over every account of a currency: posted and pending debits equal credits."""
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

    def _pending(self, transfer_id: str) -> tuple[str, str, int]:
        row = self.db.one("SELECT debit, credit, amount, state FROM journal_transfers WHERE id = ?", (transfer_id,))
        if row is None or row[3] != PENDING:
            raise ValueError(f"transfer {transfer_id} is not pending")
        return row[0], row[1], int(row[2])

    @staticmethod
    def _check(account: str, b: Balance, *, debit_add: int = 0, credit_add: int = 0) -> None:
        if b.flags & DEBITS_MUST_NOT_EXCEED_CREDITS and b.debits_pending + b.debits_posted + debit_add > b.credits_posted:
            raise LimitExceeded(account, DEBITS_MUST_NOT_EXCEED_CREDITS)
        if b.flags & CREDITS_MUST_NOT_EXCEED_DEBITS and b.credits_pending + b.credits_posted + credit_add > b.debits_posted:
            raise LimitExceeded(account, CREDITS_MUST_NOT_EXCEED_DEBITS)

