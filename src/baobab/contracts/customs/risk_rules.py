"""The risk rules a customs office maintains, versioned on the ledger, and the outcomes of its
controls, which feed them.

    set_rule        the office: add a rule, or change one (same id); every change bumps the
                    office's rules version and is kept with who made it, when, and what it was
                    before and after
    enable_rule     the office: disable a rule (kept, with its record and hit rate) or enable it again
    record_outcome  the office: what the control of one declaration it screened yellow or red found
                    (found or not, the value it adjusted an item to, a note); credited to the rules
                    that raised the declaration's flags and to the declarant's history
    rules           the office: its rules, their version and the change log (version 0: none yet,
                    the engine's defaults apply)
    outcomes        the office: the outcomes it recorded

A declaration screened with `rules_version` (`customs_declarations.screen`) is refused unless
that is the office's current version, so a new declaration's channel comes from the rules in
force. The engine that applies them is `baobab.customs.risk`; rules and outcomes are the
office's own (parties: the office), not shown to traders, whom they would teach to dodge them.

Keys: `rules/<office>` (the rule set, its version and change log), `outcome/<office>/<declaration>`.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from baobab.ledger.contract import PARTIES, Context, Contract, ContractError, Reason, function

KINDS = ("origin", "goods", "trader", "history", "price", "mirror")
MAX_RULES = 100
MAX_CHANGES = 1000  # the change log kept in the record; older changes stay in the key's ledger history
DECLARATIONS = "customs_declarations"
_DECIMAL = r"^(0|[1-9][0-9]{0,3})(\.[0-9]{1,4})?$"
_MATCH = {"origin": re.compile(r"[A-Z]{2}"), "goods": re.compile(r"[0-9]{2,10}"),
          "trader": re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")}
_MATCHES = {"origin": "a country (ISO 3166-1 alpha-2)", "goods": "an HS prefix (2-10 digits)", "trader": "an organisation id"}


class RuleFacts(BaseModel):
    """One rule as stored. `match`: the country (origin), HS prefix (goods) or organisation
    (trader); `share` and `minimum`: the trader-history threshold (share of controls found wrong,
    once that many were recorded); `iqr_factor`, `z_limit`, `min_comparables`: the price filters'
    thresholds (misinvoicing.PriceFilter); `tolerance`: the mirror check's (freight and insurance)."""

    model_config = ConfigDict(extra="forbid", strict=True)
    id: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_-]{0,31}$")
    kind: Literal[KINDS]  # type: ignore[valid-type]
    channel: Literal["yellow", "red"]
    reason: str = Field(min_length=1, max_length=200)
    enabled: bool = True
    match: str = Field("", max_length=64)
    share: str = Field("0.2", pattern=_DECIMAL)
    minimum: int = Field(5, ge=1, le=10_000)
    iqr_factor: str = Field("1.5", pattern=_DECIMAL)
    z_limit: str = Field("3.5", pattern=_DECIMAL)
    min_comparables: int = Field(20, ge=5, le=100_000)
    tolerance: str = Field("0.1", pattern=_DECIMAL)  # mirror: how far the import unit value may exceed the export one


def check_rule(value: Any) -> dict[str, Any]:
    """The rule as stored, or BAD_RULE naming what is wrong."""
    try:
        rule = RuleFacts.model_validate(value).model_dump()
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ContractError(f"rule.{'.'.join(map(str, first['loc']))}: {first['msg']}", reason="BAD_RULE") from None
    pattern = _MATCH.get(rule["kind"])
    if pattern is not None and not pattern.fullmatch(rule["match"]):
        raise ContractError(f"a {rule['kind']} rule matches {_MATCHES[rule['kind']]}", reason="BAD_RULE")
    if pattern is None and rule["match"]:
        raise ContractError(f"a {rule['kind']} rule matches no value", reason="BAD_RULE")
    if rule["kind"] == "history" and not 0 < _ten_thousandths(rule["share"]) <= 10_000:
        raise ContractError("share is above 0 and at most 1", reason="BAD_RULE")
    if rule["kind"] == "price" and 0 in (_ten_thousandths(rule["iqr_factor"]), _ten_thousandths(rule["z_limit"])):
        raise ContractError("price thresholds are above 0", reason="BAD_RULE")
    return rule


def _ten_thousandths(text: str) -> int:
    """A decimal string in ten-thousandths, without floats: '0.25' -> 2500."""
    whole, _, fraction = text.partition(".")
    return int(whole) * 10_000 + int((fraction + "0000")[:4])


def flagged_rules(flags: list[str]) -> list[str]:
    """The ids of the rules that raised a declaration's flags (each flag starts "RULE-ID: ")."""
    ids = {flag.split(":", 1)[0] for flag in flags if ":" in flag}
    return sorted(i for i in ids if re.fullmatch(r"[A-Z0-9][A-Z0-9_-]{0,31}", i))


