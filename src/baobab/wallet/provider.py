"""A mobile-money provider's books: wallets identified by phone number, KYC tiers, PINs, agents
with e-float and cash, and every movement a balanced journal entry.

    p = Provider(db, scheme("NG"), tariff)
    p.register("+2348031234567", "Ada Obi", tier=1, by="agent-17")
    p.issue_float("agent-17", 500_000_00, reference="bank slip 991")    # the agent bought e-float
    p.cash_in("agent-17", "+2348031234567", 20_000_00)                  # cash for e-money
    p.send("+2348031234567", "+2348059876543", 5_000_00, pin="2468")
    p.cash_out("agent-17", "+2348059876543", 2_000_00, pin="1357")     # fee to the provider, commission to the agent

Accounts (one currency, the scheme's): `wallet/<msisdn>` and `agent/<id>/float` may not go below
zero; `agent/<id>/cash` is the cash in the agent's drawer and `cash/customers` the cash in
customers' hands, so a cash-in or cash-out is two entries (e-money one way, cash the other) and
an agent's float plus cash changes only by commissions and rebalancing. `issuance` is the e-money
the provider has issued against its trust account; `fees` its revenue.

Every check (tier limits, balance, PIN) is made inside the movement's own transaction: a refused
movement writes nothing.
"""

from __future__ import annotations

import functools
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo

import phonenumbers
from argon2 import PasswordHasher
from argon2.exceptions import VerificationError

from baobab.core.errors import BaobabError, register_codes
from baobab.core.money import format_amount
from baobab.wallet import sms
from baobab.wallet.kyc import Scheme, Tier
from baobab.pay.journal import DEBITS_MUST_NOT_EXCEED_CREDITS, Balance, Journal, LimitExceeded
from baobab.pay.store import Database

register_codes({
    "BAD_PHONE": (422, "Not a valid phone number for this provider's country"),
    "WALLET_EXISTS": (409, "A wallet already exists for this phone number"),
    "NO_WALLET": (404, "No wallet for this phone number"),
    "WALLET_LOCKED": (423, "Wallet locked after too many wrong PINs"),
    "WRONG_PIN": (401, "Wrong PIN"),
    "BAD_PIN": (422, "A PIN is 4 to 6 digits"),
    "LIMIT_SINGLE": (422, "More than the wallet's tier allows in one movement"),
    "LIMIT_DAILY": (422, "More than the wallet's tier allows in a day"),
    "LIMIT_MONTHLY": (422, "More than the wallet's tier allows in a month"),
    "LIMIT_BALANCE": (422, "The wallet would hold more than its tier allows"),
    "INSUFFICIENT_FUNDS": (422, "Not enough money in the account"),
    "NO_AGENT": (404, "No such agent"),
    "BAD_AMOUNT": (422, "An amount is a positive integer in minor units"),
    "MISSING_EVIDENCE": (422, "The tier needs evidence that was not recorded"),
    "NO_REQUEST": (404, "Nothing waits for this wallet's approval"),
    "NOT_REVERSIBLE": (409, "Only a payment between two wallets, not yet reversed, can be reversed"),
    "HELD_FOR_REVIEW": (202, "Held for the provider's compliance review: a party matched the sanctions list"),
    "NO_HOLD": (404, "No held payment waits for review under this id"),
    "LIMIT_AGENT": (422, "More cash than the agent may handle in one movement or in a day"),
    "LIMIT_VELOCITY": (429, "More payments out of the wallet within an hour than the provider allows"),
    "BAD_BILL_REFERENCE": (422, "A bill is paid with the reference the biller gave (1 to 40 letters, digits, - or /)"),
    "BAD_DATE": (422, "A date is written YYYY-MM-DD"),
    "BILL_EXISTS": (409, "The biller has already presented a bill under this reference"),
    "NO_BILL": (404, "No such bill presented by this biller"),
    "BILL_PAID": (409, "The bill is already paid in full"),
    "BILL_OVERPAID": (422, "More than the amount still due on the bill"),
    "BILL_MINIMUM": (422, "Less than the bill's minimum payment; the biller takes no partial payment below it"),
    "CONFIRMED_MATCH": (409, "A party of this held payment is a confirmed sanctions match: it can only be refused"),
})

PIN_ATTEMPTS = 3
BILL_REFERENCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9/-]{0,39}")
BILL_PAYMENT = re.compile(r"bill (\S+) (\S+)")  # a bill payment's movement reference: "bill <biller code> <bill reference>"
SCHEMA = """
CREATE TABLE IF NOT EXISTS momo_wallets (
  msisdn TEXT PRIMARY KEY, name TEXT NOT NULL, tier INTEGER NOT NULL, pin_hash TEXT, language TEXT NOT NULL DEFAULT 'en',
  pin_failures INTEGER NOT NULL DEFAULT 0, registered_by TEXT NOT NULL, registered_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS momo_tier_changes (
  msisdn TEXT NOT NULL, from_tier INTEGER NOT NULL, to_tier INTEGER NOT NULL, evidence TEXT NOT NULL,
  by TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS momo_merchants (
  till TEXT PRIMARY KEY, msisdn TEXT NOT NULL, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS momo_billers (
  code TEXT PRIMARY KEY, msisdn TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS momo_bills (
  biller TEXT NOT NULL, reference TEXT NOT NULL, msisdn TEXT NOT NULL, amount BIGINT NOT NULL, minimum BIGINT NOT NULL,
  paid BIGINT NOT NULL DEFAULT 0, due TEXT NOT NULL, description TEXT NOT NULL, presented_at TEXT NOT NULL,
  PRIMARY KEY (biller, reference));
CREATE INDEX IF NOT EXISTS momo_bills_by_customer ON momo_bills (msisdn, presented_at);
CREATE TABLE IF NOT EXISTS momo_cash_out_requests (
  msisdn TEXT PRIMARY KEY, agent TEXT NOT NULL, amount BIGINT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS momo_interop (
  transfer_id TEXT PRIMARY KEY, direction TEXT NOT NULL, msisdn TEXT NOT NULL, amount BIGINT NOT NULL,
  state TEXT NOT NULL, movement TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS momo_reversals (
  movement TEXT PRIMARY KEY, reason TEXT NOT NULL, state TEXT NOT NULL, requested_at TEXT NOT NULL, reversal TEXT);
CREATE TABLE IF NOT EXISTS momo_agents (
  agent TEXT PRIMARY KEY, name TEXT NOT NULL, super_agent TEXT);
CREATE TABLE IF NOT EXISTS momo_usage (
  msisdn TEXT NOT NULL, day TEXT NOT NULL, amount BIGINT NOT NULL, movement TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS momo_usage_by_day ON momo_usage (msisdn, day);
CREATE TABLE IF NOT EXISTS momo_agent_limits (
  agent TEXT PRIMARY KEY, per_movement BIGINT, per_day BIGINT);
CREATE TABLE IF NOT EXISTS momo_screening (
  msisdn TEXT PRIMARY KEY, match TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL, decided_by TEXT);
CREATE TABLE IF NOT EXISTS momo_holds (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, payer TEXT, payee TEXT, agent TEXT, amount BIGINT NOT NULL, reference TEXT,
  reason TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL, movement TEXT, decided_by TEXT, note TEXT);
CREATE TABLE IF NOT EXISTS momo_aliases (
  alias TEXT PRIMARY KEY, msisdn TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS momo_movements (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, payer TEXT, payee TEXT, agent TEXT, amount BIGINT NOT NULL,
  fee BIGINT NOT NULL, commission BIGINT NOT NULL, day TEXT NOT NULL, at TEXT NOT NULL, reference TEXT);
"""


