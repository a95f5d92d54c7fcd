"""The FastAPI application of a node: `create_app(node, data_dir)`.

The node's owner (the `baobab up` command, `baobab node`, a test) opens and closes the node and
its Gateway; the app only serves the Gateway, the same in the embedded and the network mode.
`python -m uvicorn --factory baobab.embedded:app_from_env` serves the data folder named by
BAOBAB_DATA.
"""

from __future__ import annotations

import logging
import re
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
from baobab.api import limits as availability
from baobab.api.auth import Authenticator
from baobab.api.deps import ApiState
from baobab.api.memory import ApiMemory
from baobab.api.oversight_log import OversightLog
from baobab.api.problems import Problem, problem_body, problem_response
from baobab.api.reads import Reads
from baobab.api.routes import (credentials, events, finance, ledger, oracles, oversight, state, system, tokens, trade,
                               transactions)
from baobab.core.errors import BaobabError
from baobab.gateway import MAX_TX_BYTES, Gateway, gateway_of

log = logging.getLogger("baobab.api")
MAX_BODY_BYTES = MAX_TX_BYTES  # a signed proposal never needs more
MAX_BODY_DEPTH = 64  # arrays and objects; ledger values stop at 32 levels (contract.MAX_VALUE_DEPTH)
MEMORY_FILE = "api.sqlite"


# A JSON value without floats: what contract arguments may hold (money is integer minor units).
JSON_VALUE: dict[str, Any] = {"anyOf": [
    {"type": "string"}, {"type": "integer"}, {"type": "boolean"}, {"type": "null"},
    {"type": "array", "items": {"$ref": "#/components/schemas/JsonValue"}},
    {"type": "object", "additionalProperties": {"$ref": "#/components/schemas/JsonValue"}},
]}


class BodyLimit:
    """Refuse, before anything parses or authenticates it, a body over `max_bytes` (413,
    whether announced by Content-Length or streamed) or nested deeper than `max_depth`
    arrays and objects (400): the body is read here, checked, and handed on unchanged."""

    def __init__(self, app: ASGIApp, max_bytes: int, max_depth: int = MAX_BODY_DEPTH) -> None:
        self.app, self.max_bytes, self.max_depth = app, max_bytes, max_depth

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            body, last = await self._read(scope, receive)
            check_depth(body, self.max_depth)
        except BaobabError as error:
            await problem_response(error, scope.get("path"))(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {**last, "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _read(self, scope: Scope, receive: Receive) -> tuple[bytes, Message]:
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None:
            if not length.isdigit():
                raise BaobabError("MALFORMED", "Content-Length is not a number")
            if int(length) > self.max_bytes:
                raise BaobabError("TOO_LARGE", f"body of {int(length)} bytes; the limit is {self.max_bytes}")
        chunks, seen = [], 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks), message  # the client left; the app sees it go
            chunk = message.get("body", b"")
            seen += len(chunk)
            if seen > self.max_bytes:
                raise BaobabError("TOO_LARGE", f"body over the limit of {self.max_bytes} bytes")
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks), message


class HeightHeader:
    """Tell every client the ledger height this node had answered at (`X-Baobab-Height`): a
    client that sends back the highest height it has seen (`X-Baobab-Min-Height`) never reads,
    on another node, a ledger older than what it has already seen, supervisor logs included."""

    def __init__(self, app: ASGIApp, height: Any) -> None:
        self.app, self.height = app, height

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_height(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []),
                                                  (HEIGHT_HEADER, str(self.height()).encode())]}
            await send(message)

        await self.app(scope, receive, with_height)


HEIGHT_HEADER = b"x-baobab-height"
_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"')  # a JSON string, unrolled: linear and fast
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def check_depth(body: bytes, max_depth: int) -> None:
    """MALFORMED if arrays and objects nest deeper than `max_depth` (strings are skipped;
    whether the rest is JSON is for the parser to say)."""
    if b"[" not in body and b"{" not in body:
        return
    depth = 0
    for c in _STRING.sub(b"", body).translate(None, _NOT_BRACKET):
        depth += 1 if c in (0x5B, 0x7B) else -1
        if depth > max_depth:
            raise BaobabError("MALFORMED", f"body nested deeper than {max_depth} levels", max_depth=max_depth)


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


def create_app(gateway: Gateway | Any, data_dir: str | Path, *, max_body_bytes: int = MAX_BODY_BYTES,
               keys_dir: str | Path | None = None, limits: availability.Limits | None = None) -> FastAPI:
    """The API of a node, over its Gateway (a Node is wrapped in one). `data_dir` holds the
    API's own memory (nonces, tokens); `keys_dir` the keystore with the clients' audit keys
    (default `data_dir/keys`), for the supervisor-read log; `limits` what one identity may ask
    (default `Limits()`)."""
    root = Path(data_dir)
    keys_root = Path(keys_dir) if keys_dir is not None else root / "keys"
    gateway = gateway_of(gateway, keys_dir=keys_root)
    view = gateway.view
    memory = ApiMemory(root / MEMORY_FILE)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        memory.close()

    # Swagger UI and ReDoc from files shipped with the package: many networks are offline or filtered
    # one schema per record for requests and responses alike: a client reads `Money`, not Money-Input/-Output
    app = FastAPIOffline(title="Baobab node API", version=__version__, lifespan=lifespan,
                         separate_input_output_schemas=False,
                         description="A Baobab ledger node. Authenticate every request by signing it with your "
                                     "client identity's Ed25519 key (docs/API.md). Errors are RFC 9457 problem details.")
    log_writer = OversightLog(gateway)  # signs access-log entries with the audit keys the Gateway holds
    app.state.api = ApiState(gateway, view, root, memory, Authenticator(view, memory), Reads(view, log_writer))
    _install_error_handlers(app)
    for module in (system, tokens, transactions, state, ledger, events, oversight, trade, oracles, finance, credentials):
        app.include_router(module.router)
    from baobab.trace.routes import openapi_schemas as epcis_schemas, router as epcis_router  # EPCIS, traces (baobab.trace)

    app.include_router(epcis_router)
    from baobab.customs.routes import router as customs_router  # declarations as WCO XML, risk rules (baobab.customs)

    app.include_router(customs_router)
    app.add_middleware(BodyLimit, max_bytes=max_body_bytes)
    app.add_middleware(HeightHeader, height=view.height)
    availability.install(app, limits, view.wait_for_height, view.height)  # per-identity limits, slow clients

    openapi = app.openapi

    def with_problem_schema() -> dict[str, Any]:
        doc = openapi()
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas["Problem"] = Problem.model_json_schema()
        schemas["JsonValue"] = JSON_VALUE
        schemas.update(epcis_schemas())  # the GS1 EPCIS schema a capture's body is checked against
        return doc

    app.openapi = with_problem_schema  # type: ignore[method-assign]
    return app


__all__ = ["create_app", "problem_body"]
