"""Customs benchmark: declarations lodged and screened per second, on the embedded network.

    python -m bench customs [--declarations N] [--parallel P] [--history H]

Each declaration is one import of one item (HS subheadings and unit values as the generated set
of `baobab.customs.evaluate`), lodged by the importer (one transaction), then screened by the
customs: the risk engine (rules plus the price filters over H past declarations, at the customs'
own node) decides the channel and the flags, and `screen` records them (a second transaction).
Declarations run P at a time, sharing blocks. Also timed: the risk engine alone (screenings per
second without the ledger) and the WCO XML export with schema validation. Prints figures.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from typing import Any

from baobab import embedded
from baobab.customs import wco
from baobab.customs.evaluate import generate
from baobab.customs.misinvoicing import PriceFilter
from baobab.customs.risk import RiskEngine, default_rules
from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS
from baobab.stories.embedded import embedded_actors

IMPORTER, CUSTOMS = "ADDIS-IMPORT", "ET-CUSTOMS"
CONTRACT = "customs_declarations"


def declarations(items: list[Any], seed: int) -> list[dict[str, Any]]:
    """`lodge` arguments of one-item imports, from the evaluation's generated items."""
    out = []
    for i, item in enumerate(items):
        quantity = int(item.quantity)
        out.append({"declaration_id": f"ET-BENCH-{seed}-{i}", "customs": CUSTOMS, "procedure": "import",
                    "countries": {"origin": item.origin, "destination": "ET"},
                    "items": [{"hs_code": item.hs6, "description": "bench goods", "origin": item.origin,
                               "quantity": max(quantity, 1), "unit": item.unit,
                               "value": {"currency": item.currency, "minor": item.value_minor}}]})
    return out


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench customs")
    ap.add_argument("--declarations", type=int, default=400)
    ap.add_argument("--parallel", type=int, default=16)
    ap.add_argument("--history", type=int, default=100_000)
    args = ap.parse_args(argv)

    generated, _ = generate(args.history + args.declarations, 200, 1)   # one set: the same goods in both parts
    past = generated[:args.history]
    start = time.perf_counter()
    engine = RiskEngine(default_rules(), PriceFilter(past))
    built = time.perf_counter() - start
    work = declarations(generated[args.history:], seed=1)
    records = [{**w, "id": w["declaration_id"], "declarant": IMPORTER,
                "items": [{**w["items"][0], "n": 1}]} for w in work]
    start = time.perf_counter()
    red = sum(engine.screen(r)[0] != "green" for r in records)
    engine_rate = len(records) / (time.perf_counter() - start)
    print(f"risk engine over {args.history:,} past declarations: built in {built:.2f} s; "
          f"{engine_rate:,.0f} screenings/s without the ledger ({red} of {len(records)} not green)")

    with tempfile.TemporaryDirectory() as data_dir:
        embedded.create(data_dir, DEMO_NETWORK, DEMO_ORGS, DEMO_ADMINS,
                        block={"max_txs": 200, "max_bytes": 8_000_000, "timeout_ms": 5})
        node = embedded.open_node(data_dir)
        try:
            actors = embedded_actors(node, data_dir)
            importer, customs = actors(IMPORTER), actors(CUSTOMS)

            def one(lodge: dict[str, Any]) -> str:
                record = importer.submit(CONTRACT, "lodge", lodge)["response"]
                channel, flags = engine.screen(record)
                outcome = customs.submit(CONTRACT, "screen", {"declaration_id": record["id"], "channel": channel,
                                                             "flags": flags})
                return str(outcome["code"])

            one({**work[0], "declaration_id": "ET-BENCH-WARMUP"})
            start = time.perf_counter()
            with ThreadPoolExecutor(args.parallel) as pool:
                codes = list(pool.map(one, work))
            elapsed = time.perf_counter() - start
            assert codes.count("VALID") == len(codes), sorted(set(codes))
            print(f"lodged and screened on the embedded ledger: {len(work)} declarations in {elapsed:.2f} s = "
                  f"{len(work) / elapsed:,.1f} declarations/s ({2 * len(work) / elapsed:,.1f} transactions/s), "
                  f"{args.parallel} at a time")

            record = customs.query(CONTRACT, "get", {"declaration_id": work[0]["declaration_id"]})
            start, count = time.perf_counter(), 200
            for _ in range(count):
                wco.declaration_xml(record)
            per = (time.perf_counter() - start) / count
            print(f"WCO XML export with XSD validation: {Decimal(per * 1000).quantize(Decimal('0.01'))} ms a declaration")
        finally:
            node.close()
    return 0
