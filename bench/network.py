"""Network-mode benchmark: committed transactions per second and end-to-end latency of a
four-organisation network on this machine, beside the embedded mode on the same workload.

    python -m bench network                     quick run (2,000 transfers, 24 clients)
    python -m bench network --txs 5000 --clients 32
    python -m bench network --block-timeout-ms 100    blocks cut after 100 ms instead of 20
    python -m bench network --profile DIR             py-spy profiles of every node (bench/profile_procs.py)

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
Clients sign as eight identities per organisation (`bench-0`..`bench-7`), as many users would:
the API's budget is per identity (50 requests/s). The set-up (opening and funding accounts) is
retried until every account exists, so each run times the same work.

CPU: besides wall-clock rates, the run reports the CPU seconds every process of the network
spent in the timed phase (organisation nodes, ordering nodes, NATS servers, the PostgreSQL
backends of its databases; `CpuMeter`), and CPU per committed transfer. On a machine shared
with other work, wall-clock figures follow everyone's load; compare runs by CPU per transfer,
and by wall-clock figures only when taken back to back.

Hyperledger Fabric's figures are PUBLISHED numbers, not measured here (no Fabric network runs
on this machine): Androulaki et al., "Hyperledger Fabric: A Distributed Operating System for
Permissioned Blockchains", EuroSys 2018, report more than 3,500 tx/s with sub-second latency
(Fabric 1.1, 32-vCPU servers, a Kafka ordering service); Fabric 2.x is commonly reported at
about 2,500-3,000 tx/s on multi-server setups with Raft ordering (Hyperledger Caliper results).
"""

from __future__ import annotations

import argparse
import os
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
from bench.profile_procs import Profiler

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


def run_closed_loop(items: list[tuple[str, Any]], clients: int, submit: Any, keep_codes: bool = False) -> dict[str, Any]:
    """`clients` threads; thread i takes items i, i+clients, ...; submit(org, signed, i) -> code.
    With `keep_codes`, result["each"] is every item's code, in the order of `items`."""
    latencies: list[float] = []
    codes: dict[str, int] = {}
    each: list[str] = [""] * len(items)
    lock = threading.Lock()

    def worker(k: int) -> None:
        mine_lat, mine_codes = [], {}
        for i in range(k, len(items), clients):
            org, signed = items[i]
            t0 = time.perf_counter()
            code = each[i] = submit(org, signed, k)
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
            **({"each": each} if keep_codes else {}),
            "p50_ms": 1000 * statistics.median(latencies),
            "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
            "p99_ms": 1000 * latencies[int(0.99 * (len(latencies) - 1))]}


class CpuMeter:
    """CPU seconds spent by the network's processes, by kind: organisation nodes, ordering
    nodes, NATS servers and the PostgreSQL backends serving the network's databases (read from
    /proc, so it works only on Linux; a backend that ends between two readings is missed).
    On a shared machine wall-clock rates move with everyone else's load; CPU seconds per
    committed transaction move much less, so before/after comparisons use them."""

    TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100

    def __init__(self, net: Any) -> None:
        self.net = net

    @classmethod
    def _cpu(cls, pid: int) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return 0.0
        return (int(fields[11]) + int(fields[12])) / cls.TICK  # utime, stime

    def _postgres(self) -> list[int]:
        tag = "baobab_" + self.net.network.replace("-", "_")
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    if tag in (entry / "cmdline").read_bytes().decode(errors="replace"):
                        found.append(int(entry.name))
                except OSError:
                    continue
        return found

    def sample(self) -> dict[tuple[str, int], float]:
        out = {}
        for name, proc in self.net.procs.items():
            if proc.popen is not None:
                kind = "nats" if name.startswith("nats") else "orderers" if name.startswith("orderer") else "nodes"
                out[(kind, proc.popen.pid)] = self._cpu(proc.popen.pid)
        for pid in self._postgres():
            out[("postgres", pid)] = self._cpu(pid)
        return out

    @staticmethod
    def spent(before: dict[tuple[str, int], float], after: dict[tuple[str, int], float]) -> dict[str, float]:
        kinds = {"nodes": 0.0, "orderers": 0.0, "nats": 0.0, "postgres": 0.0}
        for key, cpu in after.items():
            kinds[key[0]] += max(0.0, cpu - before.get(key, 0.0))
        return kinds