@dataclass(frozen=True)
class Tariff:
    """Fees the customer pays by band (the first band whose `up_to` covers the amount) and the
    share of each fee, in basis points, that the agent who served it earns as commission."""
    send: tuple[tuple[int, int], ...]       # (up_to, fee) for wallet-to-wallet
    cash_out: tuple[tuple[int, int], ...]   # (up_to, fee) for cash-out at an agent
    agent_share_bp: int = 5_000

    @staticmethod
    def fee(bands: tuple[tuple[int, int], ...], amount: int) -> int:
        for up_to, fee in bands:
            if amount <= up_to:
                return fee
        return bands[-1][1] if bands else 0


Screen = Callable[[str], "dict[str, Any] | None"]  # a customer's name -> its sanctions-list match, or None
HoldDecided = Callable[[str, "str | None", "BaobabError | None"], None]  # (hold id, movement, refusal)


class Provider:
    def __init__(self, db: Database, scheme: Scheme, tariff: Tariff, *, hasher: PasswordHasher | None = None,
                 screen: Screen | None = None, payments_per_hour: int | None = None) -> None:
        """`screen` checks each new customer's name against the operator's sanctions list
        (`baobab.compliance.sanctions`); movements touching a customer who matched are held.
        `payments_per_hour`: the velocity limit, payments out of one wallet within an hour (None: none)."""
        self.db, self.scheme, self.tariff, self.screen = db, scheme, tariff, screen
        self.payments_per_hour = payments_per_hour
        self.hold_listeners: list[HoldDecided] = []  # told when a held payment is released or refused
        self.journal = Journal(db)
        self.hasher = hasher or PasswordHasher()
        self.zone = ZoneInfo(scheme.timezone)
        self._tiers = {t.level: t for t in scheme.tiers}
        db.script(SCHEMA)
        db.script(sms.SCHEMA)
        if payments_per_hour is not None:  # only a provider that counts them pays for the index
            db.script("CREATE INDEX IF NOT EXISTS momo_movements_by_payer ON momo_movements (payer, at);")
        with db.atomic():
            for account, flags in (("issuance", 0), ("fees", 0), ("cash/customers", 0), ("interop/outgoing", 0),
                                   ("interop/switch", 0), ("interop/suspense", 0)):
                self.journal.open_account(account, scheme.currency, flags)

    # --- wallets ------------------------------------------------------------------------

    def msisdn(self, phone: str) -> str:
        """The phone number in E.164, read as a number of the provider's country if no +country is given."""
        return _e164(phone, self.scheme.country) if isinstance(phone, str) else _parse_e164(phone, self.scheme.country)

    def register(self, phone: str, name: str, *, tier: int = 1, by: str, pin: str | None = None,
                 at: datetime | None = None) -> str:
        msisdn, level = self.msisdn(phone), self.scheme.tier(tier).level
        with self.db.atomic():
            if self._wallet(msisdn) is not None:
                raise BaobabError("WALLET_EXISTS", f"{msisdn} already has a wallet")
            self.db.run("INSERT INTO momo_wallets (msisdn, name, tier, pin_hash, registered_by, registered_at) "
                        "VALUES (?, ?, ?, ?, ?, ?)", (msisdn, name, level, self._pin_hash(pin), by, _stamp(at)))
            self.journal.open_account(f"wallet/{msisdn}", self.scheme.currency, DEBITS_MUST_NOT_EXCEED_CREDITS)
            match = self.screen(name) if self.screen else None
            if match:
                self.db.run("INSERT INTO momo_screening (msisdn, match, state, at) VALUES (?, ?, 'hit', ?)",
                            (msisdn, json.dumps(match, sort_keys=True), _stamp(at)))
        return msisdn

    def customers(self, limit: int = 200) -> list[dict[str, Any]]:
        """The wallets, newest first: number, name, tier, balance, locked, registered by/at."""
        rows = self.db.all("SELECT msisdn, name, tier, pin_failures, registered_by, registered_at FROM momo_wallets "
                           "ORDER BY registered_at DESC, msisdn LIMIT ?", (limit,))
        return [{"msisdn": r[0], "name": r[1], "tier": r[2], "locked": r[3] >= PIN_ATTEMPTS, "registered_by": r[4],
                 "registered_at": r[5], "balance": {"currency": self.scheme.currency, "minor": self.balance(r[0])}} for r in rows]

    def is_agent(self, agent: str) -> bool:
        return self.db.one("SELECT 1 FROM momo_agents WHERE agent = ?", (agent,)) is not None

    def has_wallet(self, phone: str) -> bool:
        return self._wallet(self.msisdn(phone)) is not None

    def language(self, phone: str) -> str:
        """The language the holder reads (USSD menus, SMS receipts)."""
        return str(self._require_wallet(self.msisdn(phone))["language"])

    def set_language(self, phone: str, lang: str) -> None:
        msisdn = self.msisdn(phone)
        with self.db.atomic():
            self._require_wallet(msisdn)
            self.db.run("UPDATE momo_wallets SET language = ? WHERE msisdn = ?", (lang, msisdn))

    def set_pin(self, phone: str, pin: str) -> None:
        msisdn = self.msisdn(phone)
        with self.db.atomic():
            self._require_wallet(msisdn)
            self.db.run("UPDATE momo_wallets SET pin_hash = ?, pin_failures = 0 WHERE msisdn = ?", (self._pin_hash(pin), msisdn))

    def upgrade(self, phone: str, tier: int, evidence: dict[str, str], *, by: str, at: datetime | None = None) -> Tier:
        """Move a wallet to `tier`, recording the evidence checked (every item the tier needs)."""
        msisdn, target = self.msisdn(phone), self.scheme.tier(tier)
        missing = [e for e in target.evidence if not str(evidence.get(e, "")).strip()]
        if missing:
            raise BaobabError("MISSING_EVIDENCE", f"{target.name} needs {', '.join(missing)}", missing=missing)
        with self.db.atomic():
            wallet = self._require_wallet(msisdn)
            self.db.run("INSERT INTO momo_tier_changes (msisdn, from_tier, to_tier, evidence, by, at) VALUES (?, ?, ?, ?, ?, ?)",
                        (msisdn, wallet["tier"], target.level, json.dumps(evidence, sort_keys=True), by, _stamp(at)))
            self.db.run("UPDATE momo_wallets SET tier = ? WHERE msisdn = ?", (target.level, msisdn))
        return target

    def link_alias(self, phone: str, alias: str) -> None:
        """Another name payers use for this wallet (a farmer's GS1 party key on the ledger, so
        their phone number need not be written there). An alias names one wallet."""
        msisdn = self.msisdn(phone)
        with self.db.atomic():
            self._require_wallet(msisdn)
            row = self.db.one("SELECT msisdn FROM momo_aliases WHERE alias = ?", (alias,))
            if row is not None and row[0] != msisdn:
                raise BaobabError("WALLET_EXISTS", f"{alias} already names another wallet")
            if row is None:
                self.db.run("INSERT INTO momo_aliases (alias, msisdn) VALUES (?, ?)", (alias, msisdn))

    def account_of(self, reference: str) -> str | None:
        """The wallet a payee account reference names (its phone number or an alias), or None."""
        row = self.db.one("SELECT msisdn FROM momo_aliases WHERE alias = ?", (reference,))
        if row is not None:
            return str(row[0])
        try:
            return self.msisdn(reference) if reference.startswith("+") else None
        except BaobabError:
            return None

    def balance(self, phone: str) -> int:
        return self.journal.balance(f"wallet/{self.msisdn(phone)}").net_credit

    def wallet(self, phone: str) -> dict[str, Any]:
        msisdn = self.msisdn(phone)
        w = self._require_wallet(msisdn)
        return {"msisdn": msisdn, "name": w["name"], "tier": w["tier"], "locked": w["pin_failures"] >= PIN_ATTEMPTS,
                "balance": {"currency": self.scheme.currency, "minor": self.balance(msisdn)}}

    # --- agents -------------------------------------------------------------------------

    def add_agent(self, agent: str, name: str, *, super_agent: str | None = None) -> None:
        with self.db.atomic():
            if super_agent is not None:
                self._require_agent(super_agent)
            self.db.run("INSERT INTO momo_agents (agent, name, super_agent) VALUES (?, ?, ?)", (agent, name, super_agent))
            self.journal.open_account(f"agent/{agent}/float", self.scheme.currency, DEBITS_MUST_NOT_EXCEED_CREDITS)
            self.journal.open_account(f"agent/{agent}/cash", self.scheme.currency, DEBITS_MUST_NOT_EXCEED_CREDITS)

    def set_agent_limits(self, agent: str, *, per_movement: int | None, per_day: int | None) -> None:
        """The agent's own limits on the cash it hands over or takes (cash-in and cash-out together
        per day, in the scheme's time zone), checked inside each movement; None: no such limit."""
        self.db.script("CREATE INDEX IF NOT EXISTS momo_movements_by_agent ON momo_movements (agent, day);")
        with self.db.atomic():
            self._require_agent(agent)
            self.db.run("DELETE FROM momo_agent_limits WHERE agent = ?", (agent,))
            self.db.run("INSERT INTO momo_agent_limits (agent, per_movement, per_day) VALUES (?, ?, ?)",
                        (agent, per_movement, per_day))

    def issue_float(self, agent: str, amount: int, *, reference: str, at: datetime | None = None) -> str:
        """The agent paid `amount` into the provider's trust account: the same e-money is issued to its float."""
        with self.db.atomic():
            self._require_agent(agent)
            return self._record("float", amount, at, [("issuance", f"agent/{agent}/float", amount)], agent=agent,
                                reference=reference)

    def sub_agents(self, super_agent: str) -> list[dict[str, Any]]:
        """The agents whose float `super_agent` rebalances, each with its e-float now."""
        rows = self.db.all("SELECT agent, name FROM momo_agents WHERE super_agent = ? ORDER BY agent", (super_agent,))
        return [{"agent": r[0], "name": r[1], "float": {"currency": self.scheme.currency,
                                                        "minor": self.journal.balance(f"agent/{r[0]}/float").net_credit}}
                for r in rows]

    def rebalance(self, super_agent: str, agent: str, amount: int, *, at: datetime | None = None) -> str:
        """A super-agent passes e-float to one of its agents."""
        with self.db.atomic():
            if self._require_agent(agent)["super_agent"] != super_agent:
                raise BaobabError("NO_AGENT", f"{agent} is not an agent of {super_agent}")
            return self._record("rebalance", amount, at, [(f"agent/{super_agent}/float", f"agent/{agent}/float", amount)],
                                agent=agent)

    def cash_in(self, agent: str, phone: str, amount: int, *, at: datetime | None = None) -> str:
        """The customer hands cash to the agent; the agent's e-float becomes the customer's e-money."""
        msisdn = self.msisdn(phone)
        self.hold_if_screened("cash_in", None, msisdn, amount, at, agent=agent)
        with self.db.atomic():
            self._require_agent(agent)
            self._require_wallet(msisdn)
            return self._record("cash_in", amount, at, [(f"agent/{agent}/float", f"wallet/{msisdn}", amount),
                                                        ("cash/customers", f"agent/{agent}/cash", amount)],
                                payee=msisdn, agent=agent, limited=[msisdn])

    def cash_out(self, agent: str, phone: str, amount: int, *, pin: str, at: datetime | None = None) -> str:
        """The customer's e-money goes to the agent's float and the agent hands over cash; the fee
        goes to the provider, which pays the agent its share as commission."""
        msisdn = self.msisdn(phone)
        self._check_pin(msisdn, pin)
        self.hold_if_screened("cash_out", msisdn, None, amount, at, agent=agent)
        with self.db.atomic():
            return self._cash_out(agent, msisdn, amount, at)

    def _cash_out(self, agent: str, msisdn: str, amount: int, at: datetime | None) -> str:
        fee = Tariff.fee(self.tariff.cash_out, amount)
        commission = fee * self.tariff.agent_share_bp // 10_000
        self._require_agent(agent)
        entries = [(f"wallet/{msisdn}", f"agent/{agent}/float", amount), (f"agent/{agent}/cash", "cash/customers", amount)]
        entries += [(f"wallet/{msisdn}", "fees", fee)] if fee else []
        entries += [("fees", f"agent/{agent}/float", commission)] if commission else []
        return self._record("cash_out", amount, at, entries, payer=msisdn, agent=agent, fee=fee,
                            commission=commission, limited=[msisdn])

    def request_cash_out(self, agent: str, phone: str, amount: int, *, at: datetime | None = None) -> None:
        """The agent asks to pay the customer cash; the customer approves on the phone with the PIN
        (`approve_cash_out`). A new request replaces an earlier one."""
        msisdn = self.msisdn(phone)
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise BaobabError("BAD_AMOUNT", f"{amount!r} is not a positive amount in minor units")
        with self.db.atomic():
            self._require_agent(agent)
            self._require_wallet(msisdn)
            self.db.run("DELETE FROM momo_cash_out_requests WHERE msisdn = ?", (msisdn,))
            self.db.run("INSERT INTO momo_cash_out_requests (msisdn, agent, amount, at) VALUES (?, ?, ?, ?)",
                        (msisdn, agent, amount, _stamp(at)))

    def pending_cash_out(self, phone: str) -> dict[str, Any] | None:
        row = self.db.one("SELECT agent, amount FROM momo_cash_out_requests WHERE msisdn = ?", (self.msisdn(phone),))
        if row is None:
            return None
        return {"agent": row[0], "agent_name": self._require_agent(row[0])["name"],
                "amount": {"currency": self.scheme.currency, "minor": int(row[1])}}

    def approve_cash_out(self, phone: str, *, pin: str, at: datetime | None = None) -> str:
        """The customer approves the waiting request: paid once, the request gone in the same transaction."""
        msisdn = self.msisdn(phone)
        self._check_pin(msisdn, pin)
        waiting = self.pending_cash_out(msisdn)
        if waiting is not None:
            self.hold_if_screened("cash_out", msisdn, None, waiting["amount"]["minor"], at, agent=waiting["agent"])
        with self.db.atomic():
            pending = self.pending_cash_out(msisdn)
            if pending is None:
                raise BaobabError("NO_REQUEST", f"no cash-out waits for {msisdn}'s approval")
            self.db.run("DELETE FROM momo_cash_out_requests WHERE msisdn = ?", (msisdn,))
            return self._cash_out(pending["agent"], msisdn, pending["amount"]["minor"], at)

    # --- payments -----------------------------------------------------------------------

    def add_merchant(self, till: str, phone: str, name: str) -> None:
        """A merchant is paid into its own wallet under a short till number."""
        msisdn = self.msisdn(phone)
        with self.db.atomic():
            self._require_wallet(msisdn)
            self.db.run("INSERT INTO momo_merchants (till, msisdn, name) VALUES (?, ?, ?)", (till, msisdn, name))

    def merchant(self, till: str) -> dict[str, str]:
        row = self.db.one("SELECT msisdn, name FROM momo_merchants WHERE till = ?", (till,))
        if row is None:
            raise BaobabError("NO_WALLET", f"no merchant with till {till}")
        return {"till": till, "msisdn": row[0], "name": row[1]}

    def pay_merchant(self, payer: str, till: str, amount: int, *, pin: str, at: datetime | None = None) -> str:
        return self.send(payer, self.merchant(till)["msisdn"], amount, pin=pin, reference=f"till {till}", at=at)

    def add_biller(self, code: str, phone: str, name: str, *, kind: str = "utility") -> None:
        """A bill company (power, water, school fees...) is paid into its own wallet under a short
        biller code, each payment carrying the customer's reference at the biller (a meter or account number)."""
        msisdn = self.msisdn(phone)
        with self.db.atomic():
            self._require_wallet(msisdn)
            self.db.run("INSERT INTO momo_billers (code, msisdn, name, kind) VALUES (?, ?, ?, ?)", (code, msisdn, name, kind))

    def biller(self, code: str) -> dict[str, str]:
        row = self.db.one("SELECT msisdn, name, kind FROM momo_billers WHERE code = ?", (code,))
        if row is None:
            raise BaobabError("NO_WALLET", f"no biller with code {code}")
        return {"code": code, "msisdn": row[0], "name": row[1], "kind": row[2]}

    def billers(self) -> list[dict[str, str]]:
        return [self.biller(r[0]) for r in self.db.all("SELECT code FROM momo_billers ORDER BY code")]

    def present_bill(self, code: str, phone: str, reference: str, amount: int, *, due: str, description: str = "",
                     minimum: int | None = None, at: datetime | None = None) -> dict[str, Any]:
        """A biller presents a bill to its customer's wallet: `amount` due by `due` (an ISO date).
        Partial payments are taken down to `minimum` (None: the bill is paid in full at once);
        a last payment may always clear what is left."""
        if not BILL_REFERENCE.fullmatch(reference or ""):
            raise BaobabError("BAD_BILL_REFERENCE", f"{reference!r} is not a bill reference")
        for value in (amount, minimum if minimum is not None else amount):
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0 or value > amount:
                raise BaobabError("BAD_AMOUNT", "a bill's amount, and its minimum payment, are positive; the minimum at most the amount")
        try:
            day = date.fromisoformat(due).isoformat()
        except (TypeError, ValueError):
            raise BaobabError("BAD_DATE", f"{due!r} is not a date (YYYY-MM-DD)") from None
        msisdn = self.msisdn(phone)
        with self.db.atomic():
            self.biller(code)
            self._require_wallet(msisdn)
            if self.db.one("SELECT 1 FROM momo_bills WHERE biller = ? AND reference = ?", (code, reference)) is not None:
                raise BaobabError("BILL_EXISTS", f"{code} has already presented {reference}")
            self.db.run("INSERT INTO momo_bills (biller, reference, msisdn, amount, minimum, due, description, presented_at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (code, reference, msisdn, amount, amount if minimum is None else minimum,
                                                            day, description[:256], _stamp(at)))
        return self.bill(code, reference)

    def bill(self, code: str, reference: str) -> dict[str, Any]:
        row = self.db.one("SELECT biller, reference, msisdn, amount, minimum, paid, due, description, presented_at "
                          "FROM momo_bills WHERE biller = ? AND reference = ?", (code, reference))
        if row is None:
            raise BaobabError("NO_BILL", f"{code} presented no bill {reference}")
        return self._bill(row)

    def bills(self, phone: str | None = None, *, open_only: bool = True, limit: int = 200) -> list[dict[str, Any]]:
        """Bills presented to a customer (every customer's when `phone` is None), oldest first;
        `open_only`: those with something still due."""
        where = ["paid < amount"] if open_only else []
        args: list[Any] = []
        if phone is not None:
            where.append("msisdn = ?")
            args.append(self.msisdn(phone))
        rows = self.db.all("SELECT biller, reference, msisdn, amount, minimum, paid, due, description, presented_at FROM momo_bills"
                           + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY presented_at, biller, reference LIMIT ?",
                           (*args, limit))
        return [self._bill(r) for r in rows]

    def _bill(self, r: tuple[Any, ...]) -> dict[str, Any]:
        amount, minimum, paid = int(r[3]), int(r[4]), int(r[5])
        left = amount - paid
        money = lambda minor: {"currency": self.scheme.currency, "minor": minor}  # noqa: E731
        return {"biller": r[0], "biller_name": self.biller(r[0])["name"], "reference": r[1], "msisdn": r[2],
                "amount": money(amount), "paid": money(paid), "due_amount": money(left),
                "minimum_due": money(min(minimum, left)), "due": r[6], "description": r[7], "presented_at": r[8],
                "status": "paid" if left == 0 else ("partialpaid" if paid else "unpaid")}

    def _apply_to_bill(self, code: str, reference: str, amount: int, full: bool | None) -> None:
        """A payment against a presented bill (inside the payment's transaction): not more than is
        left, not less than the minimum unless it clears the bill; `full` (the payer said a full
        or a partial payment, None: either) must be what it is."""
        row = self.db.one("SELECT amount, minimum, paid FROM momo_bills WHERE biller = ? AND reference = ?", (code, reference))
        if row is None:
            return  # a bill the biller did not present here: paid under its reference, as the payer gave it
        left, minimum = int(row[0]) - int(row[2]), int(row[1])
        if left == 0:
            raise BaobabError("BILL_PAID", f"{code} {reference} is paid")
        if amount > left:
            raise BaobabError("BILL_OVERPAID", f"{self._shown(left)} is left to pay on {reference}", due=left)
        if amount < left and (amount < minimum or full is True):
            least = left if full is True else min(minimum, left)
            raise BaobabError("BILL_MINIMUM", f"pay at least {self._shown(least)} of the {self._shown(left)} left on {reference}",
                              due=left, minimum=least)
        self.db.run("UPDATE momo_bills SET paid = paid + ? WHERE biller = ? AND reference = ?", (amount, code, reference))

    def pay_bill(self, payer: str, code: str, bill_reference: str, amount: int, *, pin: str | None,
                 full: bool | None = None, at: datetime | None = None) -> str:
        """Pay a bill: the amount (and the send fee) to the biller's wallet, under the customer's
        reference, which the biller reads on its statement and the payer on the receipt. A bill
        the biller presented is paid down by it, in the same transaction (`_apply_to_bill`). `pin`
        None: the channel has authenticated the payer otherwise (an mmAPI client's own wallet)."""
        if not BILL_REFERENCE.fullmatch(bill_reference or ""):
            raise BaobabError("BAD_BILL_REFERENCE", f"{bill_reference!r} is not a bill reference")
        biller, src = self.biller(code), self.msisdn(payer)
        if pin is not None:
            self._check_pin(src, pin)
        reference = f"bill {code} {bill_reference}"  # BILL_PAYMENT
        self.hold_if_screened("send", src, biller["msisdn"], amount, at, reference=reference)
        with self.db.atomic():
            self._apply_to_bill(code, bill_reference, amount, full)
            return self.transfer_reviewed(src, biller["msisdn"], amount, reference=reference, at=at)

    def verify_pin(self, phone: str, pin: str) -> None:
        """Check the PIN as a movement would (a wrong one counts toward the lock)."""
        self._check_pin(self.msisdn(phone), pin)

    def change_pin(self, phone: str, old: str, new: str) -> None:
        msisdn = self.msisdn(phone)
        self._check_pin(msisdn, old)
        self.set_pin(msisdn, new)


    def send(self, payer: str, payee: str, amount: int, *, pin: str, reference: str = "", at: datetime | None = None) -> str:
        """Wallet to wallet inside the provider; the sender pays the fee."""
        src, dst = self.msisdn(payer), self.msisdn(payee)
        if src == dst:
            raise BaobabError("BAD_AMOUNT", "a wallet does not pay itself")
        self._check_pin(src, pin)
        return self.transfer_authorised(src, dst, amount, reference=reference, at=at)

    def transfer_authorised(self, src: str, dst: str, amount: int, *, reference: str = "", at: datetime | None = None) -> str:
        """Wallet to wallet once the channel has checked the payer's PIN (`send` does); limits,
        balance and fee are checked here. A party who matched the sanctions list: held, not paid
        (a caller inside its own transaction asks `hold_reason` first, or the hold goes with it)."""
        self.hold_if_screened("send", src, dst, amount, at, reference=reference)
        return self.transfer_reviewed(src, dst, amount, reference=reference, at=at)

    def transfer_reviewed(self, src: str, dst: str, amount: int, *, reference: str = "", at: datetime | None = None) -> str:
        """`transfer_authorised` without the sanctions hold: for a payment a compliance officer released."""
        fee = Tariff.fee(self.tariff.send, amount)
        with self.db.atomic():
            self._require_wallet(dst)
            entries = [(f"wallet/{src}", f"wallet/{dst}", amount)] + ([(f"wallet/{src}", "fees", fee)] if fee else [])
            return self._record("send", amount, at, entries, payer=src, payee=dst, fee=fee, reference=reference,
                                limited=[src, dst])

    # --- reversals --------------------------------------------------------------------

    def request_reversal(self, payer: str, movement: str, reason: str, *, at: datetime | None = None) -> None:
        """The payer of a wallet-to-wallet payment made by mistake asks for it back. Nothing moves
        until the payee agrees (`approve_reversal`)."""
        msisdn = self.msisdn(payer)
        with self.db.atomic():
            row = self.db.one("SELECT kind, payer FROM momo_movements WHERE id = ?", (movement,))
            if row is None or row[0] != "send" or row[1] != msisdn:
                raise BaobabError("NOT_REVERSIBLE", f"{movement} is not a payment from {msisdn}")
            if self.db.one("SELECT 1 FROM momo_reversals WHERE movement = ?", (movement,)) is not None:
                raise BaobabError("NOT_REVERSIBLE", f"a reversal of {movement} was already asked for")
            self.db.run("INSERT INTO momo_reversals (movement, reason, state, requested_at) VALUES (?, ?, 'requested', ?)",
                        (movement, reason[:200], _stamp(at)))

    def approve_reversal(self, payee: str, movement: str, *, pin: str, at: datetime | None = None) -> str:
        """The payee agrees, with its PIN: the amount goes back to the payer (the fee stays with
        the provider, as the tariff says). Once only."""
        msisdn = self.msisdn(payee)
        self._check_pin(msisdn, pin)
        return self.approve_reversal_authorised(msisdn, movement, at=at)

    def approve_reversal_authorised(self, msisdn: str, movement: str, *, at: datetime | None = None) -> str:
        """The reversal once the channel has checked the payee's PIN (`approve_reversal` does)."""
        with self.db.atomic():
            row = self.db.one("SELECT m.payer, m.payee, m.amount, r.state FROM momo_movements m JOIN momo_reversals r "
                              "ON r.movement = m.id WHERE m.id = ?", (movement,))
            if row is None or row[1] != msisdn or row[3] != "requested":
                raise BaobabError("NOT_REVERSIBLE", f"no reversal of {movement} waits for {msisdn}")
            done = self._record("reversal", int(row[2]), at, [(f"wallet/{msisdn}", f"wallet/{row[0]}", int(row[2]))],
                                payer=msisdn, payee=row[0], reference=movement)
            self.db.run("UPDATE momo_reversals SET state = 'reversed', reversal = ? WHERE movement = ?", (done, movement))
            return done

    # --- through the switch (wallet/interop.py drives these) ---------------------------

    def reserve_outgoing(self, src: str, amount: int, transfer_id: str, *, payee: str, at: datetime | None = None) -> str:
        """Take a payment to another FSP's customer out of the wallet into `interop/outgoing`
        (limits checked), until the switch commits or aborts the transfer."""
        with self.db.atomic():
            movement = self._record("send_out", amount, at, [(f"wallet/{src}", "interop/outgoing", amount)], payer=src,
                                    payee=payee, reference=transfer_id, limited=[src], movement=f"out-{transfer_id}")
            self.db.run("INSERT INTO momo_interop (transfer_id, direction, msisdn, amount, state, movement) "
                        "VALUES (?, 'out', ?, ?, 'reserved', ?)", (transfer_id, src, amount, movement))
            return movement

    def finish_outgoing(self, transfer_id: str, committed: bool, *, at: datetime | None = None) -> None:
        """The switch committed (the amount is now owed to the switch) or aborted (back to the wallet,
        and the movement no longer counts toward the wallet's limits). Idempotent."""
        with self.db.atomic():
            row = self.db.one("SELECT msisdn, amount, state FROM momo_interop WHERE transfer_id = ? AND direction = 'out'",
                              (transfer_id,))
            if row is None or row[2] != "reserved":
                return
            msisdn, amount = row[0], int(row[1])
            to = "interop/switch" if committed else f"wallet/{msisdn}"
            self.journal.transfer(f"out-{transfer_id}/{'commit' if committed else 'abort'}", "interop/outgoing", to, amount,
                                  _stamp(at))
            if not committed:
                self.db.run("DELETE FROM momo_usage WHERE movement = ?", (f"out-{transfer_id}",))
            self.db.run("UPDATE momo_interop SET state = ? WHERE transfer_id = ? AND direction = 'out'",
                        ("committed" if committed else "reversed", transfer_id))

    def can_receive(self, dst: str, amount: int, *, at: datetime | None = None) -> None:
        """Refuse now (a stable code) what `credit_incoming` would refuse: the payee's FSP asks before it fulfils."""
        msisdn = self.msisdn(dst)
        day = (at or datetime.now(timezone.utc)).astimezone(self.zone).date().isoformat()
        tier = self._check_limits([msisdn], amount, day)[msisdn]
        if tier.balance_max is not None and self.balance(msisdn) + amount > tier.balance_max:
            raise BaobabError("LIMIT_BALANCE", f"{msisdn} may hold at most {self._shown(tier.balance_max)} on {tier.name}", limit=tier.balance_max)

    def credit_incoming(self, dst: str, amount: int, transfer_id: str, *, payer: str, at: datetime | None = None) -> str:
        """Credit a wallet for a transfer the switch has committed to this provider. Once money has
        moved it is never refused: what the wallet's limits no longer allow goes to
        `interop/suspense` for the provider to resolve with its customer. Idempotent."""
        msisdn = self.msisdn(dst)
        with self.db.atomic():
            done = self.db.one("SELECT movement FROM momo_interop WHERE transfer_id = ? AND direction = 'in'", (transfer_id,))
            if done is not None:
                return str(done[0])
            try:
                if self.hold_reason(msisdn):
                    raise BaobabError("HELD_FOR_REVIEW", f"{msisdn} matched the sanctions list")
                with self.db.atomic():
                    movement = self._record("receive", amount, at, [("interop/switch", f"wallet/{msisdn}", amount)],
                                            payer=payer, payee=msisdn, reference=transfer_id, limited=[msisdn],
                                            movement=f"in-{transfer_id}")
                state = "credited"
            except BaobabError:
                movement = self._record("suspense", amount, at, [("interop/switch", "interop/suspense", amount)],
                                        payer=payer, payee=msisdn, reference=transfer_id, movement=f"in-{transfer_id}")
                state = "suspense"
            self.db.run("INSERT INTO momo_interop (transfer_id, direction, msisdn, amount, state, movement) "
                        "VALUES (?, 'in', ?, ?, ?, ?)", (transfer_id, msisdn, amount, state, movement))
            return movement

    def accept_incoming(self, dst: str, amount: int, transfer_id: str, *, payer: str, at: datetime | None = None) -> str:
        """Credit a wallet for a transfer this provider is about to fulfil (the switch forwarded it
        from a provider on another node): the tier's limits are checked now and a refusal books
        nothing (the payer's provider gets its money back). Booked once per transfer id, as
        'fulfilled' until the switch's outcome is known (`settle_incoming`)."""
        msisdn = self.msisdn(dst)
        with self.db.atomic():
            done = self.db.one("SELECT movement FROM momo_interop WHERE transfer_id = ? AND direction = 'in'", (transfer_id,))
            if done is not None:
                return str(done[0])
            reason = self.hold_reason(msisdn)
            if reason:
                raise BaobabError("HELD_FOR_REVIEW", f"held for compliance review: {reason}")
            movement = self._record("receive", amount, at, [("interop/switch", f"wallet/{msisdn}", amount)], payer=payer,
                                    payee=msisdn, reference=transfer_id, limited=[msisdn], movement=f"in-{transfer_id}")
            self.db.run("INSERT INTO momo_interop (transfer_id, direction, msisdn, amount, state, movement) "
                        "VALUES (?, 'in', ?, ?, 'fulfilled', ?)", (transfer_id, msisdn, amount, movement))
            return movement

    def settle_incoming(self, transfer_id: str, committed: bool, *, at: datetime | None = None) -> None:
        """The switch committed a transfer this provider fulfilled (the credit stands) or aborted it
        (the fulfilment came too late: the credit is taken back, or, if the wallet has spent it,
        left 'owed' for the provider to resolve with its customer). Idempotent."""
        with self.db.atomic():
            row = self.db.one("SELECT msisdn, amount, state FROM momo_interop WHERE transfer_id = ? AND direction = 'in'",
                              (transfer_id,))
            if row is None or row[2] != "fulfilled":
                return
            state = "credited"
            if not committed:
                try:
                    with self.db.atomic():
                        self._record("return", int(row[1]), at, [(f"wallet/{row[0]}", "interop/switch", int(row[1]))],
                                     payer=row[0], reference=transfer_id, movement=f"in-{transfer_id}-return")
                        self.db.run("DELETE FROM momo_usage WHERE movement = ?", (f"in-{transfer_id}",))
                    state = "returned"
                except BaobabError:
                    state = "owed"
            self.db.run("UPDATE momo_interop SET state = ? WHERE transfer_id = ? AND direction = 'in'", (state, transfer_id))

    def fulfilled_incoming(self) -> list[str]:
        """Incoming transfers credited and fulfilled whose outcome at the switch is not yet known here."""
        return [r[0] for r in self.db.all("SELECT transfer_id FROM momo_interop WHERE direction = 'in' AND state = 'fulfilled'")]

    def pending_outgoing(self) -> list[str]:
        return [r[0] for r in self.db.all("SELECT transfer_id FROM momo_interop WHERE direction = 'out' AND state = 'reserved'")]

    def statement(self, phone: str, limit: int = 10) -> list[dict[str, Any]]:
        """The wallet's latest movements, newest first: a mini statement."""
        msisdn = self.msisdn(phone)
        rows = self.db.all("SELECT id, kind, payer, payee, agent, amount, fee, at, reference FROM momo_movements "
                           "WHERE payer = ? OR payee = ? ORDER BY at DESC, id DESC LIMIT ?", (msisdn, msisdn, limit))
        return [{"id": r[0], "kind": r[1], "payer": r[2], "payee": r[3], "agent": r[4], "at": r[7], "reference": r[8],
                 "amount": {"currency": self.scheme.currency, "minor": int(r[5])},
                 "fee": {"currency": self.scheme.currency, "minor": int(r[6]) if r[2] == msisdn else 0}} for r in rows]

    def agent_statement(self, agent: str, day: str) -> dict[str, Any]:
        """An agent's day: movements by kind, commissions earned, and float and cash at the end of it."""
        self._require_agent(agent)
        kinds: dict[str, dict[str, int]] = {}
        commission = 0
        for kind, count, total, earned in self.db.all(
                "SELECT kind, COUNT(*), SUM(amount), SUM(commission) FROM momo_movements WHERE agent = ? AND day = ? GROUP BY kind",
                (agent, day)):
            kinds[kind] = {"count": int(count), "minor": int(total)}
            commission += int(earned)
        money = lambda minor: {"currency": self.scheme.currency, "minor": minor}  # noqa: E731
        return {"agent": agent, "day": day, "movements": kinds, "commission": money(commission),
                "float": money(self.journal.balance(f"agent/{agent}/float").net_credit),
                "cash": money(self.journal.balance(f"agent/{agent}/cash").net_credit)}

    # --- sanctions screening and held payments ---------------------------------------------

    def hold_reason(self, *msisdns: str | None) -> str | None:
        """Why a movement touching these wallets must wait for review, or None (one read for all)."""
        wanted = [m for m in msisdns if m]
        if not wanted:
            return None
        matches = {r[0]: r[1:] for r in self.db.all(
            f"SELECT msisdn, match, state FROM momo_screening WHERE msisdn IN ({', '.join('?' * len(wanted))})", wanted)}
        for msisdn in wanted:
            row = matches.get(msisdn)
            if row is not None and row[1] != "cleared":
                match = json.loads(row[0])
                return f"{msisdn} matched {match.get('listed', '?')} ({match.get('reference', '?')}, score {match.get('score', '?')})"
        return None

    def hold_if_screened(self, kind: str, payer: str | None, payee: str | None, amount: int, at: datetime | None,
                          *, agent: str | None = None, reference: str = "") -> None:
        reason = self.hold_reason(payer, payee)
        if reason is None:
            return
        hold = f"hold-{uuid.uuid4().hex}"
        with self.db.atomic():
            self.db.run("INSERT INTO momo_holds (id, kind, payer, payee, agent, amount, reference, reason, state, at) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'held', ?)", (hold, kind, payer, payee, agent, amount, reference, reason, _stamp(at)))
        raise BaobabError("HELD_FOR_REVIEW", f"held for compliance review: {reason}", hold=hold)

    def hold(self, kind: str, payer: str | None, payee: str | None, amount: int, reason: str, *, reference: str = "",
             at: datetime | None = None) -> str:
        """Record a payment another channel holds (the mmAPI): released or refused like the others."""
        hold = f"hold-{uuid.uuid4().hex}"
        self.db.run("INSERT INTO momo_holds (id, kind, payer, payee, amount, reference, reason, state, at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, 'held', ?)", (hold, kind, payer, payee, amount, reference, reason, _stamp(at)))
        return hold

    def holds(self, state: str = "held") -> list[dict[str, Any]]:
        rows = self.db.all("SELECT id, kind, payer, payee, agent, amount, reference, reason, at, movement, decided_by, note "
                           "FROM momo_holds WHERE state = ? ORDER BY at, id", (state,))
        keys = ("id", "kind", "payer", "payee", "agent", "amount", "reference", "reason", "at", "movement", "decided_by", "note")
        return [{**dict(zip(keys, r)), "amount": {"currency": self.scheme.currency, "minor": int(r[5])}} for r in rows]

    def release_hold(self, hold: str, *, by: str, at: datetime | None = None) -> str | None:
        """The compliance officer found the match false: the payment is made now (or refused, if
        the wallet can no longer make it: its code in the hold's note). The movement's id or None."""
        with self.db.atomic():
            row = self._releasable(hold)
            kind, payer, payee, agent, amount, reference = row
            try:
                with self.db.atomic():
                    if kind == "send":
                        bill = BILL_PAYMENT.fullmatch(reference or "")
                        if bill and self.db.one("SELECT 1 FROM momo_billers WHERE code = ? AND msisdn = ?", (bill[1], payee)):
                            # a held bill payment pays down the bill it was made against, as it would have then
                            self._apply_to_bill(bill[1], bill[2], amount, None)
                        movement = self.transfer_reviewed(payer, payee, amount, reference=reference or "", at=at)
                    elif kind == "cash_in":
                        movement = self._record("cash_in", amount, at, [(f"agent/{agent}/float", f"wallet/{payee}", amount),
                                                                        ("cash/customers", f"agent/{agent}/cash", amount)],
                                                payee=payee, agent=agent, limited=[payee])
                    elif kind == "cash_out":
                        movement = self._cash_out(agent, payer, amount, at)
                    else:  # held by another channel (the mmAPI; the switch: the customer sends again)
                        movement = None
            except BaobabError as exc:
                self._decide(hold, "refused", None, by, exc.code, exc)
                return None
            self._decide(hold, "released", movement, by, "", None)
            return movement

    def release_outgoing(self, hold: str, transfer_id: str, *, by: str, at: datetime | None = None) -> tuple[str, str, int] | None:
        """A held payment to another provider's customer, cleared: its amount reserved for the
        switch under `transfer_id` and the hold released, in one transaction (the switch link then
        sends it; `recover` finishes it after a crash). (payer, payee, amount), or None if the
        wallet can no longer pay it (the hold refused, its code in the note)."""
        with self.db.atomic():
            kind, payer, payee, _, amount, reference = self._releasable(hold)
            if kind != "send_out":
                raise BaobabError("NO_HOLD", f"{hold} is not a payment to another provider")
            try:
                with self.db.atomic():
                    movement = self.reserve_outgoing(payer, amount, transfer_id, payee=reference, at=at)
            except BaobabError as exc:
                self._decide(hold, "refused", None, by, exc.code, exc)
                return None
            self._decide(hold, "released", movement, by, "", None)
            return payer, reference, amount

    def outgoing_refused(self, hold: str, transfer_id: str, code: str, *, at: datetime | None = None) -> None:
        """The switch or the payee's provider refused a released payment: the amount back, the hold refused."""
        with self.db.atomic():
            self.finish_outgoing(transfer_id, committed=False, at=at)
            self.db.run("UPDATE momo_holds SET state = 'refused', note = ? WHERE id = ?", (code, hold))

    def held_kind(self, hold: str) -> str:
        """What kind of movement waits under `hold` (send, cash_in, cash_out, send_out...); NO_HOLD if none."""
        return str(self._held(hold)[0])

    def _releasable(self, hold: str) -> tuple[Any, ...]:
        """A held payment none of whose parties the review confirmed as the listed person."""
        row = self._held(hold)
        for msisdn in (row[1], row[2]):
            state = self.db.one("SELECT state FROM momo_screening WHERE msisdn = ?", (msisdn,)) if msisdn else None
            if state is not None and state[0] == "confirmed":
                raise BaobabError("CONFIRMED_MATCH", f"{msisdn} is the listed person: refuse the payment held under {hold}")
        return row

    def refuse_hold(self, hold: str, *, by: str, note: str) -> None:
        with self.db.atomic():
            self._held(hold)
            self._decide(hold, "refused", None, by, note[:200], BaobabError("HELD_FOR_REVIEW", f"refused after review: {note[:200]}"))

    def _held(self, hold: str) -> tuple[Any, ...]:
        row = self.db.one("SELECT kind, payer, payee, agent, amount, reference FROM momo_holds WHERE id = ? AND state = 'held'", (hold,))
        if row is None:
            raise BaobabError("NO_HOLD", f"no payment held under {hold}")
        return (row[0], row[1], row[2], row[3], int(row[4]), row[5])

    def _decide(self, hold: str, state: str, movement: str | None, by: str, note: str, refusal: BaobabError | None) -> None:
        self.db.run("UPDATE momo_holds SET state = ?, movement = ?, decided_by = ?, note = ? WHERE id = ?",
                    (state, movement, by, note, hold))
        for listener in self.hold_listeners:
            listener(hold, movement, refusal if state == "refused" else None)

    def screening(self, state: str | None = None) -> list[dict[str, Any]]:
        """Customers whose names matched the sanctions list (state hit, cleared or confirmed)."""
        rows = self.db.all("SELECT s.msisdn, w.name, s.match, s.state, s.at, s.decided_by FROM momo_screening s "
                           "JOIN momo_wallets w ON w.msisdn = s.msisdn ORDER BY s.at, s.msisdn")
        return [{"msisdn": r[0], "name": r[1], "match": json.loads(r[2]), "state": r[3], "at": r[4], "decided_by": r[5]}
                for r in rows if state is None or r[3] == state]

    def screen_all(self, *, at: datetime | None = None) -> list[str]:
        """Screen every customer again (the operator loaded a new list): the numbers of the new
        matches. A match already reviewed keeps its decision."""
        if self.screen is None:
            return []
        found = []
        with self.db.atomic():
            for msisdn, name in self.db.all("SELECT w.msisdn, w.name FROM momo_wallets w LEFT JOIN momo_screening s "
                                            "ON s.msisdn = w.msisdn WHERE s.msisdn IS NULL ORDER BY w.msisdn"):
                match = self.screen(name)
                if match:
                    self.db.run("INSERT INTO momo_screening (msisdn, match, state, at) VALUES (?, ?, 'hit', ?)",
                                (msisdn, json.dumps(match, sort_keys=True), _stamp(at)))
                    found.append(msisdn)
        return found

    def decide_screening(self, phone: str, *, cleared: bool, by: str) -> None:
        """A match reviewed: `cleared` (not the listed person: movements flow again) or confirmed
        (the listed person: everything stays held, for the officer to refuse and report)."""
        msisdn = self.msisdn(phone)
        with self.db.atomic():
            if self.db.one("SELECT 1 FROM momo_screening WHERE msisdn = ?", (msisdn,)) is None:
                raise BaobabError("NO_WALLET", f"{msisdn} has no screening match")
            self.db.run("UPDATE momo_screening SET state = ?, decided_by = ? WHERE msisdn = ?",
                        ("cleared" if cleared else "confirmed", by, msisdn))

    # --- the one way money moves ---------------------------------------------------------

    def _record(self, kind: str, amount: int, at: datetime | None, entries: list[tuple[str, str, int]], *,
                payer: str | None = None, payee: str | None = None, agent: str | None = None, fee: int = 0,
                commission: int = 0, reference: str | None = None, limited: list[str] | None = None,
                movement: str | None = None) -> str:
        if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
            raise BaobabError("BAD_AMOUNT", f"{amount!r} is not a positive amount in minor units")
        when = (at or datetime.now(timezone.utc)).astimezone(timezone.utc)
        day = when.astimezone(self.zone).date().isoformat()
        movement = movement or f"{kind}-{uuid.uuid4().hex}"
        if agent is not None and kind in ("cash_in", "cash_out"):
            self._check_agent_limits(agent, amount, day)
        if self.payments_per_hour is not None and payer is not None and kind in ("send", "send_out", "cash_out"):
            self._check_velocity(payer, when)
        tiers = self._check_limits(limited or [], amount, day)
        if limited:
            self.db.many("INSERT INTO momo_usage (msisdn, day, amount, movement) VALUES (?, ?, ?, ?)",
                         [(msisdn, day, amount, movement) for msisdn in limited])
        stamp = when.isoformat()
        try:
            after = self.journal.transfer_many([(f"{movement}/{i}", debit, credit, value)
                                                for i, (debit, credit, value) in enumerate(entries)], stamp)
        except LimitExceeded as exc:
            raise BaobabError("INSUFFICIENT_FUNDS", f"{exc.account} cannot pay {exc.amount}", account=exc.account) from None
        for msisdn in limited or []:
            tier = tiers[msisdn]
            if tier.balance_max is not None and self._held_after(after, msisdn) > tier.balance_max:
                raise BaobabError("LIMIT_BALANCE", f"{msisdn} may hold at most {self._shown(tier.balance_max)} on {tier.name}",
                                  limit=tier.balance_max)
        self.db.run("INSERT INTO momo_movements (id, kind, payer, payee, agent, amount, fee, commission, day, at, reference) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (movement, kind, payer, payee, agent, amount, fee, commission, day, stamp, reference))
        self._receipts(kind, movement, payer, payee, agent, amount, fee, stamp, after)
        return movement

    def _held_after(self, after: dict[str, Balance], msisdn: str) -> int:
        """What the wallet holds after a movement (`after`: the balances its journal entries left)."""
        account = f"wallet/{msisdn}"
        return (after[account] if account in after else self.journal.balance(account)).net_credit

    def _receipts(self, kind: str, movement: str, payer: str | None, payee: str | None, agent: str | None, amount: int, fee: int,
                  at: str, after: dict[str, Balance]) -> None:
        """An SMS receipt to each wallet the movement touched, in the same transaction."""
        payee_here = kind not in ("send_out", "suspense")  # else the payee is another FSP's, or not credited
        sms.queue_all(self.db, [
            (msisdn, debited, self.scheme.currency, amount, fee if debited else 0, self._held_after(after, msisdn),
             other or self.scheme.country, movement, at)
            for msisdn, debited, other in ((payer, True, payee or agent), (payee if payee_here else None, False, payer or agent))
            if msisdn and msisdn.startswith("+")])  # a wallet (not an FSP-qualified payer from the switch)

    def _shown(self, minor: int) -> str:
        """An amount of the scheme's currency as people read it, for messages (never minor units)."""
        return format_amount({"currency": self.scheme.currency, "minor": minor})

    def _check_limits(self, msisdns: list[str], amount: int, day: str) -> dict[str, Tier]:
        """Each wallet's tier limits (single, daily, monthly, in that order, wallet after wallet)
        on one more movement of `amount` on `day`, against what it moved already: one read of the
        wallets' tiers and one of their usage this month, whatever the number of wallets. A wallet
        named twice counts the movement twice. Returns each wallet's tier."""
        if not msisdns:
            return {}
        marks = ", ".join("?" * len(msisdns))
        levels = dict(self.db.all(f"SELECT msisdn, tier FROM momo_wallets WHERE msisdn IN ({marks})", msisdns))
        tiers = {msisdn: self._tier(levels[msisdn]) for msisdn in msisdns if msisdn in levels}
        usage: dict[str, tuple[int, int]] = {}
        if any(t.daily_max is not None or t.monthly_max is not None for t in tiers.values()):
            year, month = int(day[:4]), int(day[5:7])
            month_end = f"{year + month // 12:04d}-{month % 12 + 1:02d}-01"
            usage = {r[0]: (int(r[1]), int(r[2])) for r in self.db.all(
                "SELECT msisdn, COALESCE(SUM(CASE WHEN day = ? THEN amount ELSE 0 END), 0), COALESCE(SUM(amount), 0) "
                f"FROM momo_usage WHERE msisdn IN ({marks}) AND day >= ? AND day < ? GROUP BY msisdn",
                (day, *msisdns, day[:8] + "01", month_end))}
        counted: dict[str, int] = {}
        for msisdn in msisdns:
            if msisdn not in tiers:
                raise BaobabError("NO_WALLET", f"no wallet for {msisdn}")
            tier, earlier = tiers[msisdn], counted.get(msisdn, 0)
            if tier.single_max is not None and amount > tier.single_max:
                raise BaobabError("LIMIT_SINGLE", f"{tier.name} allows at most {self._shown(tier.single_max)} in one movement", limit=tier.single_max)
            today, this_month = usage.get(msisdn, (0, 0))
            for code, limit, used in (("LIMIT_DAILY", tier.daily_max, today + earlier),
                                      ("LIMIT_MONTHLY", tier.monthly_max, this_month + earlier)):
                if limit is not None and used + amount > limit:
                    raise BaobabError(code, f"{tier.name} allows {self._shown(limit)} per {'day' if code == 'LIMIT_DAILY' else 'month'}; "
                                            f"{self._shown(used)} already moved", limit=limit, used=used)
            counted[msisdn] = earlier + amount
        return tiers

    def _tier(self, level: int) -> Tier:
        tiers = self._tiers
        return tiers[level] if level in tiers else self.scheme.tier(level)

    def _check_agent_limits(self, agent: str, amount: int, day: str) -> None:
        row = self.db.one("SELECT per_movement, per_day FROM momo_agent_limits WHERE agent = ?", (agent,))
        if row is None:
            return
        if row[0] is not None and amount > int(row[0]):
            raise BaobabError("LIMIT_AGENT", f"agent {agent} handles at most {self._shown(int(row[0]))} in one movement",
                              limit=int(row[0]))
        if row[1] is not None:
            used = self.db.one("SELECT COALESCE(SUM(amount), 0) FROM momo_movements WHERE agent = ? AND day = ? "
                               "AND kind IN ('cash_in', 'cash_out')", (agent, day))
            if used is not None and int(used[0]) + amount > int(row[1]):
                raise BaobabError("LIMIT_AGENT", f"agent {agent} handles at most {self._shown(int(row[1]))} a day; "
                                                 f"{self._shown(int(used[0]))} already", limit=int(row[1]), used=int(used[0]))

    def _check_velocity(self, payer: str, when: datetime) -> None:
        since = (when - timedelta(hours=1)).isoformat()
        row = self.db.one("SELECT COUNT(*) FROM momo_movements WHERE payer = ? AND at > ? AND at <= ? "
                          "AND kind IN ('send', 'send_out', 'cash_out')", (payer, since, when.isoformat()))
        if row is not None and int(row[0]) >= int(self.payments_per_hour or 0):
            raise BaobabError("LIMIT_VELOCITY", f"at most {self.payments_per_hour} payments out of a wallet within an hour",
                              limit=self.payments_per_hour)

    def _check_pin(self, msisdn: str, pin: str) -> None:
        """Before a movement, in a transaction of its own: a wrong PIN is counted even though the
        movement it was for is refused, and the wallet locks at PIN_ATTEMPTS. The hash is checked
        before that transaction, not inside it: Argon2 takes tens of milliseconds of CPU by
        design, and every other payment would wait for them behind the database's write lock."""
        wallet = self._require_wallet(msisdn)
        if wallet["pin_failures"] >= PIN_ATTEMPTS:
            raise BaobabError("WALLET_LOCKED", f"{msisdn} is locked; its provider resets the PIN")
        try:
            ok = wallet["pin_hash"] is not None and self.hasher.verify(wallet["pin_hash"], str(pin))
        except VerificationError:
            ok = False
        with self.db.atomic():
            now = self._require_wallet(msisdn)  # as it stands now: other attempts may have counted meanwhile
            changed = now["pin_hash"] != wallet["pin_hash"]  # a new PIN was set meanwhile: check against it
            if not changed and now["pin_failures"] >= PIN_ATTEMPTS:
                raise BaobabError("WALLET_LOCKED", f"{msisdn} is locked; its provider resets the PIN")
            failures = 0 if ok else now["pin_failures"] + 1
            if not changed and failures != now["pin_failures"]:
                self.db.run("UPDATE momo_wallets SET pin_failures = ? WHERE msisdn = ?", (failures, msisdn))
        if changed:
            return self._check_pin(msisdn, pin)
        if not ok:
            raise BaobabError("WRONG_PIN", "wrong PIN", attempts_left=PIN_ATTEMPTS - failures)

    def _pin_hash(self, pin: str | None) -> str | None:
        if pin is None:
            return None
        if not (isinstance(pin, str) and pin.isdigit() and 4 <= len(pin) <= 6):
            raise BaobabError("BAD_PIN", "a PIN is 4 to 6 digits")
        return self.hasher.hash(pin)

    def _wallet(self, msisdn: str) -> dict[str, Any] | None:
        row = self.db.one("SELECT name, tier, pin_hash, pin_failures, language FROM momo_wallets WHERE msisdn = ?", (msisdn,))
        return None if row is None else dict(zip(("name", "tier", "pin_hash", "pin_failures", "language"), row))

    def _require_wallet(self, msisdn: str) -> dict[str, Any]:
        wallet = self._wallet(msisdn)
        if wallet is None:
            raise BaobabError("NO_WALLET", f"no wallet for {msisdn}")
        return wallet

    def _require_agent(self, agent: str) -> dict[str, Any]:
        row = self.db.one("SELECT name, super_agent FROM momo_agents WHERE agent = ?", (agent,))
        if row is None:
            raise BaobabError("NO_AGENT", f"no agent {agent}")
        return {"name": row[0], "super_agent": row[1]}


def _parse_e164(phone: Any, country: str) -> str:
    try:
        number = phonenumbers.parse(phone, country)
    except phonenumbers.NumberParseException:
        raise BaobabError("BAD_PHONE", f"{phone!r} is not a phone number") from None
    if not phonenumbers.is_valid_number(number):
        raise BaobabError("BAD_PHONE", f"{phone!r} is not a valid phone number")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# Parsing a number costs tens of microseconds and every payment names two: the numbers seen
# lately are remembered (a refused one is not, and is refused again each time).
_e164 = functools.lru_cache(maxsize=1 << 16)(_parse_e164)


def _stamp(at: datetime | None) -> str:
    return (at or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat()
