"""A coffee chain as EPCIS 2.0 documents: cherries delivered by farmers at collection stations,
pulped and dried into parchment, hulled into green coffee, bagged, loaded into a container that
travels under a bill of lading, received and roasted. Story 6 plays it; the tests and the
benchmarks generate chains of any size from a seed.

Keys are GS1 keys under two demonstration company prefixes (GS1's 952 range is reserved for
examples): the cooperative numbers its farmers (party GLNs, AI 417), stations (GLNs), lots
(LGTINs), bags (SGTINs) and containers (SSCCs); the roaster its roasted lots. Quantities are
kilograms with one decimal, as scales at a station print them.

The conversion ratios are the cooperative's declared ranges for each step (`DECLARED_YIELDS`):
a transformation outside its range is reported by `yield_problems`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction
from typing import Any

from baobab.trace.identifiers import lgtin, sgtin, with_check_digit

COOP_PREFIX, ROASTER_PREFIX = "9524321", "9528765"
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]
BAG_KG = 60
# kg out per kg in, as the cooperative declares them for its stations and mill, and the roaster for roasting
DECLARED_YIELDS = {"cherries>parchment": (Fraction(18, 100), Fraction(22, 100)),
                   "parchment>green": (Fraction(76, 100), Fraction(84, 100)),
                   "green>roasted": (Fraction(80, 100), Fraction(88, 100))}


def _gtin(prefix: str, item: int) -> str:
    return with_check_digit("0" + prefix + f"{item:0{12 - len(prefix)}d}")


PRODUCTS = {"cherries": _gtin(COOP_PREFIX, 1), "parchment": _gtin(COOP_PREFIX, 2), "green": _gtin(COOP_PREFIX, 3),
            "bag": _gtin(COOP_PREFIX, 4), "roasted": _gtin(ROASTER_PREFIX, 1)}
PRODUCT_OF_GTIN = {gtin: name for name, gtin in PRODUCTS.items()}


def farmer_key(number: int) -> str:
    return f"https://id.gs1.org/417/{with_check_digit(COOP_PREFIX + f'{number:05d}')}"


def station_key(number: int) -> str:
    return f"https://id.gs1.org/414/{with_check_digit(COOP_PREFIX + '9' + f'{number:04d}')}"


def container_key(number: int) -> str:
    return f"https://id.gs1.org/00/{with_check_digit('0' + COOP_PREFIX + f'{number:09d}')}"


COOP_PARTY = f"https://id.gs1.org/417/{with_check_digit(COOP_PREFIX + '00000')}"
ROASTER_PARTY = f"https://id.gs1.org/417/{with_check_digit(ROASTER_PREFIX + '00000')}"
ROASTERY = f"https://id.gs1.org/414/{with_check_digit(ROASTER_PREFIX + '00001')}"
DRY_MILL = f"https://id.gs1.org/414/{with_check_digit(COOP_PREFIX + '80001')}"


def product_of(key: str) -> str | None:
    """cherries, parchment, green, bag or roasted, from the GTIN in a lot's or item's key."""
    parts = key.split("/")
    return PRODUCT_OF_GTIN.get(parts[parts.index("01") + 1]) if "01" in parts else None


def kg(value: Decimal) -> float:
    """A one-decimal kilogram figure as a JSON number (exact: 0.1 steps print back as written)."""
    return float(value.quantize(Decimal("0.1")))


@dataclass
class Delivery:
    farmer: str
    lot: str
    kg: Decimal
    station: str
    time: str


@dataclass
class Chain:
    deliveries: list[Delivery] = field(default_factory=list)
    green_lots: list[str] = field(default_factory=list)
    bags: list[str] = field(default_factory=list)
    container: str = ""
    roasted_lot: str = ""
    documents: list[tuple[str, dict[str, Any], list[str]]] = field(default_factory=list)  # (org, document, share with)

    def events(self) -> list[dict[str, Any]]:
        return [e for _, doc, _ in self.documents for e in doc["epcisBody"]["eventList"]]


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def document(events: list[dict[str, Any]], created: datetime) -> dict[str, Any]:
    return {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": _stamp(created),
            "epcisBody": {"eventList": events}}


def _event(kind: str, moment: datetime, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "eventTime": _stamp(moment), "eventTimeZoneOffset": "+03:00", **fields}


def _quantity(key: str, amount: Decimal) -> dict[str, Any]:
    return {"epcClass": key, "quantity": kg(amount), "uom": "KGM"}


def coffee_chain(*, farmers: int, green_lots: int, deliveries_per_lot: int, bags_per_lot: int, seed: int = 6,
                 start: datetime | None = None, bill_of_lading: str | None = None, stations: int = 4,
                 roast_bags: int = 2, run: str = "") -> Chain:
    """A chain of `green_lots` lots, each from `deliveries_per_lot` deliveries by farmers drawn
    from `farmers` (each of them once, in a random order, before any delivers again), each lot
    filling up to `bags_per_lot` bags of 60 kg, every bag loaded into one container; the roaster
    roasts `roast_bags` of them. `run` makes lot numbers unique per run."""
    rng = random.Random(seed)
    waiting: list[int] = []  # the farmers who have not yet delivered in this round

    def next_farmer() -> str:
        if not waiting:
            waiting.extend(range(1, farmers + 1))
            rng.shuffle(waiting)
        return farmer_key(waiting.pop())

    begin = start or datetime.now(timezone.utc) - timedelta(days=40)
    chain = Chain(container=container_key(rng.randrange(10**8)))
    coop: list[dict[str, Any]] = []
    tag = run or f"{seed}"
    for n in range(green_lots):
        day = begin + timedelta(hours=n)
        station = station_key(n % stations + 1)
        while True:  # a lot must fill at least one bag
            amounts = [Decimal(rng.randrange(300, 2500)) / 10 for _ in range(deliveries_per_lot)]
            p_yield = Decimal(rng.randrange(190, 211)) / 1000
            g_yield = Decimal(rng.randrange(780, 821)) / 1000
            parchment = (sum(amounts) * p_yield).quantize(Decimal("0.1"))
            green = (parchment * g_yield).quantize(Decimal("0.1"))
            if green >= BAG_KG:
                break
            deliveries_per_lot += 1
        deliveries = []
        for d, amount in enumerate(amounts):
            farmer = next_farmer()
            lot = lgtin(PRODUCTS["cherries"], f"D{tag}-{n:04d}-{d:03d}").digital_link()
            moment = day + timedelta(minutes=d)
            deliveries.append(Delivery(farmer, lot, amount, station, _stamp(moment)))
            coop.append(_event("ObjectEvent", moment, action="ADD", bizStep="receiving", disposition="in_progress",
                               quantityList=[_quantity(lot, amount)], readPoint={"id": station}, bizLocation={"id": station},
                               sourceList=[{"type": "owning_party", "source": farmer}],
                               destinationList=[{"type": "owning_party", "destination": COOP_PARTY}]))
        chain.deliveries += deliveries
        parchment_lot = lgtin(PRODUCTS["parchment"], f"P{tag}-{n:04d}").digital_link()
        green_lot = lgtin(PRODUCTS["green"], f"G{tag}-{n:04d}").digital_link()
        chain.green_lots.append(green_lot)
        coop.append(_event("TransformationEvent", day + timedelta(days=12), bizStep="commissioning",
                           disposition="in_progress", bizLocation={"id": station},
                           inputQuantityList=[_quantity(d.lot, d.kg) for d in deliveries],
                           outputQuantityList=[_quantity(parchment_lot, parchment)]))
        coop.append(_event("TransformationEvent", day + timedelta(days=20), bizStep="commissioning",
                           disposition="in_progress", bizLocation={"id": DRY_MILL},
                           inputQuantityList=[_quantity(parchment_lot, parchment)],
                           outputQuantityList=[_quantity(green_lot, green)]))
        count = min(bags_per_lot, int(green // BAG_KG))
        bags = [sgtin(PRODUCTS["bag"], f"{tag}{n:04d}{b:03d}").digital_link() for b in range(count)]
        chain.bags += bags
        coop.append(_event("TransformationEvent", day + timedelta(days=21), bizStep="commissioning",
                           disposition="active", bizLocation={"id": DRY_MILL},
                           inputQuantityList=[_quantity(green_lot, Decimal(BAG_KG * count))], outputEPCList=bags))
    loaded = begin + timedelta(days=25)
    coop.append(_event("AggregationEvent", loaded, action="ADD", bizStep="loading", disposition="in_progress",
                       parentID=chain.container, childEPCs=list(chain.bags), bizLocation={"id": DRY_MILL}))
    shipped = _event("TransactionEvent", loaded + timedelta(hours=6), action="ADD", bizStep="shipping",
                     disposition="in_transit", parentID=chain.container, epcList=list(chain.bags),
                     sourceList=[{"type": "owning_party", "source": COOP_PARTY}],
                     destinationList=[{"type": "owning_party", "destination": ROASTER_PARTY}],
                     bizTransactionList=[{"type": "bol", "bizTransaction": bill_of_lading or f"urn:baobab:bol:{tag}"}])
    coop.append(shipped)
    chain.documents.append(("SIDAMA-COOP", document(coop, loaded + timedelta(hours=7)), ["ROAST-NL"]))
    arrived = begin + timedelta(days=33)
    roasted = [b for b in chain.bags[:roast_bags]]
    chain.roasted_lot = lgtin(PRODUCTS["roasted"], f"R{tag}-0001").digital_link()
    roasted_kg = (Decimal(BAG_KG * len(roasted)) * Decimal(rng.randrange(820, 861)) / 1000).quantize(Decimal("0.1"))
    roaster = [
        _event("ObjectEvent", arrived, action="OBSERVE", bizStep="receiving", disposition="in_progress",
               epcList=[chain.container], bizLocation={"id": ROASTERY}, readPoint={"id": ROASTERY}),
        _event("AggregationEvent", arrived + timedelta(hours=2), action="DELETE", bizStep="unpacking",
               disposition="in_progress", parentID=chain.container, childEPCs=list(chain.bags), bizLocation={"id": ROASTERY}),
        _event("TransformationEvent", arrived + timedelta(days=2), bizStep="commissioning", disposition="active",
               bizLocation={"id": ROASTERY}, inputEPCList=roasted, outputQuantityList=[_quantity(chain.roasted_lot, roasted_kg)]),
    ]
    chain.documents.append(("ROAST-NL", document(roaster, arrived + timedelta(days=3)), ["SIDAMA-COOP"]))
    return chain


def yield_problems(events: list[dict[str, Any]]) -> list[str]:
    """Transformations whose output weighs more, or less, than the declared yield of the step allows."""
    problems = []
    for e in events:
        if e.get("type") != "TransformationEvent":
            continue
        ins, outs = e.get("inputQuantityList", []), e.get("outputQuantityList", [])
        if not ins or not outs:
            continue  # bagging (out: numbered bags) and roasting (in: bags) are weighed by the bag
        kinds = {product_of(q["epcClass"]) for q in ins}, {product_of(q["epcClass"]) for q in outs}
        if len(kinds[0]) != 1 or len(kinds[1]) != 1:
            continue
        step = f"{kinds[0].pop()}>{kinds[1].pop()}"
        bounds = DECLARED_YIELDS.get(step)
        if bounds is None:
            continue
        got = Fraction(Decimal(str(sum(Decimal(str(q["quantity"])) for q in outs)))) / \
            Fraction(Decimal(str(sum(Decimal(str(q["quantity"])) for q in ins))))
        if not bounds[0] <= got <= bounds[1]:
            problems.append(f"{step} at {e['eventTime']}: yield {float(got):.3f} outside the declared "
                            f"{float(bounds[0]):.2f}-{float(bounds[1]):.2f}")
    return problems
