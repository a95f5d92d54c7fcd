"""Ordering on NATS JetStream: the network mode's replicated log, instead of a consensus of our own.

Two streams per network (see docs/NETWORK.md for why each setting):

    BAOBAB_<NET>_TX      subject baobab.<net>.tx      work queue of endorsed envelopes;
                         Nats-Msg-Id = tx id, so a resubmission inside the duplicate window
                         is stored once.
    BAOBAB_<NET>_BLOCKS  subject baobab.<net>.blocks  the chain of orderer-signed blocks;
                         block n is stream sequence n + 1, published with Nats-Msg-Id
                         "block-<n>" and Nats-Expected-Last-Sequence n, so a block number is
                         stored once and two ordering nodes can never fork the chain.

Both have three replicas on file storage. `OrderingService` is an ordering node: it pulls
envelopes from a shared durable consumer, cuts blocks by the same rule as the embedded orderer
(`take_batch`), signs them and publishes them; it acknowledges envelopes only after their block
is stored, and on any doubt (a lost reply, a competing orderer) it re-reads the chain head from
the stream. `JetStreamOrderer` is a peer's side of the `Orderer` interface: it publishes
envelopes and follows the block stream from the peer's own height, so a peer that was down
catches up from wherever it stopped.
"""

from __future__ import annotations

import asyncio
import json
import logging
import ssl
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import nats
from nats.errors import TimeoutError as NatsTimeout
from nats.js import api
from nats.js.errors import APIError, NotFoundError

from baobab.core.errors import BaobabError
from baobab.core.jcs import canonicalize
from baobab.core.keys import PrivateKey
from baobab.ledger.block import block_hash, genesis_block, make_block
from baobab.ledger.orderer.base import Deliver, Orderer
from baobab.ledger.orderer.embedded import take_batch
from baobab.ledger.tx import now_rfc3339

log = logging.getLogger(__name__)

WRONG_LAST_SEQUENCE = 10071  # JetStream API error: Nats-Expected-Last-Sequence did not hold
DUPLICATE_IN_PROCESS = 10158  # JetStream API error: a message with this id is being stored now
LOST_RACE = {WRONG_LAST_SEQUENCE, DUPLICATE_IN_PROCESS}  # another ordering node took this block number
CONSUMER = "orderers"  # the durable consumer all ordering nodes share
RECENT_BLOCKS = 256  # blocks whose tx ids an ordering node remembers to drop redeliveries
# What a pull fetch raises when no message came in time: nats-py raises its own TimeoutError in
# some paths and asyncio's in others. Taking the latter for a failure made ordering nodes re-read
# the chain head (and followers resubscribe) at every quiet moment, a pause of 0.2-1.25 s each.
NO_MESSAGES = (NatsTimeout, asyncio.TimeoutError)
_T = TypeVar("_T")


@dataclass(frozen=True)
class StreamSettings:
    network: str
    replicas: int = 3
    duplicate_window_s: int = 120
    ack_wait_s: float = 5.0  # an envelope held by a dead ordering node is redelivered after this

    @property
    def _tag(self) -> str:
        return self.network.upper().replace("-", "_")

    @property
    def tx_stream(self) -> str:
        return f"BAOBAB_{self._tag}_TX"

    @property
    def tx_subject(self) -> str:
        return f"baobab.{self.network}.tx"

    @property
    def block_stream(self) -> str:
        return f"BAOBAB_{self._tag}_BLOCKS"

    @property
    def block_subject(self) -> str:
        return f"baobab.{self.network}.blocks"


# A server that is paused (SIGSTOP, a stalled VM) keeps its TCP connections open: only unanswered
# pings reveal it. nats-py's default (a ping every 120 s, two unanswered) left a node talking to a
# paused server for the whole pause; with these, it moves to another server within 4-6 s (not
# less: a busy node on a loaded machine must not take its own slowness for a dead server).
PING_INTERVAL_S = 2
MAX_OUTSTANDING_PINGS = 2


