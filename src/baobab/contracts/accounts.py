"""A simple multi-currency account ledger: the workload of the tests and the benchmark.

Accounts belong to an organisation and hold one currency, as integer minor units. Issuing
new money and moving it both need two banks' endorsements, as a settlement ledger would.
"""

from __future__ import annotations

from typing import Any

from baobab.core.money import MINOR_UNITS
from baobab.ledger.contract import Context, Contract, ContractError, function

TWO_BANKS = {"role": "bank", "count": 2}


class Accounts(Contract):
    name = "accounts"

    def _account(self, ctx: Context, account: str) -> dict[str, Any]:
        record = ctx.get(f"acct/{account}")
        if record is None:
            raise ContractError(f"no account {account}")
        return record

    @function(policy={"any": [{"role": "bank"}, {"role": "payment-provider"}]})
    def open(self, ctx: Context, account: str, currency: str) -> dict[str, Any]:
        if currency not in MINOR_UNITS:
            raise ContractError(f"{currency} is not an ISO 4217 currency")
        if ctx.get(f"acct/{account}") is not None:
            raise ContractError(f"account {account} already exists")
        record = {"owner": ctx.caller.org, "currency": currency, "balance": 0}
        ctx.put(f"acct/{account}", record)
        ctx.emit("account_opened", {"account": account, "owner": ctx.caller.org, "currency": currency})
        return record

    @function(policy=TWO_BANKS)
    def issue(self, ctx: Context, account: str, amount: int) -> dict[str, Any]:
        if "bank" not in ctx.caller.roles:
            raise ContractError("only a bank may issue money")
        if amount <= 0:
            raise ContractError("amount must be positive")
        record = self._account(ctx, account)
        record = {**record, "balance": record["balance"] + amount}
        ctx.put(f"acct/{account}", record)
        ctx.emit("issued", {"account": account, "amount": amount, "currency": record["currency"]})
        return record

    @function(policy=TWO_BANKS)
    def transfer(self, ctx: Context, src: str, dst: str, amount: int) -> dict[str, Any]:
        if amount <= 0:
            raise ContractError("amount must be positive")
        if src == dst:
            raise ContractError("source and destination are the same account")
        a, b = self._account(ctx, src), self._account(ctx, dst)
        if a["owner"] != ctx.caller.org:
            raise ContractError(f"account {src} does not belong to {ctx.caller.org}")
        if a["currency"] != b["currency"]:
            raise ContractError(f"cannot move {a['currency']} into a {b['currency']} account")
        if a["balance"] < amount:
            raise ContractError(f"insufficient funds in {src}", balance=a["balance"], amount=amount)
        ctx.put(f"acct/{src}", {**a, "balance": a["balance"] - amount})
        ctx.put(f"acct/{dst}", {**b, "balance": b["balance"] + amount})
        ctx.emit("transferred", {"src": src, "dst": dst, "amount": amount, "currency": a["currency"]})
        return {"src_balance": a["balance"] - amount}

    @function(query=True)
    def balance(self, ctx: Context, account: str) -> dict[str, Any]:
        return self._account(ctx, account)
