"""Wallet-to-wallet payments inside one mobile-money provider, durably committed.

    .venv/bin/python -m bench wallet                          # 1,000 wallets, 20,000 payments, 200 per commit
    .venv/bin/python -m bench wallet --payments 50000 --batch 500

Each payment is what `Provider.transfer_authorised` does once the channel has checked the PIN:
the payer's and payee's tier limits (single, daily, monthly, balance) read and recorded, the
fee by tariff band, two balanced journal entries. `--batch N` commits N payments together (group
commit, as a provider's payment engine does under load). The PIN check (Argon2, about a tenth of
a second of CPU by design) happens once per session on the channel and is not in this figure.
The journal is checked to balance at the end. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import os
import random
import tempfile
import time
from datetime import datetime, timezone

from baobab.wallet.kyc import scheme
from baobab.wallet.provider import Provider, Tariff
from baobab.pay.store import SQLiteDatabase

TARIFF = Tariff(send=((500_000, 1_000), (10**12, 2_500)), cash_out=((10**12, 5_000),))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench wallet")
    parser.add_argument("--wallets", type=int, default=1_000)
    parser.add_argument("--payments", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=200)
    args = parser.parse_args(argv)
    folder = tempfile.mkdtemp(prefix="baobab-momo-")
    db = SQLiteDatabase(os.path.join(folder, "momo.sqlite"))
    p = Provider(db, scheme("NG"), TARIFF)
    at = datetime(2026, 12, 3, 9, tzinfo=timezone.utc)
    p.add_agent("agent-1", "Bench agent")
    p.issue_float("agent-1", 10**13, reference="bench", at=at)
    phones = [f"+234803{n:07d}" for n in range(args.wallets)]
    with db.atomic():
        for phone in phones:
            p.register(phone, phone, tier=3, by="agent-1", at=at)
            p.cash_in("agent-1", phone, 50_000_00, at=at)
    rng = random.Random(7)
    started, cpu0 = time.perf_counter(), time.process_time()
    done = 0
    while done < args.payments:
        with db.atomic():
            for _ in range(min(args.batch, args.payments - done)):
                src, dst = rng.sample(phones, 2)
                p.transfer_authorised(src, dst, rng.randint(100, 5_000_00), at=at)
                done += 1
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
    totals = p.journal.totals("NGN")
    balanced = totals["debits_posted"] == totals["credits_posted"]
    print(f"mobile money on SQLite (WAL, synchronous=FULL): {args.payments} wallet-to-wallet payments among "
          f"{args.wallets} wallets, {args.batch} per commit")
    print(f"  {args.payments / wall:,.0f} payments/s wall ({wall:.2f} s), {args.payments / cpu:,.0f} per CPU second; "
          f"journal {'balanced' if balanced else 'NOT BALANCED'}")
    db.close()
    return 0 if balanced else 1
