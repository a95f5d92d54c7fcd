"""Ledger benchmark: account transfers on the embedded network, then an audit, then the EVM peer.

    python -m bench ledger                      quick run (20,000 transfers), EVM peer included
    python -m bench ledger --txs 1000000 --no-evm --chunk 50000     the one-million ledger
    python -m bench ledger --verify DIR         audit an existing data folder only (prints JSON)

Workload: four bank organisations each own `--accounts / 4` accounts of one currency;
`accounts.transfer` moves 1 minor unit from a random account of the calling bank to a random
account anywhere, so every transaction needs two bank endorsements (policy role=bank,
count=2) and conflicts are rare because the accounts are many. Every transaction goes the
full way: client signature check, simulation, two endorsement signatures, ordering into
orderer-signed blocks (the genesis default: 500 transactions, 50 ms), full validation
(signatures, policy, MVCC read versions) and a durable commit to SQLite (WAL,
synchronous=FULL).

Client-side signing of the proposals is EXCLUDED from the timed phase: proposals are signed
ahead, chunk by chunk (`--chunk`), and each chunk is then submitted by `--clients` threads,
each in a closed loop (submit, wait for commit, next). Latency is submit-to-commit as the
client sees it. Accounts are opened and funded before the timed phase.

The audit re-reads the finished ledger and replays it from genesis with
`baobab.ledger.audit.audit` (what `baobab verify` runs), in a child process so that its peak
memory is its own. The EVM peer (bench/evm_peer.py) then runs the same workload, also in a
fresh process, and the ratio of committed transactions per second is printed.
"""

from __future__ import annotations

import argparse
from array import array
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
import time
import tracemalloc
from collections import Counter
from pathlib import Path
from typing import Any

from baobab import embedded
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from baobab.client import Identity
from baobab.core.keys import b64d, b64e, signing_message
from baobab.ledger.tx import make_proposal
from baobab.ledger.node import Node

