"""The risk engine: the channel of a declaration (green, yellow, red) from rules its customs keeps,
each flag saying which rule raised it and why.

Rules are data the customs maintains (`Rule`): by origin country, by goods (an HS code prefix:
a chapter, heading or subheading), by trader (one named declarant), by trader history (the
share of a declarant's past declarations that control found wrong, once it has enough of them)
and by price (the misinvoicing filters of `misinvoicing.PriceFilter`: a unit value outside the
range of comparable declarations). A declaration takes the strictest channel any rule gives;
with no rule raised it goes green. Officers' outcomes feed the trader history (`record`), so a
trader whose declarations keep failing control goes to the yellow or red channel by itself.

The engine runs at the customs' own node: its history and rules never leave it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from baobab.customs.misinvoicing import Item, PriceFilter

CHANNELS = ("green", "yellow", "red")
KINDS = ("origin", "goods", "trader", "history", "price")


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str                 # one of KINDS
    channel: str              # yellow or red
    reason: str               # said to the officer and the declarant
    match: str = ""           # origin: country; goods: HS prefix; trader: organisation id
    share: Decimal = Decimal("0.2")   # history: the share of failed controls that raises it
    minimum: int = 5          # history: past declarations needed before the share counts

    def __post_init__(self) -> None:
        if self.kind not in KINDS or self.channel not in ("yellow", "red"):
            raise ValueError(f"rule {self.id}: kind is one of {KINDS}, channel yellow or red")


@dataclass
class TraderHistory:
    controls: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    def share(self, trader: str) -> tuple[int, Decimal]:
        count = self.controls[trader]
        return count, (Decimal(self.failed[trader]) / count if count else Decimal(0))


def items_of(record: dict[str, Any]) -> list[Item]:
    return [Item(record["id"], i["hs_code"][:6], i["origin"], i["unit"], i["value"]["currency"], i["value"]["minor"],
                 Decimal(i["quantity"])) for i in record["items"]]


class RiskEngine:
    def __init__(self, rules: list[Rule], prices: PriceFilter | None = None) -> None:
        self.rules, self.prices, self.history = list(rules), prices, TraderHistory()

    def record(self, declarant: str, failed: bool) -> None:
        """An officer's outcome after control: `failed` when the declaration was wrong (rejected
        or re-valued)."""
        self.history.controls[declarant] += 1
        if failed:
            self.history.failed[declarant] += 1

    def learn(self, decided: list[dict[str, Any]]) -> "RiskEngine":
        """Record the outcome of every declaration the office has decided: wrong when it was
        rejected or assessed on a value other than the one declared."""
        for record in decided:
            if record["status"] not in ("released", "rejected"):
                continue
            lines = (record.get("assessment") or {}).get("lines", [])
            revalued = any(line["declared_value"]["minor"] != item["value"]["minor"]
                           for line, item in zip(lines, record["items"]))
            self.record(record["declarant"], record["status"] == "rejected" or revalued)
        return self

    def screen(self, record: dict[str, Any]) -> tuple[str, list[str]]:
        """(channel, flags) of a declaration record; every flag names its rule and its reason."""
        raised: list[tuple[str, str]] = []
        for rule in self.rules:
            raised += [(rule.channel, f"{rule.id}: {why}") for why in self._apply(rule, record)]
        if not raised:
            return "green", []
        channel = max((c for c, _ in raised), key=CHANNELS.index)
        return channel, [flag for _, flag in raised]

    def _apply(self, rule: Rule, record: dict[str, Any]) -> list[str]:
        items = record["items"]
        if rule.kind == "origin":
            return [f"{rule.reason} (item {i['n']} from {i['origin']})" for i in items if i["origin"] == rule.match]
        if rule.kind == "goods":
            return [f"{rule.reason} (item {i['n']}, HS {i['hs_code']})" for i in items if i["hs_code"].startswith(rule.match)]
        if rule.kind == "trader":
            return [f"{rule.reason} ({record['declarant']})"] if record["declarant"] == rule.match else []
        if rule.kind == "history":
            count, share = self.history.share(record["declarant"])
            if count >= rule.minimum and share >= rule.share:
                return [f"{rule.reason} ({record['declarant']}: {share:.0%} of {count} controls found wrong)"]
            return []
        if self.prices is None:
            return []
        return [flag.explain().split(": ", 1)[1] for item in items_of(record) for flag in self.prices.check(item)]


def default_rules() -> list[Rule]:
    """The rules a customs starts from (it edits them as its controls teach it)."""
    return [Rule("PRICE", "price", "red", "unit value far from comparable declarations"),
            Rule("HISTORY", "history", "yellow", "many past declarations of this trader failed control")]
