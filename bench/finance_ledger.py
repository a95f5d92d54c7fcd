"""On-ledger invoice finance: registrations and claim transfers per second through a node.

    .venv/bin/python -m bench finance_ledger                    # 2000 registrations, 500 transfers
    .venv/bin/python -m bench finance_ledger --registrations 5000 --transfers 1000

An embedded demo network (SQLite, one process) runs the `financing_registry` and `scf`
contracts. Fingerprints are computed before the clock starts (that cost is off the ledger;
see bench/screening.py). Transactions are submitted without waiting and then awaited, so the
figure is the node's pipeline throughput (endorse, order, validate, commit), not one client's
round trip. Also times stories 3 and 4 end to end. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from baobab import embedded
from baobab.contracts.finance.financing_registry import FinancingRegistry
from baobab.contracts.finance.supply_chain_finance import SupplyChainFinance
from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS
from baobab.ledger.governance import Governance
from baobab.ledger.runtime import Registry
from baobab.risk.fingerprints import NetworkKey, fingerprint
from baobab.stories import invoice_platforms, supplier_tiers
from baobab.stories.embedded import embedded_actors

PLATFORMS = ("RXIL", "ATREDS", "M1X")


def _pipeline(node, signed: list[dict]) -> float:
    start = time.perf_counter()
    for s in signed:
        node.submit(s, wait=False)
    codes = [node.submit(s).code for s in signed]
    elapsed = time.perf_counter() - start
    bad = len(codes) - codes.count("VALID")
    if bad:
        print(f"  ({bad} of {len(codes)} not VALID: {sorted(set(codes))})")
    return elapsed


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench finance_ledger")
    ap.add_argument("--registrations", type=int, default=2000)
    ap.add_argument("--transfers", type=int, default=500)
    args = ap.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "net"
        embedded.create(root, DEMO_NETWORK, DEMO_ORGS, DEMO_ADMINS)  # default blocks: 500 txs / 50 ms
        node = embedded.open_node(root, Registry([Governance(), FinancingRegistry(), SupplyChainFinance()]))
        actors = embedded_actors(node, root)
        try:
            key = NetworkKey.generate()
            t0 = time.perf_counter()
            signed = []
            for i in range(args.registrations):
                doc = {"seller": f"Seller {i % 997}", "buyer": f"Buyer {i % 89}", "number": f"INV-{i}",
                       "date": f"2025-{1 + i % 12:02d}-{1 + i % 28:02d}", "currency": "INR",
                       "amount": 1_000_000 + 7919 * i}
                fps = fingerprint(doc, key).to_json()
                identity = actors(PLATFORMS[i % 3]).identity
                signed.append(identity.proposal("financing_registry", "register", {"kind": "invoice", "fingerprints": fps}))
            prep = time.perf_counter() - t0
            elapsed = _pipeline(node, signed)
            print(f"registrations: {args.registrations} in {elapsed:.2f} s = {args.registrations / elapsed:,.0f}/s "
                  f"(fingerprinting and signing beforehand: {prep:.2f} s)")

            due = time.strftime("%Y-%m-%d", time.gmtime(time.time() + 90 * 86400))
            sz = actors("SZ-AUTO")
            claims = [sz.submit("scf", "confirm", {"supplier": "T1-SEATS", "invoice_number": f"B-{i}", "amount": 10_000,
                                                   "currency": "CNY", "due_date": due})["response"]["claim"]
                      for i in range(args.transfers)] if args.transfers <= 50 else None
            if claims is None:
                confirms = [sz.identity.proposal("scf", "confirm", {"supplier": "T1-SEATS", "invoice_number": f"B-{i}",
                                                                   "amount": 10_000, "currency": "CNY", "due_date": due})
                            for i in range(args.transfers)]
                _pipeline(node, confirms)
                claims = [h["claim"] for h in actors("T1-SEATS").query("scf", "holdings", {})]
            t1 = actors("T1-SEATS").identity
            moves = [t1.proposal("scf", "transfer", {"claim_id": c, "to": "T2-FOAM"}) for c in claims]
            elapsed = _pipeline(node, moves)
            print(f"claim transfers: {len(moves)} in {elapsed:.2f} s = {len(moves) / elapsed:,.0f}/s")

            for story in (invoice_platforms.STORY, supplier_tiers.STORY):
                report = story.run(actors)
                print(f"story {story.number}: {report.steps} steps in {report.seconds:.2f} s "
                      f"(paper: {story.paper_time})")
        finally:
            node.close()
    return 0
