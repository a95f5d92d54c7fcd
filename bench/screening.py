"""Screenings per second against duplicate-financing registries of increasing size.

    .venv/bin/python bench/screening.py                      # 100k, 1M, 10M registrations
    .venv/bin/python bench/screening.py --sizes 100000,1000000 --seconds 2

One index grows through the sizes. It holds the originals of a synthetic invoice stream
(real fingerprints) and is topped up with random 16-byte fingerprints, which are what HMAC
outputs look like to the index (5 per registration, as for a document with line items).
At each size it times `ScreeningIndex.screen` on real fingerprint sets (39 probes each):
copies of registered invoices (hits: red/amber flags) and invoices of an unrelated stream
(misses, the common case). Memory: RSS from /proc/self/statm and resource.getrusage, and a
tracemalloc count of bytes per registration on a 100k index. Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import multiprocessing as mp
import os
import random
import resource
import sqlite3
import time
import tracemalloc

from baobab.risk.fingerprints import NEAR_RULES, FingerprintSet, NetworkKey, fingerprint
from baobab.risk.screening import ScreeningIndex, flags_from_hits
from baobab.risk.synth import generate

KEY = NetworkKey(hashlib.sha256(b"bench key").digest())


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def random_sets(rng: random.Random, n: int):
    """Registration-only fingerprint sets with random fingerprints (a PRF's output)."""
    rb = rng.randbytes
    for _ in range(n):
        exact = rb(16)
        yield FingerprintSet(0, exact, {r: rb(16) for r in NEAR_RULES}, {"exact": (exact,)})


def fill(index: ScreeningIndex, rng: random.Random, n: int) -> float:
    start = time.perf_counter()
    register = index.register
    for i, fs in enumerate(random_sets(rng, n)):
        register(fs, "P%d" % (i % 7), "R%09d" % len(index))
    return n / (time.perf_counter() - start)


def rate(index: ScreeningIndex, workload: list[tuple[FingerprintSet, str]], seconds: float) -> tuple[float, float, float]:
    """Screenings per CPU second and per wall second, and the share that returned flags.

    CPU time is the headline: this machine is shared, and wall time counts other people's work.
    """
    screen, done, flagged = index.screen, 0, 0
    cpu0, wall0 = time.process_time(), time.perf_counter()
    while time.process_time() - cpu0 < seconds:
        for fs, platform in workload:
            flagged += bool(screen(fs, platform))
        done += len(workload)
    return done / (time.process_time() - cpu0), done / (time.perf_counter() - wall0), flagged / done


def bytes_per_registration(n: int = 100_000) -> float:
    gc.collect()
    tracemalloc.start()
    index = ScreeningIndex()
    base = tracemalloc.get_traced_memory()[0]
    for i, fs in enumerate(random_sets(random.Random(7), n)):
        index.register(fs, "P%d" % (i % 7), "R%09d" % i)
    used = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    return used / n


class SqlitePeer:
    """The obvious alternative, as a peer in the same run: fingerprints in an in-memory SQLite
    table (BLOB primary key, WITHOUT ROWID), one `IN (...)` query per screening."""

    def __init__(self) -> None:
        self.db = sqlite3.connect(":memory:")
        self.db.execute("CREATE TABLE fp (fp BLOB PRIMARY KEY, reg INTEGER NOT NULL) WITHOUT ROWID")
        self.db.execute("CREATE TABLE reg (id INTEGER PRIMARY KEY, platform TEXT NOT NULL, registration TEXT NOT NULL)")
        self.n = 0

    def register_many(self, items) -> None:
        regs, fps = [], []
        for fs, platform, registration in items:
            regs.append((self.n, platform, registration))
            fps.extend((fp, self.n) for fp in fs.registered().values())
            self.n += 1
        self.db.executemany("INSERT INTO reg VALUES (?, ?, ?)", regs)
        self.db.executemany("INSERT OR IGNORE INTO fp VALUES (?, ?)", fps)

    def screen(self, fs: FingerprintSet, platform: str):
        probes = list(fs.probe_rules)
        rows = self.db.execute(
            f"SELECT fp.fp, reg.platform, reg.registration FROM fp JOIN reg ON reg.id = fp.reg "
            f"WHERE fp.fp IN ({','.join('?' * len(probes))})", probes).fetchall()
        return flags_from_hits([(fs.probe_rules[fp], p, r) for fp, p, r in rows], platform) if rows else []


_SHARED: tuple = ()  # set before fork: the workers inherit the index instead of pickling it


def _peer(size: int) -> float:
    real, workload, seconds = _SHARED
    peer = SqlitePeer()
    peer.register_many(real)
    peer.register_many((fs, "P%d" % (i % 7), "R%09d" % i) for i, fs in enumerate(random_sets(random.Random(4), size - peer.n)))
    return rate(peer, workload, seconds)[0]


def _worker(_: int) -> float:
    index, workload, seconds = _SHARED
    return rate(index, workload, seconds)[1]


def main() -> None:
    parser = argparse.ArgumentParser(description="duplicate-financing screening benchmark")
    parser.add_argument("--sizes", default="100000,1000000,10000000")
    parser.add_argument("--seconds", type=float, default=3.0, help="timing per measurement")
    parser.add_argument("--invoices", type=int, default=20_000, help="synthetic invoices in the real part")
    parser.add_argument("--peer-sizes", default="100000,1000000", help="sizes at which to run the SQLite peer")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))

    print(f"python {os.sys.version.split()[0]}, {os.cpu_count()} cpus, load average {os.getloadavg()[0]:.1f}; "
          "one process unless noted")
    t = time.perf_counter()
    stream = generate(args.invoices, seed=1)
    others = generate(args.invoices // 4, seed=2)
    sets = [(fingerprint(p.document, KEY), p) for p in stream]
    fp_rate = len(stream) / (time.perf_counter() - t)
    t = time.process_time()
    for p in stream[:5000]:
        fingerprint(p.document, KEY)
    print(f"fingerprint(): {5000 / (time.process_time() - t):,.0f} documents per CPU second (normalise + 39 "
          f"HMAC-SHA256) [with generation, wall clock: {fp_rate:,.0f}/s]")

    index = ScreeningIndex()
    for fs, p in sets:
        if p.label in ("original", "genuine"):
            index.register(fs, p.platform, p.registration)
    hits = [(fs, p.platform) for fs, p in sets if p.label in ("exact", "near")]
    misses = [(fingerprint(p.document, KEY), p.platform) for p in others]
    print(f"workload: {len(hits)} copies of registered invoices (hits), {len(misses)} unrelated invoices (misses)")
    print()
    print("screenings per CPU second (wall-clock rate in brackets)")
    print(f"{'registrations':>14}{'fill/s':>9}{'misses/s':>19}{'hits/s':>18}{'hits flagged':>13}"
          f"{'RSS MB':>8}{'peak MB':>8}{'RSS B/reg':>10}")
    rng = random.Random(3)
    gc.collect()
    base_rss, registered0 = rss_mb(), len(index)
    ours: dict[int, float] = {}
    for size in sizes:
        fill_rate = fill(index, rng, size - len(index)) if size > len(index) else float("nan")
        gc.collect()
        miss_cpu, miss_wall, miss_share = rate(index, misses, args.seconds)
        hit_cpu, hit_wall, hit_share = rate(index, hits, args.seconds / 2)
        per = (rss_mb() - base_rss) * 2**20 / (len(index) - registered0)
        ours[size] = miss_cpu
        print(f"{len(index):>14,}{fill_rate:>9,.0f}{miss_cpu:>10,.0f} ({miss_wall:>6,.0f}){hit_cpu:>9,.0f} ({hit_wall:>6,.0f})"
              f"{hit_share:>13.1%}{rss_mb():>8,.0f}{peak_mb():>8,.0f}{per:>10,.0f}   (misses flagged {miss_share:.2%})")
    global _SHARED
    # The peer runs in a forked child so that its memory does not blur the index's RSS.
    print(f"\nbytes per registration (tracemalloc, 100k index, 5 fingerprints + ids): {bytes_per_registration():,.0f}")
    _SHARED = ([(fs, p.platform, p.registration) for fs, p in sets if p.label in ("original", "genuine")], misses,
               args.seconds)
    for size in sorted(int(s) for s in args.peer_sizes.split(",") if s):
        with mp.get_context("fork").Pool(1) as pool:
            peer_cpu = pool.apply(_peer, (size,))
        mine = f", index/peer = {ours[size] / peer_cpu:.1f}x" if size in ours else ""
        print(f"SQLite peer at {size:,}: {peer_cpu:,.0f} miss screenings per CPU second{mine}")
    # Two processes share the built index copy-on-write (fork): aggregate screenings/s.
    _SHARED = (index, misses, args.seconds)
    with mp.get_context("fork").Pool(2) as pool:
        per_proc = pool.map(_worker, [0, 1])
    print(f"\n2 processes (fork, shared index of {len(index):,}): {sum(per_proc):,.0f} miss screenings/s "
          f"in total, wall clock (load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
