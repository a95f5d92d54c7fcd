"""HTTP API benchmark: transactions/s and reads/s against one node over HTTP, next to the
same transfers submitted in-process.

    python -m bench http                          5,000 transfers, 5,000 reads, 16 clients
    python -m bench http --txs 20000 --reads 20000 --clients 32

Workload as `bench/ledger.py`: four banks, `accounts.transfer` of 1 minor unit between random
accounts, two bank endorsements each. Accounts are opened and funded in-process first; then
the node runs as a separate process (`uvicorn --factory baobab.embedded:app_from_env`) and
`--clients` threads each drive it in a closed loop with the Python client: proposals are
signed ahead (as in the ledger benchmark), but every HTTP request is signed and verified
(Ed25519 both ways), its nonce recorded, and each submit waits for its block to commit.
Reads are `GET /v1/state/accounts/<own account>` (authenticated, access-checked). Latency is
request-to-response as the client sees it. The in-process figure reruns the transfers with
`bench.ledger.run_workload` on a fresh folder.
"""

from __future__ import annotations

import argparse
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any


from baobab import embedded
from baobab.client import Identity
from bench.ledger import BANKS, NETWORK, account_name, create_network, percentile, run_workload, set_up_accounts, sign_transfers
from baobab.http_client import BaobabClient
from baobab.net.process import free_port, wait_healthy


def serve(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "BAOBAB_DATA": str(data_dir)}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "--factory", "baobab.embedded:app_from_env",
                             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"], env=env)
    wait_healthy(f"http://127.0.0.1:{port}", proc)
    return proc


def closed_loop(jobs: list[Any], clients: int, make: Callable[[int], Callable[[Any], str]]) -> tuple[float, list[float], Counter[str]]:
    shares = [jobs[i::clients] for i in range(clients)]
    latencies: list[list[float]] = [[] for _ in range(clients)]
    codes: list[Counter[str]] = [Counter() for _ in range(clients)]
    failures: list[BaseException] = []

    def run(k: int) -> None:
        do = make(k)
        try:
            for job in shares[k]:
                t0 = time.perf_counter()
                codes[k][do(job)] += 1
                latencies[k].append(time.perf_counter() - t0)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    if failures:
        raise failures[0]
    return wall, sorted(x for part in latencies for x in part), sum(codes, Counter())


def figures(name: str, n_ok: int, wall: float, lat: list[float]) -> dict[str, Any]:
    return {"name": name, "per_s": n_ok / wall, "p50_ms": percentile(lat, 50) * 1000, "p99_ms": percentile(lat, 99) * 1000,
            "n": n_ok, "wall_s": wall}


def http_run(root: Path, txs: int, reads: int, accounts: int, clients: int, seed: int) -> list[dict[str, Any]]:
    data = root / "http"
    create_network(data)
    ids = {b: Identity.load(data, NETWORK, b) for b in BANKS}
    per_bank = max(2, accounts // len(BANKS))
    node = embedded.open_node(data)
    try:
        with ThreadPoolExecutor(clients) as pool:
            set_up_accounts(node, ids, per_bank, pool, clients)
    finally:
        node.close()
    rng = random.Random(seed)
    transfers = sign_transfers(ids, per_bank, txs, rng)
    port = free_port()
    proc = serve(data, port)
    url = f"http://127.0.0.1:{port}"
    try:
        def submitter(k: int) -> Callable[[Any], str]:
            clients_by_bank = {b: BaobabClient(url, ids[b]) for b in BANKS}
            return lambda signed: clients_by_bank[signed["proposal"]["creator"].split("/")[0]].submit_signed(signed)["code"]

        wall, lat, codes = closed_loop(transfers, clients, submitter)
        out = [figures("HTTP transfers (submit, wait for commit)", codes["VALID"], wall, lat) | {"codes": dict(codes)}]
        lookups = [(b, account_name(b, rng.randrange(per_bank))) for b in (rng.choice(BANKS) for _ in range(reads))]

        def reader(k: int) -> Callable[[Any], str]:
            clients_by_bank = {b: BaobabClient(url, ids[b]) for b in BANKS}
            return lambda job: "OK" if clients_by_bank[job[0]].get("accounts", f"acct/{job[1]}")["value"] else "EMPTY"

        wall, lat, codes = closed_loop(lookups, clients, reader)
        out.append(figures("HTTP reads (GET /v1/state/...)", codes["OK"], wall, lat))
        return out
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench http", description=__doc__.split("\n")[0])
    parser.add_argument("--txs", type=int, default=5000)
    parser.add_argument("--reads", type=int, default=5000)
    parser.add_argument("--accounts", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="baobab-bench-http-") as tmp:
        root = Path(tmp)
        print(f"HTTP benchmark: {args.txs:,} transfers and {args.reads:,} reads, {args.clients} client threads, "
              f"{os.cpu_count()} CPUs", flush=True)
        rows = http_run(root, args.txs, args.reads, args.accounts, args.clients, args.seed)
        print("in-process reference run…", flush=True)
        ref = run_workload(root / "inproc", args.txs, args.accounts, args.clients, max(args.txs, 1), args.seed, None)
        rows.append({"name": "in-process transfers (Node.submit)", "per_s": ref["committed_tps"], "p50_ms": ref["p50_ms"],
                     "p99_ms": ref["p99_ms"], "n": ref["valid"], "wall_s": ref["wall_s"]})
    print(f"\n{'workload':<44} {'per s':>9} {'p50 ms':>8} {'p99 ms':>8} {'ok':>7}")
    for r in rows:
        print(f"{r['name']:<44} {r['per_s']:>9,.0f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['n']:>7,}")
    http_tps, inproc_tps = rows[0]["per_s"], rows[-1]["per_s"]
    print(f"\nHTTP / in-process transfer throughput: {http_tps / inproc_tps:.2f}")
    if rows[0].get("codes", {}).keys() - {"VALID"}:
        print(f"transfer codes: {rows[0]['codes']}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