NETWORK = "bench"
BANKS = ["BANK-A", "BANK-B", "BANK-C", "BANK-D"]
COUNTRIES = ["AR", "MY", "KE", "IN"]
CURRENCY = "USD"
OPENING_BALANCE = 10**12  # minor units: no transfer ever runs out of funds


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far. On Linux, VmHWM: unlike ru_maxrss it is
    not inherited across fork+exec, so a child's figure is its own."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) used so far by a process of this machine (Linux /proc), by
    default this one: the figure that stays fair when other jobs share the cores."""
    if pid is None:
        return time.process_time()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def committer_pid(node: Node) -> int | None:
    return node.committer.pid if getattr(node, "committer", None) is not None else None


def percentile(sorted_values: Any, p: float) -> float:
    if not sorted_values:
        return float("nan")
    i = min(len(sorted_values) - 1, max(0, round(p / 100 * len(sorted_values)) - 1))
    return sorted_values[i]


def create_network(data_dir: Path) -> None:
    orgs = [{"id": b, "name": f"{b.title()} Ltd", "country": c, "roles": ["bank"]} for b, c in zip(BANKS, COUNTRIES)]
    # A wide time window so that proposals signed ahead of a large chunk stay acceptable.
    embedded.create(data_dir, NETWORK, orgs, admins=BANKS[:3], time_window_s=3600)


class Client:
    """A client identity that signs as an outside application would: straight with its
    Ed25519 key, so that nothing of the signing is remembered inside this process (the node
    memoises signatures it has made or checked, and must pay for checking the client's)."""

    def __init__(self, data_dir: Path, org: str) -> None:
        identity = Identity.load(data_dir, NETWORK, org)
        self.creator = identity.id
        self._key = Ed25519PrivateKey.from_private_bytes(b64d(identity.key.seed_text))

    def proposal(self, contract: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
        p = make_proposal(NETWORK, self.creator, contract, function, args)
        return {"proposal": p, "signature": b64e(self._key.sign(signing_message("proposal", p)))}


def account_name(bank: str, i: int) -> str:
    return f"{bank}-{i:07d}"


def submit_all(node: Node, proposals: list[dict[str, Any]], pool: ThreadPoolExecutor,
               clients: int) -> tuple[float, list[float], Counter[str]]:
    """Submit pre-signed proposals from `clients` closed-loop threads; wall time, latencies, codes.

    The threads are the pool's and live across chunks, as a server's worker threads do (the
    store opens a reader connection per thread, so fresh threads per chunk would pile up
    connections and their page caches)."""
    shares = [proposals[i::clients] for i in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    codes: list[Counter[str]] = [Counter() for _ in range(clients)]
    failures: list[BaseException] = []

    def run(k: int) -> None:
        lat, code = latencies[k], codes[k]
        try:
            for signed in shares[k]:
                t0 = time.perf_counter()
                outcome = node.submit(signed)
                lat.append(time.perf_counter() - t0)
                code[outcome.code] += 1  # type: ignore[union-attr]
        except BaseException as exc:  # report, do not hang the benchmark
            failures.append(exc)

    start = time.perf_counter()
    for f in [pool.submit(run, k) for k in range(clients)]:
        f.result()
    wall = time.perf_counter() - start
    if failures:
        raise failures[0]
    return wall, [x for part in latencies for x in part], sum(codes, Counter())


def set_up_accounts(node: Node, ids: dict[str, Client], per_bank: int, pool: ThreadPoolExecutor, clients: int) -> float:
    """Open and fund every account (not timed as part of the workload)."""
    start = time.perf_counter()
    for function in ("open", "issue"):
        batch = []
        for bank in BANKS:
            for i in range(per_bank):
                args = ({"account": account_name(bank, i), "currency": CURRENCY} if function == "open"
                        else {"account": account_name(bank, i), "amount": OPENING_BALANCE})
                batch.append(ids[bank].proposal("accounts", function, args))
        _, _, codes = submit_all(node, batch, pool, clients)
        if codes["VALID"] != len(batch):
            raise SystemExit(f"set-up {function} failed: {dict(codes)}")
    return time.perf_counter() - start


def sign_transfers(ids: dict[str, Client], per_bank: int, n: int, rng: random.Random) -> list[dict[str, Any]]:
    out = []
    for _ in range(n):
        bank = rng.choice(BANKS)
        src = account_name(bank, rng.randrange(per_bank))
        dst = src
        while dst == src:
            dst = account_name(rng.choice(BANKS), rng.randrange(per_bank))
        out.append(ids[bank].proposal("accounts", "transfer", {"src": src, "dst": dst, "amount": 1}))
    return out


def run_workload(data_dir: Path, txs: int, accounts: int, clients: int, chunk: int, seed: int,
                 profile: str | None, commit_process: bool = True) -> dict[str, Any]:
    create_network(data_dir)
    profiler = ThreadProfiler() if profile else None
    if profiler:
        profiler.start()  # before open_node, so the orderer/committer thread is profiled too
        from baobab.ledger.commit_process import PROFILE_ENV

        os.environ[PROFILE_ENV] = profile + ".committer"  # the committer process's own profile
    node = embedded.open_node(data_dir, **({} if commit_process else {"commit_process": False}))
    try:
        ids = {b: Client(data_dir, b) for b in BANKS}
        per_bank = max(2, accounts // len(BANKS))
        pool = ThreadPoolExecutor(max_workers=clients, thread_name_prefix="client")
        setup_s = set_up_accounts(node, ids, per_bank, pool, clients)
        print(f"  set-up: {per_bank * len(BANKS)} accounts opened and funded in {setup_s:.1f} s", flush=True)
        rng = random.Random(seed)
        wall, sign_s, latencies, codes = 0.0, 0.0, array("d"), Counter()  # 8 bytes a latency
        cpu_node, cpu_committer = 0.0, 0.0
        done = 0
        while done < txs:
            n = min(chunk, txs - done)
            t0 = time.perf_counter()
            batch = sign_transfers(ids, per_bank, n, rng)
            sign_s += time.perf_counter() - t0
            c0, k0 = cpu_seconds(), cpu_seconds(committer_pid(node))
            w, lat, c = submit_all(node, batch, pool, clients)
            cpu_node += cpu_seconds() - c0
            cpu_committer += cpu_seconds(committer_pid(node)) - k0 if committer_pid(node) else 0.0
            del batch
            wall += w
            latencies.extend(lat)
            codes += c
            done += n
            if txs > chunk:
                print(f"  {done:>9,} submitted, {c['VALID'] / w:,.0f} tx/s in this chunk, peak RSS {peak_rss_mb():,.0f} MB",
                      flush=True)
        height = node.height()
        pool.shutdown()
    finally:
        node.close()
        if profiler:
            profiler.stop(profile)
    latencies = sorted(latencies)
    return {
        "transactions": txs, "accounts": per_bank * len(BANKS), "clients": clients, "blocks": height,
        "valid": codes["VALID"], "codes": dict(codes), "mvcc_conflicts": codes["MVCC_READ_CONFLICT"],
        "wall_s": wall, "committed_tps": codes["VALID"] / wall if wall else 0.0,
        "cpu_node_s": cpu_node, "cpu_committer_s": cpu_committer,
        "tps_per_cpu_s": codes["VALID"] / (cpu_node + cpu_committer) if cpu_node + cpu_committer else 0.0,
        # if each process had a core of its own: bound by the busier one
        "tps_two_free_cores": codes["VALID"] / max(cpu_node, cpu_committer) if cpu_node else 0.0,
        "p50_ms": percentile(latencies, 50) * 1000, "p99_ms": percentile(latencies, 99) * 1000,
        "signing_s_excluded": sign_s, "peak_rss_mb": peak_rss_mb(),
        "ledger_mb": sum(f.stat().st_size for f in data_dir.glob(embedded.LEDGER_FILE + "*")) / 2**20,
    }


def verify(data_dir: Path, trace: bool) -> dict[str, Any]:
    """Audit a ledger as `baobab verify` does; figures for this process only."""
    from baobab.contracts import default_registry
    from baobab.ledger.audit import audit
    from baobab.ledger.store.at_rest import folder_sealer
    from baobab.ledger.store.sqlite import SQLiteStore

    if trace:
        tracemalloc.start()
    registry = default_registry()  # installing (and source-auditing) the contracts is not timed
    store = SQLiteStore(data_dir / embedded.LEDGER_FILE, folder_sealer(data_dir))
    try:
        t0, c0 = time.perf_counter(), time.process_time()
        w0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        report = audit(store, registry)
        seconds, cpu_main = time.perf_counter() - t0, time.process_time() - c0
        w1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers (encoding, signatures), reaped by now
        cpu_workers = (w1.ru_utime + w1.ru_stime) - (w0.ru_utime + w0.ru_stime)
    finally:
        store.close()
    n, cpu = report.transactions, cpu_main + cpu_workers
    out = {"ok": report.ok, "problem": report.problem, "blocks": report.blocks, "transactions": n,
           "seconds": seconds, "tps": n / seconds if seconds else 0.0, "peak_rss_mb": peak_rss_mb(),
           "cpu_main_s": cpu_main, "cpu_workers_s": cpu_workers, "tps_per_cpu_s": n / cpu if cpu else 0.0,
           # on two free cores: bound by the replay's own process or by all the work spread on two
           "tps_two_free_cores": n / max(cpu_main, cpu / 2) if cpu else 0.0}
    if trace:
        out["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    return out


def run_child(bench_args: list[str]) -> dict[str, Any]:
    """Run `python -m bench ...` in a fresh process and return the JSON line it prints last."""
    cmd = [sys.executable, "-m", "bench", *bench_args]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(bench_args[:1])} process failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def verify_in_child(data_dir: Path, trace: bool) -> dict[str, Any]:
    return run_child(["ledger", "--verify", str(data_dir)] + (["--tracemalloc"] if trace else []))


class ThreadProfiler:
    """cProfile (per-thread CPU time) in every thread started while active, merged: the
    client threads and the orderer/committer thread."""

    def __init__(self) -> None:
        import cProfile

        self._new = lambda: cProfile.Profile(time.thread_time)  # CPU time: waiting threads cost nothing
        self._profiles: list[Any] = []
        self._lock = threading.Lock()

    def _hook(self, *_: Any) -> None:
        prof = self._new()
        with self._lock:
            self._profiles.append(prof)
        prof.enable()  # replaces this hook for the rest of the thread

    def start(self) -> None:
        threading.setprofile(self._hook)

    def stop(self, path: str) -> None:
        import pstats

        threading.setprofile(None)  # type: ignore[arg-type]
        for p in self._profiles:
            p.disable()
        stats = pstats.Stats(self._profiles[0])
        for p in self._profiles[1:]:
            stats.add(p)
        stats.dump_stats(path)
        print(f"  profile of {len(self._profiles)} threads written to {path} (the committer process's: {path}.committer) "
              f"(python -c \"import pstats; pstats.Stats('{path}').sort_stats('tottime').print_stats(25)\")")


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} CPUs, {model}, Python {sys.version.split()[0]}"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench ledger", description=__doc__.split("\n\n")[0])
    ap.add_argument("--txs", type=int, default=20_000, help="transfers in the timed phase (default 20,000)")
    ap.add_argument("--accounts", type=int, default=10_000, help="accounts, spread over four banks")
    ap.add_argument("--clients", type=int, default=64, help="closed-loop client threads")
    ap.add_argument("--chunk", type=int, default=20_000, help="proposals signed ahead per chunk")
    ap.add_argument("--evm-txs", type=int, default=2_000, help="transfers on the EVM peer")
    ap.add_argument("--no-evm", action="store_true", help="skip the EVM peer")
    ap.add_argument("--no-verify", action="store_true", help="skip the audit")
    ap.add_argument("--keep", type=Path, help="build the ledger in this (new) folder and keep it")
    ap.add_argument("--verify", type=Path, metavar="DIR", help="only audit the ledger in DIR; print JSON")
    ap.add_argument("--profile", metavar="FILE", help="cProfile every thread of the Baobab run into FILE")
    ap.add_argument("--tracemalloc", action="store_true", help="also report tracemalloc peaks (slower)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--one-process", action="store_true",
                    help="validate and commit on the node's own thread (as before the committer process)")
    args = ap.parse_args(argv)

    if args.verify:
        print(json.dumps(verify(args.verify.resolve(), args.tracemalloc)))
        return 0

    print(f"Baobab ledger benchmark on {machine()}")
    with tempfile.TemporaryDirectory(prefix="baobab-bench-") as tmp:
        data_dir = args.keep.resolve() if args.keep else Path(tmp) / "net"
        if args.tracemalloc:
            tracemalloc.start()
        r = run_workload(data_dir, args.txs, args.accounts, args.clients, args.chunk, args.seed, args.profile,
                         commit_process=not args.one_process)
        if args.tracemalloc:
            r["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        print(f"Baobab: {r['valid']:,} of {r['transactions']:,} transfers committed in {r['wall_s']:.1f} s "
              f"({r['blocks']:,} blocks, {r['clients']} client threads, {r['accounts']:,} accounts)")
        print(f"  committed throughput  {r['committed_tps']:,.0f} tx/s (wall clock)")
        print(f"  CPU of the timed phase node process {r['cpu_node_s']:.1f} s, committer process {r['cpu_committer_s']:.1f} s: "
              f"{r['tps_per_cpu_s']:,.0f} tx per CPU-second; {r['tps_two_free_cores']:,.0f} tx/s on two free cores "
              "(each process on a core of its own, bound by the busier)")
        print(f"  submit-to-commit      p50 {r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms")
        print(f"  MVCC read conflicts   {r['mvcc_conflicts']:,}   (all codes: {r['codes']})")
        print(f"  client signing        {r['signing_s_excluded']:.1f} s, excluded from the timed phase")
        print(f"  peak RSS              {r['peak_rss_mb']:,.0f} MB (build, whole process); ledger file {r['ledger_mb']:,.0f} MB"
              + (f"; tracemalloc peak {r['tracemalloc_peak_mb']:,.0f} MB" if "tracemalloc_peak_mb" in r else ""))
        if not args.no_verify:
            v = verify_in_child(data_dir, args.tracemalloc)
            print(f"Audit (baobab verify): {'intact' if v['ok'] else 'FAILED: ' + str(v['problem'])}, "
                  f"{v['transactions']:,} transactions in {v['seconds']:.1f} s = {v['tps']:,.0f} tx/s (wall clock), "
                  f"peak RSS {v['peak_rss_mb']:,.0f} MB")
            print(f"  CPU: replay process {v['cpu_main_s']:.1f} s, workers (encoding, signatures) {v['cpu_workers_s']:.1f} s: "
                  f"{v['tps_per_cpu_s']:,.0f} tx per CPU-second; {v['tps_two_free_cores']:,.0f} tx/s on two free cores"
                  + (f", tracemalloc peak {v['tracemalloc_peak_mb']:,.0f} MB" if "tracemalloc_peak_mb" in v else ""))
        if not args.no_evm:
            from bench import evm_peer

            # A fresh process, so the peer neither inherits this one's heap nor adds to its figures.
            e = run_child(["evm_peer", "--json", "--txs", str(args.evm_txs), "--seed", str(args.seed)])
            evm_peer.report(e)
            print(f"Ratio Baobab/EVM committed tx/s (wall clock, same run): {r['committed_tps'] / e['tps']:.1f}x; "
                  f"per CPU-second: {r['tps_per_cpu_s'] / e['tps_per_cpu_s']:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
