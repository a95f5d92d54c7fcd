"""Real HTTP for the FSPIOP tests: the switch served by uvicorn, and FSP callback servers that
record every callback they receive (and answer the switch as a payee FSP would, when told to)."""

from __future__ import annotations

import asyncio
import queue
import socket
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import Response

WAIT_S = 15.0  # a hang guard only: every wait returns as soon as the callback arrives


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Served:
    """An ASGI app on 127.0.0.1:<port> in a background thread."""

    def __init__(self, app: Any, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        while not self.server.started:  # uvicorn sets this once it listens
            if not self.thread.is_alive():
                raise RuntimeError("server did not start")
            self.thread.join(0.01)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class Fsp:
    """A participant's FSPIOP endpoint: records callbacks; `on_transfer` may answer a POST /transfers."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.received: queue.Queue[tuple[str, str, dict[str, str], Any]] = queue.Queue()
        self.on_transfer: Callable[[dict[str, Any]], None] | None = None
        app = FastAPI()

        @app.api_route("/{path:path}", methods=["GET", "POST", "PUT", "PATCH"])
        async def anything(path: str, request: Request) -> Response:
            raw = await request.body()
            import json

            body = json.loads(raw) if raw else None
            self.received.put((request.method, "/" + path, dict(request.headers), body))
            if request.method == "POST" and path == "transfers" and self.on_transfer is not None:
                threading.Thread(target=self.on_transfer, args=(body,), daemon=True).start()
            return Response(status_code=202 if request.method in ("POST", "GET") else 200)

        self.served = Served(app)
        self.url = self.served.url

    def next(self, method: str | None = None, path: str | None = None) -> tuple[str, str, dict[str, str], Any]:
        """The next callback (skipping none): fails the test if it is not the one expected."""
        got = self.received.get(timeout=WAIT_S)
        if method is not None:
            assert (got[0], got[1]) == (method, path), got
        return got


def switch_app(hub: Any, router: Any) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(hub.run(stop))
        yield
        stop.set()
        await task

    app = FastAPI(lifespan=lifespan)
    app.include_router(router)
    return app
