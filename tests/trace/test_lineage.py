"""A lot's history from its events: backward to the farmers and how much of each delivery, forward
from a delivery, quantities conserved through transformations within the declared yields."""

from __future__ import annotations

import copy
from decimal import Decimal
from fractions import Fraction

import pytest

from baobab.pay.store import SQLiteDatabase
from baobab.trace import anchoring, lineage
from baobab.trace.coffee import BAG_KG, coffee_chain, product_of, yield_problems
from baobab.trace.store import EventStore, event_hash

COOP, ROASTER, OUTSIDER = "SIDAMA-COOP", "ROAST-NL", "KL-FOODS"


def keep(store: EventStore, chain, tag: str = "b") -> None:
    """The chain's documents as their owners' batches (what a capture keeps, without the ledger)."""
    for i, (org, doc, share) in enumerate(chain.documents):
        events = doc["epcisBody"]["eventList"]
        hashes = [event_hash(e) for e in events]
        store.add_batch(f"{org}/{tag}{i}", org, sorted({org, *share}), doc["@context"], anchoring.root_of(hashes),
                        events, hashes, "2026-01-01T00:00:00Z")


@pytest.fixture
def small(tmp_path):
    store = EventStore(SQLiteDatabase(tmp_path / "trace.sqlite"))
    chain = coffee_chain(farmers=12, green_lots=3, deliveries_per_lot=4, bags_per_lot=2, seed=11)
    keep(store, chain)
    return store, chain


def green_kg(chain, lot: str) -> Fraction:
    return next(Fraction(Decimal(str(q["quantity"]))) for e in chain.events() for q in e.get("outputQuantityList", [])
                if q["epcClass"] == lot)


def test_a_bag_holds_its_share_of_each_delivery_of_its_lot(small):
    store, chain = small
    bag = chain.bags[0]  # the first of the first lot's bags
    trace = lineage.backward(store, ROASTER, bag)
    first_lot = [d for d in chain.deliveries if "-0000-" in d.lot]
    assert sorted(d.lot for d in trace.deliveries) == sorted(d.lot for d in first_lot)
    # the bag is 60 kg of the lot's green coffee: that fraction of every delivery into the lot
    share = Fraction(BAG_KG) / green_kg(chain, chain.green_lots[0])
    for d in trace.deliveries:
        assert d.contained == share * d.delivered
    assert trace.amounts[chain.green_lots[0]] == BAG_KG


def test_the_container_holds_every_bagged_delivery_and_travelled_under_its_bill_of_lading(small):
    store, chain = small
    trace = lineage.backward(store, ROASTER, chain.container)
    assert {d.lot for d in trace.deliveries} == {d.lot for d in chain.deliveries}
    assert {t for t, _ in trace.transactions} == {"bol"}
    assert sum(trace.amounts[g] for g in chain.green_lots) == BAG_KG * len(chain.bags)
    assert set(trace.farmers()) == {d.farmer for d in chain.deliveries}


def test_forward_a_delivery_reaches_its_bags_container_and_roasted_lot(small):
    store, chain = small
    delivery = chain.deliveries[0]
    trace = lineage.forward(store, COOP, delivery.lot)
    first_bags = [b for b in chain.bags if b.endswith(("0000000", "0000001"))]
    share = Fraction(BAG_KG) / green_kg(chain, chain.green_lots[0])
    for bag in first_bags:
        assert trace.holders[bag] == share
    assert trace.holders[chain.container] == share * len(first_bags)
    assert trace.holders[chain.roasted_lot] == share * 2  # the roaster roasted the first two bags


def test_backward_and_forward_agree(small):
    store, chain = small
    for delivery in chain.deliveries:
        onward = lineage.forward(store, COOP, delivery.lot).holders.get(chain.container, Fraction(0))
        back = next((d.contained for d in lineage.backward(store, ROASTER, chain.container).deliveries
                     if d.lot == delivery.lot), Fraction(0))
        assert back == onward * Fraction(delivery.kg)


def test_an_organisation_walks_only_the_events_shared_with_it(small):
    store, chain = small
    assert lineage.backward(store, OUTSIDER, chain.bags[0]).deliveries == []


def test_quantities_are_conserved_within_the_declared_yields(small):
    _, chain = small
    assert yield_problems(chain.events()) == []
    events = copy.deepcopy(chain.events())
    hulling = next(e for e in events if e.get("outputQuantityList") and product_of(e["outputQuantityList"][0]["epcClass"]) == "green")
    hulling["outputQuantityList"][0]["quantity"] *= 1.3  # more green coffee out than the parchment can give
    problems = yield_problems(events)
    assert len(problems) == 1 and problems[0].startswith("parchment>green")


def test_ten_thousand_farmers_and_a_thousand_lots(tmp_path):
    store = EventStore(SQLiteDatabase(tmp_path / "big.sqlite"))
    chain = coffee_chain(farmers=10_000, green_lots=1_000, deliveries_per_lot=10, bags_per_lot=1, seed=15)
    keep(store, chain)
    assert len({d.farmer for d in chain.deliveries}) == 10_000 and len(chain.green_lots) == 1_000
    some_bag = chain.bags[537]
    back = lineage.backward(store, ROASTER, some_bag)
    lot = "-0537-"
    assert sorted(d.lot for d in back.deliveries) == sorted(d.lot for d in chain.deliveries if lot in d.lot)
    farmer = chain.deliveries[5_371]
    onward = lineage.forward(store, COOP, farmer.lot)
    bags = [k for k in onward.holders if product_of(k) == "bag"]
    assert len(bags) == 1 and chain.container in onward.holders
    whole = lineage.backward(store, ROASTER, chain.container)
    assert len(whole.deliveries) == len(chain.deliveries) and len(whole.farmers()) == len({d.farmer for d in chain.deliveries})