async def connect(servers: list[str], name: str, tls: tuple[ssl.SSLContext, str] | None = None) -> Any:
    """A client that reconnects forever: losing one server of three must not stop a node.
    With `tls` (context, server name; net/tls.py), over TLS."""
    return await nats.connect(servers=servers, name=name, max_reconnect_attempts=-1,
                              reconnect_time_wait=0.25, connect_timeout=2, allow_reconnect=True,
                              ping_interval=PING_INTERVAL_S, max_outstanding_pings=MAX_OUTSTANDING_PINGS,
                              **({"tls": tls[0], "tls_hostname": tls[1]} if tls else {}))


async def ensure_streams(js: Any, s: StreamSettings) -> None:
    common = {"storage": api.StorageType.FILE, "num_replicas": s.replicas,
              "duplicate_window": s.duplicate_window_s, "max_msg_size": 8 << 20}
    configs = [
        api.StreamConfig(name=s.tx_stream, subjects=[s.tx_subject], retention=api.RetentionPolicy.WORK_QUEUE, **common),
        api.StreamConfig(name=s.block_stream, subjects=[s.block_subject], retention=api.RetentionPolicy.LIMITS,
                         deny_delete=True, deny_purge=True, **common),
    ]
    for config in configs:
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)


async def last_block(js: Any, s: StreamSettings) -> tuple[int, dict[str, Any] | None]:
    """(stream sequence, block) of the newest block; (0, None) if the chain is empty."""
    try:
        msg = await js.get_last_msg(s.block_stream, s.block_subject)
    except NotFoundError:
        return 0, None
    return msg.seq, json.loads(msg.data)


async def block_at(js: Any, s: StreamSettings, number: int) -> dict[str, Any]:
    msg = await js.get_msg(s.block_stream, seq=number + 1)
    return json.loads(msg.data)


def _publish_headers(number: int, last_seq: int) -> dict[str, str]:
    return {"Nats-Msg-Id": f"block-{number}", "Nats-Expected-Last-Sequence": str(last_seq)}