Step = tuple[str, str, str, dict[str, Any]]  # (org, contract, function, args)
CLIENT_NAMES = tuple(f"bench-{k}" for k in range(8))  # client identities per organisation (network runs)


def sign_all(steps: list[Step], ids: dict[str, list[Identity]]) -> list[tuple[str, Any]]:
    """Step i signed by its organisation's identity i mod n: each identity's share of the load
    stays within the API's per-identity budget (50 requests/s), as many users' would."""
    return [(org, ids[org][i % len(ids[org])].proposal(c, f, a)) for i, (org, c, f, a) in enumerate(steps)]


def set_up(work: Workload, ids: dict[str, list[Identity]], clients: int, submit: Any, rounds: int = 5) -> None:
    """Open and fund every account; a step refused for a conflict is signed again and resent,
    so that the timed phase starts from the same ledger every time."""
    for phase in (work.setup(), work.funding()):
        steps = phase
        for _ in range(rounds):
            codes = run_closed_loop(sign_all(steps, ids), clients, submit, keep_codes=True)["each"]
            steps = [step for step, code in zip(steps, codes) if code != "VALID"]
            if not steps:
                break
        if steps:
            raise SystemExit(f"set-up failed: {len(steps)} steps refused, e.g. {steps[0]}")


def measure_network(net: Any, work: Workload, txs: int, clients: int, profile: Path | None = None) -> dict[str, Any]:
    """Set up, then time `txs` transfers through the running network `net`: throughput,
    latency, and the CPU seconds every process of the network spent on them (with `profile`,
    a py-spy profile of every node and ordering node over the timed phase, in that folder)."""
    ids = {org: [net.identity(org, name) for name in CLIENT_NAMES] for org in ORGS}
    causality = Causality()  # the clients' shared causality token, as the stories' actors
    sessions = [{org: BaobabClient(net.urls[org], ids[org][k % len(CLIENT_NAMES)], http=http, causality=causality)
                 for org in ORGS} for k, http in enumerate(httpx.Client(timeout=120) for _ in range(clients))]

    def submit(org: str, signed: Any, k: int) -> str:
        for attempt in range(2):
            try:
                return str(sessions[k][org].submit_signed(signed)["code"])
            except BaobabError as exc:  # refused before ordering
                return exc.code
            except httpx.TransportError as exc:
                # A kept-alive connection the node closed (idle for its keep-alive time) just as
                # it was reused: resending is safe, a proposal is never applied twice.
                if attempt:
                    return f"HTTP {type(exc).__name__}"
        raise AssertionError("unreachable")

    started = time.perf_counter()
    set_up(work, ids, clients, submit)
    setup_s = time.perf_counter() - started
    signed, meter = sign_all(work.transfers(txs), ids), CpuMeter(net)
    profiler = Profiler(profile, {name: p.popen.pid for name, p in net.procs.items()
                                  if p.popen is not None and not name.startswith("nats")}) if profile else None
    if profiler:
        profiler.start()
    start_height = net.digest(ORGS[0])["height"]
    before, bench_cpu = meter.sample(), time.process_time()
    result = run_closed_loop(signed, clients, submit)
    if profiler:
        profiler.stop()
    result["cpu"] = {**CpuMeter.spent(before, meter.sample()), "clients": time.process_time() - bench_cpu}
    result["setup_s"] = setup_s
    result["heights"] = {org: net.digest(org)["height"] for org in ORGS}
    result["blocks"] = result["heights"][ORGS[0]] - start_height  # about: the last blocks may still be on their way
    return result


def local_network(root: Path) -> Any:
    """The network `baobab network local` starts, with the benchmark's block settings and
    client identities (not yet started)."""
    from baobab.net.local import LocalNetwork

    orgs = [o for o in DEMO_ORGS if o["id"] in ORGS]
    net = LocalNetwork(root, orgs, BANKS, orderers=2, block=BLOCK, clients=("app", "audit", *CLIENT_NAMES))
    net.create()
    return net


