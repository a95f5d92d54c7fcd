"""The switch: participants, their liquidity and net debit caps, and two-phase ILP transfers.

Each participant (a bank, a mobile-money operator, a microfinance institution, an FX provider)
has, per currency, two journal accounts:

    <fsp>/<ccy>/settlement   its liquidity held at the settlement bank (funds in and out);
                             it may never go below zero
    <fsp>/<ccy>/position     what it has sent minus what it has received since the last
                             settlement: debited by its transfers out, credited by those in

A transfer is prepared (the amount is reserved on the payer's position against the payee's),
then committed when the payee presents the fulfilment whose SHA-256 is the condition, or
aborted: rejected by the payee, an invalid fulfilment, or its expiry. Before reserving, the
payer's position plus the amount must stay within its liquidity (else 4001) and its net debit
cap (else 4200). The hub's own account per currency, `hub/<ccy>/reserve`, is the other side of
funds in and out, so the journal of every currency always sums to zero.

Requests are idempotent by id: an identical resend answers the transfer as it stands; the same
id with other terms is refused with 3106. Every operation is one database transaction.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.jcs import canonicalize
from baobab.core.money import check_currency
from baobab.pay.errors import FspiopError
from baobab.pay.journal import DEBITS_MUST_NOT_EXCEED_CREDITS, Journal
from baobab.pay.store import Database

RESERVED, COMMITTED, ABORTED = "RESERVED", "COMMITTED", "ABORTED"
FSP_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
TRANSFER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")  # FSPIOP uses UUIDs; ledger obligations add / and :
ILP_CONDITION = re.compile(r"^[A-Za-z0-9_-]{43}$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS switch_participants (
  fsp TEXT PRIMARY KEY, name TEXT NOT NULL, endpoint TEXT NOT NULL, active INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS switch_currencies (
  fsp TEXT NOT NULL, currency TEXT NOT NULL, net_debit_cap BIGINT NOT NULL, PRIMARY KEY (fsp, currency));
CREATE TABLE IF NOT EXISTS switch_transfers (
  id TEXT PRIMARY KEY, payer TEXT NOT NULL, payee TEXT NOT NULL, currency TEXT NOT NULL,
  amount BIGINT NOT NULL, condition TEXT NOT NULL, expiration TEXT NOT NULL, request_hash TEXT NOT NULL,
  state TEXT NOT NULL, fulfilment TEXT, error_code TEXT, prepared_at TEXT NOT NULL, completed_at TEXT,
  window_id BIGINT, gross INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS switch_transfers_open ON switch_transfers (state, expiration);
CREATE INDEX IF NOT EXISTS switch_transfers_window ON switch_transfers (window_id);
CREATE TABLE IF NOT EXISTS switch_acceptances (
  transfer_id TEXT PRIMARY KEY, payee TEXT NOT NULL, fulfilment TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS switch_windows (
  id BIGINT PRIMARY KEY, state TEXT NOT NULL, opened_at TEXT NOT NULL, closed_at TEXT, settled_at TEXT);
"""
OPEN, CLOSED, PENDING_SETTLEMENT, SETTLED = "OPEN", "CLOSED", "PENDING_SETTLEMENT", "SETTLED"


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def stamp(at: datetime) -> str:
    """RFC 3339 UTC with milliseconds, as FSPIOP DateTime."""
    if at.tzinfo is not timezone.utc:
        at = at.astimezone(timezone.utc)
    return at.isoformat(timespec="milliseconds")[:-6] + "Z"


def parse_stamp(text: str) -> datetime:
    try:
        at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except (TypeError, ValueError):
        raise FspiopError("3101", f"{text!r} is not a date-time") from None
    if at.tzinfo is None:
        raise FspiopError("3101", f"{text!r} has no time zone")
    return at


