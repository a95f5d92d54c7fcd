"""A lot's history from its EPCIS events, backward to the farmers' deliveries and forward from them.

The events say how goods became other goods:
- a delivery is an ObjectEvent that ADDs a quantity of a lot (an LGTIN) with a source, the
  farmer (sourceList): the lot is that delivery;
- a TransformationEvent turns inputs (lots by quantity, or numbered items) into outputs: each
  output holds its share of every input (its quantity over all outputs' quantities, or one
  numbered item among the outputs), and an input lot by quantity gives the fraction of that lot
  the quantity is (over the quantity the lot was made or delivered with);
- an AggregationEvent ADDs children (bags) to a parent (a container's SSCC).

`backward(store, org, key)` says which deliveries, and how much of each (in the unit the farmer
delivered), are in the goods `key` names; `forward(store, org, key)` where a delivery went and
how much of it each lot, bag or container holds. Fractions are exact (no floats) and only the
events `org` may read are walked. Every event walked is listed, so each can be shown with its
proof of anchoring.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Any

from baobab.trace.identifiers import canonical
from baobab.trace.store import EventStore, StoredEvent

MAX_DEPTH = 64
ROLES = ("epc", "parent", "child", "input", "output", "quantity")  # the roles lineage follows  # a supply chain is never deeper; a cycle in bad data stops here


def _q(text: str | None) -> Fraction:
    return Fraction(Decimal(text)) if text is not None else Fraction(1)


def display(amount: Fraction, places: int = 3) -> str:
    """An exact amount shown as a decimal (for people; computations keep the fraction)."""
    return str(round(Decimal(amount.numerator) / Decimal(amount.denominator), places))


@dataclass
class Delivery:
    lot: str
    farmer: str
    event_id: str
    event_hash: str
    event_time: str
    place: str | None
    delivered: Fraction
    unit: str | None
    contained: Fraction = Fraction(0)

    def to_dict(self) -> dict[str, Any]:
        return {"lot": self.lot, "farmer": self.farmer, "event_id": self.event_id, "event_hash": self.event_hash,
                "event_time": self.event_time, "collection_point": self.place, "delivered": display(self.delivered),
                "contained": display(self.contained), "unit": self.unit,
                "share_of_delivery": display(self.contained / self.delivered if self.delivered else Fraction(0), 6)}


@dataclass
class Trace:
    key: str
    deliveries: list[Delivery] = field(default_factory=list)
    holders: dict[str, Fraction] = field(default_factory=dict)  # forward: key -> how much of the start it holds
    amounts: dict[str, Fraction] = field(default_factory=dict)  # backward: lot -> how much of it (its unit) is in the goods
    events: dict[str, StoredEvent] = field(default_factory=dict)
    transactions: set[tuple[str, str]] = field(default_factory=set)  # (type, business transaction id)

    def farmers(self) -> dict[str, Fraction]:
        out: dict[str, Fraction] = {}
        for d in self.deliveries:
            out[d.farmer] = out.get(d.farmer, Fraction(0)) + d.contained
        return out

    def to_dict(self) -> dict[str, Any]:
        ordered = sorted(self.events.values(), key=lambda e: (e.event_time, e.event_hash))
        return {"key": self.key,
                "deliveries": [d.to_dict() for d in sorted(self.deliveries, key=lambda d: (d.farmer, d.lot))],
                "farmers": {f: display(q) for f, q in sorted(self.farmers().items())},
                "holders": {k: display(q, 6) for k, q in sorted(self.holders.items())},
                "amounts": {k: display(q, 6) for k, q in sorted(self.amounts.items())},
                "business_transactions": [{"type": t, "id": i} for t, i in sorted(self.transactions)],
                "events": [{"event_id": e.event_id, "event_hash": e.event_hash, "type": e.event_type,
                            "event_time": e.event_time, "biz_step": e.body.get("bizStep"), "org": e.org,
                            "batch_id": e.batch_id} for e in ordered]}


class _Graph:
    """The events `org` may read, looked up by key and role, each lookup made once."""

    def __init__(self, store: EventStore, org: str) -> None:
        self.store, self.org = store, org
        self._cache: dict[str, list[tuple[StoredEvent, str, str | None, str | None]]] = {}
        self._events: dict[str, StoredEvent] = {}

    def naming(self, key: str, *roles: str) -> list[tuple[StoredEvent, str, str | None, str | None]]:
        """Events naming `key` in one of `roles`; every role of a key is read in one query, once."""
        if key not in self._cache:
            self._cache[key] = list(self.store.naming(self.org, key, ROLES, self._events))
        return [row for row in self._cache[key] if row[1] in roles]

    def origin(self, key: str) -> tuple[StoredEvent, str, Fraction, str | None] | None:
        """(event, role, quantity, unit) of the event that made `key`: a transformation's output or a delivery."""
        for event, role, quantity, unit in self.naming(key, "output"):
            if event.event_type == "TransformationEvent":
                return event, role, _q(quantity), unit
        for event, role, quantity, unit in self.naming(key, "quantity", "epc"):
            if event.event_type == "ObjectEvent" and event.body.get("action") == "ADD" and event.body.get("sourceList"):
                return event, role, _q(quantity), unit
        return None

    def children(self, parent: str) -> list[str]:
        """Everything an aggregation ever held (ADDed, in time order): a container's history is what
        it carried, even once it has been unpacked."""
        held: list[str] = []
        for event, _, _, _ in self.naming(parent, "parent"):
            if event.event_type == "AggregationEvent" and event.body.get("action") == "ADD":
                held += [k for k in (canonical(c) for c in event.body.get("childEPCs", [])) if k not in held]
        return held


