"""The HTTP face of a network node, and the process entry points behind `baobab node`.

Clients (this organisation's applications) use /v1/...: their proposals are signed, so the
node checks them itself. Other nodes use /peer/...: each request is signed with the calling
node's peer key (auth.py). Operators use /health (the process answers), /ready (the ledger is
reachable, following the stream and not stopped on a bad block) and /metrics (Prometheus).
Errors are RFC 9457 problem details carrying Baobab's stable code.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.core.errors import BaobabError
from baobab.keystore import Keystore
from baobab.ledger.audit import audit
from baobab.ledger.orderer.jetstream import OrderingService, StreamSettings
from baobab.net.auth import verify_request
from baobab.net.config import NodeConfig
from baobab.net.digest import ledger_digest
from baobab.net.node import NetworkNode, load_genesis

log = logging.getLogger(__name__)
READY_LAG_BLOCKS = 100


def problem(exc: BaobabError) -> JSONResponse:
    return JSONResponse({"type": f"urn:baobab:error:{exc.code}", "title": exc.title, "status": exc.status,
                         "detail": exc.message, **exc.to_dict()}, status_code=exc.status,
                         media_type="application/problem+json")


def create_app(node: NetworkNode) -> FastAPI:
    app = FastAPI(title=f"Baobab node {node.org}", docs_url=None, redoc_url=None)

    @app.exception_handler(BaobabError)
    async def _baobab_error(request: Request, exc: BaobabError) -> JSONResponse:
        return problem(exc)

    async def body_of(request: Request) -> tuple[bytes, Any]:
        raw = await request.body()
        try:
            return raw, json.loads(raw)
        except ValueError:
            raise BaobabError("MALFORMED", "the body is not JSON") from None

    async def peer_call(request: Request) -> tuple[str, Any]:
        raw, body = await body_of(request)
        org = await run_in_threadpool(verify_request, request.headers, request.method, request.url.path, raw,
                                      node._members())
        return org, body

    @app.post("/v1/transactions")
    async def submit(request: Request) -> Any:
        _, body = await body_of(request)
        if not isinstance(body, dict) or "signed" not in body:
            raise BaobabError("MALFORMED", "submit {signed, private?, wait?}")
        wait = body.get("wait", True) is not False
        min_height = body.get("min_height", 0)
        if not isinstance(min_height, int) or isinstance(min_height, bool):
            raise BaobabError("MALFORMED", "min_height is an integer")
        outcome = await run_in_threadpool(node.submit, body["signed"], private=body.get("private"), wait=wait,
                                          min_height=min_height)
        return outcome.to_dict() if not isinstance(outcome, str) else {"tx_id": outcome}

    @app.post("/v1/queries")
    async def query(request: Request) -> Any:
        _, body = await body_of(request)
        min_height = request.query_params.get("min_height", "0")
        if not min_height.isdigit():
            raise BaobabError("MALFORMED", "min_height is an integer")
        await run_in_threadpool(node.wait_for_height, int(min_height), 2.0)
        return {"response": await run_in_threadpool(node.query, body)}

    @app.get("/v1/transactions/{tx_id}")
    async def outcome(tx_id: str) -> Any:
        found = await run_in_threadpool(node.outcome, tx_id)
        if found is None:
            raise BaobabError("NOT_FOUND", f"no transaction {tx_id}")
        return found.to_dict()

    @app.get("/v1/private/{digest}")
    async def private(digest: str) -> Any:
        item = await run_in_threadpool(node.private.get, digest)
        if item is None:
            raise BaobabError("NOT_FOUND", f"{node.org} holds no private data {digest}")
        return item

    @app.get("/v1/ledger/digest")
    async def digest(min_height: int = 0, wait: float = 0.0) -> Any:
        """Block hashes and state root; with `min_height`, first wait (up to `wait` seconds,
        at most 120) until this node has committed that many blocks."""
        if min_height > 0 and wait > 0:
            await run_in_threadpool(node.wait_for_height, min_height, min(wait, 120.0))
        return {"org": node.org, **await run_in_threadpool(ledger_digest, node.config.database)}

    @app.get("/v1/ledger/audit")
    async def run_audit() -> Any:
        report = await run_in_threadpool(audit, node.store, node.registry)
        return {"org": node.org, "ok": report.ok, "blocks": report.blocks, "transactions": report.transactions,
                "problem": report.problem, "where": report.where}

    @app.post("/peer/endorse")
    async def endorse(request: Request) -> Any:
        _, body = await peer_call(request)
        if not isinstance(body, dict) or not isinstance(body.get("height"), int):
            raise BaobabError("MALFORMED", "endorse {signed, height}")
        return await run_in_threadpool(node.endorse_for_peer, body.get("signed"), body["height"])

    @app.post("/peer/private")
    async def receive_private(request: Request) -> Any:
        org, body = await peer_call(request)
        return await run_in_threadpool(node.receive_private, org, body)

    @app.get("/health")
    async def health() -> Any:
        return {"status": "up", "org": node.org}

    @app.get("/ready")
    async def ready() -> Response:
        follower = node.follower
        problems = []
        if follower.failure:
            problems.append(f"stopped following: {follower.failure}")
        if follower.lag > READY_LAG_BLOCKS:
            problems.append(f"{follower.lag} blocks behind the stream")
        try:
            height = await run_in_threadpool(node.height)
        except Exception as exc:  # the database is down
            problems.append(f"ledger unreachable: {type(exc).__name__}")
            height = None
        body = {"ready": not problems, "org": node.org, "height": height, "lag": follower.lag, "problems": problems}
        return JSONResponse(body, status_code=200 if not problems else 503)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(node.metrics.render(), media_type="text/plain; version=0.0.4")

    return app


def run_peer(config: NodeConfig) -> None:
    import uvicorn

    node = NetworkNode(config)
    try:
        uvicorn.run(create_app(node), host=config.host, port=config.port, log_level="warning", access_log=False)
    finally:
        node.close()


def run_orderer(config: NodeConfig) -> None:
    """An ordering node: cut and publish blocks; /health and /metrics on `listen`."""
    from prometheus_client import CollectorRegistry, Gauge, start_http_server

    genesis = load_genesis(config.network_dir)
    key = Keystore(config.network_dir / "keys").orderer()
    service = OrderingService(config.nats, StreamSettings(genesis["network"], replicas=config.replicas), key,
                              genesis, name=config.label)
    registry = CollectorRegistry()
    published = Gauge("baobab_orderer_blocks_published", "Blocks this ordering node published", registry=registry)
    published.set_function(lambda: service.blocks_published)
    start_http_server(config.port, addr=config.host, registry=registry)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await service.run(stop)

    asyncio.run(main())


def run(config: NodeConfig) -> None:
    (run_peer if config.role == "peer" else run_orderer)(config)
