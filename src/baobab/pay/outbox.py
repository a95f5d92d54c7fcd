"""Callbacks owed to participants, kept in the switch's database until delivered.

FSPIOP is asynchronous: a request is answered 202 and its result travels later as a callback (a
PUT, sometimes a POST or PATCH forwarded to another FSP). A callback is written in the same
database transaction as the switch operation that caused it, so a crash between the two loses
nothing; the dispatcher delivers what is due and marks it delivered only once the participant's
endpoint has answered 2xx. A connection that fails is tried again at once a few times (tenacity);
a callback still undelivered falls due again later, with exponential backoff and jitter kept in
the database, so the retries outlive a restart. What the sender says itself is signed as it is
sent, under that moment's Date: a resend carries a fresh signature, which a switch that refuses a
replayed or stale one (pay/replay.py) accepts, and then answers as the FSPIOP resend rules say.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import aiohttp
import httpx
import tenacity

from baobab.pay.store import Database

log = logging.getLogger("baobab.pay")
MAX_BACKOFF_S = 60
BACKOFF = tenacity.wait_exponential(multiplier=0.1, max=MAX_BACKOFF_S) + tenacity.wait_random(0, 0.1)


def backoff_s(attempts: int) -> float:
    """Seconds before an undelivered callback's next try, after `attempts` failed ones."""
    state = tenacity.RetryCallState(None, None, (), {})  # type: ignore[arg-type]
    state.attempt_number = attempts
    return float(BACKOFF(state))


CONNECTIONS = 8  # kept-alive connections the dispatcher delivers over, and callbacks in flight at once
TIMEOUT = dict(total=5.0, connect=2.0)
IDLE_S = 5.0  # as httpx: shorter than the servers' keep-alive
# What a delivery may meet that is the network's fault, not the participant's answer: tried again at once.
TRANSPORT_ERRORS = (httpx.TransportError, aiohttp.ClientConnectionError)
Client = httpx.AsyncClient | aiohttp.ClientSession
RECONNECT = dict(stop=tenacity.stop_after_attempt(3), wait=tenacity.wait_exponential(multiplier=0.02, max=0.2),
                 retry=tenacity.retry_if_exception_type(TRANSPORT_ERRORS), reraise=True)


def delivery_client() -> aiohttp.ClientSession:
    """The dispatcher's own HTTP client: aiohttp, a pool of `CONNECTIONS` kept-alive connections
    (it costs a tenth of httpx's CPU per request, which is most of a callback's cost). Callbacks
    carry no Accept header. An idle connection is dropped after `IDLE_S`, before a node's server
    drops it (api/limits.py `keep_alive_s`), so no callback goes out on a connection being closed."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONNECTIONS, keepalive_timeout=IDLE_S),
                                 skip_auto_headers=("Accept",), timeout=aiohttp.ClientTimeout(**TIMEOUT))


async def _request(client: Client, method: str, url: str, headers: dict[str, str], content: bytes | None) -> int:
    """Send one request with either client (a test may pass an httpx client); its status code."""
    if isinstance(client, httpx.AsyncClient):
        return (await client.request(method, url, headers=headers, content=content)).status_code
    async with client.request(method, url, headers=headers, data=content) as response:
        await response.read()  # the connection goes back to the pool once the answer is read
        return response.status


SCHEMA = """
CREATE TABLE IF NOT EXISTS switch_callbacks (
  seq INTEGER PRIMARY KEY, fsp TEXT NOT NULL, method TEXT NOT NULL, path TEXT NOT NULL,
  headers TEXT NOT NULL, body TEXT NOT NULL, due_at TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  delivered_at TEXT, last_error TEXT, signed INTEGER NOT NULL DEFAULT 0);
