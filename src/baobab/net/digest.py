"""Ledger digests and the consistency check of `baobab network compare`.

A node's digest is, from one database snapshot: its height, every block's (hash, commit hash),
and a state root, SHA-256 over the RFC 8785 form of each row [key, value, block, tx] of its world
state in key order, one per line. Block hashes show that nodes hold the same blocks; commit
hashes that they validated them the same way; the state root that nobody changed state rows
behind the ledger's back. Digests of nodes at different heights agree on their common blocks;
their state roots are compared only between nodes at the same height.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import Any

import psycopg

from baobab.core.jcs import canonicalize


def ledger_digest(url: str) -> dict[str, Any]:
    with psycopg.connect(url) as conn, conn.transaction():
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        blocks = conn.execute("SELECT number, hash, commit_hash FROM blocks ORDER BY number").fetchall()
        root = hashlib.sha256()
        with conn.cursor(name="baobab_digest") as cur:
            cur.itersize = 2000
            cur.execute("SELECT key, value, block, tx FROM state ORDER BY key")
            for key, value, block, tx in cur:
                root.update(canonicalize([key, value, int(block), tx]) + b"\n")
    if any(int(n) != i for i, (n, _, _) in enumerate(blocks)):
        raise ValueError("block numbers are not contiguous")
    return {"height": len(blocks), "blocks": [[h, c] for _, h, c in blocks], "state_root": root.hexdigest()}


def compare(digests: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Agreement of several nodes' digests: the first diverging block and state of each outlier.

    Where nodes disagree the majority's value is taken as the reference, so the report names
    the odd one out; with two nodes and no majority, both are named.
    """
    problems: list[dict[str, Any]] = []
    common = min(d["height"] for d in digests.values())
    for number in range(common):
        votes = Counter(tuple(d["blocks"][number]) for d in digests.values())
        if len(votes) > 1:
            (top, count), = votes.most_common(1)
            tied = count * 2 <= len(digests)
            for name, d in digests.items():
                if tied or tuple(d["blocks"][number]) != top:
                    what = "block hash" if d["blocks"][number][0] != top[0] else "commit hash"
                    problems.append({"node": name, "block": number, "differs": what})
            break
    by_height: dict[int, list[str]] = {}
    for name, d in digests.items():
        by_height.setdefault(d["height"], []).append(name)
    state_checked = []
    for height, names in by_height.items():
        if len(names) < 2:
            continue
        state_checked += names
        votes = Counter(digests[n]["state_root"] for n in names)
        if len(votes) > 1:
            (top, count), = votes.most_common(1)
            for n in names:
                if count * 2 <= len(names) or digests[n]["state_root"] != top:
                    problems.append({"node": n, "height": height, "differs": "state root"})
    return {"ok": not problems, "common_height": common, "heights": {n: d["height"] for n, d in digests.items()},
            "state_compared": sorted(state_checked), "problems": problems}
