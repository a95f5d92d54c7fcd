"""USSD step latency under load: many sessions at once, each a whole send-money dialogue.

    .venv/bin/python -m bench ussd                       # 16 concurrent sessions, 400 dialogues
    .venv/bin/python -m bench ussd --threads 32 --dialogues 1000 --pin-cost default

Each dialogue is the five steps a feature phone sends (menu, choice, payee, amount, PIN) through
`Ussd.answer`, the function the USSD gateway's callback runs; the last step checks the PIN
(Argon2) and moves the money in one durable transaction. Reported: p50/p99 of the menu steps and
of the PIN step, separately (the PIN's Argon2 cost is deliberate), and dialogues per second.
`--pin-cost default` uses argon2-cffi's recommended parameters, as a provider would; `light`
(the default here) a cheaper hash to show the rest of the path. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import threading
import time
from datetime import datetime, timezone

from argon2 import PasswordHasher

from baobab.pay.store import SQLiteDatabase
from baobab.wallet.kyc import scheme
from baobab.wallet.provider import Provider, Tariff
from baobab.wallet.ussd import Ussd

TARIFF = Tariff(send=((10**12, 1_000),), cash_out=((10**12, 5_000),))


def _pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) >= 2 else values[0]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench ussd")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--dialogues", type=int, default=400)
    parser.add_argument("--wallets", type=int, default=200)
    parser.add_argument("--pin-cost", choices=("light", "default"), default="light")
    args = parser.parse_args(argv)
    hasher = PasswordHasher() if args.pin_cost == "default" else PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    folder = tempfile.mkdtemp(prefix="baobab-ussd-")
    db = SQLiteDatabase(os.path.join(folder, "momo.sqlite"))
    p = Provider(db, scheme("NG"), TARIFF, hasher=hasher)
    at = datetime(2026, 12, 3, 9, tzinfo=timezone.utc)
    p.add_agent("agent-1", "Bench agent")
    p.issue_float("agent-1", 10**13, reference="bench", at=at)
    phones = [f"+234803{n:07d}" for n in range(args.wallets)]
    for phone in phones:
        p.register(phone, phone, tier=3, by="agent-1", pin="2468")
        p.cash_in("agent-1", phone, 50_000_00)
    ussd = Ussd(p)
    menu, pin_steps, lock = [], [], threading.Lock()
    counter = iter(range(args.dialogues))

    def worker() -> None:
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            payer, payee = phones[n % len(phones)], phones[(n * 7 + 1) % len(phones)]
            for i, text in enumerate(["", "2", f"2*{payee}", f"2*{payee}*100", f"2*{payee}*100*2468"]):
                start = time.perf_counter()
                screen = ussd.answer(payer, text)
                took = time.perf_counter() - start
                with lock:
                    (pin_steps if i == 4 else menu).append(took)
            assert screen.startswith("END "), screen

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    print(f"USSD send-money dialogues: {args.dialogues} with {args.threads} sessions at once, PIN hash {args.pin_cost}")
    print(f"  menu steps: p50 {_pct(menu, 50) * 1000:.1f} ms, p99 {_pct(menu, 99) * 1000:.1f} ms ({len(menu)} steps)")
    print(f"  PIN + payment step: p50 {_pct(pin_steps, 50) * 1000:.1f} ms, p99 {_pct(pin_steps, 99) * 1000:.1f} ms")
    print(f"  {args.dialogues / wall:,.0f} dialogues/s ({wall:.2f} s)")
    db.close()
    return 0
