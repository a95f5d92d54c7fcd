"""A portable copy of the ledger that anyone can check offline.

The file is JSON Lines. The first line describes it; each following line is one block with the
validation codes and commit hash its node recorded, in order from genesis:

    {"format": "baobab-ledger/1", "network": ..., "blocks": N}
    {"number": n, "block": {header, signature, transactions}, "codes": [...], "commit_hash": "..."}

`check` needs nothing but the file and the contracts' code: it takes the orderer's key from the
genesis in block 0, checks every header's number, link, orderer signature and Merkle root,
validates every transaction again against state it rebuilds from genesis, and compares the
codes and the commit-hash chain with the recorded ones. docs/PROTOCOL.md describes the format.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from baobab.core.errors import BaobabError
from baobab.core.jcs import canonicalize
from baobab.ledger.audit import MemoryState
from baobab.ledger.runtime import Registry
from baobab.ledger.store.base import BlockRecord, Store
from baobab.ledger.validator import Validator

FORMAT = "baobab-ledger/1"


def export(store: Store, out: IO[bytes]) -> int:
    """Write every committed block with its codes; the number of blocks written."""
    height = store.height()
    genesis = json.loads(store.block(0).data)["transactions"][0]["genesis"] if height else {}  # type: ignore[union-attr]
    out.write(canonicalize({"format": FORMAT, "network": genesis.get("network"), "blocks": height}) + b"\n")
    written = 0
    for record in store.blocks():
        if record.number >= height:
            break  # a snapshot: blocks committed while exporting wait for the next export
        out.write(b'{"block":' + record.data + b',"codes":' + canonicalize(record.codes)
                  + b',"commit_hash":' + canonicalize(record.commit_hash) + b',"number":'
                  + str(record.number).encode() + b"}\n")
        written += 1
    return written


@dataclass
class CheckReport:
    blocks: int = 0
    transactions: int = 0
    valid: int = 0
    problem: str | None = None
    where: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem is None


def _lines(path: Path) -> Iterator[tuple[int, Any]]:
    with path.open("rb") as f:
        for lineno, line in enumerate(f, 1):
            try:
                yield lineno, json.loads(line)
            except ValueError:
                raise BaobabError("MALFORMED", f"line {lineno} is not JSON", line=lineno) from None


def check(path: Path, registry: Registry) -> CheckReport:
    report = CheckReport()
    try:
        lines = _lines(path)
        _, meta = next(lines, (0, None))
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise BaobabError("MALFORMED", f"the first line must describe a {FORMAT} file", line=1)
        state, validator, previous = MemoryState(), None, None
        for lineno, entry in lines:
            n = report.blocks
            if not isinstance(entry, dict) or entry.get("number") != n:
                raise BaobabError("MALFORMED", f"line {lineno} is not block {n}", block=n)
            block = entry["block"]
            if validator is None:
                validator = Validator(block["transactions"][0]["genesis"], registry)
            record, tx_ids, writes = validator.process(block, previous, state)
            if record.codes != entry["codes"]:
                bad = next(i for i, (a, b) in enumerate(zip(record.codes, entry["codes"])) if a != b) \
                    if len(record.codes) == len(entry["codes"]) else 0
                raise BaobabError("STORE_MISMATCH", f"block {n}: recorded codes differ from validation "
                                  f"({entry['codes'][bad:bad + 1]} where it validates as {record.codes[bad:bad + 1]})",
                                  block=n, tx_id=tx_ids[bad])
            if record.commit_hash != entry["commit_hash"]:
                raise BaobabError("STORE_MISMATCH", f"block {n}: recorded commit hash differs", block=n)
            state.apply(tx_ids, writes)
            report.blocks += 1
            report.transactions += len(tx_ids) if n else 0
            report.valid += sum(c == "VALID" for c in record.codes) if n else 0
            previous = BlockRecord(n, record.hash, b"", record.codes, record.commit_hash)
        if report.blocks != meta.get("blocks"):
            raise BaobabError("MALFORMED", f"the file holds {report.blocks} blocks, its first line says {meta.get('blocks')}")
    except BaobabError as exc:
        where = dict(exc.detail) if "line" in exc.detail else {"block": report.blocks, **exc.detail}
        report.problem, report.where = f"{exc.code}: {exc.message}", where
    except (KeyError, TypeError, IndexError, ValueError) as exc:
        report.problem, report.where = f"MALFORMED: block {report.blocks}: {exc!r}", {"block": report.blocks}
    return report