class OrderingService:
    """One ordering node. Several may run at once: they share the work and race safely."""

    def __init__(self, servers: list[str], settings: StreamSettings, key: PrivateKey,
                 genesis: dict[str, Any], name: str = "orderer", tls: tuple[ssl.SSLContext, str] | None = None) -> None:
        self.servers, self.settings, self.key, self.genesis, self.name = servers, settings, key, genesis, name
        self.tls = tls
        b = genesis["block"]
        self.max_txs, self.max_bytes, self.timeout = b["max_txs"], b["max_bytes"], b["timeout_ms"] / 1000
        self._pending: deque[tuple[dict[str, Any], int, Any, str, float]] = deque()
        self._recent: dict[str, int] = {}  # tx id -> block number, for the last RECENT_BLOCKS blocks
        self.blocks_published = 0

    async def run(self, stop: asyncio.Event) -> None:
        nc = await connect(self.servers, self.name, self.tls)
        js = nc.jetstream(timeout=5)
        s = self.settings
        try:
            await _retry(lambda: ensure_streams(js, s), stop)
            await _retry(lambda: self._reload(js), stop)
            if self._seq == 0:
                await self._publish_genesis(js)
            sub = await _retry(lambda: js.pull_subscribe(
                s.tx_subject, durable=CONSUMER, stream=s.tx_stream,
                config=api.ConsumerConfig(ack_wait=s.ack_wait_s, max_ack_pending=20_000)), stop)
            while not stop.is_set():
                try:
                    batch = await self._gather(sub)
                    if batch:
                        await self._publish(js, batch)
                except (NatsTimeout, asyncio.TimeoutError, nats.errors.Error, APIError) as exc:
                    if isinstance(exc, APIError) and (exc.err_code in LOST_RACE
                                                      or "duplicate message id is in process" in str(exc.description)):
                        # Another ordering node stored this block number first: an ordinary race,
                        # not a fault. Continue from its block at once (the pause below delayed
                        # every envelope this node held, at every lost race).
                        log.debug("%s: lost the race for block %d", self.name, self._next)
                        await _retry(lambda: self._reload(js), stop)
                        continue
                    log.warning("%s: %r (%s %s); re-reading the chain head", self.name, exc,
                                getattr(exc, "err_code", ""), getattr(exc, "description", ""))
                    await asyncio.sleep(0.2)
                    await _retry(lambda: self._reload(js), stop)
        finally:
            await nc.close()

    async def _publish_genesis(self, js: Any) -> None:
        block = genesis_block(self.genesis, self.key)
        try:
            await js.publish(self.settings.block_subject, canonicalize(block), stream=self.settings.block_stream,
                             headers=_publish_headers(0, 0))
        except APIError as exc:
            if exc.err_code != WRONG_LAST_SEQUENCE:
                raise
        await self._reload(js)

    async def _reload(self, js: Any) -> None:
        """Continue from the stream, never from memory: the head, and the recent blocks' tx ids."""
        seq, block = await last_block(js, self.settings)
        self._seq = seq
        if block is None:
            self._next, self._head = 0, ""
            return
        self._next = block["header"]["number"] + 1
        self._head = block_hash(block["header"])
        known = max(self._recent.values(), default=-1)
        for number in range(max(known + 1, self._next - RECENT_BLOCKS, 1), self._next):
            self._remember(await block_at(js, self.settings, number) if number != self._next - 1 else block)
        self._drop_known()

    def _remember(self, block: dict[str, Any]) -> None:
        number = block["header"]["number"]
        for env in block["transactions"]:
            tx_id = env.get("result", {}).get("tx_id") if isinstance(env, dict) else None
            if isinstance(tx_id, str):
                self._recent[tx_id] = number
        if len(self._recent) > 50 * RECENT_BLOCKS:
            floor = number - RECENT_BLOCKS
            self._recent = {t: n for t, n in self._recent.items() if n > floor}

    def _drop_known(self) -> None:
        """Acknowledge and drop pending envelopes that a stored block already holds."""
        keep = deque(item for item in self._pending if item[3] not in self._recent)
        for item in self._pending:
            if item[3] in self._recent:
                asyncio.ensure_future(item[2].ack())
        self._pending = keep

    def _take(self, msgs: list[Any]) -> None:
        now = time.monotonic()
        for msg in msgs:
            tx_id = (msg.headers or {}).get("Nats-Msg-Id", "")
            try:
                env = json.loads(msg.data)
            except ValueError:
                env = None
            if not isinstance(env, dict) or tx_id in self._recent:
                asyncio.ensure_future(msg.ack())  # unparseable or already ordered: nothing to order
                continue
            self._pending.append((env, len(msg.data), msg, tx_id, now))

    async def _gather(self, sub: Any) -> list[tuple[dict[str, Any], int, Any, str, float]]:
        """Wait for a block's worth of envelopes by the embedded orderer's count/size/time rule."""
        if not self._pending:
            try:
                self._take(await fetch_available(sub, self.max_txs, 1.0))
            except NO_MESSAGES:
                return []
        due = self._pending[0][4] + self.timeout if self._pending else time.monotonic()
        while (len(self._pending) < self.max_txs and sum(i[1] for i in self._pending) < self.max_bytes
               and (left := due - time.monotonic()) > 0):
            try:
                self._take(await sub.fetch(self.max_txs - len(self._pending), timeout=max(left, 0.01)))
            except NO_MESSAGES:
                break
        return take_batch(self._pending, self.max_txs, self.max_bytes)

    async def _publish(self, js: Any, batch: list[tuple[dict[str, Any], int, Any, str, float]]) -> None:
        block = make_block(self.settings.network, self._next, self._head, [i[0] for i in batch], now_rfc3339(), self.key)
        try:
            ack = await js.publish(self.settings.block_subject, canonicalize(block), stream=self.settings.block_stream,
                                   headers=_publish_headers(self._next, self._seq))
        except BaseException:
            self._pending.extendleft(reversed(batch))  # keep them; the caller re-reads the head
            raise
        if ack.duplicate:  # block-<n> was already stored (by us before a lost reply, or a rival)
            self._pending.extendleft(reversed(batch))
            await self._reload(js)
            return
        self._seq, self._next, self._head = ack.seq, self._next + 1, block_hash(block["header"])
        self._remember(block)
        self.blocks_published += 1
        await asyncio.gather(*(i[2].ack() for i in batch), return_exceptions=True)


