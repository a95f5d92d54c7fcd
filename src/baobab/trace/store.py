"""Where EPCIS event bodies live: with the organisation that captured them and those it shares
them with, never on the ledger (which holds their batch's Merkle root, contracts/trace).

One database per node (SQLite in the data folder, through baobab.pay.store's interface). Each
event is kept once, under its hash (SHA-256 of its RFC 8785 form), with its capturing organisation,
its members (who may read it), its batch and position in the batch, and an index of every GS1 key
it names (in their canonical Digital Link form, so a URN and a Digital Link URI of one key meet)
with the role the key plays and any quantity, which the lineage queries walk.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from baobab.core.hashing import digest_hex
from baobab.pay.store import Database
from baobab.trace.identifiers import canonical

SCHEMA = """
CREATE TABLE IF NOT EXISTS epcis_batches (
  batch_id TEXT PRIMARY KEY, org TEXT NOT NULL, members TEXT NOT NULL, context TEXT NOT NULL,
  merkle_root TEXT NOT NULL, size INTEGER NOT NULL, latest_event_time TEXT NOT NULL, captured_at TEXT NOT NULL,
  status TEXT NOT NULL, tx_id TEXT, block INTEGER, anchored_at TEXT, error TEXT);
CREATE TABLE IF NOT EXISTS epcis_events (
  event_hash TEXT PRIMARY KEY, event_id TEXT NOT NULL, batch_id TEXT NOT NULL, position INTEGER NOT NULL,
  org TEXT NOT NULL, members TEXT NOT NULL, event_type TEXT NOT NULL, event_time TEXT NOT NULL,
  biz_step TEXT, disposition TEXT, biz_location TEXT, body TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS epcis_events_by_id ON epcis_events (event_id);
CREATE INDEX IF NOT EXISTS epcis_events_by_batch ON epcis_events (batch_id, position);
CREATE INDEX IF NOT EXISTS epcis_events_by_time ON epcis_events (event_time);
CREATE TABLE IF NOT EXISTS epcis_keys (
  event_hash TEXT NOT NULL, key TEXT NOT NULL, role TEXT NOT NULL, quantity TEXT, uom TEXT);
CREATE INDEX IF NOT EXISTS epcis_keys_by_key ON epcis_keys (key, role);
CREATE INDEX IF NOT EXISTS epcis_keys_by_event ON epcis_keys (event_hash);
CREATE TABLE IF NOT EXISTS epcis_members (
  event_hash TEXT NOT NULL, org TEXT NOT NULL, PRIMARY KEY (org, event_hash));
"""

PENDING, ANCHORED = "pending", "anchored"
# Where an event names keys, and the role each plays in a lot's history.
_EPC_LISTS = {"epcList": "epc", "childEPCs": "child", "inputEPCList": "input", "outputEPCList": "output"}
_QUANTITY_LISTS = {"quantityList": "quantity", "childQuantityList": "child", "inputQuantityList": "input",
                   "outputQuantityList": "output"}


def event_hash(event: dict[str, Any]) -> str:
    return digest_hex(event)


_RFC3339 = re.compile(r"(\d{4})-(\d\d)-(\d\d)[Tt ](\d\d):(\d\d):(\d\d)(?:\.(\d+))?([Zz]|[+-]\d\d:\d\d)")


def utc(text: str) -> str:
    """An RFC 3339 time as UTC `YYYY-MM-DDTHH:MM:SS.ffffffZ`, which sorts as text (any number of
    fractional digits, cut to microseconds; a leap second as the last microsecond of its minute)."""
    m = _RFC3339.fullmatch(text)
    if m is None:
        raise ValueError(f"{text!r} is not an RFC 3339 time")
    year, month, day, hour, minute, second, fraction, offset = m.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    leap = second == "60"
    moment = datetime(int(year), int(month), int(day), int(hour), int(minute), 59 if leap else int(second),
                      999_999 if leap else micro,
                      tzinfo=timezone.utc if offset in ("Z", "z") else datetime.strptime(offset, "%z").tzinfo)
    try:
        moment = moment.astimezone(timezone.utc)
    except OverflowError:  # an offset past the first or last representable day: the calendar's edge
        moment = datetime.min.replace(tzinfo=timezone.utc) if int(year) == 1 else datetime.max.replace(tzinfo=timezone.utc)
    return f"{moment.year:04d}-{moment:%m-%dT%H:%M:%S}.{moment.microsecond:06d}Z"


def keys_of(event: dict[str, Any]) -> list[tuple[str, str, str | None, str | None]]:
    """(canonical key, role, quantity, unit) for every GS1 key the event names."""
    out: list[tuple[str, str, str | None, str | None]] = []
    if "parentID" in event:
        out.append((canonical(event["parentID"]), "parent", None, None))
    for field_name, role in _EPC_LISTS.items():
        out += [(canonical(epc), role, None, None) for epc in event.get(field_name, [])]
    for field_name, role in _QUANTITY_LISTS.items():
        for q in event.get(field_name, []):
            quantity = None if q.get("quantity") is None else str(Decimal(str(q["quantity"])))
            out.append((canonical(q["epcClass"]), role, quantity, q.get("uom")))
    for kind in ("sourceList", "destinationList"):
        out += [(canonical(s[kind[:-4]]), kind[:-4], None, s.get("type")) for s in event.get(kind, [])]
    for place in ("readPoint", "bizLocation"):
        if isinstance(event.get(place), dict) and "id" in event[place]:
            out.append((canonical(event[place]["id"]), place, None, None))
    for bt in event.get("bizTransactionList", []):
        out.append((bt["bizTransaction"], "bizTransaction", None, bt.get("type")))
    return out


@dataclass(frozen=True)
class StoredEvent:
    event_hash: str
    event_id: str
    batch_id: str
    position: int
    org: str
    event_type: str
    event_time: str
    body: dict[str, Any]

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> "StoredEvent":
        return cls(row[0], row[1], row[2], int(row[3]), row[4], row[5], row[6], json.loads(row[7]))


_EVENT_COLUMNS = "e.event_hash, e.event_id, e.batch_id, e.position, e.org, e.event_type, e.event_time, e.body"


class EventStore:
    def __init__(self, db: Database) -> None:
        self.db = db
        db.script(SCHEMA)

    # --- writing ---------------------------------------------------------------------------

    def known(self, hashes: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(hashes), 500):
            chunk = list(hashes[start:start + 500])
            marks = ",".join("?" * len(chunk))
            found |= {r[0] for r in self.db.all(f"SELECT event_hash FROM epcis_events WHERE event_hash IN ({marks})", chunk)}
        return found

    def add_batch(self, batch_id: str, org: str, members: list[str], context: Any, root: str,
                  events: list[dict[str, Any]], hashes: list[str], captured_at: str) -> None:
        """The batch and its events, in one database transaction, waiting to be anchored."""
        latest = max(utc(e["eventTime"]) for e in events)
        with self.db.atomic():
            self.db.run("INSERT INTO epcis_batches (batch_id, org, members, context, merkle_root, size, latest_event_time, "
                        "captured_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (batch_id, org, json.dumps(members), json.dumps(context), root, len(events), latest, captured_at, PENDING))
            for position, (event, digest) in enumerate(zip(events, hashes)):
                self._add_event(batch_id, position, org, members, event, digest)

    def _add_event(self, batch_id: str, position: int, org: str, members: list[str], event: dict[str, Any],
                   digest: str) -> None:
        place = event.get("bizLocation", {}).get("id") if isinstance(event.get("bizLocation"), dict) else None
        self.db.run("INSERT INTO epcis_events (event_hash, event_id, batch_id, position, org, members, event_type, "
                    "event_time, biz_step, disposition, biz_location, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (digest, event.get("eventID") or f"urn:sha256:{digest}", batch_id, position, org, json.dumps(members),
                     event["type"], utc(event["eventTime"]), event.get("bizStep"), event.get("disposition"),
                     None if place is None else canonical(place), json.dumps(event, ensure_ascii=False)))
        for member in members:
            self.db.run("INSERT INTO epcis_members (event_hash, org) VALUES (?, ?)", (digest, member))
        for key, role, quantity, unit in keys_of(event):
            self.db.run("INSERT INTO epcis_keys (event_hash, key, role, quantity, uom) VALUES (?, ?, ?, ?, ?)",
                        (digest, key, role, quantity, unit))

    def mark_anchored(self, batch_id: str, tx_id: str, block: int, anchored_at: str) -> None:
        self.db.run("UPDATE epcis_batches SET status = ?, tx_id = ?, block = ?, anchored_at = ?, error = NULL "
                    "WHERE batch_id = ?", (ANCHORED, tx_id, block, anchored_at, batch_id))

    def mark_failed(self, batch_id: str, error: str) -> None:
        self.db.run("UPDATE epcis_batches SET error = ? WHERE batch_id = ?", (error[:500], batch_id))

    # --- reading ---------------------------------------------------------------------------

    def batch(self, batch_id: str) -> dict[str, Any] | None:
        row = self.db.one("SELECT batch_id, org, members, context, merkle_root, size, latest_event_time, captured_at, "
                          "status, tx_id, block, anchored_at, error FROM epcis_batches WHERE batch_id = ?", (batch_id,))
        if row is None:
            return None
        names = ("batch_id", "org", "members", "context", "merkle_root", "size", "latest_event_time", "captured_at",
                 "status", "tx_id", "block", "anchored_at", "error")
        out = dict(zip(names, row))
        out["members"], out["context"] = json.loads(out["members"]), json.loads(out["context"])
        return out

    def pending_batches(self) -> list[str]:
        return [r[0] for r in self.db.all("SELECT batch_id FROM epcis_batches WHERE status = ? ORDER BY captured_at", (PENDING,))]

    def batch_hashes(self, batch_id: str) -> list[str]:
        return [r[0] for r in self.db.all("SELECT event_hash FROM epcis_events WHERE batch_id = ? ORDER BY position", (batch_id,))]

    def batch_events(self, batch_id: str) -> list[dict[str, Any]]:
        return [json.loads(r[0]) for r in self.db.all("SELECT body FROM epcis_events WHERE batch_id = ? ORDER BY position", (batch_id,))]

    def event(self, org: str, event_id_or_hash: str) -> StoredEvent | None:
        row = self.db.one(f"SELECT {_EVENT_COLUMNS} FROM epcis_events e JOIN epcis_members m ON m.event_hash = e.event_hash "
                          "AND m.org = ? WHERE e.event_hash = ? OR e.event_id = ? ORDER BY e.event_time LIMIT 1",
                          (org, event_id_or_hash, event_id_or_hash))
        return None if row is None else StoredEvent.from_row(row)

    def query(self, org: str, *, event_type: str | None = None, biz_step: str | None = None,
              any_key: str | None = None, epc_class: str | None = None, biz_location: str | None = None,
              since: str | None = None, before: str | None = None, limit: int = 100) -> list[StoredEvent]:
        """Events `org` may read, oldest first (ties by hash), at or after `since` and before `before`."""
        filters = (  # (given value, condition, the value as stored)
            (event_type, "e.event_type = ?", str), (biz_step, "e.biz_step = ?", str),
            (biz_location, "e.biz_location = ?", canonical), (since, "e.event_time >= ?", utc), (before, "e.event_time < ?", utc),
            (any_key, "e.event_hash IN (SELECT event_hash FROM epcis_keys WHERE key = ? AND quantity IS NULL)", canonical),
            (epc_class, "e.event_hash IN (SELECT event_hash FROM epcis_keys WHERE key = ? AND quantity IS NOT NULL)", canonical))
        where, params = ["m.org = ?"], [org]
        for value, condition, stored in filters:
            if value:
                where.append(condition)
                params.append(stored(value))
        rows = self.db.all(f"SELECT {_EVENT_COLUMNS} FROM epcis_events e JOIN epcis_members m ON m.event_hash = e.event_hash "
                           f"WHERE {' AND '.join(where)} ORDER BY e.event_time, e.event_hash LIMIT ?", [*params, limit])
        return [StoredEvent.from_row(r) for r in rows]

    def naming(self, org: str, key: str, roles: Sequence[str], decoded: dict[str, StoredEvent] | None = None,
               ) -> Iterator[tuple[StoredEvent, str, str | None, str | None]]:
        """Events `org` may read that name `key` in one of `roles`: (event, role, quantity, unit).
        `decoded` keeps the events already read, so a body named by many keys (a container's
        aggregation, named by each of its bags) is read and decoded once."""
        seen = {} if decoded is None else decoded
        marks = ",".join("?" * len(roles))
        rows = self.db.all("SELECT k.event_hash, k.role, k.quantity, k.uom FROM epcis_keys k "
                           "JOIN epcis_members m ON m.event_hash = k.event_hash AND m.org = ? "
                           f"WHERE k.key = ? AND k.role IN ({marks})", [org, canonical(key), *roles])
        new = sorted({r[0] for r in rows} - seen.keys())
        for start in range(0, len(new), 500):
            chunk = new[start:start + 500]
            for row in self.db.all(f"SELECT {_EVENT_COLUMNS} FROM epcis_events e WHERE e.event_hash IN "
                                   f"({','.join('?' * len(chunk))})", chunk):
                seen[row[0]] = StoredEvent.from_row(row)
        for event_hash_, role, quantity, unit in sorted(rows, key=lambda r: (seen[r[0]].event_time, r[0])):
            yield seen[event_hash_], role, quantity, unit

    def owners(self, key: str) -> list[str]:
        """The organisations that captured events naming `key`, the latest event's first."""
        rows = self.db.all("SELECT e.org, MAX(e.event_time) AS latest FROM epcis_keys k JOIN epcis_events e "
                           "ON e.event_hash = k.event_hash WHERE k.key = ? GROUP BY e.org ORDER BY latest DESC", (canonical(key),))
        return [r[0] for r in rows]

    def keys(self, event_hash: str) -> list[tuple[str, str, str | None, str | None]]:
        return [(r[0], r[1], r[2], r[3]) for r in self.db.all(
            "SELECT key, role, quantity, uom FROM epcis_keys WHERE event_hash = ?", (event_hash,))]

    def contexts(self, batch_ids: set[str]) -> list[Any]:
        """The @context entries of the documents these batches came from, each once, in order."""
        out: list[Any] = []
        for batch_id in sorted(batch_ids):
            record = self.batch(batch_id)
            context = record["context"] if record else []
            for entry in context if isinstance(context, list) else [context]:
                if entry not in out:
                    out.append(entry)
        return out
