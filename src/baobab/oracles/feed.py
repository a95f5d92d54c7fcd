"""A continuous feed as a device runs it: batch readings, commit one Merkle root per batch.

A reefer probe reads every few minutes; putting each reading on the ledger would cost a
transaction each. Instead the device groups readings into batches, builds the RFC 9162
Merkle tree of each batch, and commits only a signed header (root, count, time span, min,
max) per batch. Any single reading can later be proven against that on-ledger root with an
inclusion proof of log2(n) hashes.

Which value is *published* (becomes the feed's current value on the ledger, `feed_value`
event) is decided by two thresholds, as price feeds do: a deviation of at least
`deviation_bp` basis points from the last published value, or `heartbeat_s` seconds since it.

Leaf encoding: the RFC 8785 canonical JSON of {"at": <RFC 3339 UTC>, "value": <integer>},
written directly because its shape is fixed (tests check it equals `canonicalize`).
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from baobab.core import merkle
from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey
from baobab.oracles.observation import check_value, epoch_seconds, parse_utc, sign_batch


@lru_cache(maxsize=8192)
def _epoch(at: str) -> int:
    """Readings arrive in bursts sharing a timestamp; parsing each distinct one once is enough."""
    return epoch_seconds(at)


@dataclass(frozen=True)
class Reading:
    at: str  # RFC 3339 UTC
    value: int  # in the feed's unit, e.g. milli-degrees Celsius

    def leaf(self) -> bytes:
        return b'{"at":"%s","value":%d}' % (self.at.encode("ascii"), self.value)


def check_reading(at: Any, value: Any) -> Reading:
    parse_utc(at, "reading time")
    if isinstance(value, bool):
        raise BaobabError("BAD_OBSERVATION", "a feed reading is an integer in the feed's unit")
    check_value(value)
    return Reading(at, value)


class MerkleBatch:
    """The RFC 9162 tree over one batch's readings, keeping every level so proofs cost O(log n)."""

    def __init__(self, readings: Sequence[Reading]) -> None:
        if not readings:
            raise ValueError("a batch has at least one reading")
        self.readings = list(readings)
        sha = hashlib.sha256
        level = [sha(b"\x00" + r.leaf()).digest() for r in self.readings]
        self.levels = [level]
        # Pairing left to right and promoting an odd last node builds RFC 9162's left-balanced tree.
        while len(level) > 1:
            nxt = [sha(b"\x01" + level[i] + level[i + 1]).digest() for i in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                nxt.append(level[-1])
            level = nxt
            self.levels.append(level)
        self.root = level[0]

    def __len__(self) -> int:
        return len(self.readings)

    def proof(self, index: int) -> list[bytes]:
        """The RFC 9162 inclusion path of reading `index`."""
        if not 0 <= index < len(self.readings):
            raise IndexError("reading index outside the batch")
        path = []
        for level in self.levels[:-1]:
            sibling = index ^ 1
            if sibling < len(level):
                path.append(level[sibling])
            index //= 2
        return path


def verify_reading(reading: Reading, index: int, count: int, proof: Sequence[bytes], root_hex: str) -> bool:
    """Check one reading against a batch root read from the ledger; needs nothing else."""
    return merkle.verify_inclusion(merkle.leaf_hash(reading.leaf()), index, count, proof, bytes.fromhex(root_hex))


@dataclass
class PublishRule:
    deviation_bp: int = 50  # publish when the value moved by at least 0.5 %...
    heartbeat_s: int = 3600  # ...or when the last published value is this old
    last: Reading | None = None

    def due(self, reading: Reading) -> bool:
        if self.last is None:
            return True
        if _epoch(reading.at) - _epoch(self.last.at) >= self.heartbeat_s:
            return True
        moved = abs(reading.value - self.last.value) * 10_000
        return moved >= self.deviation_bp * abs(self.last.value) if self.last.value else reading.value != 0


@dataclass
class Device:
    """Acts as one registered device key of an oracle for one feed."""

    oracle: str
    key_id: str
    key: PrivateKey
    feed: str
    batch_size: int = 1000
    rule: PublishRule = field(default_factory=PublishRule)
    seq: int = 0  # last committed batch
    pending: list[Reading] = field(default_factory=list)
    batches: dict[int, MerkleBatch] = field(default_factory=dict)  # kept to serve proofs later

    def ingest(self, readings: Iterable[Reading]) -> Iterator[dict[str, Any]]:
        """Yield a signed batch header each time `batch_size` readings have accumulated."""
        for reading in readings:
            if self.pending and reading.at != self.pending[-1].at and _epoch(reading.at) < _epoch(self.pending[-1].at):
                raise BaobabError("BAD_OBSERVATION", f"reading at {reading.at} is earlier than the one before it")
            self.pending.append(reading)
            if len(self.pending) >= self.batch_size:
                yield self.seal()

    def seal(self) -> dict[str, Any]:
        """Close the current batch and return its signed header."""
        if not self.pending:
            raise BaobabError("BAD_OBSERVATION", "no readings to commit")
        readings, self.pending = self.pending, []
        batch = MerkleBatch(readings)
        publish = None
        for index, reading in enumerate(readings):
            if self.rule.due(reading):
                self.rule.last = reading
                publish = {"index": index, "value": reading.value, "observed_at": reading.at}
        values = [r.value for r in readings]
        self.seq += 1
        self.batches[self.seq] = batch
        return sign_batch(self.key, {
            "oracle": self.oracle, "key": self.key_id, "feed": self.feed, "seq": self.seq, "count": len(batch),
            "root": batch.root.hex(), "first_at": readings[0].at, "last_at": readings[-1].at,
            "min": min(values), "max": max(values), "publish": publish})

    def proof(self, seq: int, index: int) -> dict[str, Any]:
        batch = self.batches[seq]
        reading = batch.readings[index]
        return {"feed": self.feed, "oracle": self.oracle, "seq": seq, "index": index, "count": len(batch),
                "reading": {"at": reading.at, "value": reading.value}, "proof": [h.hex() for h in batch.proof(index)]}


def read_csv(text: str) -> Iterator[Reading]:
    """Rows `observed_at,value` (a header row with those names is required)."""
    rows = csv.DictReader(io.StringIO(text))
    if rows.fieldnames is None or not {"observed_at", "value"} <= set(rows.fieldnames):
        raise BaobabError("BAD_OBSERVATION", "the CSV needs a header row with observed_at and value")
    for line, row in enumerate(rows, start=2):
        try:
            value = int(row["value"])
        except (TypeError, ValueError):
            raise BaobabError("BAD_OBSERVATION", f"line {line}: value {row['value']!r} is not an integer "
                                                 "in the feed's unit (no decimals)") from None
        yield check_reading(row["observed_at"], value)


def read_json(data: Any) -> Iterator[Reading]:
    """A JSON list of {observed_at, value}, as an HTTP endpoint serves it."""
    if not isinstance(data, list):
        raise BaobabError("BAD_OBSERVATION", "the feed endpoint must return a JSON list of {observed_at, value}")
    for item in data:
        if not isinstance(item, dict) or set(item) != {"observed_at", "value"}:
            raise BaobabError("BAD_OBSERVATION", "each reading is {observed_at, value}")
        yield check_reading(item["observed_at"], item["value"])
