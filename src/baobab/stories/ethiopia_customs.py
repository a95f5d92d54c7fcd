"""Story 8: customs in Ethiopia flags import invoices priced far below the market.

The report found 80% of the Ethiopian import invoices it checked were fake, priced far below the
market to evade duty. Addis Merkato Import Trading lodges four import declarations with the
Ethiopian Customs Commission, each item built from its invoice. Customs screens them against
the unit values of its past declarations of the same HS subheadings (the price filters of
`baobab.customs.misinvoicing`, run at customs' own node: its history never leaves it): the two
declarations priced at a fraction of the usual go through the red channel, each flag saying
which unit value, which reference range and how many comparables; the others are released at
once. After control, customs releases the red ones on duty re-assessed at the reference value.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from baobab.core.errors import BaobabError
from baobab.customs.misinvoicing import Item, PriceFilter
from baobab.stories import Actors, Story, StoryReport

IMPORTER, CUSTOMS = "ADDIS-IMPORT", "ET-CUSTOMS"
CONTRACT = "customs_declarations"
# (HS subheading, description, unit, typical unit value in USD, spread of its logarithm)
GOODS = [("852872", "colour television receivers, 43 inch", "NAR", 180, 0.18),
         ("401110", "new pneumatic tyres for cars", "NAR", 55, 0.15),
         ("300490", "medicaments in measured doses", "KGM", 24, 0.30),
         ("841810", "combined refrigerator-freezers", "NAR", 310, 0.16)]
# What the importer declares: (goods index, quantity, unit value in USD as invoiced)
DECLARED = [(0, 400, "27.50"), (1, 1_200, "54.00"), (2, 2_500, "6.10"), (3, 150, "298.00")]


def customs_history(seed: int = 8, per_goods: int = 60) -> list[Item]:
    """Ethiopian Customs' own past declarations of these goods (generated for the story)."""
    rng = random.Random(seed)
    history = []
    for hs6, _, unit, typical, spread in GOODS:
        for n in range(per_goods):
            unit_value = Decimal(str(round(typical * math.exp(rng.gauss(0, spread)), 2)))
            quantity = rng.randint(20, 2_000)
            history.append(Item(f"ET-PAST-{hs6}-{n}", hs6, rng.choice(["CN", "TR", "IN", "AE"]), unit, "USD",
                                int(unit_value * quantity * 100), Decimal(quantity)))
    return history


def play(actors: Actors, report: StoryReport, progress: Callable[[str], None] | None = None) -> None:
    importer, customs = actors(IMPORTER), actors(CUSTOMS)
    prices = PriceFilter(customs_history())
    ids = []
    for n, (goods, quantity, unit_value) in enumerate(DECLARED, start=1):
        hs6, description, unit, _, _ = GOODS[goods]
        value = int(Decimal(unit_value) * quantity * 100)
        item = {"hs_code": hs6, "description": description, "origin": "CN", "quantity": quantity, "unit": unit,
                "value": {"currency": "USD", "minor": value}}
        declaration_id = _unique(importer, f"ET-IM-2026-{n:04d}")
        importer.submit(CONTRACT, "lodge", {"declaration_id": declaration_id, "customs": CUSTOMS, "procedure": "import",
                                            "items": [item], "countries": {"origin": "CN", "destination": "ET"}})
        ids.append((declaration_id, Item(declaration_id, hs6, "CN", unit, "USD", value, Decimal(quantity))))
        report.documents += 1
    report.step(f"{IMPORTER} lodges {len(ids)} import declarations, each item from its invoice", progress)
    red = []
    for declaration_id, item in ids:
        flags = prices.check(item)
        explained = [f.explain() for f in flags]
        channel = "red" if flags else "green"
        customs.submit(CONTRACT, "screen", {"declaration_id": declaration_id, "channel": channel, "flags": explained})
        if flags:
            red.append(declaration_id)
            report.flags.append(f"red channel for {declaration_id}: {explained[0].split(': ', 1)[1]}")
        else:
            customs.submit(CONTRACT, "decide", {"declaration_id": declaration_id, "outcome": "released", "note": "green channel"})
    report.step(f"{CUSTOMS} screens them against its own history: {len(red)} red, {len(ids) - len(red)} released at once", progress)
    for declaration_id in red:
        customs.submit(CONTRACT, "decide", {"declaration_id": declaration_id, "outcome": "released",
                                            "note": "invoice value rejected; duty assessed on the reference unit value"})
    report.step(f"{CUSTOMS} releases the red ones after control, duty on the reference value", progress)
    seen = importer.query(CONTRACT, "get", {"declaration_id": red[0]}) if red else None
    if seen is not None:
        report.notes.append(f"the importer sees why: {seen['flags'][0][:90]}...")


def _unique(actor: Any, base: str) -> str:
    """The first free id from `base` (a story played again on the same ledger lodges new declarations)."""
    for n in range(1000):
        candidate = base if n == 0 else f"{base}-{n}"
        try:
            actor.query(CONTRACT, "get", {"declaration_id": candidate})
        except BaobabError:
            return candidate
    raise RuntimeError("no free declaration id")


STORY = Story(8, "Customs in Ethiopia: import invoices priced far below the market are flagged, with reasons",
              "invoices taken at face value; 80% of those checked were fake", play)
