"""The FastAPI application of a node: `create_app(node, data_dir)`.

The node's owner (the `baobab up` command, a test, a script) opens and closes the node; the
app only serves it. `python -m uvicorn --factory baobab.api.app:app_from_env` serves the
data folder named by BAOBAB_DATA.
"""

from __future__ import annotations

import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from baobab import __version__
from baobab.api.auth import Authenticator
from baobab.api.deps import ApiState
from baobab.api.memory import ApiMemory
from baobab.api.oversight_log import OversightLog
from baobab.api.problems import Problem, problem_body, problem_response
from baobab.api.reads import Reads
from baobab.api.routes import events, finance, ledger, oracles, oversight, state, system, trade, transactions
from baobab.core.errors import BaobabError
from baobab.ledger.node import Node
from baobab.ledger.tx import MAX_TX_BYTES

log = logging.getLogger("baobab.api")
MAX_BODY_BYTES = MAX_TX_BYTES  # a signed proposal never needs more
MEMORY_FILE = "api.sqlite"


# A JSON value without floats: what contract arguments may hold (money is integer minor units).
JSON_VALUE: dict[str, Any] = {"anyOf": [
    {"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"type": "null"},
    {"type": "array", "items": {"$ref": "#/components/schemas/JsonValue"}},
    {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/JsonValue"}},
]}


class BodyLimit:
    """Refuse bodies over `max_bytes` with 413, whether announced by Content-Length or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        error = None
        if length is not None:
            if not length.isdigit():
                error = BaobabError("MALFORMED", "Content-Length is not a number")
            elif int(length) > self.max_bytes:
                error = BaobabError("TOO_LARGE", f"body of {int(length)} bytes; the limit is {self.max_bytes}")
        if error is not None:
            await problem_response(error, scope.get("path"))(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BaobabError("TOO_LARGE", f"body over the limit of {self.max_bytes} bytes")
            return message

        await self.app(scope, limited, send)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(BaobabError)
    async def baobab_error(request: Request, exc: BaobabError) -> Any:
        return problem_response(exc, request.url.path)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Any:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()]
        return problem_response(BaobabError("MALFORMED", "; ".join(problems), problems=problems), request.url.path)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Any:
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "TOO_LARGE"}.get(exc.status_code, "MALFORMED")
        detail = f"no route {request.method} {request.url.path}" if exc.status_code in (404, 405) else str(exc.detail)
        return problem_response(BaobabError(code, detail), request.url.path)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> Any:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(BaobabError("INTERNAL", "internal error; see the node's log"), request.url.path)


def create_app(node: Node, data_dir: str | Path, *, max_body_bytes: int = MAX_BODY_BYTES) -> FastAPI:
    root = Path(data_dir)
    memory = ApiMemory(root / MEMORY_FILE)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        memory.close()

    # Swagger UI and ReDoc from files shipped with the package: many networks are offline or filtered
    app = FastAPIOffline(title="Baobab node API", version=__version__, lifespan=lifespan,
                         description="A Baobab ledger node. Authenticate every request by signing it with your "
                                     "client identity's Ed25519 key (docs/API.md). Errors are RFC 9457 problem details.")
    app.state.api = ApiState(node, root, memory, Authenticator(node, memory), Reads(node, OversightLog(node, root)))
    _install_error_handlers(app)
    for module in (system, transactions, state, ledger, events, oversight, trade, oracles, finance):
        app.include_router(module.router)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)

    openapi = app.openapi

    def with_problem_schema() -> dict[str, Any]:
        doc = openapi()
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = Problem.model_json_schema()
        schemas["JsonValue"] = JSON_VALUE
        return doc

    app.openapi = with_problem_schema  # type: ignore[method-assign]
    return app


def app_from_env() -> FastAPI:
    """uvicorn factory: serve the data folder in BAOBAB_DATA (the node closes at shutdown)."""
    from baobab.embedded import open_node

    data_dir = Path(os.environ.get("BAOBAB_DATA", "data"))
    node = open_node(data_dir)
    app = create_app(node, data_dir)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: FastAPI) -> AsyncIterator[None]:
        async with inner(a):
            yield
        node.close()

    app.router.lifespan_context = lifespan
    return app


__all__ = ["create_app", "app_from_env", "problem_body"]
