"""A test-only contract recording generic deals with parties and countries, so the access
rules can be exercised for every role without depending on each domain contract's arguments."""

from __future__ import annotations

from typing import Any

from baobab.ledger.contract import PARTIES, Context, Contract, ContractError, function

ANY_MEMBER = {"role": "*"}


class Deals(Contract):
    name = "deals"

    @function(policy=ANY_MEMBER)
    def record(self, ctx: Context, kind: str, ref: str, parties: list[str], countries: list[str]) -> dict[str, Any]:
        if ctx.caller.org not in parties:
            raise ContractError("the recording organisation must be a party")
        key = f"{kind}/{ref}"
        if ctx.get(key) is not None:
            raise ContractError(f"{key} exists")
        record = {"kind": kind, "ref": ref, "parties": parties, "countries": countries, "notes": []}
        ctx.put(key, record)
        ctx.set_key_policy(key, {"orgs": parties, "n": 1})
        ctx.emit("deal_recorded", {"key": key, "parties": parties})
        return record

    @function(policy=ANY_MEMBER)
    def note(self, ctx: Context, kind: str, ref: str, text: str) -> dict[str, Any]:
        record = ctx.get(f"{kind}/{ref}")
        if record is None:
            raise ContractError(f"no {kind}/{ref}")
        if ctx.caller.org not in record["parties"]:
            raise ContractError(f"{ctx.caller.org} is not a party to {kind}/{ref}")
        record = {**record, "notes": record["notes"] + [text]}
        ctx.put(f"{kind}/{ref}", record)
        return record

    @function(query=True, callers=PARTIES)
    def get(self, ctx: Context, kind: str, ref: str) -> dict[str, Any]:
        """A deal, for its parties (and, through the node's read rule, their supervisors)."""
        record = ctx.get(f"{kind}/{ref}")
        if record is None:
            raise ContractError(f"no {kind}/{ref}", reason="NOT_FOUND")
        ctx.require_party(f"{kind}/{ref}", record["parties"], f"{ctx.caller.org} is not a party to {kind}/{ref}")
        return record
