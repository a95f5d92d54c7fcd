"""Ordering on NATS JetStream: the network mode's replicated log, instead of a consensus of our own.

Two streams per network (see docs/NETWORK.md for why each setting):

    BAOBAB_<NET>_TX      subject baobab.<net>.tx      work queue of endorsed envelopes, in
                         batches: a message is a JSON array of the envelopes a peer had
                         waiting (one envelope alone is also accepted); Nats-Msg-Id names the
                         batch, so a publish retried after a lost reply is stored once.
    BAOBAB_<NET>_BLOCKS  subject baobab.<net>.blocks  the chain of orderer-signed blocks;
                         block n is stream sequence n + 1, published with Nats-Msg-Id
                         "block-<n>" and Nats-Expected-Last-Sequence n, so a block number is
                         stored once and two ordering nodes can never fork the chain.

Both have three replicas on file storage. `OrderingService` is an ordering node: it pulls
envelopes from a shared durable consumer, cuts blocks by the same rule as the embedded orderer
(`take_batch`), signs them and publishes them; it acknowledges a message only after every
envelope it carries is in a stored block, drops envelopes the chain or its queue already holds
(a redelivery, a resubmission), and on any doubt (a lost reply, a competing orderer) it re-reads
the chain head from the stream. `JetStreamOrderer` is a peer's side of the `Orderer` interface:
it publishes envelopes, those submitted meanwhile together in one message (one replicated
JetStream write per batch, not per transaction), and follows the block stream from the peer's
own height, so a peer that was down catches up from wherever it stopped.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import ssl
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
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
PUBLISH_BATCH = 256  # envelopes a peer sends in one message to the input stream
PUBLISH_BYTES = 1 << 20  # and their bytes (a single larger envelope goes alone)
PUBLISHERS = 2  # batches a peer has in flight at once: the next one gathers while one is stored
FETCH_MESSAGES = 16  # input messages an ordering node asks for at once (each holds up to PUBLISH_BATCH)
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


class _Carrier:
    """One delivered input message: acknowledged to the stream once each envelope it carries
    has been settled (stored in a block, or found already ordered). `ack()` settles one."""

    __slots__ = ("msg", "left")

    def __init__(self, msg: Any, left: int) -> None:
        self.msg, self.left = msg, left

    async def ack(self) -> None:
        self.left -= 1
        if self.left == 0:
            await self.msg.ack()


def envelopes_of(data: bytes) -> list[Any] | None:
    """The envelopes of an input message: a batch (JSON array) or one envelope; None if unreadable."""
    try:
        found = json.loads(data)
    except ValueError:
        return None
    return found if isinstance(found, list) else [found]


def _tx_id(env: Any) -> str:
    result = env.get("result") if isinstance(env, dict) else None
    tx_id = result.get("tx_id") if isinstance(result, dict) else None
    return tx_id if isinstance(tx_id, str) else ""


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
        # tx id of every pending envelope -> further deliveries of it (a redelivered message),
        # settled together with it
        self._held: dict[str, list[Any]] = {}
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
            tx_id = _tx_id(env)
            if tx_id:
                self._recent[tx_id] = number
        if len(self._recent) > 50 * RECENT_BLOCKS:
            floor = number - RECENT_BLOCKS
            self._recent = {t: n for t, n in self._recent.items() if n > floor}

    def _settle(self, item: tuple[dict[str, Any], int, Any, str, float]) -> list[Awaitable[None]]:
        """An envelope is in a stored block: settle it and every other delivery of it."""
        return [item[2].ack(), *(c.ack() for c in self._held.pop(item[3], ()))]

    def _drop_known(self) -> None:
        """Settle and drop pending envelopes that a stored block already holds."""
        keep = deque(item for item in self._pending if item[3] not in self._recent)
        for item in self._pending:
            if item[3] in self._recent:
                for settling in self._settle(item):
                    asyncio.ensure_future(settling)
        self._pending = keep

    def _take(self, msgs: list[Any]) -> None:
        now = time.monotonic()
        for msg in msgs:
            envs = envelopes_of(msg.data)
            if not envs:
                asyncio.ensure_future(msg.ack())  # unreadable: nothing to order
                continue
            carrier = _Carrier(msg, len(envs))
            for env in envs:
                tx_id = _tx_id(env)
                if not isinstance(env, dict) or tx_id in self._recent:
                    asyncio.ensure_future(carrier.ack())  # malformed or already ordered: nothing to order
                elif tx_id and tx_id in self._held:
                    self._held[tx_id].append(carrier)  # pending already: settled with it
                else:
                    if tx_id:
                        self._held[tx_id] = []
                    self._pending.append((env, len(canonicalize(env)) if len(envs) > 1 else len(msg.data),
                                          carrier, tx_id, now))

    async def _gather(self, sub: Any) -> list[tuple[dict[str, Any], int, Any, str, float]]:
        """Wait for a block's worth of envelopes by the embedded orderer's count/size/time rule."""
        if not self._pending:
            try:
                self._take(await fetch_available(sub, FETCH_MESSAGES, 1.0))
            except NO_MESSAGES:
                return []
        due = self._pending[0][4] + self.timeout if self._pending else time.monotonic()
        while (len(self._pending) < self.max_txs and sum(i[1] for i in self._pending) < self.max_bytes
               and (left := due - time.monotonic()) > 0):
            try:
                self._take(await sub.fetch(FETCH_MESSAGES, timeout=max(left, 0.01)))
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
        await asyncio.gather(*(settling for i in batch for settling in self._settle(i)), return_exceptions=True)


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
        # envelopes waiting to be published: (tx id, canonical bytes, the submitter's future)
        self._outbox: deque[tuple[str, bytes, Future[None]]] = deque()
        self._queued: asyncio.Event | None = None

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
        self._queued = asyncio.Event()
        publishers = [asyncio.ensure_future(self._publisher()) for _ in range(PUBLISHERS)]
        self._ready.set()
        try:
            await _first(self._go, self._stop)
            await self._follow()
        finally:
            for task in publishers:
                task.cancel()
            await asyncio.gather(*publishers, return_exceptions=True)
            for _, _, future in self._outbox:
                if not future.done():
                    future.set_exception(BaobabError("ORDERER_UNAVAILABLE", "the node is stopping"))
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
        """Hand an envelope to the ordering service; returns once the stream has stored it.
        Envelopes submitted while a publish is in flight leave together in the next message."""
        future: Future[None] = Future()
        item = (envelope["result"]["tx_id"], data, future)
        try:
            self._loop.call_soon_threadsafe(self._enqueue, item)  # RuntimeError once the node has stopped
            future.result(self.publish_timeout + 5)
        except Exception as exc:
            raise BaobabError("ORDERER_UNAVAILABLE", f"could not hand the transaction to the ordering service: {exc!r}") from None

    def _enqueue(self, item: tuple[str, bytes, Future[None]]) -> None:
        self._outbox.append(item)
        assert self._queued is not None
        self._queued.set()

    def _next_batch(self) -> list[tuple[str, bytes, Future[None]]]:
        batch: list[tuple[str, bytes, Future[None]]] = []
        size = 0
        while self._outbox and len(batch) < PUBLISH_BATCH:
            n = len(self._outbox[0][1])
            if batch and size + n > PUBLISH_BYTES:
                break
            batch.append(self._outbox.popleft())
            size += n
        return batch

    async def _publisher(self) -> None:
        """Publish what is queued, as one message per batch, until the node stops."""
        assert self._queued is not None
        while True:
            while not self._outbox:
                self._queued.clear()
                await self._queued.wait()
            batch = self._next_batch()
            error: Exception | None = BaobabError("ORDERER_UNAVAILABLE", "the node is stopping")
            try:
                error = await self._publish_batch(batch)
            finally:  # cancelled (the node stops): its submitters hear it now, not at their timeout
                for _, _, future in batch:
                    if not future.done():
                        if error is None:
                            future.set_result(None)
                        else:
                            future.set_exception(error)

    async def _publish_batch(self, batch: list[tuple[str, bytes, Future[None]]]) -> Exception | None:
        """Publish one batch, retrying through a fail-over until `publish_timeout`; the batch's
        message id (from its tx ids) makes the stream store a retried batch once."""
        data = batch[0][1] if len(batch) == 1 else b"[" + b",".join(d for _, d, _ in batch) + b"]"
        msg_id = "txs-" + hashlib.sha256("\n".join(t for t, _, _ in batch).encode()).hexdigest()
        deadline = time.monotonic() + self.publish_timeout
        while True:
            try:
                await self._js.publish(self.settings.tx_subject, data, stream=self.settings.tx_stream,
                                       headers={"Nats-Msg-Id": msg_id}, timeout=2)
                return None
            except (NatsTimeout, asyncio.TimeoutError, nats.errors.Error, APIError) as exc:
                if time.monotonic() > deadline:
                    return exc
                await asyncio.sleep(0.2)  # failing over to another server; the msg id dedupes retries

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
                fetching = asyncio.ensure_future(fetch_available(sub, 256, 1.0))
                try:
                    while not self._stop.is_set() and self.failure is None:
                        try:
                            msgs = await fetching
                        except NO_MESSAGES:
                            # Quiet, or our consumer died with the server that held it: ask the stream.
                            info = await self._js.stream_info(s.block_stream)
                            self.lag = max(0, info.state.last_seq - 1 - (self._next - 1))
                            if self.lag:
                                raise nats.errors.Error(f"consumer idle while {self.lag} blocks wait") from None
                            fetching = asyncio.ensure_future(fetch_available(sub, 256, 1.0))
                            continue
                        # the next blocks are asked for while these are committed, not after
                        fetching = asyncio.ensure_future(fetch_available(sub, 256, 1.0))
                        for msg in msgs:
                            await self._deliver_msg(msg)
                finally:
                    fetching.cancel()
                    await asyncio.gather(fetching, return_exceptions=True)
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