def bench_network(work: Workload, txs: int, clients: int, profile: Path | None = None) -> dict[str, Any]:
    net = local_network(Path(tempfile.mkdtemp(prefix="baobab-bench-")))
    try:
        net.start(timeout=120)
        return measure_network(net, work, txs, clients, profile)
    finally:
        net.stop()


def bench_embedded(work: Workload, txs: int, clients: int) -> dict[str, Any]:
    orgs = [o for o in DEMO_ORGS if o["id"] in ORGS]
    path = Path(tempfile.mkdtemp(prefix="baobab-bench-embedded-"))
    embedded.create(path, "bench-embedded", orgs, BANKS, block=BLOCK)
    node = embedded.open_node(path)
    try:
        ids = {org: [Identity.load(path, "bench-embedded", org)] for org in ORGS}

        def submit(org: str, signed: Any, k: int) -> str:
            try:
                out = node.submit(signed)
            except Exception as exc:  # refused before ordering
                return getattr(exc, "code", type(exc).__name__)
            assert isinstance(out, Outcome)
            return out.code

        set_up(work, ids, clients, submit)
        return run_closed_loop(sign_all(work.transfers(txs), ids), clients, submit)
    finally:
        node.close()


def show(name: str, r: dict[str, Any]) -> None:
    other = {c: n for c, n in r["codes"].items() if c != "VALID"}
    print(f"{name:<44} {r['tps']:>8.0f} tx/s   p50 {r['p50_ms']:>6.0f} ms   p95 {r['p95_ms']:>6.0f} ms   "
          f"p99 {r['p99_ms']:>6.0f} ms   ({r['valid']}/{r['txs']} valid in {r['seconds']:.1f} s{', ' + str(other) if other else ''})")
    if r.get("blocks"):
        print(f"{'':44} {r['blocks']} blocks in the timed phase, {r['txs'] / r['blocks']:.1f} transactions per block")
    cpu = r.get("cpu")
    if cpu:
        network = sum(v for k, v in cpu.items() if k != "clients")
        print(f"{'':44} CPU s: {', '.join(f'{k} {v:.1f}' for k, v in cpu.items())}; "
              f"{r['valid'] / max(network, 1e-9):.0f} committed per CPU-second of the network, "
              f"{1000 * network / max(r['valid'], 1):.1f} ms of CPU per committed transfer; load average {os.getloadavg()[0]:.1f}")


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench network", description=__doc__.split("\n\n")[0])
    ap.add_argument("--txs", type=int, default=2_000, help="transfers in the timed phase")
    ap.add_argument("--clients", type=int, default=24, help="closed-loop clients, spread over the four nodes")
    ap.add_argument("--accounts", type=int, default=25, help="accounts per organisation")
    ap.add_argument("--no-embedded", action="store_true", help="skip the embedded run")
    ap.add_argument("--block-timeout-ms", type=int, default=BLOCK["timeout_ms"],
                    help="how long an ordering node waits to fill a block (the genesis block setting)")
    ap.add_argument("--profile", type=Path, metavar="DIR",
                    help="profile every node and ordering node over the timed phase with py-spy, into DIR")
    args = ap.parse_args(argv)
    BLOCK["timeout_ms"] = args.block_timeout_ms
    print(f"workload: {args.txs} transfers, {args.clients} clients, {args.accounts} accounts per org, "
          f"blocks of up to {BLOCK['max_txs']} txs / {BLOCK['timeout_ms']} ms")
    net = bench_network(Workload(args.accounts), args.txs, args.clients, args.profile)
    show("network: 4 nodes + 2 orderers + 3 NATS (here)", net)
    if not args.no_embedded:
        emb = bench_embedded(Workload(args.accounts), args.txs, args.clients)
        show("embedded: 1 process, SQLite (here)", emb)
        print(f"network / embedded throughput: {net['tps'] / emb['tps']:.2f}")
    for name, tps, latency in FABRIC_PUBLISHED:
        print(f"{name:<72} {tps:>12} tx/s   latency {latency}   (published, not measured here)")
    return 0