async def fetch_available(sub: Any, n: int, wait: float) -> list[Any]:
    """Wait up to `wait` seconds for one message, then take whatever else is there, up to `n`.
    (A single fetch of n messages waits for all n, or for its whole timeout.)"""
    msgs = await sub.fetch(1, timeout=wait)
    if n > 1:
        try:
            msgs += await sub.fetch(n - 1, timeout=0.005)
        except NO_MESSAGES:
            pass
    return msgs


async def _retry(make: Callable[[], Awaitable[_T]], stop: asyncio.Event, pause: float = 0.25) -> _T:
    """Run `make()` until it succeeds: a server of the cluster may be down or electing a leader."""
    while True:
        try:
            return await make()
        except (NatsTimeout, asyncio.TimeoutError, nats.errors.Error, APIError) as exc:
            if stop.is_set():
                raise
            log.info("retrying after %r", exc)
            await asyncio.sleep(pause)


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(e.wait()) for e in events]
    _, rest = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for w in rest:
        w.cancel()


PERMANENT = {"CORRUPT", "BAD_SIGNATURE", "MALFORMED"}  # a block that fails these never will pass


class JetStreamOrderer(Orderer):
    """A peer's view of the ordering service: submit envelopes, follow and deliver blocks."""

    def __init__(self, servers: list[str], settings: StreamSettings, name: str = "peer",
                 publish_timeout_s: float = 15.0, tls: tuple[ssl.SSLContext, str] | None = None) -> None:
        self.servers, self.settings, self.name, self.publish_timeout = servers, settings, name, publish_timeout_s
        self.tls = tls
        self.lag = 0  # blocks in the stream not yet committed here
        self.failure: str | None = None  # set when a block can never be committed (tampering, fork)
        self._loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._stop: asyncio.Event | None = None
        self._go: asyncio.Event | None = None
        self._ready = threading.Event()
        self._nc: Any = None

    # --- lifecycle ----------------------------------------------------------------------

    def open(self) -> None:
        """Connect (once); blocks are followed only after `start`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"baobab-follow-{self.name}", daemon=True)
            self._thread.start()
        if not self._ready.wait(15):
            raise BaobabError("ORDERER_UNAVAILABLE", f"cannot reach the ordering service at {', '.join(self.servers)}")

    def start(self, height: int, head_hash: str, deliver: Deliver) -> None:
        self.open()
        self._next, self._deliver = height, deliver
        assert self._go is not None
        self._loop.call_soon_threadsafe(self._go.set)

    def fetch_block(self, number: int, timeout: float = 30.0) -> dict[str, Any]:
        """A block straight from the stream (a new peer takes block 0 from there)."""
        self.open()
        deadline = time.monotonic() + timeout

        async def fetch() -> dict[str, Any]:
            while True:
                try:
                    return await block_at(self._js, self.settings, number)
                except (NatsTimeout, asyncio.TimeoutError, nats.errors.Error, APIError):
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.25)  # no ordering node has published it yet

        try:
            return asyncio.run_coroutine_threadsafe(fetch(), self._loop).result(timeout + 5)
        except Exception as exc:
            raise BaobabError("ORDERER_UNAVAILABLE", f"block {number} is not in the stream: {exc!r}") from None

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stop, self._go = asyncio.Event(), asyncio.Event()
        self._nc = await _retry(lambda: connect(self.servers, self.name, self.tls), self._stop)
        self._js = self._nc.jetstream(timeout=5)
        self._ready.set()
        try:
            await _first(self._go, self._stop)
            await self._follow()
        finally:
            await self._nc.close()

    def stop(self) -> None:
        if self._thread is None:
            return
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        else:
            self._ready.wait(5)
        self._thread.join(10)

    # --- submit -------------------------------------------------------------------------

    def submit(self, envelope: dict[str, Any], data: bytes) -> None:
        headers = {"Nats-Msg-Id": envelope["result"]["tx_id"]}
        deadline = time.monotonic() + self.publish_timeout

        async def publish() -> None:
            while True:
                try:
                    await self._js.publish(self.settings.tx_subject, data, stream=self.settings.tx_stream,
                                           headers=headers, timeout=2)
                    return
                except (NatsTimeout, asyncio.TimeoutError, nats.errors.Error, APIError):
                    if time.monotonic() > deadline:
                        raise
                    await asyncio.sleep(0.2)  # failing over to another server; the msg id dedupes retries

        try:
            asyncio.run_coroutine_threadsafe(publish(), self._loop).result(self.publish_timeout + 5)
        except Exception as exc:
            raise BaobabError("ORDERER_UNAVAILABLE", f"could not hand the transaction to the ordering service: {exc!r}") from None

    # --- follow -------------------------------------------------------------------------

    async def _follow(self) -> None:
        assert self._stop is not None
        s = self.settings
        while not self._stop.is_set() and self.failure is None:
            sub = None
            try:
                sub = await self._js.pull_subscribe(
                    s.block_subject, stream=s.block_stream,
                    config=api.ConsumerConfig(deliver_policy=api.DeliverPolicy.BY_START_SEQUENCE,
                                              opt_start_seq=self._next + 1, ack_policy=api.AckPolicy.NONE,
                                              inactive_threshold=30, mem_storage=True, num_replicas=1))
                while not self._stop.is_set() and self.failure is None:
                    try:
                        msgs = await fetch_available(sub, 256, 1.0)
                    except NO_MESSAGES:
                        # Quiet, or our consumer died with the server that held it: ask the stream.
                        info = await self._js.stream_info(s.block_stream)
                        self.lag = max(0, info.state.last_seq - 1 - (self._next - 1))
                        if self.lag:
                            raise nats.errors.Error(f"consumer idle while {self.lag} blocks wait") from None
                        continue
                    for msg in msgs:
                        await self._deliver_msg(msg)
            except (NatsTimeout, asyncio.TimeoutError, nats.errors.Error, APIError) as exc:
                log.info("%s: following blocks again from %d after %r", self.name, self._next, exc)
                await asyncio.sleep(0.25)
            finally:
                if sub is not None:
                    try:
                        await sub.unsubscribe()
                    except Exception:  # the consumer goes away on its own after inactive_threshold
                        pass

    async def _deliver_msg(self, msg: Any) -> None:
        block = json.loads(msg.data)
        number = block.get("header", {}).get("number") if isinstance(block, dict) else None
        if not isinstance(number, int) or number < self._next:
            return  # already committed here
        if number > self._next:
            raise nats.errors.Error(f"gap in the block stream: got {number}, expected {self._next}")
        loop = asyncio.get_running_loop()
        while True:
            try:
                await loop.run_in_executor(None, self._deliver, block)
                break
            except BaobabError as exc:
                if exc.code in PERMANENT:
                    self.failure = f"block {number}: {exc.code}: {exc.message}"
                    log.error("%s: stops following: %s", self.name, self.failure)
                    raise nats.errors.Error(self.failure) from None
                log.warning("%s: block %d not committed yet: %r", self.name, number, exc)
            except Exception as exc:  # the database is unreachable for a moment: try the same block again
                log.warning("%s: block %d not committed yet: %r", self.name, number, exc)
            await asyncio.sleep(0.5)
        self._next = number + 1
        self.lag = msg.metadata.num_pending if msg.metadata else 0
