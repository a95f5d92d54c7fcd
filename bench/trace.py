"""Traceability: EPCIS events captured and anchored per second, what anchoring costs the ledger,
and the time to trace a container of 300 bags back to 2,000 farmers.

    .venv/bin/python -m bench trace                      # defaults below
    .venv/bin/python -m bench trace --batches 100,1000,5000 --repeat 5

1. Capture: an embedded demo network; each capture is one EPCISDocument of N delivery events,
   validated against the GS1 schema, hashed (RFC 8785 + SHA-256), kept in the node's event store
   and anchored by one `epcis.anchor` transaction waited on until committed. Events per second
   include all of it; the ledger's cost is one transaction and one batch record per capture.
2. Backward trace: a generated chain (2,000 farmers, 50 green lots of 40 deliveries each, six
   60 kg bags per lot, 300 bags in one container), kept in an event store; the time to answer
   "which farmers, how much of each delivery, in this container" and one bag, and forward from
   one delivery.
Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from baobab import embedded
from baobab.core.jcs import canonicalize
from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS
from baobab.gateway import gateway_of
from baobab.pay.store import SQLiteDatabase
from baobab.trace import anchoring, lineage
from baobab.trace.coffee import coffee_chain, document
from baobab.trace.service import TraceService
from baobab.trace.store import EventStore, event_hash

BLOCKS = {"max_txs": 500, "max_bytes": 8_000_000, "timeout_ms": 5}


def deliveries(n: int, run: str) -> dict:
    chain = coffee_chain(farmers=max(n, 10), green_lots=1, deliveries_per_lot=n, bags_per_lot=1, seed=len(run), run=run)
    events = [e for e in chain.events() if e["type"] == "ObjectEvent" and e.get("sourceList")][:n]
    return document(events, chain_time(events))


def chain_time(events: list[dict]):  # noqa: ANN201
    from datetime import datetime

    return max(datetime.fromisoformat(e["eventTime"].replace("Z", "+00:00")) for e in events)


def bench_capture(sizes: list[int], repeat: int) -> None:
    print("capture and anchor (embedded node, SQLite, one anchoring transaction per capture):")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp)
        embedded.create(path, DEMO_NETWORK, DEMO_ORGS, DEMO_ADMINS, block=BLOCKS)
        node = embedded.open_node(path)
        try:
            service = TraceService.at(gateway_of(node, keys_dir=path / "keys"), path)
            for size in sizes:
                rates = []
                for r in range(repeat):
                    doc = deliveries(size, f"{size}x{r}")
                    start = time.perf_counter()
                    job = service.capture("SIDAMA-COOP", "app", doc, ["ROAST-NL"])
                    rates.append(size / (time.perf_counter() - start))
                    assert job["success"]
                record = service.ask("SIDAMA-COOP", "app", "epcis", "batch", {"batch_id": job["captureID"]})
                body = len(canonicalize(doc["epcisBody"]["eventList"]))
                print(f"  {size:>6} events per capture: {statistics.median(rates):>8,.0f} events/s (median of {repeat}); "
                      f"ledger record {len(canonicalize(record))} bytes for {body:,} bytes of events "
                      f"({len(canonicalize(record)) / size:.2f} bytes per event)")
        finally:
            node.close()


def bench_backward(repeat: int) -> None:
    chain = coffee_chain(farmers=2_000, green_lots=50, deliveries_per_lot=40, bags_per_lot=6, seed=18)
    with tempfile.TemporaryDirectory() as tmp:
        store = EventStore(SQLiteDatabase(Path(tmp) / "trace.sqlite"))
        for i, (org, doc, share) in enumerate(chain.documents):
            events = doc["epcisBody"]["eventList"]
            hashes = [event_hash(e) for e in events]
            store.add_batch(f"{org}/{i}", org, sorted({org, *share}), doc["@context"], anchoring.root_of(hashes),
                            events, hashes, "2026-01-01T00:00:00Z")
        farmers = len({d.farmer for d in chain.deliveries})
        print(f"trace ({len(chain.events()):,} events, {len(chain.deliveries):,} deliveries by {farmers:,} farmers, "
              f"{len(chain.bags)} bags in one container):")
        for label, run in (("backward, container", lambda: lineage.backward(store, "ROAST-NL", chain.container)),
                           ("backward, one bag", lambda: lineage.backward(store, "ROAST-NL", chain.bags[100])),
                           ("forward, one delivery", lambda: lineage.forward(store, "SIDAMA-COOP", chain.deliveries[7].lot))):
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                result = run()
                times.append(time.perf_counter() - start)
            found = f"{len(result.deliveries):,} deliveries" if result.deliveries else f"{len(result.holders)} holders"
            print(f"  {label:<22} {statistics.median(times) * 1000:>8,.1f} ms (median of {repeat}); {found}")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench trace")
    parser.add_argument("--batches", default="100,1000,5000", help="events per capture, comma-separated")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args(argv)
    bench_capture([int(x) for x in args.batches.split(",")], args.repeat)
    bench_backward(args.repeat)
    return 0
