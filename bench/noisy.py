"""Noisy neighbour benchmark: one member's latency with and without another member's 100 idle
event streams (issue 11: "45 idle event streams on one token made every request wait 10-25 s").

    python -m bench noisy                         300 reads and 60 submits per phase, 100 streams
    python -m bench noisy --reads 1000 --submits 200 --streams 100

A network of three organisations in a temporary folder; the node runs as a separate process
(the HTTP app with `Limits(streams_per_identity=--streams)`, so all the streams are admitted,
and uvicorn with `uvicorn_options`). The quiet member (`QUIETBANK/app`) runs, one request at a
time, `--reads` authenticated `GET /v1/state/accounts/<its account>` and `--submits`
`accounts.open` transactions that wait for their commit. Then the noisy member
(`NOISY/app`, another organisation) opens `--streams` event streams (`GET /v1/events?follow=true`)
and keeps them open and idle, and the quiet member runs the same requests again. Each new block
wakes every stream (it reads the block and finds nothing it may see), so the streams cost
something; the question is whether they stall the other member. Printed: p50/p99/max per
request kind in each phase, and the ratio of the p99s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from baobab import embedded
from baobab.client import Identity
from baobab.http_client import BaobabClient
from baobab.net.process import free_port, wait_healthy

NETWORK = "noisy-bench"
ORGS = [
    {"id": "QUIETBANK", "name": "Quiet Bank", "country": "KE", "roles": ["bank"]},
    {"id": "NOISY", "name": "Noisy Traders", "country": "KE", "roles": ["trader"]},
    {"id": "OTHERBANK", "name": "Other Bank", "country": "MY", "roles": ["bank"]},
]
BLOCKS = {"max_txs": 50, "max_bytes": 8_000_000, "timeout_ms": 5}


def serve(data_dir: str, port: int, streams: int) -> None:
    """The node process: the HTTP app over the embedded node of `data_dir`."""
    import uvicorn

    from baobab.api.app import create_app
    from baobab.api.limits import Limits, uvicorn_options

    limits = Limits(streams_per_identity=streams, burst=100_000, requests_per_s=100_000.0)
    node = embedded.open_node(data_dir)
    try:
        uvicorn.run(create_app(node, data_dir, limits=limits), host="127.0.0.1", port=port, log_level="warning",
                    access_log=False, **uvicorn_options(limits))
    finally:
        node.close()


def start(data_dir: Path, port: int, streams: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen([sys.executable, "-m", "bench.noisy", "--serve", str(data_dir), "--port", str(port),
                             "--streams", str(streams)], env={**os.environ, "PYTHONUNBUFFERED": "1"})
    wait_healthy(f"http://127.0.0.1:{port}", proc)
    return proc


def timed(calls: list[Callable[[], object]]) -> list[float]:
    out = []
    for call in calls:
        t0 = time.perf_counter()
        call()
        out.append(time.perf_counter() - t0)
    return sorted(out)


def figures(latencies: list[float]) -> dict[str, float]:
    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, max(0, round(p / 100 * len(latencies)) - 1))] * 1000

    return {"p50_ms": round(pct(50), 2), "p99_ms": round(pct(99), 2), "max_ms": round(latencies[-1] * 1000, 2)}


def phase(quiet: BaobabClient, reads: int, submits: int, tag: str) -> dict[str, dict[str, float]]:
    read = timed([lambda: quiet.get("accounts", "acct/QUIETBANK-main")] * reads)
    submit = timed([lambda n=n: quiet.submit("accounts", "open", {"account": f"QUIETBANK-{tag}{n}", "currency": "KES"})
                    for n in range(submits)])
    return {"read": figures(read), "submit": figures(submit)}


def run(reads: int, submits: int, streams: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="baobab-noisy-") as tmp:
        data = Path(tmp) / "data"
        embedded.create(data, NETWORK, ORGS, ["QUIETBANK", "OTHERBANK"], block=BLOCKS)
        port = free_port()
        proc = start(data, port, streams)
        url = f"http://127.0.0.1:{port}"
        try:
            quiet = BaobabClient(url, Identity.load(data, NETWORK, "QUIETBANK"), timeout=120.0)
            quiet.submit("accounts", "open", {"account": "QUIETBANK-main", "currency": "KES"})
            timed([lambda: quiet.get("accounts", "acct/QUIETBANK-main")] * 20)  # warm up
            alone = phase(quiet, reads, submits, "a")
            http = httpx.Client(timeout=120.0, limits=httpx.Limits(max_connections=streams + 5))
            noisy = BaobabClient(url, Identity.load(data, NETWORK, "NOISY"), http=http)
            held = [noisy.request("GET", "/v1/events", params={"follow": "true"}, stream=True) for _ in range(streams)]
            loaded = phase(quiet, reads, submits, "b")
            still_open = sum(1 for r in held if not r.is_closed)
            for r in held:
                r.close()
            http.close()
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    return {"reads": reads, "submits": submits, "streams": streams, "streams_open_at_end": still_open,
            "alone": alone, "with_streams": loaded,
            "p99_ratio": {k: round(loaded[k]["p99_ms"] / alone[k]["p99_ms"], 2) for k in alone}}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench noisy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--reads", type=int, default=300, help="reads by the quiet member per phase")
    parser.add_argument("--submits", type=int, default=60, help="committed transactions per phase")
    parser.add_argument("--streams", type=int, default=100, help="idle event streams of the noisy member")
    parser.add_argument("--serve", metavar="DATA", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.port, args.streams)
        return 0
    print(json.dumps(run(args.reads, args.submits, args.streams), indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
