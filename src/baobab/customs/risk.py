"""The risk engine: the channel of a declaration (green, yellow, red) from rules its customs keeps,
each flag saying which rule raised it and why.

Rules are data the customs maintains (`Rule`): by origin country, by goods (an HS code prefix:
a chapter, heading or subheading), by trader (one named declarant), by trader history (the
share of a declarant's past controls found wrong, once it has enough of them), by price
(the misinvoicing filters of `misinvoicing.PriceFilter`: a unit value outside the range of
comparable declarations, with the rule's thresholds) and by mirror (the export declaration of the
same shipment, shared by the customs of origin, says another value or quantity). A declaration takes the strictest
channel any enabled rule gives; with no rule raised it goes green. The outcomes officers record
(`customs_risk.record_outcome`) feed the trader history (`learn`), so a trader whose declarations
keep failing control goes to the yellow or red channel by itself, and give each rule its hit rate
(`hit_rates`), which tells the office which rules to keep.

The office keeps its rules on the ledger (`contracts/customs/risk_rules.py`, versioned, each
change with who made it and when); `screen_at_office` applies the version in force. The engine
runs at the customs' own node: its rules, history and outcomes are the office's own.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from baobab.contracts.customs.risk_rules import KINDS
from baobab.customs.misinvoicing import Item, PriceFilter, mirror

CHANNELS = ("green", "yellow", "red")


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str                 # one of KINDS
    channel: str              # yellow or red
    reason: str               # said to the officer and the declarant
    match: str = ""           # origin: country; goods: HS prefix; trader: organisation id
    share: Decimal = Decimal("0.2")   # history: the share of failed controls that raises it
    minimum: int = 5          # history: past controls needed before the share counts
    iqr_factor: Decimal = Decimal("1.5")  # price: Tukey's fences k
    z_limit: Decimal = Decimal("3.5")     # price: robust z-score limit
    min_comparables: int = 20             # price: comparables needed to say anything
    enabled: bool = True
    tolerance: Decimal = Decimal("0.1")   # mirror: freight and insurance the import value may add

    def __post_init__(self) -> None:
        if self.kind not in KINDS or self.channel not in ("yellow", "red"):
            raise ValueError(f"rule {self.id}: kind is one of {KINDS}, channel yellow or red")

    @classmethod
    def of(cls, stored: dict[str, Any]) -> "Rule":
        """A rule as `customs_risk` stores it (decimals as strings)."""
        return cls(stored["id"], stored["kind"], stored["channel"], stored["reason"], stored.get("match", ""),
                   Decimal(stored.get("share", "0.2")), stored.get("minimum", 5), Decimal(stored.get("iqr_factor", "1.5")),
                   Decimal(stored.get("z_limit", "3.5")), stored.get("min_comparables", 20), stored.get("enabled", True),
                   Decimal(stored.get("tolerance", "0.1")))

    def stored(self) -> dict[str, Any]:
        """The argument of `customs_risk.set_rule` for this rule."""
        return {"id": self.id, "kind": self.kind, "channel": self.channel, "reason": self.reason, "match": self.match,
                "share": str(self.share), "minimum": self.minimum, "iqr_factor": str(self.iqr_factor),
                "z_limit": str(self.z_limit), "min_comparables": self.min_comparables, "enabled": self.enabled,
                "tolerance": str(self.tolerance)}


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


def same_shipment(exported: dict[str, Any], imported: dict[str, Any]) -> bool:
    """Two declarations of one shipment: the same transport document or the same invoice."""
    a, b = exported.get("shipment", {}), imported.get("shipment", {})
    return any(a.get(part) and b.get(part) and a[part][field] == b[part][field]
               for part, field in (("transport", "document"), ("invoice", "number")))


class RiskEngine:
    def __init__(self, rules: list[Rule], prices: PriceFilter | None = None,
                 exports: list[dict[str, Any]] | None = None) -> None:
        """`exports`: export declarations the customs of origin shared with this office (mirror checks)."""
        self.rules, self.prices, self.history = list(rules), prices, TraderHistory()
        self.exports = exports or []

    def record(self, declarant: str, failed: bool) -> None:
        """An officer's outcome after control: `failed` when the declaration was wrong (rejected
        or re-valued)."""
        self.history.controls[declarant] += 1
        if failed:
            self.history.failed[declarant] += 1

    def learn(self, outcomes: list[dict[str, Any]]) -> "RiskEngine":
        """Record the outcomes of control the office's officers recorded (`customs_risk.outcomes`)."""
        for outcome in outcomes:
            self.record(outcome["declarant"], outcome["found"])
        return self

    def screen(self, record: dict[str, Any]) -> tuple[str, list[str]]:
        """(channel, flags) of a declaration record; every flag names its rule and its reason."""
        raised: list[tuple[str, str]] = []
        for rule in (r for r in self.rules if r.enabled):
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
        if rule.kind == "mirror":
            return self._mirror(rule, record)
        if self.prices is None:
            return []
        return [flag.explain().split(": ", 1)[1] for item in items_of(record)
                for flag in self.prices.check(item, iqr_factor=rule.iqr_factor, z_limit=rule.z_limit,
                                              min_comparables=rule.min_comparables)]


    def _mirror(self, rule: Rule, record: dict[str, Any]) -> list[str]:
        """Each item of an import declaration against the same item (number and HS code) of the
        export declaration of the same shipment."""
        if record["procedure"] != "import":
            return []
        found = []
        for exported in (e for e in self.exports if same_shipment(e, record)):
            sent = {(i.n, i.hs6): i for i in items_of_numbered(exported)}
            for item in items_of_numbered(record):
                flag = sent.get((item.n, item.hs6)) and mirror(sent[(item.n, item.hs6)].item, item.item,
                                                                tolerance=rule.tolerance)
                if flag:
                    found.append(f"{rule.reason}: item {item.n} {flag.explain().split(': ', 1)[1]}")
        return found


