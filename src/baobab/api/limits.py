"""Availability: what one identity may ask of a node, and how long a slow client may take.

One noisy member must not slow the others (issue 11: 45 idle event streams on one token made
every request wait 10-25 s, because each stream held a worker thread while it waited for the
next block). So:

- every identity has its own request budget (a token bucket), its own number of requests in
  flight at once and of open event streams; over any it gets `429 RATE_LIMITED` /
  `429 TOO_MANY_IN_FLIGHT` / `429 TOO_MANY_STREAMS` with `Retry-After`, while other identities
  are served as before;
- a client address that fails to authenticate too often (a signature that does not verify, an
  identity that does not exist, a token that is unknown, expired or revoked) is locked out for a
  while: `429 TOO_MANY_FAILED_AUTH` with `Retry-After`, before its requests are even checked;
- event streams wait for new blocks on the event loop (`HeightWatch`): one worker thread waits
  on the node for all of them, however many there are; the streams of one caller share the
  work of each new block (`SingleFlight`); a client's `X-Baobab-Min-Height` is awaited the same
  way, since it comes before authentication;
- a client gets `header_timeout_s` to send its request headers and `body_timeout_s` to send its
  body (`408 REQUEST_TIMEOUT`), so slow clients cannot hold connections open;
- a client that goes away mid-request is logged on one line, never with a traceback.

`create_app(node, data, limits=Limits(...))` takes the limits; `uvicorn_options(limits)` gives
the server the matching settings. The defaults are documented in docs/API.md ("Limits").
"""

from __future__ import annotations

import asyncio
import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import h11
from fastapi import FastAPI, Request
from starlette.requests import ClientDisconnect
from starlette.responses import Response, StreamingResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from baobab.api.problems import problem_response
from baobab.core.errors import BaobabError

log = logging.getLogger("baobab.api")


@dataclass(frozen=True)
class Limits:
    """Per-identity budgets and slow-client timeouts. Identity = a client identity ORG/name."""

    requests_per_s: float = 50.0  # sustained authenticated requests per identity
    burst: int = 200  # requests an identity may send at once after being idle
    streams_per_identity: int = 16  # event streams one identity may hold open at once
    in_flight_per_identity: int = 32  # requests of one identity being answered at once (streams apart)
    failed_auths_per_minute: float = 100.0  # failed authentications per client address (bursts of as many)
    header_timeout_s: float = 10.0  # from connection (or previous response) to complete request headers
    body_timeout_s: float = 30.0  # from the first read of a body to its end
    # An idle keep-alive connection is closed after this: longer than clients keep one idle
    # (httpx: 5 s), so the client always drops it first. At 5 s both sides timed out together
    # and a request sent as the server closed died with "server disconnected without
    # sending a response" (seen under load in `bench network`).
    keep_alive_s: int = 10
    stream_retry_after_s: int = 15  # Retry-After for TOO_MANY_STREAMS (a stream ends when its client leaves)

    @classmethod
    def configured(cls) -> "Limits":
        """The defaults, but for what the operator sets in the environment:
        BAOBAB_FAILED_AUTHS_PER_MINUTE (a node behind one proxy sees every client at one address)."""
        failed = os.environ.get("BAOBAB_FAILED_AUTHS_PER_MINUTE")
        return cls(failed_auths_per_minute=float(failed)) if failed else cls()

    def __post_init__(self) -> None:
        if self.requests_per_s <= 0 or self.burst < 1 or self.streams_per_identity < 1 \
                or self.in_flight_per_identity < 1 or self.failed_auths_per_minute <= 0:
            raise ValueError("request rate, burst, streams, requests in flight and failed authentications must be positive")


class Refusal(BaobabError):
    """A refusal whose answer carries HTTP headers."""

    def __init__(self, code: str, message: str, headers: dict[str, str], **detail: Any) -> None:
        super().__init__(code, message, **detail)
        self.headers = headers


class Throttled(Refusal):
    """A 429 that tells the client when to come back (the Retry-After header)."""

    def __init__(self, code: str, message: str, retry_after_s: int) -> None:
        super().__init__(code, message, {"Retry-After": str(retry_after_s)}, retry_after=retry_after_s)