class RiskRules(Contract):
    name = "customs_risk"
    reasons = {
        "BAD_RULE": Reason("invalid", "The rule is malformed"),
        "NO_RULE": Reason("not_found", "The office has no rule with that id"),
        "TOO_MANY_RULES": Reason("invalid", "An office keeps at most 100 rules"),
        "BAD_OUTCOME": Reason("invalid", "The outcome's adjusted value is malformed"),
        "NOT_THE_CUSTOMS": Reason("forbidden", "Only the customs the declaration was lodged with may do this"),
        "NOT_CONTROLLED": Reason("conflict", "The declaration was not sent to control (yellow or red channel)"),
    }

    @function(policy={"role": "*"}, callers=("customs",))
    def set_rule(self, ctx: Context, rule: dict[str, Any], officer: str = "") -> dict[str, Any]:
        """Called by: a customs office: add a rule or replace the one with the same id. `officer`:
        the person acting (the pages name the signed-in officer), kept in the change log."""
        checked = check_rule(rule)
        record = self._rules(ctx)
        before = record["rules"].get(checked["id"])
        if before is None and len(record["rules"]) >= MAX_RULES:
            raise ContractError(f"at most {MAX_RULES} rules", reason="TOO_MANY_RULES")
        if before == checked:
            return record  # nothing changes, no new version
        return self._change(ctx, record, checked["id"], before, checked, "added" if before is None else "changed", officer)

    @function(policy={"role": "*"}, callers=("customs",))
    def enable_rule(self, ctx: Context, rule_id: str, enabled: bool = False, officer: str = "") -> dict[str, Any]:
        """Called by: a customs office: disable one of its rules (or, `enabled` true, enable it again)."""
        record = self._rules(ctx)
        before = record["rules"].get(rule_id) if isinstance(rule_id, str) else None
        if before is None:
            raise ContractError(f"no rule {rule_id!r}", reason="NO_RULE")
        if before["enabled"] == bool(enabled):
            return record
        return self._change(ctx, record, rule_id, before, {**before, "enabled": bool(enabled)},
                            "enabled" if enabled else "disabled", officer)

    @function(policy={"role": "*"}, callers=("customs",))
    def record_outcome(self, ctx: Context, declaration_id: str, found: bool, adjusted_values: dict[str, int] = {},  # noqa: B006
                       note: str = "", officer: str = "") -> dict[str, Any]:
        """Called by: the customs a declaration was lodged with, once it controlled it (screened
        yellow or red): `found` whether the control found it wrong, `adjusted_values` the customs
        values it set by item number (minor units of the declared currency), a note."""
        declaration = ctx.read(DECLARATIONS, f"declaration/{declaration_id}") if isinstance(declaration_id, str) else None
        if declaration is None:
            raise ContractError(f"no declaration {declaration_id}", reason="NOT_FOUND")
        if declaration["customs"] != ctx.caller.org:
            raise ContractError(f"{declaration_id} was lodged with {declaration['customs']}", reason="NOT_THE_CUSTOMS")
        if declaration.get("channel") not in ("yellow", "red"):
            raise ContractError(f"{declaration_id} was not sent to control", reason="NOT_CONTROLLED")
        items = {str(i["n"]): i for i in declaration["items"]}
        if not isinstance(found, bool) or not isinstance(adjusted_values, dict) or not set(adjusted_values) <= set(items) \
                or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in adjusted_values.values()):
            raise ContractError("found is true or false; adjusted_values maps item numbers to customs values in minor "
                                "units", reason="BAD_OUTCOME")
        key = f"outcome/{ctx.caller.org}/{declaration_id}"
        if ctx.get(key) is not None:
            raise ContractError(f"the outcome of {declaration_id} is recorded", reason="ALREADY_EXISTS")
        adjusted = {n: {"declared": items[n]["value"],
                        "adjusted": {"currency": items[n]["value"]["currency"], "minor": minor}}
                    for n, minor in sorted(adjusted_values.items())}
        record = {"declaration": declaration_id, "customs": ctx.caller.org, "declarant": declaration["declarant"],
                  "channel": declaration["channel"], "rules": flagged_rules(declaration.get("flags", [])),
                  "rules_version": declaration.get("rules_version"), "found": found, "adjusted": adjusted,
                  "note": str(note)[:500], "by": ctx.caller.identity, "officer": str(officer)[:100], "at": ctx.timestamp,
                  "parties": [ctx.caller.org]}
        ctx.put(key, record)
        ctx.emit("control_outcome", {"declaration": declaration_id, "found": found})
        return record

    @function(query=True, callers=("customs",))
    def rules(self, ctx: Context) -> dict[str, Any]:
        """Called by: a customs office: its rules (by id), their version and the change log."""
        return self._rules(ctx)

    @function(query=True, callers=("customs",))
    def outcomes(self, ctx: Context) -> list[dict[str, Any]]:
        """Called by: a customs office: the outcomes of its controls, oldest first."""
        rows = [value for _, value in ctx.range(f"outcome/{ctx.caller.org}/")]
        return sorted(rows, key=lambda r: (r["at"], r["declaration"]))

    @function(query=True, callers=PARTIES)
    def outcome(self, ctx: Context, declaration_id: str) -> dict[str, Any]:
        """Called by: the office that recorded it."""
        return ctx.party_record(f"outcome/{ctx.caller.org}/{declaration_id}",  # type: ignore[no-any-return]
                                f"no outcome of {declaration_id}")

    @staticmethod
    def _rules(ctx: Context) -> dict[str, Any]:
        office = ctx.caller.org
        return ctx.get(f"rules/{office}") or {"customs": office, "version": 0, "rules": {}, "changes": [],
                                              "parties": [office]}

    @staticmethod
    def _change(ctx: Context, record: dict[str, Any], rule_id: str, before: dict[str, Any] | None,
                after: dict[str, Any], what: str, officer: str) -> dict[str, Any]:
        version = record["version"] + 1
        change = {"version": version, "rule": rule_id, "what": what, "by": ctx.caller.identity,
                  "officer": str(officer)[:100], "at": ctx.timestamp, "before": before, "after": after}
        record = {**record, "version": version, "rules": {**record["rules"], rule_id: after},
                  "changes": (record["changes"] + [change])[-MAX_CHANGES:]}
        ctx.put(f"rules/{ctx.caller.org}", record)
        ctx.emit("risk_rule_changed", {"customs": ctx.caller.org, "rule": rule_id, "what": what, "version": version})
        return record
