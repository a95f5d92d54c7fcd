"""Oracle throughput: aggregation rounds per second, and sensor readings committed per second.

    .venv/bin/python -m bench oracles                         # defaults below
    .venv/bin/python -m bench oracles --rounds 300 --readings 500000 --batch 10000

1. Aggregation, pure: `aggregate()` over 7 signed-off answers (f=2), in a loop.
2. Aggregation on the ledger: an embedded network with 4 oracles; each round is a `request`
   transaction and a `report` transaction carrying 4 signed observations (the OCR-style
   transmission), each checked (signature, freshness, replay) and aggregated by the contract.
   Requests are submitted without waiting, so blocks fill; reports one at a time, because
   each round updates its oracles' reputation records (read-modify-write of the same keys).
3. Continuous feed: a device ingests readings, builds each batch's RFC 9162 tree, signs the
   header, and the ledger commits one `commit_batch` per batch; the figure includes building
   the trees and committing the roots. A second figure also materialises every reading's
   inclusion proof, and one proof is verified against the committed root.
Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from datetime import datetime, timedelta, timezone

from baobab import embedded
from baobab.client import Identity
from baobab.core.hashing import digest_hex
from baobab.core.keys import PrivateKey
from baobab.oracles.aggregation import aggregate
from baobab.oracles.feed import Device, Reading, verify_reading
from baobab.oracles.observation import make_observation

ORACLES = ["ORA1", "ORA2", "ORA3", "ORA4"]
ORGS = [{"id": o, "name": f"Oracle {o}", "country": "IN", "roles": ["oracle"]} for o in ORACLES] + [
    {"id": "BANK1", "name": "Bank One", "country": "ES", "roles": ["bank"]},
    {"id": "BANK2", "name": "Bank Two", "country": "AE", "roles": ["bank"]},
]


def utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def run_all(node, signed: list[dict]) -> list:
    for s in signed:
        node.submit(s, wait=False)
    outcomes = [node.submit(s) for s in signed]  # resubmitting returns the committed outcome
    bad = [o.code for o in outcomes if not o.valid]
    if bad:
        raise SystemExit(f"{len(bad)} transactions invalid: {bad[:3]}")
    return outcomes


def bench_pure(seconds: float) -> None:
    answers = {f"O{i}": 5000 + i * 13 for i in range(7)}
    answers["O3"] = 90_000
    n, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for _ in range(1000):
            aggregate("number", answers, 2, 500)
        n += 1000
    print(f"aggregate() pure, 7 answers, f=2:           {n / (time.perf_counter() - start):>12,.0f} rounds/s")


def bench_ledger(path: str, rounds: int, readings: int, batch: int) -> None:
    embedded.create(path, "bench-oracles", ORGS, ["BANK1", "BANK2"],
                    block={"max_txs": 500, "max_bytes": 8_000_000, "timeout_ms": 2})
    node = embedded.open_node(path)
    try:
        ids = {o: Identity.load(path, node.network, o) for o in ORACLES + ["BANK1"]}
        keys = {o: PrivateKey.generate() for o in ORACLES}
        feed = "reefer/BENCH/temp-max"
        run_all(node, [ids[o].proposal("oracles", "register_key", {"key_id": "probe", "kind": "device",
                                                                      "public_key": keys[o].public.text}) for o in ORACLES])
        for o in ORACLES:  # one at a time: each registration reads the feed's other registrations
            run_all(node, [ids[o].proposal("oracles", "register_feed", {"feed": feed, "type": "temperature",
                                                                          "kind": "number", "unit": "mC",
                                                                          "source": "hardware"})])
        now = datetime.now(timezone.utc)
        deadline, observed = utc(now + timedelta(hours=1)), utc(now - timedelta(seconds=30))
        start = time.perf_counter()
        run_all(node, [ids["BANK1"].proposal("oracles", "request", {"round_id": f"b{i}", "feed": feed, "f": 1,
                                                                     "deadline": deadline, "tolerance": 500})
                       for i in range(rounds)])
        reports = []
        for i in range(rounds):
            obs = [make_observation(keys[o], oracle=o, key_id="probe", feed=feed, value=5000 + j * 11,
                                    observed_at=observed, evidence=digest_hex([i, o]), round_id=f"b{i}",
                                    nonce=os.urandom(6).hex()) for j, o in enumerate(ORACLES)]
            reports.append(ids["BANK1"].proposal("oracles", "report", {"round_id": f"b{i}", "observations": obs}))
        # Every round updates its oracles' reputation records, so two rounds of the same oracles in
        # one block would conflict (MVCC): reports are committed one after the other.
        outcomes = [o for r in reports for o in run_all(node, [r])]
        elapsed = time.perf_counter() - start
        assert all(o.response["status"] == "accepted" for o in outcomes)
        print(f"rounds on the ledger (request + report of 4): {rounds / elapsed:>12,.1f} rounds/s "
              f"({rounds} rounds, {elapsed:.2f} s, signing included)")

        # continuous feed: one signed Merkle root per batch
        dev_key = PrivateKey.generate()
        sfeed = "reefer/BENCH/stream"
        run_all(node, [ids["ORA1"].proposal("oracles", "register_key", {"key_id": "stream", "kind": "device",
                                                                          "public_key": dev_key.public.text}),
                       ids["ORA1"].proposal("oracles", "register_feed", {"feed": sfeed, "type": "temperature",
                                                                           "kind": "number", "unit": "mC",
                                                                           "source": "hardware"})])
        base = now - timedelta(days=2)
        stamps = [utc(base + timedelta(seconds=s)) for s in range(readings // 10 + 1)]
        data = [Reading(stamps[i // 10], 4000 + (i * 7919) % 400) for i in range(readings)]
        device = Device("ORA1", "stream", dev_key, sfeed, batch_size=batch)
        start = time.perf_counter()
        headers = list(device.ingest(data))
        if device.pending:
            headers.append(device.seal())
        for h in headers:  # a feed's batches chain by sequence number: one per block
            run_all(node, [ids["ORA1"].proposal("oracles", "commit_batch", {"batch": h})])
        committed = time.perf_counter() - start
        proofs = [device.proof(seq, i) for seq, b in device.batches.items() for i in range(len(b))]
        with_proofs = time.perf_counter() - start
        last = node.get("oracles", f"batch/{sfeed}|ORA1|{len(headers):012d}")["value"]["body"]
        p = proofs[-1]
        assert verify_reading(Reading(p["reading"]["at"], p["reading"]["value"]), p["index"], last["count"],
                              [bytes.fromhex(h) for h in p["proof"]], last["root"])
        print(f"readings ingested + roots committed:          {readings / committed:>12,.0f} readings/s "
              f"({readings} readings, {len(headers)} batches of {batch}, {committed:.2f} s)")
        print(f"  ...and every reading's proof materialised:  {readings / with_proofs:>12,.0f} readings/s "
              f"({with_proofs:.2f} s; proofs otherwise served on demand in O(log n))")
    finally:
        node.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="bench oracles")
    parser.add_argument("--rounds", type=int, default=300)
    parser.add_argument("--readings", type=int, default=500_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=1.0)
    args = parser.parse_args(argv)
    bench_pure(args.seconds)
    with tempfile.TemporaryDirectory() as tmp:
        bench_ledger(os.path.join(tmp, "net"), args.rounds, args.readings, args.batch)
    return 0