class Buckets:
    """Token buckets by key: `burst` tokens each, refilled at `rate` per second."""

    def __init__(self, rate: float, burst: float, clock: Callable[[], float], max_keys: int | None = None) -> None:
        self.rate, self.burst, self.clock, self.max_keys = rate, burst, clock, max_keys
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, at)
        self._lock = threading.Lock()

    def _tokens(self, key: str, now: float) -> float:
        tokens, at = self._buckets.get(key, (self.burst, now))
        return min(self.burst, tokens + (now - at) * self.rate)

    def wait_s(self, key: str) -> int:
        """Whole seconds until `key` has a token (0: it has one now)."""
        with self._lock:
            tokens = self._tokens(key, self.clock())
        return 0 if tokens >= 1 else math.ceil((1 - tokens) / self.rate)

    def take(self, key: str) -> int:
        """Spend a token of `key`: 0, or (spending nothing) the whole seconds until one is there."""
        now = self.clock()
        with self._lock:
            tokens = self._tokens(key, now)
            if tokens < 1:
                self._buckets[key] = (tokens, now)
                return math.ceil((1 - tokens) / self.rate)
            if self.max_keys is not None and len(self._buckets) >= self.max_keys:  # forget the full ones
                self._buckets = {k: (t, a) for k, (t, a) in self._buckets.items() if self._tokens(k, now) < self.burst}
            self._buckets[key] = (tokens - 1, now)
            return 0


class RateLimiter:
    """A token bucket per identity: `burst` tokens, refilled at `requests_per_s`."""

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate, self.burst = limits.requests_per_s, float(limits.burst)
        self._buckets = Buckets(self.rate, self.burst, clock)  # bounded by membership

    def admit(self, identity: str) -> None:
        wait = self._buckets.take(identity)
        if wait:
            raise Throttled("RATE_LIMITED", f"{identity} is over {self.rate:g} requests/s "
                            f"(bursts of {self.burst:g}); retry after {wait} s", wait)


class FailedAuths:
    """Failed authentications per client address, as a token bucket: `failed_auths_per_minute`
    failures at once, then one more per 60/that seconds. An address without a token left is
    refused before its signature is checked (so a guesser costs the node almost nothing)."""

    MAX_ADDRESSES = 100_000  # beyond, addresses whose bucket has refilled are forgotten

    def __init__(self, limits: Limits, clock: Callable[[], float] = time.monotonic) -> None:
        per_minute = limits.failed_auths_per_minute
        self._buckets = Buckets(per_minute / 60, max(1.0, per_minute), clock, self.MAX_ADDRESSES)

    def check(self, address: str) -> None:
        wait = self._buckets.wait_s(address)
        if wait:
            raise Throttled("TOO_MANY_FAILED_AUTH", f"too many failed authentications from {address}; "
                            f"retry after {wait} s", wait)

    def failed(self, address: str) -> None:
        self._buckets.take(address)


class Slots:
    """At most `limit` places per identity, each given back once by the function `acquire` returns."""

    def __init__(self, limit: int, code: str, retry_after_s: int, refusal: str) -> None:
        self.limit, self.code, self.retry_after_s, self._refusal = limit, code, retry_after_s, refusal
        self._taken: dict[str, int] = {}
        self._lock = threading.Lock()

    def acquire(self, identity: str) -> Callable[[], None]:
        """Take a place or raise `code`; returns the release function (idempotent)."""
        with self._lock:
            if self._taken.get(identity, 0) >= self.limit:
                raise Throttled(self.code, self._refusal.format(identity=identity, limit=self.limit),
                                self.retry_after_s)
            self._taken[identity] = self._taken.get(identity, 0) + 1
        released = False

        def release() -> None:
            nonlocal released
            with self._lock:
                if not released:
                    released = True
                    left = self._taken[identity] - 1
                    if left:
                        self._taken[identity] = left
                    else:
                        del self._taken[identity]

        return release

    def open_count(self, identity: str) -> int:
        with self._lock:
            return self._taken.get(identity, 0)


class InFlight(Slots):
    """Requests of each identity being answered now (taken once authenticated, given back when
    the answer has been sent, `InFlightRelease`)."""

    def __init__(self, limits: Limits) -> None:
        super().__init__(limits.in_flight_per_identity, "TOO_MANY_IN_FLIGHT", 1,
                         "{identity} already has {limit} requests being answered; wait for their answers")


RELEASE = "baobab_in_flight_release"  # scope["state"] key of a request's in-flight release


