"""Reads that must not grow with the ledger: the head, an inclusion proof and a list page.

    python -m bench reads                        100,000 transactions, 1,000 samples per read
    python -m bench reads --txs 1000000          the one-million-transaction ledger
    python -m bench reads --keep DIR / --reuse DIR   keep the built ledger / measure one kept

Building (timed, reported apart): a network of two banks (`embedded.create`), then blocks of
`--per-block` transactions written straight to the SQLite store, each block signed by the
orderer and stored with its codes, commit hash, transaction index, state and history rows and
block-hash tree nodes exactly as a commit writes them. The transactions are well-formed
envelopes whose results write `bench:item/<n>` (`--keys` distinct keys, so the namespace is
as large as the list page must not scan), but they are not signed by clients or endorsed:
`baobab verify` would refuse them; the node's start check (derived tables against the blocks)
passes. Its time is reported twice: the first start after the build checks every block (no
start has checked any), the next only what is new since (none) and the recent blocks whose
ids it keeps (`audit.check_store`). Block times are 10 s apart, as if the ledger had grown
over hours, so the node's recent-id memory holds what a live node would.

Measured (after one warm-up pass each): `node.head()`, `node.inclusion_proof(tx)` of a random
transaction, `node.page("bench", "item/", start_after=<random key>, limit=50)`; then with
`--http` the same over HTTP against `uvicorn baobab.embedded:app_from_env` with signed
requests (`GET /v1/head`, `GET /v1/proofs/tx/{id}`, `GET /v1/state/bench?prefix=item/&limit=50`
after a random key, as BANK-A, a party to every record, and as BANK-B, a party to none, whose
pages stop after `api.reads.MAX_SCANNED` rows examined), one client, paced at 40 requests/s
(the API's default limit is 50 per identity).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from baobab import embedded
from baobab.core.jcs import canonicalize
from baobab.keystore import Keystore
from baobab.ledger.block import block_bytes, block_hash, commit_hash, make_block
from baobab.ledger.store.base import BlockRecord, Write
from baobab.ledger.store.at_rest import folder_sealer
from baobab.ledger.store.sqlite import SQLiteStore
from baobab.ledger.tx import tx_id_of
from bench.ledger import percentile

NETWORK = "bench-reads"
ORGS = ["BANK-A", "BANK-B"]
BLOCK_GAP = timedelta(seconds=10)
HTTP_RATE = 40.0  # requests/s, under the API's default per-identity limit


def _time(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _envelope(n: int, keys: int, when: str) -> tuple[dict[str, Any], str]:
    key = f"bench:item/{n % keys:07d}"
    proposal = {"network": NETWORK, "contract": "bench", "function": "put", "args": {"n": n},
                "creator": f"{ORGS[0]}/app", "nonce": f"{n:032x}", "timestamp": when}
    signature = "A" * 86  # the shape of an Ed25519 signature; nothing checks it here
    tx_id = tx_id_of({"proposal": proposal, "signature": signature})
    value = {"n": n, "amount": {"currency": "USD", "minor": 100 + n}, "parties": [ORGS[0]]}  # BANK-B reads none
    result = {"tx_id": tx_id, "status": "ok", "response": None, "reads": [], "ranges": [],
              "writes": [[key, value]], "key_policies": [], "events": []}
    return {"proposal": proposal, "signature": signature, "result": result, "endorsements": []}, tx_id


def build(data_dir: Path, txs: int, per_block: int, keys: int) -> tuple[float, list[str]]:
    """Create the network and write `txs` transactions; (seconds, a sample of tx ids)."""
    embedded.create(data_dir, NETWORK, [{"id": o, "name": o, "country": "KE", "roles": ["bank"]} for o in ORGS],
                    admins=ORGS)
    embedded.open_node(data_dir).close()  # writes the genesis block
    orderer = Keystore(data_dir / "keys").orderer()
    store = SQLiteStore(data_dir / embedded.LEDGER_FILE, folder_sealer(data_dir))
    start = time.perf_counter()
    sample: list[str] = []
    previous = store.block(0)
    assert previous is not None
    blocks = -(-txs // per_block)
    when = datetime.now(timezone.utc) - BLOCK_GAP * (blocks + 1)
    n = 0
    for number in range(1, blocks + 1):
        when += BLOCK_GAP
        stamp = _time(when)
        envelopes, tx_ids, writes = [], [], []
        for index in range(min(per_block, txs - n)):
            env, tx_id = _envelope(n, keys, stamp)
            envelopes.append(env)
            tx_ids.append(tx_id)
            key, value = env["result"]["writes"][0]
            writes.append(Write(key, value, (number, index)))
            n += 1
        leaves = [canonicalize(e) for e in envelopes]
        block = make_block(NETWORK, number, previous.hash, envelopes, stamp, orderer, leaves)
        codes = ["VALID"] * len(envelopes)
        bhash = block_hash(block["header"])
        record = BlockRecord(number, bhash, block_bytes(block, leaves), codes, commit_hash(previous.commit_hash, bhash, codes))
        store.commit(record, tx_ids, writes)
        sample.append(random.choice(tx_ids))
        previous = record
        if number % 100 == 0:
            print(f"  built {n:,} transactions ({number:,} blocks) in {time.perf_counter() - start:.0f} s", flush=True)
    seconds = time.perf_counter() - start
    store.close()
    return seconds, sample


def timed(fn: Any, args: list[Any], rate: float | None = None) -> dict[str, float]:
    """Latencies of fn(a) for each a; with `rate`, started at most `rate` per second (the API
    limits each identity to 50 requests/s: the requests are paced, not the latency)."""
    gap = 0.0 if rate is None else 1 / rate
    next_start = time.perf_counter()
    lat = []
    for i, a in enumerate(args[: max(1, len(args) // 10)] + args):  # a tenth first, as warm-up
        time.sleep(max(0.0, next_start - time.perf_counter()))
        t = time.perf_counter()
        next_start = t + gap
        fn(a)
        if i >= max(1, len(args) // 10):
            lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    return {"p50_ms": round(percentile(lat, 50), 3), "p99_ms": round(percentile(lat, 99), 3), "n": len(lat)}


def measure_node(data_dir: Path, sample: list[str], keys: int, samples: int) -> dict[str, Any]:
    start = time.perf_counter()
    embedded.open_node(data_dir).close()
    first = time.perf_counter() - start
    start = time.perf_counter()
    node = embedded.open_node(data_dir)
    opened = time.perf_counter() - start
    try:
        tx_ids = [random.choice(sample) for _ in range(samples)]
        after = [f"item/{random.randrange(keys):07d}" for _ in range(samples)]
        return {"first_start_s (checks the blocks no start has checked)": round(first, 2),
                "next_start_s (checks what is new since)": round(opened, 2), "height": node.height(),
                "head": timed(lambda _: node.head(), list(range(samples))),
                "inclusion_proof": timed(node.inclusion_proof, tx_ids),
                "list_page_50": timed(lambda a: node.page("bench", "item/", a, 50), after)}
    finally:
        node.close()


def measure_http(data_dir: Path, sample: list[str], keys: int, samples: int) -> dict[str, Any]:
    from baobab.api.deps import encode_cursor
    from baobab.client import Identity
    from baobab.http_client import BaobabClient
    from baobab.net.process import free_port
    from bench.http import serve

    port = free_port()
    start = time.perf_counter()
    proc = serve(data_dir, port)
    served = time.perf_counter() - start
    try:
        client = BaobabClient(f"http://127.0.0.1:{port}", Identity.load(data_dir, NETWORK, ORGS[0]))
        tx_ids = [random.choice(sample) for _ in range(samples)]
        out: dict[str, Any] = {"serve_s (process start to healthy)": round(served, 2), "head": timed(lambda _: client.head(), list(range(samples)), HTTP_RATE)}
        try:
            out["inclusion_proof"] = timed(lambda t: client._get(f"/v1/proofs/tx/{t}"), tx_ids, HTTP_RATE)
        except Exception as exc:  # noqa: BLE001 - report what the route answers
            out["inclusion_proof"] = f"not measured: {exc}"
        cursors = [encode_cursor(f"bench:item/{random.randrange(keys):07d}") for _ in range(samples)]

        def page(reader: Any, cursor: str) -> None:
            reader._get("/v1/state/bench", prefix="item/", limit=50, cursor=cursor)

        out["list_page_50 (party to every record)"] = timed(lambda c: page(client, c), cursors, HTTP_RATE)
        other = BaobabClient(f"http://127.0.0.1:{port}", Identity.load(data_dir, NETWORK, ORGS[1]))
        out["list_page (party to none: a page of at most MAX_SCANNED rows examined)"] = timed(
            lambda c: page(other, c), cursors, HTTP_RATE)
        return out
    finally:
        proc.terminate()
        proc.wait(30)


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="bench reads", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--txs", type=int, default=100_000)
    ap.add_argument("--per-block", type=int, default=1000)
    ap.add_argument("--keys", type=int, default=100_000, help="distinct keys written (the namespace listed)")
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--http", action="store_true", help="also measure over HTTP")
    ap.add_argument("--keep", type=Path, help="build into DIR and keep it")
    ap.add_argument("--reuse", type=Path, help="measure a ledger built earlier with --keep")
    args = ap.parse_args(argv)
    random.seed(7)
    root = Path(tempfile.mkdtemp(prefix="baobab-reads-"))
    try:
        if args.reuse:
            data = args.reuse
            sample = (data / "sample-tx-ids.txt").read_text().split()
        else:
            data = args.keep or root / "data"
            seconds, sample = build(data, args.txs, args.per_block, args.keys)
            (data / "sample-tx-ids.txt").write_text("\n".join(sample))
            print(f"built {args.txs:,} transactions in {seconds:.1f} s ({args.txs / seconds:,.0f} tx/s); "
                  f"ledger file {os.path.getsize(data / embedded.LEDGER_FILE) / 1e6:,.0f} MB")
        print("node:", measure_node(data, sample, args.keys, args.samples), flush=True)
        if args.http:
            print("http:", measure_http(data, sample, args.keys, args.samples), flush=True)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