def condition_of(fulfilment: str) -> str:
    """The ILP condition a fulfilment satisfies: base64url(SHA-256(preimage)), no padding."""
    preimage = base64.urlsafe_b64decode(fulfilment + "=" * (-len(fulfilment) % 4))
    return base64.urlsafe_b64encode(hashlib.sha256(preimage).digest()).decode().rstrip("=")


@dataclass(frozen=True)
class Transfer:
    id: str
    payer: str
    payee: str
    currency: str
    amount: int
    condition: str
    expiration: str
    state: str
    fulfilment: str | None
    error_code: str | None
    prepared_at: str
    completed_at: str | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _net_debit(position: Any) -> int:
    """A position account's net debit: sent (reserved or committed) minus received (committed)."""
    return int(position.debits_pending + position.debits_posted - position.credits_posted)


_TRANSFER_COLUMNS = ("id, payer, payee, currency, amount, condition, expiration, state, fulfilment, error_code, "
                     "prepared_at, completed_at")


def _transfer(row: Any) -> Transfer:
    return Transfer(*row[:4], int(row[4]), *row[5:])


_STANDING, _OPEN_WINDOW = "switch.standing", "switch.open_window"


class Switch:
    def __init__(self, db: Database, *, gross_from: dict[str, int] | None = None) -> None:
        """`gross_from`: per currency, the amount from which a transfer settles gross, in real time,
        between the participants' settlement accounts at commit (as RTGS systems like SIRESS do)."""
        self.db = db
        self.journal = Journal(db)
        self.gross_from = dict(gross_from or {})
        db.script(SCHEMA)
        with db.atomic():
            if db.one("SELECT 1 FROM switch_windows") is None:
                db.run("INSERT INTO switch_windows (id, state, opened_at) VALUES (1, ?, ?)", (OPEN, stamp(now_utc())))

    # --- participants -------------------------------------------------------------------

    def add_participant(self, fsp: str, name: str, endpoint: str, currencies: dict[str, int]) -> None:
        """Join a participant with its callback endpoint and a net debit cap per currency."""
        if not FSP_ID.fullmatch(fsp or ""):
            raise FspiopError("3101", f"participant id {fsp!r} is not 1-32 of A-Z a-z 0-9 _ . -")
        if not currencies:
            raise FspiopError("3102", "a participant holds at least one currency")
        with self.db.atomic():
            if self.db.one("SELECT 1 FROM switch_participants WHERE fsp = ?", (fsp,)) is not None:
                raise FspiopError("3100", f"participant {fsp} already exists")
            self.db.run("INSERT INTO switch_participants (fsp, name, endpoint, active) VALUES (?, ?, ?, 1)",
                        (fsp, name, endpoint))
            self._changed()
            for currency, cap in currencies.items():
                self.add_currency(fsp, currency, cap)

    def add_currency(self, fsp: str, currency: str, net_debit_cap: int) -> None:
        check_currency(currency)
        self._check_amount(net_debit_cap, "net debit cap", allow_zero=True)
        with self.db.atomic():
            self._participant(fsp)
            self.journal.open_account(f"hub/{currency}/reserve", currency)
            self.journal.open_account(f"{fsp}/{currency}/settlement", currency, DEBITS_MUST_NOT_EXCEED_CREDITS)
            self.journal.open_account(f"{fsp}/{currency}/position", currency)
            self.db.run("INSERT INTO switch_currencies (fsp, currency, net_debit_cap) VALUES (?, ?, ?)",
                        (fsp, currency, net_debit_cap))
            self._changed()

    def set_net_debit_cap(self, fsp: str, currency: str, cap: int) -> None:
        self._check_amount(cap, "net debit cap", allow_zero=True)
        with self.db.atomic():
            self._cap(fsp, currency)
            self.db.run("UPDATE switch_currencies SET net_debit_cap = ? WHERE fsp = ? AND currency = ?", (cap, fsp, currency))
            self._changed()

    def set_endpoint(self, fsp: str, endpoint: str) -> None:
        """Where the participant's FSPIOP callbacks go from now on (the base URL of its API)."""
        with self.db.atomic():
            self._participant(fsp)
            self.db.run("UPDATE switch_participants SET endpoint = ? WHERE fsp = ?", (endpoint, fsp))

    def set_active(self, fsp: str, active: bool) -> None:
        with self.db.atomic():
            self._participant(fsp)
            self.db.run("UPDATE switch_participants SET active = ? WHERE fsp = ?", (int(active), fsp))
            self._changed()

    def fund(self, movement_id: str, fsp: str, currency: str, amount: int, *, at: datetime | None = None) -> None:
        """Funds in: liquidity the participant has placed at the settlement bank."""
        self._check_amount(amount, "amount")
        with self.db.atomic():
            self._cap(fsp, currency)
            self.journal.transfer(f"fund/{movement_id}", f"hub/{currency}/reserve", f"{fsp}/{currency}/settlement",
                                  amount, stamp(at or now_utc()), memo="funds in")

    def withdraw(self, movement_id: str, fsp: str, currency: str, amount: int, *, at: datetime | None = None) -> None:
        """Funds out: never below what covers the participant's current position (else 4001)."""
        self._check_amount(amount, "amount")
        with self.db.atomic():
            self._cap(fsp, currency)
            if self.journal.balance(f"{fsp}/{currency}/settlement").available - amount < max(self.position(fsp, currency), 0):
                raise FspiopError("4001", f"{fsp} would no longer cover its position in {currency}")
            self.journal.transfer(f"withdraw/{movement_id}", f"{fsp}/{currency}/settlement", f"hub/{currency}/reserve",
                                  amount, stamp(at or now_utc()), memo="funds out")

    def withdraw_prepare(self, movement_id: str, fsp: str, currency: str, amount: int, *, at: datetime | None = None) -> None:
        """Funds out in two phases (as the settlement bank confirms them): reserve the amount out of
        the liquidity now, never below what covers the position (4001); commit or abort later.
        A resend of the same reservation changes nothing; the same id with other terms is 3106."""
        self._check_amount(amount, "amount")
        with self.db.atomic():
            self._cap(fsp, currency)
            settlement = f"{fsp}/{currency}/settlement"
            row = self.db.one("SELECT debit, amount FROM journal_transfers WHERE id = ?", (f"withdraw/{movement_id}",))
            if row is not None:
                if (row[0], int(row[1])) != (settlement, amount):
                    raise FspiopError("3106", f"funds out {movement_id} was reserved with other terms")
                return
            if self.journal.balance(settlement).available - amount < max(self.position(fsp, currency), 0):
                raise FspiopError("4001", f"{fsp} would no longer cover its position in {currency}")
            self.journal.transfer(f"withdraw/{movement_id}", settlement, f"hub/{currency}/reserve", amount,
                                  stamp(at or now_utc()), pending=True, memo="funds out (reserved)")

    def withdraw_finish(self, movement_id: str, fsp: str, *, commit: bool) -> None:
        """The settlement bank has paid the reserved funds out (commit) or not (abort: released)."""
        with self.db.atomic():
            row = self.db.one("SELECT debit, state FROM journal_transfers WHERE id = ?", (f"withdraw/{movement_id}",))
            if row is None or not str(row[0]).startswith(f"{fsp}/"):
                raise FspiopError("3200", f"no funds out {movement_id} for {fsp}")
            if row[1] != "pending":
                raise FspiopError("3100", f"funds out {movement_id} is already {row[1]}")
            (self.journal.post if commit else self.journal.void)(f"withdraw/{movement_id}")

    def liquidity(self, fsp: str, currency: str) -> int:
        return self.journal.balance(f"{fsp}/{currency}/settlement").net_credit

    def position(self, fsp: str, currency: str) -> int:
        """Net debit: sent (reserved or committed) minus received (committed)."""
        return _net_debit(self.journal.balance(f"{fsp}/{currency}/position"))

    # --- transfers ----------------------------------------------------------------------

    def prepare(self, request: dict[str, Any], *, source: str, at: datetime | None = None) -> Transfer:
        """POST /transfers: reserve the amount on the payer's position. `source` is the
        authenticated payer FSP. A resend with the same terms answers the transfer as it stands."""
        now = at or now_utc()
        transfer_id, payer, payee, currency, amount, condition, expiration = self._terms(request)
        if source != payer:
            raise FspiopError("3100", f"FSPIOP-Source {source} is not the payer FSP {payer}")
        if payer == payee:
            raise FspiopError("3100", "payer and payee FSP are the same participant")
        request_hash = hashlib.sha256(canonicalize(request)).hexdigest()
        with self.db.atomic():
            row = self.db.one(f"SELECT {_TRANSFER_COLUMNS}, request_hash FROM switch_transfers WHERE id = ?", (transfer_id,))
            if row is not None:
                if row[-1] != request_hash:
                    raise FspiopError("3106", f"transfer {transfer_id} was prepared with other terms")
                return _transfer(row[:-1])
            if parse_stamp(expiration) <= now:
                raise FspiopError("3303", f"transfer {transfer_id} expired at {expiration}")
            cap = {}
            for fsp, code in ((payer, "3202"), (payee, "3203")):
                standing = self._standing(fsp, currency)
                if standing is None:
                    raise FspiopError(code, f"{fsp} is not a participant in {currency}")
                if not standing[0]:
                    raise FspiopError("4400" if fsp == payer else "5400", f"participant {fsp} is inactive")
                cap[fsp] = standing[1]
            debit, credit = f"{payer}/{currency}/position", f"{payee}/{currency}/position"
            position, settlement, _ = self.journal.balances(debit, f"{payer}/{currency}/settlement", credit)
            after = _net_debit(position) + amount
            if after > settlement.available:
                raise FspiopError("4001", f"{payer} lacks the liquidity in {currency}")
            if after > cap[payer]:
                raise FspiopError("4200", f"{payer} would exceed its net debit cap in {currency}")
            prepared_at = stamp(now)
            self.journal.transfer(f"transfer/{transfer_id}", debit, credit, amount, prepared_at, pending=True, memo="prepare")
            self.db.run("INSERT INTO switch_transfers (id, payer, payee, currency, amount, condition, expiration, "
                        "request_hash, state, prepared_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (transfer_id, payer, payee, currency, amount, condition, expiration, request_hash, RESERVED, prepared_at))
            return Transfer(transfer_id, payer, payee, currency, amount, condition, expiration, RESERVED, None, None,
                            prepared_at, None)

    def fulfil(self, transfer_id: str, fulfilment: str, *, source: str, at: datetime | None = None) -> Transfer:
        """PUT /transfers/{id} by the payee FSP: commit if SHA-256(fulfilment) is the condition,
        else abort (3100). A transfer past its expiry is aborted (3303), never committed."""
        now = at or now_utc()
        with self.db.atomic():
            t = self._for_party(transfer_id, source)
            if source != t.payee:
                raise FspiopError("3100", f"only the payee FSP {t.payee} fulfils transfer {transfer_id}")
            if t.state == COMMITTED and t.fulfilment == fulfilment:
                return t  # a resend of the same fulfilment
            if t.state != RESERVED:
                raise FspiopError("3303" if t.error_code == "3303" else "3100", f"transfer {transfer_id} is {t.state}")
            if parse_stamp(t.expiration) <= now:
                failure = FspiopError("3303", f"transfer {transfer_id} expired at {t.expiration}")
            elif not isinstance(fulfilment, str) or not ILP_CONDITION.fullmatch(fulfilment) or condition_of(fulfilment) != t.condition:
                failure = FspiopError("3100", "the fulfilment does not match the transfer's condition")
            else:
                return self._commit(t, fulfilment, now)
            self._abort(t, failure.code, now)
        raise failure  # after the abort has committed: both parties are told why

    def reject(self, transfer_id: str, error_code: str, *, source: str, at: datetime | None = None) -> Transfer:
        """PUT /transfers/{id}/error by the payee FSP (or a PUT with state ABORTED): release the reservation."""
        with self.db.atomic():
            t = self._for_party(transfer_id, source)
            if source != t.payee:
                raise FspiopError("3100", f"only the payee FSP {t.payee} rejects transfer {transfer_id}")
            if t.state != RESERVED:
                raise FspiopError("3100", f"transfer {transfer_id} is {t.state}")
            self._abort(t, error_code, at or now_utc())
            return self._require(transfer_id)

    def expire(self, at: datetime | None = None) -> list[Transfer]:
        """Abort every reserved transfer past its expiry (3303); both parties are then told."""
        now = at or now_utc()
        expired = []
        with self.db.atomic():
            for (transfer_id,) in self.db.all("SELECT id FROM switch_transfers WHERE state = ?", (RESERVED,)):
                t = self._require(transfer_id)
                if parse_stamp(t.expiration) <= now:
                    self._abort(t, "3303", now)
                    expired.append(self._require(transfer_id))
        return expired

    def get(self, transfer_id: str, *, source: str) -> Transfer:
        """GET /transfers/{id}: answered to the payer and payee FSPs only (3208 to anyone else)."""
        return self._for_party(transfer_id, source)

    def positions(self) -> list[dict[str, Any]]:
        """Every participant's standing per currency, for the operator: liquidity placed, net debit
        position (reserved and committed), net debit cap, and what it may still send."""
        rows = []
        for fsp, name, active, currency, cap in self.db.all(
                "SELECT p.fsp, p.name, p.active, c.currency, c.net_debit_cap FROM switch_participants p "
                "JOIN switch_currencies c ON c.fsp = p.fsp ORDER BY p.fsp, c.currency"):
            position, settlement = self.journal.balances(f"{fsp}/{currency}/position", f"{fsp}/{currency}/settlement")
            net, liquidity = _net_debit(position), settlement.net_credit
            rows.append({"fsp": fsp, "name": name, "active": bool(active), "currency": currency, "liquidity": liquidity,
                         "position": net, "net_debit_cap": int(cap), "headroom": max(min(int(cap), liquidity) - net, 0)})
        return rows

    def accept_in_advance(self, transfer_id: str, payee: str, fulfilment: str) -> None:
        """The payee FSP agrees beforehand to receive transfer `transfer_id` (an obligation on the
        ledger it can read): the payer's side fulfils with this fulfilment as soon as it has
        reserved the amount. Idempotent; another payee for the same id is refused."""
        if not isinstance(fulfilment, str) or not ILP_CONDITION.fullmatch(fulfilment):
            raise FspiopError("3101", "a fulfilment is 43 characters of base64url")
        with self.db.atomic():
            self._participant(payee)
            row = self.db.one("SELECT payee FROM switch_acceptances WHERE transfer_id = ?", (transfer_id,))
            if row is None:
                self.db.run("INSERT INTO switch_acceptances (transfer_id, payee, fulfilment) VALUES (?, ?, ?)",
                            (transfer_id, payee, fulfilment))
            elif row[0] != payee:
                raise FspiopError("3100", f"transfer {transfer_id} was accepted by {row[0]}")

    def accepted(self, transfer_id: str, payee: str) -> str | None:
        """The fulfilment `payee` gave in advance for `transfer_id`, if it did."""
        row = self.db.one("SELECT fulfilment FROM switch_acceptances WHERE transfer_id = ? AND payee = ?", (transfer_id, payee))
        return None if row is None else str(row[0])

    # --- settlement ---------------------------------------------------------------------

    def windows(self, limit: int = 10) -> list[dict[str, Any]]:
        """The most recent settlement windows, newest first."""
        return [dict(zip(("id", "state", "opened_at", "closed_at", "settled_at"), row)) for row in self.db.all(
            "SELECT id, state, opened_at, closed_at, settled_at FROM switch_windows ORDER BY id DESC LIMIT ?", (limit,))]

    def close_window(self, *, at: datetime | None = None) -> int:
        """Close the open settlement window (its transfers are now settled together) and open the
        next; returns the closed window's id."""
        now = stamp(at or now_utc())
        with self.db.atomic():
            closing = self._open_window()
            self.db.run("UPDATE switch_windows SET state = ?, closed_at = ? WHERE id = ?", (CLOSED, now, closing))
            self.db.run("INSERT INTO switch_windows (id, state, opened_at) VALUES (?, ?, ?)", (closing + 1, OPEN, now))
            self._changed()
            return closing

    def window(self, window_id: int) -> dict[str, Any]:
        row = self.db.one("SELECT id, state, opened_at, closed_at, settled_at FROM switch_windows WHERE id = ?", (window_id,))
        if row is None:
            raise FspiopError("3200", f"no settlement window {window_id}")
        return dict(zip(("id", "state", "opened_at", "closed_at", "settled_at"), row))

    def settlement_report(self, window_id: int) -> list[dict[str, Any]]:
        """Per participant and currency: what it sent and received in the window, and its net
        position (positive: it owes the others; the nets of a currency sum to zero)."""
        self.window(window_id)
        nets: dict[tuple[str, str], dict[str, Any]] = {}
        for payer, payee, currency, amount in self.db.all(
                "SELECT payer, payee, currency, amount FROM switch_transfers WHERE window_id = ? AND state = ?",
                (window_id, COMMITTED)):
            for fsp, side in ((payer, "sent"), (payee, "received")):
                row = nets.setdefault((fsp, currency), {"fsp": fsp, "currency": currency, "sent": 0, "received": 0,
                                                        "transfers": 0})
                row[side] += int(amount)
                row["transfers"] += 1
        report = [{**r, "net": r["sent"] - r["received"]} for _, r in sorted(nets.items())]
        return report

    def window_transfers(self, window_id: int) -> list[tuple[str, str, str, int]]:
        """The window's committed transfers in the order they completed: (payer, payee, currency,
        amount), from which the operator's page draws each position over the window."""
        return [(str(a), str(b), str(c), int(m)) for a, b, c, m in self.db.all(
            "SELECT payer, payee, currency, amount FROM switch_transfers WHERE window_id = ? AND state = ? "
            "ORDER BY completed_at, id", (window_id, COMMITTED))]

    def start_settlement(self, window_id: int) -> list[dict[str, Any]]:
        """A closed window goes to the settlement bank: PENDING_SETTLEMENT, with its report."""
        with self.db.atomic():
            if self.window(window_id)["state"] != CLOSED:
                raise FspiopError("3100", f"window {window_id} is not closed")
            self.db.run("UPDATE switch_windows SET state = ? WHERE id = ?", (PENDING_SETTLEMENT, window_id))
            return self.settlement_report(window_id)

    def settle(self, window_id: int, *, at: datetime | None = None) -> list[dict[str, Any]]:
        """The settlement bank has moved the nets: each participant's position returns toward zero
        and its liquidity moves by its net, in one transaction; the window is SETTLED."""
        now = stamp(at or now_utc())
        with self.db.atomic():
            if self.window(window_id)["state"] != PENDING_SETTLEMENT:
                raise FspiopError("3100", f"window {window_id} is not pending settlement")
            report = self.settlement_report(window_id)
            for row in report:
                fsp, currency, net = row["fsp"], row["currency"], row["net"]
                settlement, position = f"{fsp}/{currency}/settlement", f"{fsp}/{currency}/position"
                if net > 0:  # a net payer's liquidity pays what its position owes
                    self.journal.transfer(f"settle/{window_id}/{fsp}/{currency}", settlement, position, net, now, memo="net settlement")
                elif net < 0:
                    self.journal.transfer(f"settle/{window_id}/{fsp}/{currency}", position, settlement, -net, now, memo="net settlement")
            self.db.run("UPDATE switch_windows SET state = ?, settled_at = ? WHERE id = ?", (SETTLED, now, window_id))
            return report

    # --- checks -------------------------------------------------------------------------

    def reconcile(self) -> list[str]:
        """Disagreements between the journal's totals, its transfers and the switch's transfers."""
        problems = []
        self.journal.flush()
        replayed = self.journal.replayed_balances()
        for account, currency, *totals in self.db.all(
                "SELECT id, currency, debits_pending, debits_posted, credits_pending, credits_posted FROM journal_accounts"):
            expected = replayed.get(account, dict.fromkeys(("debits_pending", "debits_posted", "credits_pending", "credits_posted"), 0))
            if list(expected.values()) != [int(t) for t in totals]:
                problems.append(f"account {account}: totals {totals} but its transfers give {list(expected.values())}")
        for (currency,) in self.db.all("SELECT DISTINCT currency FROM journal_accounts"):
            t = self.journal.totals(currency)
            if t["debits_posted"] != t["credits_posted"] or t["debits_pending"] != t["credits_pending"]:
                problems.append(f"{currency}: debits and credits differ {t}")
        states = {"RESERVED": "pending", "COMMITTED": "posted", "ABORTED": "voided"}
        for transfer_id, state in self.db.all("SELECT id, state FROM switch_transfers"):
            row = self.db.one("SELECT state FROM journal_transfers WHERE id = ?", (f"transfer/{transfer_id}",))
            if row is None or row[0] != states[state]:
                problems.append(f"transfer {transfer_id} is {state} but its journal entry is {row and row[0]}")
        return problems

    # --- helpers ------------------------------------------------------------------------

    def _terms(self, r: Any) -> tuple[str, str, str, str, int, str, str]:
        if not isinstance(r, dict):
            raise FspiopError("3101", "a transfer is a JSON object")
        for name in ("transferId", "payerFsp", "payeeFsp", "amount", "condition", "expiration"):
            if name not in r:
                raise FspiopError("3102", f"{name} is missing")
        amount = r["amount"]
        if not isinstance(amount, dict) or not isinstance(amount.get("currency"), str) or not isinstance(amount.get("minor"), int):
            raise FspiopError("3101", "amount is {currency, minor} in the switch core")
        transfer_id, condition = r["transferId"], r["condition"]
        if not isinstance(transfer_id, str) or not TRANSFER_ID.fullmatch(transfer_id):
            raise FspiopError("3101", f"transferId {transfer_id!r} is not an id")
        if not isinstance(condition, str) or not ILP_CONDITION.fullmatch(condition):
            raise FspiopError("3101", "condition is 43 characters of base64url (SHA-256)")
        if not isinstance(r["expiration"], str):
            raise FspiopError("3101", "expiration is a date-time")
        parse_stamp(r["expiration"])
        try:
            check_currency(amount["currency"])
        except BaobabError:
            raise FspiopError("3101", f"{amount['currency']!r} is not an ISO 4217 currency") from None
        self._check_amount(amount["minor"], "amount")
        return transfer_id, str(r["payerFsp"]), str(r["payeeFsp"]), amount["currency"], amount["minor"], condition, r["expiration"]

    @staticmethod
    def _check_amount(value: Any, name: str, *, allow_zero: bool = False) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or value < 0 or (value == 0 and not allow_zero):
            raise FspiopError("3101", f"{name} is a {'non-negative' if allow_zero else 'positive'} integer in minor units")

    def _participant(self, fsp: str) -> None:
        if self.db.one("SELECT 1 FROM switch_participants WHERE fsp = ?", (fsp,)) is None:
            raise FspiopError("3200", f"no participant {fsp}")

    def _cap(self, fsp: str, currency: str) -> int:
        row = self.db.one("SELECT net_debit_cap FROM switch_currencies WHERE fsp = ? AND currency = ?", (fsp, currency))
        if row is None:
            raise FspiopError("3200", f"{fsp} holds no {currency} position")
        return int(row[0])

    def _commit(self, t: Transfer, fulfilment: str, now: datetime) -> Transfer:
        self.journal.post(f"transfer/{t.id}")
        gross = t.amount >= self.gross_from.get(t.currency, 2**63)
        if gross:  # settle now: the payee's claim is paid out of the payer's liquidity at once
            at = stamp(now)
            self.journal.transfer(f"gross/{t.id}/payer", f"{t.payer}/{t.currency}/settlement",
                                  f"{t.payer}/{t.currency}/position", t.amount, at, memo="gross settlement")
            self.journal.transfer(f"gross/{t.id}/payee", f"{t.payee}/{t.currency}/position",
                                  f"{t.payee}/{t.currency}/settlement", t.amount, at, memo="gross settlement")
        window = None if gross else self._open_window()
        completed_at = stamp(now)
        self.db.run("UPDATE switch_transfers SET state = ?, fulfilment = ?, completed_at = ?, window_id = ?, gross = ? "
                    "WHERE id = ?", (COMMITTED, fulfilment, completed_at, window, int(gross), t.id))
        return Transfer(t.id, t.payer, t.payee, t.currency, t.amount, t.condition, t.expiration, COMMITTED, fulfilment,
                        t.error_code, t.prepared_at, completed_at)

    def _open_window(self) -> int:
        cache = self.db.tx_cache
        if _OPEN_WINDOW not in cache:
            row = self.db.one("SELECT id FROM switch_windows WHERE state = ?", (OPEN,))
            assert row is not None, "one settlement window is always open"
            cache[_OPEN_WINDOW] = int(row[0])
        return int(cache[_OPEN_WINDOW])

    def _standing(self, fsp: str, currency: str) -> tuple[bool, int] | None:
        """(active, net debit cap) of a participant in a currency, None if it holds none: read
        once per transaction (a batch of transfers asks it again and again)."""
        cache, key = self.db.tx_cache, (_STANDING, fsp, currency)
        if key not in cache:
            row = self.db.one("SELECT p.active, c.net_debit_cap FROM switch_participants p JOIN switch_currencies c "
                              "ON c.fsp = p.fsp AND c.currency = ? WHERE p.fsp = ?", (currency, fsp))
            cache[key] = None if row is None else (bool(row[0]), int(row[1]))
        return cache[key]  # type: ignore[no-any-return]

    def _changed(self) -> None:
        """A participant's standing or the open window changed: what the transaction read of them is gone."""
        self.db.tx_cache.clear()

    def _abort(self, t: Transfer, error_code: str, now: datetime) -> None:
        self.journal.void(f"transfer/{t.id}")
        self.db.run("UPDATE switch_transfers SET state = ?, error_code = ?, completed_at = ? WHERE id = ?",
                    (ABORTED, error_code, stamp(now), t.id))

    def find(self, transfer_id: str) -> Transfer | None:
        """The transfer as stored, for the hub's own decisions (no party check: see `get`)."""
        row = self.db.one(f"SELECT {_TRANSFER_COLUMNS} FROM switch_transfers WHERE id = ?", (transfer_id,))
        return None if row is None else _transfer(row)

    def _require(self, transfer_id: str) -> Transfer:
        found = self.find(transfer_id)
        if found is None:
            raise FspiopError("3208", f"no transfer {transfer_id}")
        return found

    def _for_party(self, transfer_id: str, source: str) -> Transfer:
        t = self.find(transfer_id)
        if t is None or source not in (t.payer, t.payee):  # a third party learns nothing
            raise FspiopError("3208", f"no transfer {transfer_id}")
        return t
