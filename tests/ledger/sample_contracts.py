"""Contracts used only by the ledger tests: key-level policies and range reads."""

from __future__ import annotations

from typing import Any

from baobab.ledger.contract import Context, Contract, ContractError, Reason, function


class Deals(Contract):
    """A deal records its two banks; later changes need exactly those banks."""

    name = "deals"

    @function(policy={"role": "bank"})
    def open(self, ctx: Context, deal: str, banks: list[str]) -> dict[str, Any]:
        if ctx.get(f"deal/{deal}") is not None:
            raise ContractError(f"deal {deal} exists")
        ctx.put(f"deal/{deal}", {"banks": banks, "status": "open"})
        ctx.set_key_policy(f"deal/{deal}", {"orgs": banks})
        return {"deal": deal}

    @function(policy={"role": "bank"})
    def close(self, ctx: Context, deal: str) -> dict[str, Any]:
        record = ctx.get(f"deal/{deal}")
        if record is None:
            raise ContractError(f"no deal {deal}")
        ctx.put(f"deal/{deal}", {**record, "status": "closed"})
        return {"deal": deal}

    @function(policy={"role": "bank"})
    def note(self, ctx: Context, name: str, value: Any = None) -> None:
        ctx.put(f"note/{name}", {"value": value})

    @function(policy={"role": "bank"})
    def count_notes(self, ctx: Context) -> int:
        count = len(ctx.range("note/"))
        ctx.put("note-count", count)
        return count


class Refuser(Contract):
    """Refuses every call with the reason it is given (tests of the refusal model)."""

    name = "refuser"
    reasons = {"TOO_EARLY": Reason("conflict", "Not yet")}

    @function(policy={"role": "*"})
    def act(self, ctx: Context, reason: str) -> None:
        raise ContractError(f"refused with {reason}", reason=reason, extra=1)