class InFlightRelease:
    """Gives a request's in-flight place back once its whole answer has been sent (or the client
    left), whatever happened: the place is taken by the `caller` dependency."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})  # shared with every copy of the scope made further in
        try:
            await self.app(scope, receive, send)
        finally:
            release = state.pop(RELEASE, None)
            if release is not None:
                release()


class StreamSlots(Slots):
    """How many event streams each identity holds open."""

    def __init__(self, limits: Limits) -> None:
        super().__init__(limits.streams_per_identity, "TOO_MANY_STREAMS", limits.stream_retry_after_s,
                         "{identity} already holds {limit} event streams; close one (or resume later with Last-Event-ID)")


class HeightWatch:
    """Event streams wait here for new blocks, on the event loop. While anyone waits, one worker
    thread waits on the node (at most `poll_s` at a time) and wakes them all when a block lands."""

    def __init__(self, wait_for_height: Callable[[int, float], bool], height: Callable[[], int],
                 poll_s: float = 1.0) -> None:
        self._wait, self._height, self.poll_s = wait_for_height, height, poll_s
        self._seen = 0  # a height the ledger has reached (heights only grow)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._changed: asyncio.Future[None] | None = None  # resolved when `_seen` grows
        self._task: asyncio.Task[None] | None = None
        self._waiters = 0

    @property
    def known(self) -> int:
        """A height the ledger has reached (it may be higher by now)."""
        return self._seen

    async def wait_for_height(self, height: int, timeout: float) -> bool:
        """True once the ledger holds `height` blocks, False if `timeout` s pass first."""
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # a new event loop (tests run apps on several): start afresh
            self._loop, self._changed, self._task = loop, loop.create_future(), None
        deadline = loop.time() + timeout
        self._waiters += 1
        try:
            if self._task is None or self._task.done():
                self._task = loop.create_task(self._watch())
            while self._seen < height:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return False
                # a shared future, no task per waiter: waking 100 streams costs little
                await asyncio.wait((self._changed,), timeout=remaining)  # type: ignore[arg-type]
            return True
        finally:
            self._waiters -= 1

    def _next_height(self, seen: int) -> int:
        self._wait(seen + 1, self.poll_s)
        return self._height()

    async def _watch(self) -> None:
        while self._waiters > 0:
            try:
                now = await anyio.to_thread.run_sync(self._next_height, self._seen, abandon_on_cancel=True)
            except Exception as exc:  # the ledger unreachable (network mode): waiters time out, we retry
                log.warning("waiting for new blocks failed: %s", exc)
                await asyncio.sleep(self.poll_s)
                continue
            if now > self._seen:
                assert self._loop is not None and self._changed is not None
                self._seen = now
                changed, self._changed = self._changed, self._loop.create_future()
                changed.set_result(None)


class SingleFlight:
    """Work many streams need at once (the events of a new block as one caller sees them) done
    once: the first asker runs it in a worker thread, the others await the same result, and the
    last `keep` results are remembered. A stream that leaves does not cancel the others' work."""

    def __init__(self, keep: int = 256) -> None:
        self.keep = keep
        self._loop: asyncio.AbstractEventLoop | None = None
        self._results: dict[Any, asyncio.Future[Any]] = {}

    async def run(self, key: Any, work: Callable[..., Any], *args: Any) -> Any:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop, self._results = loop, {}
        found = self._results.get(key)
        if found is None or (found.done() and found.exception() is not None):
            found = self._results[key] = loop.create_task(anyio.to_thread.run_sync(work, *args))
            while len(self._results) > self.keep:
                del self._results[next(iter(self._results))]
        return await asyncio.shield(found)