@dataclass(frozen=True)
class _Numbered:
    n: int
    hs6: str
    item: Item


def items_of_numbered(record: dict[str, Any]) -> list[_Numbered]:
    return [_Numbered(i["n"], i["hs_code"][:6], item) for i, item in zip(record["items"], items_of(record))]


def default_rules() -> list[Rule]:
    """The rules a customs starts from until it sets its own (it edits them as its controls teach it)."""
    return [Rule("PRICE", "price", "red", "unit value far from comparable declarations"),
            Rule("MIRROR", "mirror", "red", "the export declaration of this shipment says otherwise"),
            Rule("HISTORY", "history", "yellow", "many past declarations of this trader failed control")]


def office_rules(rules: dict[str, Any]) -> list[Rule]:
    """The rules in force at an office, from its `customs_risk.rules` record: the defaults while it
    has set none (version 0)."""
    if not rules.get("version"):
        return default_rules()
    return [Rule.of(stored) for _, stored in sorted(rules["rules"].items())]


def hit_rates(outcomes: list[dict[str, Any]]) -> dict[str, tuple[int, int]]:
    """Per rule: (declarations it sent to control whose outcome was recorded, of them found wrong)."""
    rates: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for outcome in outcomes:
        for rule_id in outcome["rules"]:
            rates[rule_id][0] += 1
            rates[rule_id][1] += bool(outcome["found"])
    return {rule_id: (n, found) for rule_id, (n, found) in rates.items()}


def screen_at_office(queue: list[dict[str, Any]], record: dict[str, Any], rules: dict[str, Any],
                     outcomes: list[dict[str, Any]], exports: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The `customs_declarations.screen` arguments for `record` at its office: the office's rules
    in force (`rules`, its `customs_risk.rules` record, whose version is named so the ledger
    refuses a screening computed with superseded rules), price filters over the office's other
    released declarations (`queue`), the trader history of its officers' `outcomes`, and mirror
    checks against the export declarations shared with it (`exports`, `customs_declarations.shared`)."""
    history = [item for other in queue if other["id"] != record["id"] and other["status"] == "released"
               for item in items_of(other)]
    in_force = office_rules(rules)
    floor = min([r.min_comparables for r in in_force if r.kind == "price"] or [20])
    engine = RiskEngine(in_force, PriceFilter(history, min_comparables=floor), exports).learn(outcomes)
    channel, flags = engine.screen(record)
    return {"declaration_id": record["id"], "channel": channel, "flags": flags, "rules_version": rules.get("version", 0)}
