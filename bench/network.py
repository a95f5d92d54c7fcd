"""Network-mode benchmark: committed transactions per second and end-to-end latency of a
four-organisation network on this machine, beside the embedded mode on the same workload.

    python -m bench network                     quick run (2,000 transfers, 24 clients)
    python -m bench network --txs 5000 --clients 32

The network is what `baobab network local` starts: three NATS servers (JetStream, streams with
three replicas on file storage), two ordering nodes, and one node per organisation (KLTB and
BPLATA, banks; PAMPA-AGRO and KL-FOODS, traders), each with its own PostgreSQL database, all
processes on this one machine. Workload: `accounts.transfer` of 1 minor unit between random
accounts, the caller moving money out of one of its own; every transfer needs two bank
endorsements (role=bank, count=2), so a trader's node gathers both from the two banks' nodes
and a bank's node one from the other bank's: a transaction crosses the network twice before
ordering. Clients are spread evenly over the four nodes, each in a closed loop (submit over
HTTP, wait for commit on its node, next); proposals are signed ahead, outside the timing.
Latency is submit-to-commit as the client sees it. The embedded run is the same workload,
same organisations, same block settings and client count, on one in-process node with SQLite.

Hyperledger Fabric's figures are PUBLISHED numbers, not measured here (no Fabric network runs
on this machine): Androulaki et al., "Hyperledger Fabric: A Distributed Operating System for
Permissioned Blockchains", EuroSys 2018, report more than 3,500 tx/s with sub-second latency
(Fabric 1.1, 32-vCPU servers, a Kafka ordering service); Fabric 2.x is commonly reported at
about 2,500-3,000 tx/s on multi-server setups with Raft ordering (Hyperledger Caliper results).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from baobab import embedded
from baobab.client import Identity
from baobab.core.errors import BaobabError
from baobab.demo import DEMO_ORGS
from baobab.http_client import BaobabClient, Causality
from baobab.ledger.node import Outcome

ORGS = ["KLTB", "BPLATA", "PAMPA-AGRO", "KL-FOODS"]
BANKS = ["KLTB", "BPLATA"]
BLOCK = {"max_txs": 200, "max_bytes": 8_000_000, "timeout_ms": 20}
FABRIC_PUBLISHED = [
    ("Fabric 1.1 (EuroSys 2018 paper, Kafka ordering, cluster of servers)", ">3,500", "<1 s"),
    ("Fabric 2.x (commonly reported, Raft ordering, multi-server)", "~2,500-3,000", "<1 s"),
]


class Workload:
    """Accounts per organisation and pre-signed transfers, identical for both modes."""

    def __init__(self, per_org: int, seed: int = 7) -> None:
        self.accounts = {org: [f"{org.lower()}-{i}" for i in range(per_org)] for org in ORGS}
        self.rng = random.Random(seed)

    def bank_of(self, org: str) -> str:
        """The bank that keeps an organisation's accounts (a bank keeps its own)."""
        return org if org in BANKS else BANKS[ORGS.index(org) % len(BANKS)]

    def setup(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        """(org, contract, function, args) that open every account."""
        return [(org, "accounts", "open", {"account": a, "currency": "USD", "bank": self.bank_of(org)})
                for org, accs in self.accounts.items() for a in accs]

    def funding(self) -> list[tuple[str, str, str, dict[str, Any]]]:
        """Only the bank that keeps an account issues money into it."""
        return [(self.bank_of(org), "accounts", "issue", {"account": a, "amount": 1_000_000})
                for org, accs in self.accounts.items() for a in accs]

    def transfers(self, n: int) -> list[tuple[str, str, str, dict[str, Any]]]:
        everyone = [a for accs in self.accounts.values() for a in accs]
        out = []
        for i in range(n):
            org = ORGS[i % len(ORGS)]
            src = self.rng.choice(self.accounts[org])
            dst = self.rng.choice(everyone)
            if dst == src:
                dst = everyone[(everyone.index(src) + 1) % len(everyone)]
            out.append((org, "accounts", "transfer", {"src": src, "dst": dst, "amount": 1}))
        return out


def run_closed_loop(items: list[tuple[str, Any]], clients: int, submit: Any) -> dict[str, Any]:
    """`clients` threads; thread i takes items i, i+clients, ...; submit(org, signed) -> code."""
    latencies: list[float] = []
    codes: dict[str, int] = {}
    lock = threading.Lock()

    def worker(k: int) -> None:
        mine_lat, mine_codes = [], {}
        for org, signed in items[k::clients]:
            t0 = time.perf_counter()
            code = submit(org, signed, k)
            mine_lat.append(time.perf_counter() - t0)
            mine_codes[code] = mine_codes.get(code, 0) + 1
        with lock:
            latencies.extend(mine_lat)
            for c, n in mine_codes.items():
                codes[c] = codes.get(c, 0) + n

    threads = [threading.Thread(target=worker, args=(k,)) for k in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    latencies.sort()
    valid = codes.get("VALID", 0)
    return {"txs": len(items), "valid": valid, "codes": codes, "seconds": elapsed, "tps": valid / elapsed,
            "p50_ms": 1000 * statistics.median(latencies),
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
            "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))]}


def sign_all(steps: list[tuple[str, str, str, dict[str, Any]]], ids: dict[str, Identity]) -> list[tuple[str, Any]]:
    return [(org, ids[org].proposal(c, f, a)) for org, c, f, a in steps]


def bench_network(work: Workload, txs: int, clients: int) -> dict[str, Any]:
    from baobab.net.local import LocalNetwork

    orgs = [o for o in DEMO_ORGS if o["id"] in ORGS]
    net = LocalNetwork(Path(tempfile.mkdtemp(prefix="baobab-bench-")), orgs, BANKS, orderers=2, block=BLOCK)
    net.create()
    try:
        net.start(timeout=120)
        ids = {org: net.identity(org) for org in ORGS}
        causality = Causality()  # the clients' shared causality token, as the stories' actors
        sessions = [{org: BaobabClient(net.urls[org], ids[org], http=http, causality=causality) for org in ORGS}
                    for http in (httpx.Client(timeout=120) for _ in range(clients))]

        def submit(org: str, signed: Any, k: int) -> str:
            try:
                return str(sessions[k][org].submit_signed(signed)["code"])
            except BaobabError as exc:  # refused before ordering
                return exc.code

        for phase in (work.setup(), work.funding()):
            run_closed_loop(sign_all(phase, ids), clients, submit)
        result = run_closed_loop(sign_all(work.transfers(txs), ids), clients, submit)
        result["heights"] = {org: net.digest(org)["height"] for org in ORGS}
        return result
    finally:
        net.stop()


def bench_embedded(work: Workload, txs: int, clients: int) -> dict[str, Any]:
    orgs = [o for o in DEMO_ORGS if o["id"] in ORGS]
    path = Path(tempfile.mkdtemp(prefix="baobab-bench-embedded-"))
    embedded.create(path, "bench-embedded", orgs, BANKS, block=BLOCK)
    node = embedded.open_node(path)
    try:
        ids = {org: Identity.load(path, "bench-embedded", org) for org in ORGS}

        def submit(org: str, signed: Any, k: int) -> str:
            try:
                out = node.submit(signed)
            except Exception as exc:  # refused before ordering
                return getattr(exc, "code", type(exc).__name__)
            assert isinstance(out, Outcome)
            return out.code

        for phase in (work.setup(), work.funding()):
            run_closed_loop(sign_all(phase, ids), clients, submit)
        return run_closed_loop(sign_all(work.transfers(txs), ids), clients, submit)
    finally:
        node.close()


def show(name: str, r: dict[str, Any]) -> None:
    other = {c: n for c, n in r["codes"].items() if c != "VALID"}
    print(f"{name:<44} {r['tps']:>8.0f} tx/s   p50 {r['p50_ms']:>6.0f} ms   p95 {r['p95_ms']:>6.0f} ms   "
          f"p99 {r['p99_ms']:>6.0f} ms   ({r['valid']}/{r['txs']} valid in {r['seconds']:.1f} s{', ' + str(other) if other else ''})")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench network", description=__doc__.split("\n\n")[0])
    ap.add_argument("--txs", type=int, default=2_000, help="transfers in the timed phase")
    ap.add_argument("--clients", type=int, default=24, help="closed-loop clients, spread over the four nodes")
    ap.add_argument("--accounts", type=int, default=25, help="accounts per organisation")
    ap.add_argument("--no-embedded", action="store_true", help="skip the embedded run")
    args = ap.parse_args(argv)
    print(f"workload: {args.txs} transfers, {args.clients} clients, {args.accounts} accounts per org, "
          f"blocks of up to {BLOCK['max_txs']} txs / {BLOCK['timeout_ms']} ms")
    net = bench_network(Workload(args.accounts), args.txs, args.clients)
    show("network: 4 nodes + 2 orderers + 3 NATS (here)", net)
    if not args.no_embedded:
        emb = bench_embedded(Workload(args.accounts), args.txs, args.clients)
        show("embedded: 1 process, SQLite (here)", emb)
        print(f"network / embedded throughput: {net['tps'] / emb['tps']:.2f}")
    for name, tps, latency in FABRIC_PUBLISHED:
        print(f"{name:<72} {tps:>12} tx/s   latency {latency}   (published, not measured here)")
    return 0