CREATE INDEX IF NOT EXISTS switch_callbacks_due ON switch_callbacks (delivered_at, due_at);
"""


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


def _date_now() -> str:
    """The Date header of a message sent now (RFC 7231)."""
    return format_datetime(datetime.now(timezone.utc), usegmt=True)


class Outbox:
    def __init__(self, db: Database, endpoints: Any, *, table: str = "switch_callbacks",
                 credentials: Any = lambda fsp: {}, signer: Any = None, fspiop: bool = False,
                 sign_gets: bool = False) -> None:
        """`endpoints(fsp)` gives the base URL of a participant's FSPIOP API; `credentials(fsp)` the
        headers that authenticate the sender to it, added when sending (never stored);
        `signer(method, path, headers, body)` the FSPIOP-Signature headers of what the sender
        says itself (forwarded messages keep their own); `fspiop`: what it says itself names its
        URI and method in FSPIOP-URI and FSPIOP-HTTP-Method (FSPIOP callbacks, not GSMA's);
        `sign_gets`: a GET is signed too (over its empty body), for a sender whose signature is its
        credential."""
        self.db, self.endpoints, self.credentials, self.table = db, endpoints, credentials, table
        self.signer, self.fspiop, self.sign_gets = signer, fspiop, sign_gets
        db.script(SCHEMA.replace("switch_callbacks", table))
        db.add_column(table, "signed", "INTEGER NOT NULL DEFAULT 0")  # 1: signed by the sender when sent
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def add(self, fsp: str, method: str, path: str, headers: dict[str, str], body: Any, *, raw: bytes | None = None) -> None:
        """Owe `fsp` a callback (call inside the switch operation's transaction). A forwarded
        message passes its `raw` body, so the bytes its sender signed arrive unchanged."""
        text = json.dumps(body, separators=(",", ":")) if raw is None else raw.decode()
        signed = False
        if raw is None and self.fspiop:  # the sender's own message names itself, as the JWS profile has it
            headers = {"FSPIOP-URI": path, "FSPIOP-HTTP-Method": method, **headers}
            signed = self.signer is not None and (method != "GET" or self.sign_gets)
        seq = self.db.one(f"SELECT COALESCE(MAX(seq), 0) + 1 FROM {self.table}")
        assert seq is not None
        self.db.run(f"INSERT INTO {self.table} (seq, fsp, method, path, headers, body, due_at, signed) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)", (seq[0], fsp, method, path, json.dumps(headers), text, _now(), int(signed)))
        if self._loop is not None and self._wake is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def pending(self) -> list[dict[str, Any]]:
        rows = self.db.all(f"SELECT seq, fsp, method, path, headers, body, attempts FROM {self.table} "
                           "WHERE delivered_at IS NULL ORDER BY seq")
        return [{"seq": r[0], "fsp": r[1], "method": r[2], "path": r[3], "headers": json.loads(r[4]),
                 "body": json.loads(r[5]), "attempts": r[6]} for r in rows]

    async def run(self, stop: asyncio.Event, client: Client | None = None) -> None:
        """Deliver due callbacks until `stop` is set; wakes at once when a new one is added."""
        self._loop, self._wake = asyncio.get_running_loop(), asyncio.Event()
        own = client is None
        if client is None:
            client = delivery_client()  # made here: an aiohttp session belongs to the loop that runs it
        try:
            while not stop.is_set():
                self._wake.clear()  # before looking: what is added from now on wakes the next round
                delay = await self.deliver_due(client)
                if self._wake.is_set():
                    continue
                waiter = asyncio.ensure_future(self._wake.wait())
                stopper = asyncio.ensure_future(stop.wait())
                await asyncio.wait({waiter, stopper}, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
                waiter.cancel(), stopper.cancel()
        finally:
            self._loop = self._wake = None
            if own:
                await client.close()

    async def deliver_due(self, client: Client) -> float:
        """Send every due callback once; the seconds until the next one falls due (at most 1)."""
        # off the event loop: the database waits for a commit's disk flush, and the requests on this loop must not
        rows, due, targets = await asyncio.to_thread(self._due)
        gate = asyncio.Semaphore(CONNECTIONS)  # no more at once than the pool holds: a queued request costs the pool
        results = await asyncio.gather(*(self._send(client, r, targets[r[0]], gate) for r in due))
        await asyncio.to_thread(self._mark, due, results)
        return 0.05 if len(rows) > len(due) else 1.0

    def _due(self) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], dict[int, tuple[str | None, dict[str, str]]]]:
        """The undelivered callbacks (up to a batch), those due now, and where and how each of
        those is sent (its participant's endpoint, the credentials), by seq."""
        now = _now()
        rows = self.db.all(f"SELECT seq, fsp, method, path, headers, body, attempts, due_at, signed "
                           f"FROM {self.table} WHERE delivered_at IS NULL ORDER BY seq LIMIT 200")
        due = [r for r in rows if r[7] <= now]
        bases = {fsp: self.endpoints(fsp) for fsp in {r[1] for r in due}}
        return rows, due, {r[0]: (bases[r[1]], self.credentials(r[1])) for r in due}  # credentials: each its own

    def _mark(self, due: list[tuple[Any, ...]], results: list[str | None]) -> None:
        with self.db.atomic():  # every delivery's mark in one durable commit, not one each
            self._marks(due, results)

    def _marks(self, due: list[tuple[Any, ...]], results: list[str | None]) -> None:
        for row, error in zip(due, results):
            seq, attempts = row[0], row[6] + 1
            if error is None:
                self.db.run(f"UPDATE {self.table} SET delivered_at = ?, attempts = ? WHERE seq = ?", (_now(), attempts, seq))
            else:
                later = datetime.now(timezone.utc) + timedelta(seconds=backoff_s(attempts))
                self.db.run(f"UPDATE {self.table} SET attempts = ?, due_at = ?, last_error = ? WHERE seq = ?",
                            (attempts, later.isoformat(), error, seq))
                log.warning("callback %s %s to %s failed (attempt %d): %s", row[2], row[3], row[1], attempts, error)

    async def _send(self, client: Client, row: tuple[Any, ...], target: tuple[str | None, dict[str, str]],
                    gate: asyncio.Semaphore) -> str | None:
        _, fsp, method, path, headers, body = row[:6]
        base, credentials = target
        if not base:
            return f"{fsp} has no callback endpoint"
        content = None if method == "GET" else body.encode()
        send = json.loads(headers)
        if row[8]:
            send = self._signed_now(method, path, send, content or b"")
        url, send = base.rstrip("/") + path, {**send, **credentials}
        try:
            async with gate:
                try:
                    status = await _request(client, method, url, send, content)
                except TRANSPORT_ERRORS:  # a kept-alive connection the other side closed: again, on a new one
                    async for attempt in tenacity.AsyncRetrying(**RECONNECT):  # type: ignore[arg-type]
                        with attempt:
                            status = await _request(client, method, url, send, content)
        except (httpx.HTTPError, aiohttp.ClientError, asyncio.TimeoutError) as exc:
            return type(exc).__name__
        return None if 200 <= status < 300 else f"answered {status}"

    def _signed_now(self, method: str, path: str, headers: dict[str, str], content: bytes) -> dict[str, str]:
        """The sender's own message as it goes now: dated now and signed over that date (a GET
        over its empty body), so no two attempts carry one signature."""
        headers = {k: v for k, v in headers.items() if k.lower() != "date"}
        headers["Date"] = _date_now()
        return {**headers, **self.signer(method, path, headers, content)}
