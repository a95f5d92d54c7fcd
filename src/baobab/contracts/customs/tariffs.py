"""Tariff schedules on the ledger: each customs publishes its own country's schedule (HS heading ->
rate, preferential rates by agreement, taxes), so a declarant can redo its assessment and every
customs assesses from the schedule in force when it assesses. The arithmetic and the schedule's
shape are `baobab.customs.duties`.

    publish    a customs: the schedule of its own country (a new version replaces the last;
               the versions are kept)
    schedule   any member: the schedule in force for a country (tariffs are public)

Keys: `tariff/<country>` (in force), `tariff/<country>/<version>` (every version published).
"""

from __future__ import annotations

from typing import Any

from baobab.customs.duties import check_schedule
from baobab.ledger.contract import ANY_MEMBER, Context, Contract, ContractError, Reason, function


def in_force(ctx: Context, country: str) -> dict[str, Any] | None:
    """The schedule in force for `country`, read from another contract."""
    return ctx.read(Tariffs.name, f"tariff/{country}")  # type: ignore[no-any-return]


class Tariffs(Contract):
    name = "customs_tariffs"
    reasons = {
        "BAD_SCHEDULE": Reason("invalid", "The tariff schedule is malformed"),
        "NOT_THIS_COUNTRY": Reason("forbidden", "A customs publishes the schedule of its own country only"),
        "NO_SCHEDULE": Reason("not_found", "No tariff schedule is published for that country"),
    }

    @function(policy={"role": "*"}, callers=("customs",))
    def publish(self, ctx: Context, schedule: dict[str, Any]) -> dict[str, Any]:
        """Called by: a customs, for its own country (its membership record's country)."""
        checked = check_schedule(schedule)
        office = ctx.read("governance", f"org/{ctx.caller.org}") or {}
        if checked["country"] != office.get("country"):
            raise ContractError(f"{ctx.caller.org} is the customs of {office.get('country')}, not {checked['country']}",
                                reason="NOT_THIS_COUNTRY")
        if ctx.get(f"tariff/{checked['country']}/{checked['version']}") is not None:
            raise ContractError(f"version {checked['version']} is already published", reason="ALREADY_EXISTS")
        record = {**checked, "published_by": ctx.caller.org, "published_at": ctx.timestamp}
        ctx.put(f"tariff/{checked['country']}", record)
        ctx.put(f"tariff/{checked['country']}/{checked['version']}", record)
        ctx.emit("tariff_published", {"country": checked["country"], "version": checked["version"]})
        return record

    @function(query=True, callers=ANY_MEMBER)
    def schedule(self, ctx: Context, country: str) -> dict[str, Any]:
        """Called by: any member (a tariff is public law)."""
        record = ctx.get(f"tariff/{country}") if isinstance(country, str) and len(country) == 2 else None
        if record is None:
            raise ContractError(f"no tariff schedule is published for {country!r}", reason="NO_SCHEDULE")
        return record  # type: ignore[no-any-return]
