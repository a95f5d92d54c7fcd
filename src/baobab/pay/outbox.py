"""Callbacks owed to participants, kept in the switch's database until delivered.

FSPIOP is asynchronous: a request is answered 202 and its result travels later as a callback (a
PUT, sometimes a POST or PATCH forwarded to another FSP). A callback is written in the same
database transaction as the switch operation that caused it, so a crash between the two loses
nothing; the dispatcher delivers what is due, retrying with exponential backoff, and marks it
delivered only once the participant's endpoint has answered 2xx.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone
from typing import Any

import httpx

from baobab.pay.store import Database

log = logging.getLogger("baobab.pay")
MAX_BACKOFF_S = 60
SCHEMA = """
CREATE TABLE IF NOT EXISTS switch_callbacks (
  seq INTEGER PRIMARY KEY, fsp TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
  headers TEXT NOT NULL, body TEXT NOT NULL, due_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  delivered_at TEXT, last_error TEXT);
CREATE INDEX IF NOT EXISTS switch_callbacks_due ON switch_callbacks (delivered_at, due_at);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


class Outbox:
    def __init__(self, db: Database, endpoints: Any) -> None:
        """`endpoints(fsp)` gives the base URL of a participant's FSPIOP API."""
        self.db, self.endpoints = db, endpoints
        db.script(SCHEMA)
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def add(self, fsp: str, method: str, path: str, headers: dict[str, str], body: Any) -> None:
        """Owe `fsp` a callback (call inside the switch operation's transaction)."""
        seq = self.db.one("SELECT COALESCE(MAX(seq), 0) + 1 FROM switch_callbacks")
        assert seq is not None
        self.db.run("INSERT INTO switch_callbacks (seq, fsp, method, path, headers, body, due_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (seq[0], fsp, method, path, json.dumps(headers), json.dumps(body), _now()))
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def pending(self) -> list[dict[str, Any]]:
        rows = self.db.all("SELECT seq, fsp, method, path, headers, body, attempts FROM switch_callbacks "
                           "WHERE delivered_at IS NULL ORDER BY seq")
        return [{"seq": r[0], "fsp": r[1], "method": r[2], "path": r[3], "headers": json.loads(r[4]),
                 "body": json.loads(r[5]), "attempts": r[6]} for r in rows]

    async def run(self, stop: asyncio.Event, client: httpx.AsyncClient | None = None) -> None:
        """Deliver due callbacks until `stop` is set; wakes at once when a new one is added."""
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        own = client is None
        client = client or httpx.AsyncClient(timeout=httpx.Timeout(5.0, connect=2.0))
        try:
            while not stop.is_set():
                delay = await self.deliver_due(client)
                self._wake.clear()
                waiter = asyncio.ensure_future(self._wake.wait())
                stopper = asyncio.ensure_future(stop.wait())
                await asyncio.wait({waiter, stopper}, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel(), stopper.cancel()
        finally:
            self._loop = self._wake = None
            if own:
                await client.aclose()

    async def deliver_due(self, client: httpx.AsyncClient) -> float:
        """Send every due callback once; the seconds until the next one falls due (at most 1)."""
        now = _now()
        rows = self.db.all("SELECT seq, fsp, method, path, headers, body, attempts, due_at FROM switch_callbacks "
                           "WHERE delivered_at IS NULL ORDER BY seq LIMIT 200")
        due = [r for r in rows if r[7] <= now]
        results = await asyncio.gather(*(self._send(client, r) for r in due))
        for row, error in zip(due, results):
            seq, attempts = row[0], row[6] + 1
            if error is None:
                self.db.run("UPDATE switch_callbacks SET delivered_at = ?, attempts = ? WHERE seq = ?", (_now(), attempts, seq))
            else:
                later = datetime.now(timezone.utc) + timedelta(seconds=min(2 ** attempts / 10, MAX_BACKOFF_S))
                self.db.run("UPDATE switch_callbacks SET attempts = ?, due_at = ?, last_error = ? WHERE seq = ?",
                            (attempts, later.isoformat(), error, seq))
                log.warning("callback %s %s to %s failed (attempt %d): %s", row[2], row[3], row[1], attempts, error)
        return 0.05 if len(rows) > len(due) else 1.0

    async def _send(self, client: httpx.AsyncClient, row: tuple[Any, ...]) -> str | None:
        _, fsp, method, path, headers, body = row[:6]
        base = self.endpoints(fsp)
        if not base:
            return f"{fsp} has no callback endpoint"
        try:
            response = await client.request(method, base.rstrip("/") + path, headers=json.loads(headers),
                                            content=None if method == "GET" else body.encode())
        except httpx.HTTPError as exc:
            return type(exc).__name__
        return None if 200 <= response.status_code < 300 else f"answered {response.status_code}"
