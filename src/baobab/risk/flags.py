"""The one rule that turns fingerprint matches into flags, shared by the off-ledger
screening index and the on-ledger registry contract (so it is pure and deterministic)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# Strongest first: an exact match is a red flag, every other rule an amber one.
RULES = ("exact", "date_shifted", "amount_changed", "number_changed", "lines_retotalled")
NEAR_RULES = RULES[1:]
RED, AMBER = "red", "amber"
RANK = {rule: i for i, rule in enumerate(RULES)}


def flags_from_hits(hits: Iterable[tuple[str, str, str]], platform: str | None = None) -> list[dict[str, Any]]:
    """Group (rule, platform, registration) hits into one flag per earlier registration.

    Registrations by the screening `platform` itself are not flags: re-screening one's own
    document is not double financing. The order is deterministic (strongest rule, then
    platform and registration), so every endorser computes the same list.
    """
    matched: dict[tuple[str, str], set[str]] = {}
    for rule, reg_platform, registration in hits:
        if reg_platform != platform:
            matched.setdefault((reg_platform, registration), set()).add(rule)
    flags = []
    for (reg_platform, registration), rules in matched.items():
        ordered = sorted(rules, key=RANK.__getitem__)
        flags.append({"level": RED if ordered[0] == "exact" else AMBER, "rule": ordered[0],
                      "platform": reg_platform, "registration": registration, "rules": ordered})
    flags.sort(key=lambda f: (RANK[f["rule"]], f["platform"], f["registration"]))
    return flags
