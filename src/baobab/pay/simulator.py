"""A payee FSP simulator: a participant that answers party lookups, quotes and transfers as a
real payee FSP does (pay/participant.py), with Mojaloop's simulator test API to register the
parties it serves (`POST /repository/parties`). Tests and the demo run it beside the switch.

    app = simulator_app(Participant("payeefsp", db, switch_url, secret=...))
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from baobab.pay.participant import Participant


def simulator_app(fsp: Participant) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = asyncio.create_task(fsp.run(stop))
        yield
        stop.set()
        await task

    app = FastAPI(title=f"FSP simulator {fsp.fsp}", lifespan=lifespan)
    app.include_router(fsp.router())
    app.include_router(fsp.test_api())
    return app
