"""Goods declarations: what a trader (or its broker) lodges with the customs of the country its
goods enter or leave, and what that customs decides.

    lodge      the declarant: items with HS subheading, origin, quantity and customs value, the
               ledger documents they come from; to the customs of the destination (import) or
               origin (export) country                                       -> lodged
    screen     that customs: the risk channel (green, yellow, red) and each flag's explanation
               (price filters, rules) -> green: accepted; yellow or red: under control
    decide     that customs: released or rejected, with its note; a declaration under control is
               decided only after its control
    get        the declarant and the customs; other customs and regulators through oversight
    queue      a customs office: the declarations lodged with it

Statuses move only forward; each step is kept in the declaration's history.
"""

from __future__ import annotations

import re
from typing import Any

from baobab.contracts.jurisdiction import check_countries
from baobab.contracts.records import Declaration, stored
from baobab.core.money import MINOR_UNITS
from baobab.ledger.contract import PARTIES, Context, Contract, ContractError, Reason, function
from baobab.vocab.trade import UNIT_CODES, is_hs_code

ANY_ONE = {"role": "*"}
CHANNELS = ("green", "yellow", "red")
PROCEDURES = ("import", "export")
MAX_ITEMS = 999
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}")


class Declarations(Contract):
    name = "customs_declarations"
    reasons = {
        "NOT_THE_CUSTOMS": Reason("forbidden", "Only the customs the declaration was lodged with may do this"),
        "WRONG_CUSTOMS": Reason("invalid", "That organisation is not the customs of the declaration's country"),
        "BAD_ITEM": Reason("invalid", "An item lacks or misstates its HS code, origin, quantity, unit or value"),
    }

    @function(policy=ANY_ONE, callers=("trader", "broker"))
    def lodge(self, ctx: Context, declaration_id: str, customs: str, procedure: str, items: list[dict[str, Any]],
              countries: dict[str, Any], documents: list[str] = []) -> dict[str, Any]:  # noqa: B006
        """Called by: a trader or customs broker, which becomes the declarant. `customs` must be
        the customs of the destination country for an import, of the origin for an export."""
        if not _ID.fullmatch(declaration_id):
            raise ContractError("declaration_id must be 1-64 of A-Z a-z 0-9 _ . : / -")
        if procedure not in PROCEDURES:
            raise ContractError(f"procedure is one of {', '.join(PROCEDURES)}")
        countries = check_countries(countries)
        office = ctx.read("governance", f"org/{customs}")
        country = countries["destination"] if procedure == "import" else countries["origin"]
        if office is None or "customs" not in office.get("roles", []) or office.get("country") != country:
            raise ContractError(f"{customs} is not the customs of {country}", reason="WRONG_CUSTOMS", customs=customs)
        if not 0 < len(items) <= MAX_ITEMS:
            raise ContractError(f"a declaration has 1 to {MAX_ITEMS} items", reason="BAD_ITEM")
        checked = [_item(n, item) for n, item in enumerate(items, start=1)]
        if ctx.get(f"declaration/{declaration_id}") is not None:
            raise ContractError(f"declaration {declaration_id} exists", reason="ALREADY_EXISTS")
        record = {"id": declaration_id, "declarant": ctx.caller.org, "customs": customs, "procedure": procedure,
                  "parties": sorted({ctx.caller.org, customs}), "countries": countries,
                  "items": checked, "documents": list(documents), "status": "lodged", "channel": None, "flags": [],
                  "history": [{"status": "lodged", "by": ctx.caller.org, "at": ctx.timestamp}]}
        ctx.put(f"declaration/{declaration_id}", stored(Declaration, record, f"declaration {declaration_id}"))
        ctx.set_key_policy(f"declaration/{declaration_id}", {"orgs": [customs]})
        ctx.emit("declaration_lodged", {"id": declaration_id, "customs": customs, "declarant": ctx.caller.org})
        return record

    @function(policy=ANY_ONE, callers=("customs",))
    def screen(self, ctx: Context, declaration_id: str, channel: str, flags: list[str] = []) -> dict[str, Any]:  # noqa: B006
        """Called by: the customs the declaration was lodged with, once: its risk channel and the
        explanation of each flag raised."""
        record = self._mine(ctx, declaration_id)
        if channel not in CHANNELS:
            raise ContractError(f"channel is one of {', '.join(CHANNELS)}")
        if record["status"] != "lodged":
            raise ContractError(f"declaration {declaration_id} is {record['status']}", reason="WRONG_STATE")
        if channel == "green" and flags:
            raise ContractError("a flagged declaration does not go through the green channel")
        status = "accepted" if channel == "green" else "under control"
        record = {**record, "channel": channel, "flags": [str(f)[:500] for f in flags], "status": status,
                  "history": record["history"] + [{"status": status, "by": ctx.caller.org, "at": ctx.timestamp}]}
        ctx.put(f"declaration/{declaration_id}", stored(Declaration, record, f"declaration {declaration_id}"))
        ctx.emit("declaration_screened", {"id": declaration_id, "channel": channel, "flags": len(flags)})
        return record

    @function(policy=ANY_ONE, callers=("customs",))
    def decide(self, ctx: Context, declaration_id: str, outcome: str, note: str = "") -> dict[str, Any]:
        """Called by: the customs the declaration was lodged with, after screening: `released`
        or `rejected`, with a note (what the control found)."""
        record = self._mine(ctx, declaration_id)
        if outcome not in ("released", "rejected"):
            raise ContractError("outcome is released or rejected")
        if record["status"] not in ("accepted", "under control"):
            raise ContractError(f"declaration {declaration_id} is {record['status']}", reason="WRONG_STATE")
        record = {**record, "status": outcome, "note": note[:1000],
                  "history": record["history"] + [{"status": outcome, "by": ctx.caller.org, "at": ctx.timestamp}]}
        ctx.put(f"declaration/{declaration_id}", stored(Declaration, record, f"declaration {declaration_id}"))
        ctx.emit("declaration_decided", {"id": declaration_id, "outcome": outcome})
        return record

    @function(query=True, callers=PARTIES)
    def get(self, ctx: Context, declaration_id: str) -> dict[str, Any]:
        """Called by: the declarant or the customs; to anyone else it does not exist."""
        record = ctx.get(f"declaration/{declaration_id}")
        if record is None:
            raise ContractError(f"no declaration {declaration_id}", reason="NOT_FOUND")
        ctx.require_party(f"declaration/{declaration_id}", record["parties"], f"no declaration {declaration_id}",
                          reason="NOT_FOUND")
        return record  # type: ignore[no-any-return]

    @function(query=True, callers=("customs",))
    def queue(self, ctx: Context, status: str = "") -> list[dict[str, Any]]:
        """Called by: a customs office: the declarations lodged with it (in one status, if given),
        newest lodging last."""
        rows = [value for _, value in ctx.range("declaration/")
                if value["customs"] == ctx.caller.org and (not status or value["status"] == status)]
        return sorted(rows, key=lambda r: (r["history"][0]["at"], r["id"]))

    @staticmethod
    def _mine(ctx: Context, declaration_id: str) -> dict[str, Any]:
        record = ctx.get(f"declaration/{declaration_id}")
        if record is None:
            raise ContractError(f"no declaration {declaration_id}", reason="NOT_FOUND")
        if record["customs"] != ctx.caller.org:
            raise ContractError(f"{declaration_id} was lodged with {record['customs']}", reason="NOT_THE_CUSTOMS")
        return record  # type: ignore[no-any-return]


def _item(n: int, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ContractError(f"item {n} is an object", reason="BAD_ITEM")
    value, quantity = item.get("value"), item.get("quantity")
    hs = str(item.get("hs_code", ""))
    ok = (is_hs_code(hs) and isinstance(item.get("origin"), str) and len(item["origin"]) == 2
          and isinstance(quantity, int) and not isinstance(quantity, bool) and quantity > 0
          and item.get("unit") in UNIT_CODES and isinstance(value, dict) and value.get("currency") in MINOR_UNITS
          and isinstance(value.get("minor"), int) and not isinstance(value.get("minor"), bool) and value["minor"] >= 0)
    if not ok:
        raise ContractError(f"item {n} needs hs_code (6-10 digits), origin (country), quantity (a positive whole number "
                            "of the unit), unit (UN/ECE code) and value {currency, minor}", reason="BAD_ITEM", item=n)
    return {"n": n, "hs_code": hs, "description": str(item.get("description", ""))[:200], "origin": item["origin"],
            "quantity": quantity, "unit": item["unit"], "value": {"currency": value["currency"], "minor": value["minor"]}}
