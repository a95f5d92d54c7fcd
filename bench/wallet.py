"""Wallet-to-wallet payments inside one mobile-money provider, durably committed.

    .venv/bin/python -m bench wallet                          # 1,000 wallets, 20,000 payments, 200 per commit
    .venv/bin/python -m bench wallet --payments 50000 --batch 500
    .venv/bin/python -m bench wallet --payments 200 --pin     # each payment with its PIN checked (Argon2)
    .venv/bin/python -m bench wallet --payments 10000 --profile /tmp/wallet.prof

Without `--pin`, each payment is what `Provider.transfer_authorised` does once the channel has
checked the PIN: the sanctions screening of both parties, the payer's and payee's tier limits
(single, daily, monthly, balance) read and recorded, the fee by tariff band, two balanced journal
entries, the movement and an SMS receipt to each party queued, all in the movement's
transaction. `--batch N` commits N payments together (group commit, as a provider's payment
engine does under load). That is the provider's durable movement path.

A payment a person makes also checks their PIN: `--pin` sends each payment with `Provider.send`,
the PIN verified against its Argon2 hash (argon2-cffi's default parameters, as a provider runs
them), a transaction of its own that counts failures, then the movement. Argon2 costs tens of
milliseconds of CPU by design (that is what makes a stolen hash slow to crack), so this figure
is a few dozen per core, and a provider scales it by checking PINs on more cores: the check
runs outside the database's write lock. Every wallet gets one precomputed hash (hashing is the
registration's cost, not the payment's).

The journal is checked to balance at the end. "Per CPU second" is payments over the CPU time
the process spent in the timed phase: on a shared machine, what one free core would deliver.
Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import datetime, timezone

from argon2 import PasswordHasher

from bench._profiling import profiled
from baobab.wallet.kyc import scheme
from baobab.wallet.provider import Provider, Tariff
from baobab.pay.store import SQLiteDatabase

TARIFF = Tariff(send=((500_000, 1_000), (10**12, 2_500)), cash_out=((10**12, 5_000),))
PIN = "2468"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench wallet")
    parser.add_argument("--wallets", type=int, default=1_000)
    parser.add_argument("--payments", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--pin", action="store_true", help="each payment with its PIN checked (Argon2, default cost)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the timed phase into FILE")
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="baobab-momo-")
    db = SQLiteDatabase(os.path.join(folder, "momo.sqlite"))
    hasher = PasswordHasher()
    p = Provider(db, scheme("NG"), TARIFF, hasher=hasher)
    at = datetime(2026, 12, 3, 9, tzinfo=timezone.utc)
    p.add_agent("agent-1", "Bench agent")
    p.issue_float("agent-1", 10**13, reference="bench", at=at)
    phones = [f"+234803{n:07d}" for n in range(args.wallets)]
    with db.atomic():
        for phone in phones:
            p.register(phone, phone, tier=3, by="agent-1", at=at)
            p.cash_in("agent-1", phone, 50_000_00, at=at)
        if args.pin:
            db.run("UPDATE momo_wallets SET pin_hash = ?", (hasher.hash(PIN),))
    rng = random.Random(7)
    started, cpu0 = time.perf_counter(), time.process_time()
    done = 0
    with profiled(args.profile):
        while done < args.payments:
            n = min(1 if args.pin else args.batch, args.payments - done)
            with db.atomic():  # with --pin, one payment per commit: the PIN check commits on its own anyway
                for _ in range(n):
                    src, dst = rng.sample(phones, 2)
                    amount = rng.randint(100, 5_000_00)
                    if args.pin:
                        p.send(src, dst, amount, pin=PIN, at=at)
                    else:
                        p.transfer_authorised(src, dst, amount, at=at)
            done += n
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
    totals = p.journal.totals("NGN")
    balanced = totals["debits_posted"] == totals["credits_posted"]
    how = "each with its PIN checked (Argon2, default cost), one per commit" if args.pin else f"{args.batch} per commit"
    print(f"mobile money on SQLite (WAL, synchronous=FULL): {args.payments} wallet-to-wallet payments among "
          f"{args.wallets} wallets, {how}")
    print(f"  {args.payments / wall:,.0f} payments/s wall ({wall:.2f} s), {args.payments / cpu:,.0f} per CPU second "
          f"({cpu:.2f} CPU s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores); "
          f"journal {'balanced' if balanced else 'NOT BALANCED'}")
    db.close()
    return 0 if balanced else 1