def _outputs(event: StoredEvent, store: EventStore) -> tuple[list[tuple[str, Fraction]], Fraction]:
    """The transformation's outputs (key, amount) and their total, in one measure."""
    outs = [(k, _q(q)) for k, role, q, _ in store.keys(event.event_hash) if role == "output"]
    return outs, sum((q for _, q in outs), Fraction(0))


def _inputs(event: StoredEvent, store: EventStore) -> list[tuple[str, Fraction | None]]:
    """(input key, the quantity used, or None for a whole numbered item)."""
    return [(k, None if q is None else _q(q)) for k, role, q, _ in store.keys(event.event_hash) if role == "input"]


def _note(trace: Trace, event: StoredEvent) -> None:
    trace.events[event.event_hash] = event
    for bt in event.body.get("bizTransactionList", []):
        trace.transactions.add((bt.get("type", ""), bt["bizTransaction"]))


def backward(store: EventStore, org: str, key: str) -> Trace:
    """Which deliveries, and how much of each, the goods named by `key` hold.

    The events make a graph from the goods down to the deliveries, each edge the fraction of its
    source that goes into its target. It is walked once (a lot shared by 300 bags is expanded
    once), then each node's weight, the fraction of it the goods hold, is pushed down in
    topological order: one multiplication per edge."""
    graph, trace = _Graph(store, org), Trace(canonical(key))
    found: dict[str, Delivery] = {}
    edges: dict[str, list[tuple[str, Fraction]]] = {}
    made_as: dict[str, Fraction] = {}  # how much of each lot was made or delivered (its unit)
    order: list[str] = []  # postorder: every source after the goods made from it, once reversed

    def expand(k: str, depth: int) -> None:
        edges[k] = []
        if depth <= MAX_DEPTH:
            edges[k] = _sources(k)
        for source, _ in edges[k]:
            if source not in edges:  # also stops a cycle in bad data
                expand(source, depth + 1)
        order.append(k)

    def _sources(k: str) -> list[tuple[str, Fraction]]:
        for event, _, _, _ in graph.naming(k, "epc", "parent", "child"):
            if event.event_type in ("TransactionEvent", "AggregationEvent", "ObjectEvent"):
                _note(trace, event)  # shipping, receiving, the bill of lading it travelled under
        children = graph.children(k)
        if children:
            return [(child, Fraction(1)) for child in children]
        made = graph.origin(k)
        if made is None:
            return []
        event, _, quantity, unit = made
        _note(trace, event)
        made_as[k] = quantity
        if event.event_type == "ObjectEvent":
            farmer = canonical(event.body["sourceList"][0]["source"])
            place = event.body.get("bizLocation", {}).get("id") if isinstance(event.body.get("bizLocation"), dict) else None
            found[k] = Delivery(k, farmer, event.event_id, event.event_hash, event.event_time, place and canonical(place),
                                quantity, unit)
            return []
        outputs, total = _outputs(event, store)
        share = (quantity / total) if total else Fraction(1, max(len(outputs), 1))
        sources = []
        for source, used in _inputs(event, store):
            if used is None:
                sources.append((source, share))
                continue
            made_with = graph.origin(source)
            whole = made_with[2] if made_with is not None else used
            sources.append((source, share * (used / whole if whole else Fraction(1))))
        return sources

    expand(trace.key, 0)
    weight: dict[str, Fraction] = {trace.key: Fraction(1)}
    for k in reversed(order):
        w = weight.get(k, Fraction(0))
        if w:
            for source, factor in edges[k]:
                weight[source] = weight.get(source, Fraction(0)) + w * factor
    trace.amounts = {k: weight[k] * q for k, q in made_as.items() if weight.get(k)}
    for lot, delivery in found.items():
        delivery.contained = trace.amounts.get(lot, Fraction(0))
    trace.deliveries = [d for d in found.values() if d.contained]
    return trace


def forward(store: EventStore, org: str, key: str) -> Trace:
    """Where the goods named by `key` went, and what fraction of them each lot, bag or container holds."""
    graph, trace = _Graph(store, org), Trace(canonical(key))

    def walk(k: str, fraction: Fraction, depth: int) -> None:
        if depth > MAX_DEPTH or fraction == 0:
            return
        trace.holders[k] = trace.holders.get(k, Fraction(0)) + fraction
        made = graph.origin(k)
        whole = made[2] if made is not None else None
        for event, role, quantity, _ in graph.naming(k, "input", "child", "epc"):
            _note(trace, event)
            if event.event_type == "AggregationEvent" and role == "child" and event.body.get("action") == "ADD":
                walk(canonical(event.body["parentID"]), fraction, depth + 1)
            elif event.event_type == "TransformationEvent" and role == "input":
                used = fraction if quantity is None or not whole else fraction * _q(quantity) / whole
                outputs, total = _outputs(event, store)
                for out, amount in outputs:
                    walk(out, used * (amount / total if total else Fraction(1, len(outputs))), depth + 1)

    walk(trace.key, Fraction(1), 0)
    return trace


def farmers_in(traces: Iterable[Trace]) -> dict[str, Fraction]:
    total: dict[str, Fraction] = {}
    for t in traces:
        for farmer, q in t.farmers().items():
            total[farmer] = total.get(farmer, Fraction(0)) + q
    return total