class StreamResponse(StreamingResponse):
    """An event stream that gives its slot back however it ends (finished, client gone, error)."""

    def __init__(self, content: Any, release: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


class BodyTimeout:
    """408 REQUEST_TIMEOUT when a request body takes longer than `seconds` to arrive."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app, self.seconds = app, seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        deadline: float | None = None
        done = False

        async def timed() -> Message:
            nonlocal deadline, done
            if done:  # after the body only a disconnect can come: no deadline (event streams wait on it)
                return await receive()
            loop = asyncio.get_running_loop()
            deadline = deadline or loop.time() + self.seconds
            try:
                message = await asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
            except TimeoutError:
                raise Refusal("REQUEST_TIMEOUT", f"request body not received within {self.seconds:g} s",
                              {"Connection": "close"}) from None  # the rest of the body is not worth waiting for
            done = message["type"] != "http.request" or not message.get("more_body", False)
            return message

        await self.app(scope, timed, send)


class SlowClientProtocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol with a header timeout, which uvicorn lacks: a connection that
    has not sent complete request headers `header_timeout_s` after it opened (or after the
    previous response) is answered 408 if it sent part of them, and closed."""

    header_timeout_s = Limits.header_timeout_s

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm()

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout_s, self._headers_too_slow)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _headers_too_slow(self) -> None:
        self._header_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        if self.conn.trailing_data[0]:  # part of a request arrived: say why we hang up
            log.info("closing a connection from %s: request headers not received within %g s",
                     self.client, self.header_timeout_s)
            self.transport.write(b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n")
        self.transport.close()


def uvicorn_options(limits: Limits | None = None) -> dict[str, Any]:
    """Settings for `uvicorn.Config` / `uvicorn.run` that enforce `limits` at the connection."""
    limits = limits or Limits.configured()
    protocol = type("SlowClientProtocol", (SlowClientProtocol,), {"header_timeout_s": limits.header_timeout_s})
    return {"http": protocol, "timeout_keep_alive": limits.keep_alive_s}


@dataclass
class Guards:
    """The limiters of one app (`app.state.limits`)."""

    limits: Limits
    rate: RateLimiter
    in_flight: InFlight
    failed_auths: FailedAuths
    streams: StreamSlots
    heights: HeightWatch
    shared: SingleFlight


def guards(request: Request) -> Guards:
    return request.app.state.limits  # type: ignore[no-any-return]


def address_of(request: Request) -> str:
    return request.client.host if request.client is not None else "unknown"


# Credentials presented that prove no identity (a request without any is not an attempt; a
# stale or replayed one was signed by its key).
FAILED_AUTH_CODES = frozenset({"BAD_SIGNATURE", "UNKNOWN_ORG", "UNKNOWN_IDENTITY"})


def authenticate(request: Request, authenticate_request: Callable[[], Any]) -> Any:
    """`authenticate_request()`'s caller, unless the client's address is locked out for failing
    too often (TOO_MANY_FAILED_AUTH); a failure counts against the address."""
    failures, address = guards(request).failed_auths, address_of(request)
    failures.check(address)
    try:
        return authenticate_request()
    except BaobabError as exc:
        bad_token = exc.code == "UNAUTHENTICATED" and "authorization" in request.headers
        if exc.code in FAILED_AUTH_CODES or bad_token:
            failures.failed(address)
        raise


def admit(request: Request, identity: str) -> None:
    """Count an authenticated request against its identity's budget (RATE_LIMITED if over) and
    its requests in flight (TOO_MANY_IN_FLIGHT), until its answer has been sent."""
    g = guards(request)
    g.rate.admit(identity)
    release = g.in_flight.acquire(identity)
    request.scope.setdefault("state", {})[RELEASE] = release


def done_in_flight(request: Request) -> None:
    """Give the request's in-flight place back now (an event stream, counted as a stream instead)."""
    release = request.scope.get("state", {}).pop(RELEASE, None)
    if release is not None:
        release()


def install(app: FastAPI, limits: Limits | None, wait_for_height: Callable[[int, float], bool],
            height: Callable[[], int]) -> None:
    """Give `app` its limiters, the Retry-After header on 429s, the body timeout, and quiet
    handling of clients that leave mid-request."""
    limits = limits or Limits.configured()
    app.state.limits = Guards(limits, RateLimiter(limits), InFlight(limits), FailedAuths(limits), StreamSlots(limits),
                              HeightWatch(wait_for_height, height), SingleFlight())

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refusal)
        return problem_response(exc, request.url.path, headers=exc.headers)

    async def client_left(request: Request, exc: Exception) -> Response:
        log.info("client %s left during %s %s", request.client, request.method, request.url.path)
        return Response(status_code=400)  # nobody will read it

    app.add_exception_handler(Refusal, refused)
    app.add_exception_handler(ClientDisconnect, client_left)
    app.add_middleware(BodyTimeout, seconds=limits.body_timeout_s)
    app.add_middleware(InFlightRelease)
