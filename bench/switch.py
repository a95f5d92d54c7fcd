"""The payments switch's core: two-phase transfers per second, durably committed, in-process.

    .venv/bin/python -m bench switch                              # SQLite, defaults below
    .venv/bin/python -m bench switch --transfers 20000 --batch 500
    .venv/bin/python -m bench switch --postgres postgresql://127.0.0.1/postgres
    .venv/bin/python -m bench switch --http --transfers 3000 --concurrency 64   # end to end, bench/switch_http.py
    .venv/bin/python -m bench switch --transfers 10000 --batch 500 --profile /tmp/switch.prof   # where the CPU goes

Each transfer is a prepare (liquidity and net debit cap checked, amount reserved) and a fulfil
(SHA-256 of the fulfilment checked against the condition, reservation posted): two journal
operations and two switch rows. `--batch N` groups N transfers' operations into one durable
commit (group commit: what a switch does under load); `--batch 1` commits every operation on its
own. The journal is reconciled at the end. Prints figures, per CPU core beside Mojaloop's
published ones; not a test. "Per CPU second" is transfers over the CPU time the process spent in
the timed phase: on a shared machine, what one free core would deliver (docs/PERFORMANCE.md).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from typing import Any
from datetime import datetime, timedelta, timezone

from bench._profiling import profiled
from baobab.pay.store import PostgresDatabase, SQLiteDatabase
from baobab.pay.switch import Switch, condition_of, stamp

FULFILMENT = "UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA"
FSPS = [f"fsp{i}" for i in range(8)]
# Mojaloop's published figures, transfers per second over the vCPUs that served them
MOJALOOP = (("about 2,000/s on three 32-vCPU servers", 2000 / 96), ("650/s on five 8-vCPU servers", 650 / 40))


def run(switch: Switch, transfers: int, batch: int) -> float:
    for fsp in FSPS:
        switch.add_participant(fsp, fsp, f"http://127.0.0.1/{fsp}", {"USD": 10**12})
        switch.fund(f"fund-{fsp}", fsp, "USD", 10**12)
    condition = condition_of(FULFILMENT)
    expiration = stamp(datetime.now(timezone.utc) + timedelta(hours=1))
    started = time.perf_counter()
    done = 0
    while done < transfers:
        n = min(batch, transfers - done)
        with switch.db.atomic():
            for i in range(done, done + n):
                payer, payee = FSPS[i % len(FSPS)], FSPS[(i * 3 + 1) % len(FSPS)]
                if payer == payee:
                    payee = FSPS[(i + 1) % len(FSPS)]
                transfer_id = f"t{i}"
                switch.prepare({"transferId": transfer_id, "payerFsp": payer, "payeeFsp": payee,
                                "amount": {"currency": "USD", "minor": 100 + i % 900}, "condition": condition,
                                "expiration": expiration}, source=payer)
                switch.fulfil(transfer_id, FULFILMENT, source=payee)
        done += n
    return time.perf_counter() - started


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench switch")
    parser.add_argument("--transfers", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=200, help="transfers per durable commit")
    parser.add_argument("--postgres", help="a PostgreSQL server to create a scratch database on")
    parser.add_argument("--http", action="store_true", help="end to end over FSPIOP HTTP with callbacks")
    parser.add_argument("--concurrency", type=int, default=64, help="transfers in flight (--http)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the timed phase into FILE (in process only)")
    args = parser.parse_args(argv)
    if args.postgres:
        import psycopg

        name = f"baobab_bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        db = PostgresDatabase(args.postgres.rsplit("/", 1)[0] + f"/{name}")
        where = "PostgreSQL"
    else:
        folder = tempfile.mkdtemp(prefix="baobab-switch-")
        db = SQLiteDatabase(os.path.join(folder, "switch.sqlite"))
        where = "SQLite (WAL, synchronous=FULL)"
    problems: list[Any] = []
    if args.http:
        from bench.switch_http import run_http

        seconds, cpu = run_http(db, args.transfers, args.concurrency)
        print(f"switch end to end over FSPIOP HTTP on {where}: {args.transfers} transfers, {args.concurrency} in flight, "
              "each POST /transfers, forwarded POST, payee PUT, committed PUT to the payer; reconciliation: clean")
    else:
        switch = Switch(db)
        cpu0 = time.process_time()
        with profiled(args.profile):
            seconds = run(switch, args.transfers, args.batch)
        cpu = time.process_time() - cpu0
        problems = switch.reconcile()
        print(f"switch core on {where}: {args.transfers} two-phase transfers, {args.batch} per commit; "
              f"reconciliation: {'clean' if not problems else problems[:3]}")
    cores = cpu / seconds
    print(f"  {args.transfers / seconds:,.0f} transfers/s wall ({seconds:.2f} s), {args.transfers / cpu:,.0f} per CPU second "
          f"(one process, {cores:.2f} cores busy on average; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)")
    for what, per_core in MOJALOOP:
        print(f"  Mojaloop: {what} = {per_core:,.1f} per vCPU")
    db.close()
    if args.postgres:
        with psycopg.connect(args.postgres, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE {name}")
    return 0 if not problems else 1
