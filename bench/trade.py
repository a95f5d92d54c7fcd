"""Trade benchmark: complete credit lifecycles per second and document verifications per second.

    python -m bench trade [--lifecycles N] [--parallel P] [--verifications N]

A lifecycle is everything from the importer's application to the recorded settlement with
title passing: 3 credit steps, 5 documents issued, shipment, deposit of the bill, presentation
with examination, honour and settlement (13 transactions), on the embedded network. Lifecycles
run sequentially (latency: the machine time one credit takes) and then P at a time
(throughput, sharing blocks). Verification is the three-part check of `documents.verify`
(OpenAttestation integrity plus a registry query).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from baobab import embedded
from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS
from baobab.documents.verify import registry_lookup, verify
from baobab.stories import StoryReport
from baobab.stories import soybeans as soy
from baobab.stories.embedded import embedded_actors
from baobab.stories.trade_kit import issue_document

TX_PER_LIFECYCLE = 13
PAPER = {"report, paper credit": "5-10 days", "HSBC/Cargill blockchain credit (2018)": "24 hours"}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench trade")
    ap.add_argument("--lifecycles", type=int, default=20)
    ap.add_argument("--parallel", type=int, default=8)
    ap.add_argument("--verifications", type=int, default=2000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as data_dir:
        embedded.create(data_dir, DEMO_NETWORK, DEMO_ORGS, DEMO_ADMINS,
                        block={"max_txs": 200, "max_bytes": 8_000_000, "timeout_ms": 5})
        node = embedded.open_node(data_dir)
        try:
            actors = embedded_actors(node, data_dir)
            soy.compliant_lifecycle(actors, StoryReport(), "LC-WARMUP")

            one = []
            for i in range(args.lifecycles):
                start = time.perf_counter()
                lc = soy.compliant_lifecycle(actors, StoryReport(), f"LC-SEQ-{i}")
                one.append(time.perf_counter() - start)
                assert lc["status"] == "paid"
            one.sort()
            median = one[len(one) // 2]

            start = time.perf_counter()
            with ThreadPoolExecutor(args.parallel) as pool:
                done = list(pool.map(lambda i: soy.compliant_lifecycle(actors, StoryReport(), f"LC-PAR-{i}"),
                                     range(args.lifecycles)))
            wall = time.perf_counter() - start
            assert all(lc["status"] == "paid" for lc in done)

            report = StoryReport()
            data = soy.document_data("LC-VERIFY", soy.today())
            docs = [issue_document(actors(soy.ISSUERS[t]), t, d, soy.READERS, report,
                                   **({"transferable": True, "holder": soy.BENEFICIARY} if t == "bill_of_lading" else {}))
                    for t, d in data.items()]
            lookup = registry_lookup(actors(soy.ISSUING))
            start = time.perf_counter()
            for i in range(args.verifications):
                assert verify(docs[i % len(docs)], lookup).valid
            vwall = time.perf_counter() - start
        finally:
            node.close()

    print("Baobab trade benchmark (embedded network, SQLite, one process)")
    print(f"  one compliant credit, application to payment and title: median {median * 1000:.0f} ms "
          f"(min {one[0] * 1000:.0f} ms, max {one[-1] * 1000:.0f} ms) over {args.lifecycles} sequential runs")
    for what, paper in PAPER.items():
        print(f"      vs {what}: {paper}")
    print(f"  sequential lifecycles/s: {1 / median:.1f}")
    print(f"  lifecycles/s with {args.parallel} in parallel: {args.lifecycles / wall:.1f} "
          f"({args.lifecycles * TX_PER_LIFECYCLE / wall:.0f} tx/s)")
    print(f"  document verifications/s (integrity + registry query): {args.verifications / vwall:.0f}")
    return 0
