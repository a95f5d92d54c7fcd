"""The switch end to end over FSPIOP HTTP with callbacks (`python -m bench switch --http`).

One process: the switch (Hub, FSPIOP router, callback outbox) on its own uvicorn server; a payer
FSP and a payee FSP on another, the payee answering each forwarded `POST /transfers` with its
`PUT /transfers/{ID}` (the fulfilment), the payer counting the `PUT /transfers/{ID}` the switch
passes on; and a load generator keeping `--concurrency` transfers in flight. A transfer counts
once its payer has the committed callback: four HTTP requests and two durable switch commits
(shared by concurrent requests, pay/group_commit.py), every body validated against the OpenAPI
document. The FSPs are known by FSPIOP-Source on the loopback (no JWS: signing is the FSPs' cost).
"""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response

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


def _serve(app: Any) -> tuple[uvicorn.Server, str]:
    port = _port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error", access_log=False,
                                          timeout_keep_alive=120))  # no idle close racing a reused connection
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return server, f"http://127.0.0.1:{port}"


def _headers(source: str, destination: str) -> dict[str, str]:
    return {"Content-Type": CT, "Accept": CT, "Date": format_datetime(datetime.now(timezone.utc), usegmt=True),
            "FSPIOP-Source": source, "FSPIOP-Destination": destination}


def run_http(db: Database, transfers: int, concurrency: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds) for `transfers` transfers, each until its payer's callback."""
    hub = Hub(db)
    done = threading.Event()
    committed: list[str] = []
    state: dict[str, Any] = {}

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
            state["payee"] = httpx.AsyncClient(base_url=state["switch"], limits=httpx.Limits(max_connections=concurrency), timeout=60.0)

        async def answer() -> None:
            await state["payee"].put(f"/fspiop/transfers/{body['transferId']}", headers={**_headers("payee", "payer")},
                                     json={"fulfilment": FULFILMENT, "transferState": "COMMITTED",
                                           "completedTimestamp": stamp(datetime.now(timezone.utc))})
        asyncio.get_running_loop().create_task(answer())
        return Response(status_code=202)

    @fsp_app.put("/payer/transfers/{transfer_id}")
    async def outcome(transfer_id: str, request: Request) -> Response:
        if (await request.json()).get("transferState") == "COMMITTED":
            committed.append(transfer_id)
            if len(committed) >= transfers:
                done.set()
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
        gate = asyncio.Semaphore(concurrency)
        async with httpx.AsyncClient(base_url=switch_url, limits=httpx.Limits(max_connections=concurrency), timeout=60.0) as client:
            async def one(i: int) -> None:
                async with gate:
                    r = await client.post("/fspiop/transfers", headers=_headers("payer", "payee"), json={
                        "transferId": str(uuid.uuid4()), "payerFsp": "payer", "payeeFsp": "payee",
                        "amount": {"currency": "USD", "amount": str(1 + i % 900)}, "ilpPacket": PACKET,
                        "condition": condition, "expiration": expiration})
                    assert r.status_code == 202, r.text
            await asyncio.gather(*(one(i) for i in range(transfers)))

    cpu0, started = time.process_time(), time.perf_counter()
    asyncio.run(load())
    if not done.wait(max(60.0, transfers / 10)):
        raise RuntimeError(f"only {len(committed)} of {transfers} transfers came back committed")
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu0
    switch_server.should_exit = fsp_server.should_exit = True
    problems = hub.switch.reconcile()
    if problems:
        raise RuntimeError(f"reconciliation: {problems[:3]}")
    return wall, cpu
