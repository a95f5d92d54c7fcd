"""A simple multi-currency account ledger: the workload of the tests and the benchmark.

An account belongs to the organisation that opened it (its `owner`), may be kept by a bank
(`bank`, named by the owner; a bank or payment provider opening its own account keeps it) and
holds one currency, as integer minor units. Only the bank that keeps an account issues money
into it, only the owner moves money out of it, and only the owner and its bank read its
balance here (supervisors read accounts through the logged state reads of the API, not through
this query; the bank is listed in `readers` for those reads). Issuing and moving money also
need two banks' endorsements, as a settlement ledger would.
"""

from __future__ import annotations

from typing import Any

from baobab.core.money import MINOR_UNITS
from baobab.ledger.contract import ANY_MEMBER, PARTIES, Context, Contract, ContractError, function

TWO_BANKS = {"role": "bank", "count": 2}
KEEPERS = ("bank", "payment-provider")


class Accounts(Contract):
    name = "accounts"

    def _account(self, ctx: Context, account: str) -> dict[str, Any]:
        record = ctx.get(f"acct/{account}")
        if record is None:
            raise ContractError(f"no account {account}", reason="NOT_FOUND")
        return record

    def _as(self, ctx: Context, account: str, act: str, *roles: str) -> dict[str, Any]:
        """The account, if the caller is its owner or bank as `roles` say; to anyone else it is
        refused without saying whether it exists."""
        record = ctx.get(f"acct/{account}")
        refusal = f"{ctx.caller.org} may not {act} account {account}"
        if record is None:
            raise ContractError(refusal, reason="NOT_A_PARTY")
        ctx.require_party(f"acct/{account}", [record.get(r) for r in roles], refusal)
        return record

    @function(policy={"any": [{"role": "bank"}, {"role": "payment-provider"}]}, callers=ANY_MEMBER)
    def open(self, ctx: Context, account: str, currency: str, bank: str | None = None) -> dict[str, Any]:
        """Called by: any member, which owns the account it opens; `bank` names the bank that keeps
        it (default: the caller itself if it is a bank or payment provider, else none, and then no
        money can be issued into it, only transferred)."""
        if currency not in MINOR_UNITS:
            raise ContractError(f"{currency} is not an ISO 4217 currency")
        if ctx.get(f"acct/{account}") is not None:
            raise ContractError(f"account {account} already exists", reason="ALREADY_EXISTS")
        if bank is None and set(KEEPERS) & set(ctx.caller.roles):
            bank = ctx.caller.org
        if bank is not None:
            keeper = ctx.read("governance", f"org/{bank}")
            if keeper is None or keeper["status"] != "active" or not set(KEEPERS) & set(keeper["roles"]):
                raise ContractError(f"{bank} is not an active bank or payment provider")
        record = {"owner": ctx.caller.org, "bank": bank, "readers": [bank] if bank else [], "currency": currency,
                  "balance": 0}
        ctx.put(f"acct/{account}", record)
        ctx.emit("account_opened", {"account": account, "owner": ctx.caller.org, "currency": currency})
        return record

    @function(policy=TWO_BANKS, callers=("bank",))
    def issue(self, ctx: Context, account: str, amount: int) -> dict[str, Any]:
        """Called by: the bank that keeps the account, and no other: money is issued only into
        accounts the issuing bank itself keeps."""
        if amount <= 0:
            raise ContractError("amount must be positive")
        record = self._as(ctx, account, "issue into", "bank")
        record = {**record, "balance": record["balance"] + amount}
        ctx.put(f"acct/{account}", record)
        ctx.emit("issued", {"account": account, "amount": amount, "currency": record["currency"]})
        return record

    @function(policy=TWO_BANKS, callers=PARTIES)
    def transfer(self, ctx: Context, src: str, dst: str, amount: int) -> dict[str, Any]:
        """Called by: the owner of the source account (the body checks it; not even its bank may
        move its money); the destination may be any account of the same currency."""
        if amount <= 0:
            raise ContractError("amount must be positive")
        if src == dst:
            raise ContractError("source and destination are the same account")
        a = self._as(ctx, src, "transfer from", "owner")
        b = self._account(ctx, dst)
        if a["currency"] != b["currency"]:
            raise ContractError(f"cannot move {a['currency']} into a {b['currency']} account")
        if a["balance"] < amount:
            raise ContractError(f"insufficient funds in {src}", balance=a["balance"], amount=amount)
        ctx.put(f"acct/{src}", {**a, "balance": a["balance"] - amount})
        ctx.put(f"acct/{dst}", {**b, "balance": b["balance"] + amount})
        ctx.emit("transferred", {"src": src, "dst": dst, "amount": amount, "currency": a["currency"]})
        return {"src_balance": a["balance"] - amount}

    @function(query=True, callers=PARTIES)
    def balance(self, ctx: Context, account: str) -> dict[str, Any]:
        """Called by: the account's owner or the bank that keeps it. Another organisation is told
        nothing, not even whether the account exists; supervisors read accounts through the
        API's state reads, which log the read on the ledger first."""
        return self._as(ctx, account, "read", "owner", "bank")
