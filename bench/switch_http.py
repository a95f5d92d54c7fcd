"""The switch end to end over FSPIOP HTTP with callbacks (`python -m bench switch --http`).

One process: the switch (Hub, FSPIOP router, callback outbox) on its own uvicorn server; a payer
FSP and a payee FSP on another, the payee answering each forwarded `POST /transfers` with its
`PUT /transfers/{ID}` (the fulfilment), the payer counting the `PUT /transfers/{ID}` the switch
passes on; and a load generator keeping `--concurrency` transfers in flight. A transfer counts
once its payer has the committed callback: four HTTP requests and two durable switch commits
(shared by concurrent requests, pay/group_commit.py), every body validated against the OpenAPI
document. `--concurrency` transfers are in flight, each from its POST until its payer's callback;
every client keeps a pool of at most `POOL` connections alive (aiohttp, as the switch's outbox),
and the servers run as the node runs them (uvicorn_options: the h11 protocol with the slow-client
timeouts). The FSPs are known by FSPIOP-Source on the loopback (no JWS: signing is the FSPs' cost;
docs/PERFORMANCE.md gives the cost of checking a signature).
"""

from __future__ import annotations

import asyncio
import base64
import json
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import aiohttp
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response

from baobab.api.limits import uvicorn_options
from baobab.pay.fspiop import fspiop_router
from baobab.pay.hub import Hub
from baobab.pay.store import Database
from baobab.pay.switch import condition_of, stamp

FULFILMENT = "UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA"
PACKET = base64.urlsafe_b64encode(b"bench packet" * 8).decode()
CT = "application/vnd.interoperability.transfers+json;version=1.1"


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


POOL = 8  # kept-alive connections per client: httpcore looks over every one at each request


def _serve(app: Any) -> tuple[uvicorn.Server, str]:
    """A server as the node runs it (api/limits.py: uvicorn's h11 protocol with the slow-client timeouts)."""
    port = _port()
    options = {**uvicorn_options(), "timeout_keep_alive": 120, "loop": "asyncio"}  # no idle close racing a reused connection
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", access_log=False, **options))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{port}"


def _client(concurrency: int) -> aiohttp.ClientSession:
    """An FSP's client of the switch (aiohttp, as the switch's outbox: pay/outbox.py)."""
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=min(POOL, concurrency)),
                                 timeout=aiohttp.ClientTimeout(total=60.0))


async def _send(client: aiohttp.ClientSession, method: str, url: str, headers: dict[str, str], body: Any) -> int:
    async with client.request(method, url, headers=headers, data=json.dumps(body).encode()) as response:
        await response.read()
        return response.status


def _headers(source: str, destination: str) -> dict[str, str]:
    return {"Content-Type": CT, "Accept": CT, "Date": format_datetime(datetime.now(timezone.utc), usegmt=True),
            "FSPIOP-Source": source, "FSPIOP-Destination": destination}


def run_http(db: Database, transfers: int, concurrency: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) for `transfers` transfers, each until its payer's callback."""
    hub = Hub(db)
    committed: list[str] = []
    state: dict[str, Any] = {}
    waiting: dict[str, tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = {}  # the load's, by transfer

    async def trusted(request: Request) -> str:
        return request.headers["fspiop-source"]

    @asynccontextmanager
    async def running(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(hub.run(stop))
        yield
        stop.set()
        await task

    switch_app = FastAPI(lifespan=running)
    switch_app.include_router(fspiop_router(hub, trusted), prefix="/fspiop")
    fsp_app = FastAPI()

    @fsp_app.post("/payee/transfers")
    async def incoming(request: Request) -> Response:
        body = await request.json()
        if "payee" not in state:  # the payee's own client, on its server's loop
            state["payee"] = _client(concurrency)
            state["payee_gate"] = asyncio.Semaphore(min(POOL, concurrency))

        async def answer() -> None:
            async with state["payee_gate"]:
                await _send(state["payee"], "PUT", f"{state['switch']}/fspiop/transfers/{body['transferId']}",
                            _headers("payee", "payer"), {"fulfilment": FULFILMENT, "transferState": "COMMITTED",
                                                         "completedTimestamp": stamp(datetime.now(timezone.utc))})
        asyncio.get_running_loop().create_task(answer())
        return Response(status_code=202)

    @fsp_app.put("/payer/transfers/{transfer_id}")
    async def outcome(transfer_id: str, request: Request) -> Response:
        if (await request.json()).get("transferState") == "COMMITTED":
            committed.append(transfer_id)
            loop, arrived = waiting.pop(transfer_id)
            loop.call_soon_threadsafe(arrived.set_result, None)
        return Response(status_code=200)

    @fsp_app.api_route("/{path:path}", methods=["PUT", "POST", "PATCH", "GET"])
    async def anything(path: str) -> Response:
        return Response(status_code=200)

    switch_server, switch_url = _serve(switch_app)
    state["switch"] = switch_url
    fsp_server, fsp_url = _serve(fsp_app)

    for fsp in ("payer", "payee"):
        hub.switch.add_participant(fsp, fsp, f"{fsp_url}/{fsp}", {"USD": 10**15})
        hub.switch.fund(f"fund-{fsp}", fsp, "USD", 10**15)
    condition = condition_of(FULFILMENT)
    expiration = stamp(datetime.now(timezone.utc) + timedelta(hours=1))

    async def load() -> None:
        in_flight, posting = asyncio.Semaphore(concurrency), asyncio.Semaphore(min(POOL, concurrency))
        loop = asyncio.get_running_loop()
        async with _client(concurrency) as client:
            async def one(i: int) -> None:
                async with in_flight:  # held until the payer has the committed callback
                    transfer_id = str(uuid.uuid4())
                    arrived = waiting[transfer_id] = (loop, loop.create_future())
                    async with posting:
                        status = await _send(client, "POST", f"{switch_url}/fspiop/transfers", _headers("payer", "payee"), {
                            "transferId": transfer_id, "payerFsp": "payer", "payeeFsp": "payee",
                            "amount": {"currency": "USD", "amount": str(1 + i % 900)}, "ilpPacket": PACKET,
                            "condition": condition, "expiration": expiration})
                    assert status == 202, status
                    await asyncio.wait_for(arrived[1], max(60.0, transfers / 10))
            await asyncio.gather(*(one(i) for i in range(transfers)))

    cpu0, started = time.process_time(), time.perf_counter()
    try:
        asyncio.run(load())
    except TimeoutError:
        raise RuntimeError(f"only {len(committed)} of {transfers} transfers came back committed") from None
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
    switch_server.should_exit = fsp_server.should_exit = True
    problems = hub.switch.reconcile()
    if problems:
        raise RuntimeError(f"reconciliation: {problems[:3]}")
    return wall, cpu
