"""Storage per transaction, the inputs of docs/SCALE.md's sizing.

    python -m bench scale                     5,000 transfers (bench ledger's workload)
    python -m bench scale --txs 20000 --accounts 10000

Builds a ledger of account transfers with `bench ledger`'s workload (two bank endorsements
each) on the embedded node, then measures what one transaction costs where it is kept:

- the JetStream transaction stream: the envelope's canonical bytes (what a node publishes);
- the block stream: the orderer-signed block's bytes, per transaction;
- the SQLite ledger file (sealed at rest), per transaction;
- a PostgreSQL ledger (a network-mode node's database): the same rows copied into a fresh
  database through the store's migrations, `pg_total_relation_size` of each table (heap,
  indexes, TOAST) after VACUUM, per transaction, and the state per key; and how fast a node
  computes its state root (`/ops/digest`), the cost of a checkpoint. Skipped when PostgreSQL is
  unreachable.

Set-up transactions (opening and funding accounts) are part of the ledger and of the counts.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from baobab import embedded
from baobab.core.jcs import canonicalize
from baobab.ledger.store.at_rest import folder_sealer
from baobab.ledger.store.sqlite import SQLiteStore
from bench.ledger import machine, run_workload

TABLES = ("blocks", "txs", "state", "history", "tree")


def stream_sizes(store: SQLiteStore) -> dict[str, Any]:
    txs = blocks = envelope_bytes = block_bytes = 0
    for record in store.blocks(1):
        block = json.loads(record.data)
        blocks += 1
        block_bytes += len(canonicalize(block))
        for envelope in block["transactions"]:
            txs += 1
            envelope_bytes += len(canonicalize(envelope))
    return {"transactions": txs, "blocks": blocks, "envelope_bytes_per_tx": envelope_bytes / txs,
            "block_bytes_per_tx": block_bytes / txs, "txs_per_block": txs / blocks}


def postgres_sizes(store: SQLiteStore, txs: int) -> dict[str, float] | None:
    """Bytes per transaction of each table in PostgreSQL, the same rows as `store`."""
    try:
        from baobab.ledger.store.postgres import PostgresStore
        from baobab.net.digest import ledger_digest
        from baobab.net.local import create_database, drop_database
        name = f"baobab_scale_{uuid.uuid4().hex[:10]}"
        url = create_database(name)
    except Exception as exc:  # no driver, no server
        print(f"  PostgreSQL skipped: {type(exc).__name__}: {exc}")
        return None
    try:
        pg = PostgresStore(url)
        try:
            with pg.connection() as conn, conn.transaction(), conn.cursor() as cur:
                cur.executemany("INSERT INTO blocks VALUES (%s, %s, %s, %s, %s)",
                                [(b.number, b.hash, b.data, json.dumps(b.codes), b.commit_hash) for b in store.blocks()])
                cur.executemany("INSERT INTO txs VALUES (%s, %s, %s, %s)", list(store.tx_rows()))
                cur.executemany("INSERT INTO state VALUES (%s, %s, %s, %s)", [(k, v, *ver) for k, v, ver in store.state_rows()])
                cur.executemany("INSERT INTO history VALUES (%s, %s, %s, %s)",
                                [(k, *ver, v) for k, ver, v in store.history_rows()])
                cur.execute("DELETE FROM tree")
                cur.executemany("INSERT INTO tree VALUES (%s, %s, %s)", list(store.tree_rows()))
            with pg.connection() as conn:
                conn.execute("VACUUM ANALYZE")
                sizes = {t: conn.execute("SELECT pg_total_relation_size(%s)", (t,)).fetchone()[0] for t in TABLES}
                keys = conn.execute("SELECT count(*) FROM state").fetchone()[0]
            t0 = time.perf_counter()
            ledger_digest(url)  # what a checkpoint's state root costs: one pass over the state
            digest_s = time.perf_counter() - t0
        finally:
            pg.close()
    finally:
        drop_database(name)
    return {**{t: sizes[t] / txs for t in TABLES}, "keys": keys, "state_bytes_per_key": sizes["state"] / keys,
            "digest_keys_per_s": keys / digest_s}


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench scale", description=__doc__.split("\n\n")[0])
    ap.add_argument("--txs", type=int, default=5_000, help="transfers (default 5,000)")
    ap.add_argument("--accounts", type=int, default=2_000, help="accounts, spread over four banks")
    ap.add_argument("--clients", type=int, default=32, help="closed-loop client threads")
    args = ap.parse_args(argv)
    print(f"machine: {machine()}")
    with tempfile.TemporaryDirectory(prefix="baobab-scale-") as tmp:
        data = Path(tmp) / "data"
        run = run_workload(data, args.txs, args.accounts, args.clients, args.txs, 1, None)
        store = SQLiteStore(data / embedded.LEDGER_FILE, folder_sealer(data))
        try:
            streams = stream_sizes(store)
            sqlite_bytes = sum(f.stat().st_size for f in data.glob(embedded.LEDGER_FILE + "*"))
            pg = postgres_sizes(store, streams["transactions"])
        finally:
            store.close()
    n = streams["transactions"]
    print(f"ledger: {n:,} transactions in {streams['blocks']:,} blocks ({streams['txs_per_block']:.0f} per block), "
          f"{run['valid']:,} timed transfers valid at {run['committed_tps']:,.0f} tx/s")
    print(f"  transaction stream, envelope:     {streams['envelope_bytes_per_tx']:8,.0f} bytes/tx")
    print(f"  block stream, block share:        {streams['block_bytes_per_tx']:8,.0f} bytes/tx")
    print(f"  SQLite ledger file (sealed):      {sqlite_bytes / n:8,.0f} bytes/tx")
    if pg is not None:
        for table in TABLES:
            print(f"  PostgreSQL {table:<8}               {pg[table]:8,.0f} bytes/tx")
        print(f"  PostgreSQL total:                 {sum(pg[t] for t in TABLES):8,.0f} bytes/tx")
        print(f"  PostgreSQL state: {pg['keys']:,} keys, {pg['state_bytes_per_key']:,.0f} bytes/key; "
              f"state root (ops/digest) at {pg['digest_keys_per_s']:,.0f} keys/s")
    return 0
