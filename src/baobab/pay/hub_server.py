"""The switch on its own: one web app for an operator who runs it on its own machine (`baobab hub`).

    app = hub_app(hub, Credentials(db))

    /fspiop/...   FSPIOP v1.1 for the participants (pay/fspiop.py)
    /hub/...      the operator's administration API, in central-ledger's shapes (pay/admin.py)
    /health       200 while the switch's database answers, else 503
    /metrics      Prometheus: participants, transfers by state, callbacks owed, open window

Without a node there are no member credentials: the operator issues each participant (and
itself, as `hub_operator`) a bearer token, kept in the switch's database by its SHA-256 only
(`hub_tokens`); a request carries `Authorization: Bearer <token>`. Callbacks leave and expired
transfers abort while the app runs (`Hub.run`, in its lifespan).
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from baobab.pay.admin import admin_router
from baobab.pay.errors import FspiopError
from baobab.pay.fspiop import fspiop_router
from baobab.pay.hub import Hub
from baobab.pay.store import Database

OPERATOR = "hub_operator"
SCHEMA = "CREATE TABLE IF NOT EXISTS hub_tokens (digest TEXT PRIMARY KEY, principal TEXT NOT NULL);"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class Credentials:
    """Bearer tokens of the participants and the operator, by their hash."""

    def __init__(self, db: Database) -> None:
        self.db = db
        db.script(SCHEMA)

    def issue(self, principal: str) -> str:
        """A new token for `principal` (a participant id, or `hub_operator`), shown once."""
        token = secrets.token_urlsafe(32)
        with self.db.atomic():
            self.db.run("INSERT INTO hub_tokens (digest, principal) VALUES (?, ?)", (_digest(token), principal))
        return token

    def principal(self, request: Request) -> str:
        token = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        row = self.db.one("SELECT principal FROM hub_tokens WHERE digest = ?", (_digest(token),)) if token else None
        if row is None:
            raise FspiopError("3000", "not authenticated: a bearer token issued by the hub's operator is required")
        return str(row[0])


class _SwitchCollector:
    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Any]:
        participants = GaugeMetricFamily("baobab_switch_participants", "Participants joined to the switch")
        participants.add_metric([], self.db.one("SELECT COUNT(*) FROM switch_participants")[0])  # type: ignore[index]
        transfers = GaugeMetricFamily("baobab_switch_transfers", "Transfers, by state", labels=["state"])
        for state, count in self.db.all("SELECT state, COUNT(*) FROM switch_transfers GROUP BY state ORDER BY state"):
            transfers.add_metric([state], count)
        owed = GaugeMetricFamily("baobab_switch_callbacks_pending", "Callbacks owed to participants, not yet delivered")
        owed.add_metric([], self.db.one("SELECT COUNT(*) FROM switch_callbacks WHERE delivered_at IS NULL")[0])  # type: ignore[index]
        window = GaugeMetricFamily("baobab_switch_open_window", "The open settlement window's id")
        window.add_metric([], self.db.one("SELECT COALESCE(MAX(id), 0) FROM switch_windows WHERE state = 'OPEN'")[0])  # type: ignore[index]
        yield from (participants, transfers, owed, window)


def hub_app(hub: Hub, credentials: Credentials) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        running = asyncio.create_task(hub.run(stop))
        yield
        stop.set()
        await running

    async def participant(request: Request) -> str:
        return await run_in_threadpool(credentials.principal, request)

    async def operator(request: Request) -> str:
        who = await participant(request)
        if who != OPERATOR:
            raise FspiopError("3000", f"{who} is not the switch's operator")
        return who

    registry = CollectorRegistry()
    registry.register(_SwitchCollector(hub.db))
    app = FastAPI(title="Baobab payments switch (FSPIOP v1.1)", lifespan=lifespan)
    app.include_router(fspiop_router(hub, participant), prefix="/fspiop")
    app.include_router(admin_router(hub, operator), prefix="/hub")

    @app.get("/health")
    async def health() -> JSONResponse:
        try:
            row = await run_in_threadpool(hub.db.one, "SELECT COUNT(*) FROM switch_participants")
        except Exception as exc:  # the database is down: say so, do not crash the probe
            return JSONResponse({"status": "unavailable", "problem": type(exc).__name__}, status_code=503)
        return JSONResponse({"status": "ok", "participants": row[0] if row else 0})

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(await run_in_threadpool(generate_latest, registry), media_type="text/plain; version=0.0.4")

    return app
