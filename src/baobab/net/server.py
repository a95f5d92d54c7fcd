"""The HTTP face of a network node, and the process entry points behind `baobab node`.

One application, three audiences:
- the organisation's clients use the same API as the embedded mode (`baobab.api`: routes,
  problem documents, access rules, supervisor log, events), over this node's Gateway, which
  serves only this organisation's clients;
- other nodes use /peer/endorse, /peer/endorse-batch and /peer/private, and operators
  /ops/digest and /ops/audit: every such request is signed with a member node's peer key (auth.py), fresh and never
  replayed; nothing there answers an unsigned request;
- everything is served over TLS 1.3 only (`serve_tls`, net/tls.py);
- probes use /health (the API's: network and height), /ready (the ledger is reachable,
  following the stream and not stopped on a bad block) and /metrics (Prometheus).
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import anyio.to_thread
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.api.app import create_app as create_api
from baobab.core.errors import BaobabError
from baobab.gateway import Gateway
from baobab.keystore import Keystore
from baobab.ledger.audit import audit
from baobab.ledger.orderer.jetstream import OrderingService, StreamSettings
from baobab.api.memory import ApiMemory
from baobab.net.auth import PeerNonces, verify_request
from baobab.net.config import NodeConfig
from baobab.net.digest import ledger_digest
from baobab.net.endorse import BATCH_PATH, CATCH_UP_S, MAX_BATCH
from baobab.net.node import NetworkNode, load_genesis

log = logging.getLogger(__name__)
READY_LAG_BLOCKS = 100
WORKER_THREADS = 256  # requests a node works on at once (submits waiting for their block included)


def node_routes(node: NetworkNode, memory: ApiMemory) -> APIRouter:
    """The node-to-node and operations routes; `memory` keeps the peers' nonces across restarts."""
    router = APIRouter(include_in_schema=False)
    nonces = PeerNonces(memory)

    async def signed_by_node(request: Request) -> tuple[str, Any]:
        """(calling organisation, JSON body) of a request signed by a member node's peer key."""
        raw = await request.body()
        org = await run_in_threadpool(verify_request, request.headers, request.method, request.url.path, raw,
                                      node.network, node.members(), nonces)
        if not raw:
            return org, None
        try:
            return org, json.loads(raw)
        except ValueError:
            raise BaobabError("MALFORMED", "the body is not JSON") from None

    @router.post("/peer/endorse")
    async def endorse(request: Request) -> Any:
        _, body = await signed_by_node(request)
        if not isinstance(body, dict) or not isinstance(body.get("height"), int):
            raise BaobabError("MALFORMED", "endorse {signed, height}")
        org = body.get("org")
        if org is not None and not isinstance(org, str):
            raise BaobabError("MALFORMED", "endorse {signed, height, org?}")
        return await run_in_threadpool(node.endorse_for_peer, body.get("signed"), body["height"], org)

    @router.post(BATCH_PATH)
    async def endorse_batch(request: Request) -> Any:
        """Many proposals in one signed request (net/endorse.py: PeerBatcher); one answer each."""
        _, body = await signed_by_node(request)
        items = body.get("items") if isinstance(body, dict) else None
        wait = body.get("wait_s", CATCH_UP_S) if isinstance(body, dict) else None
        if not isinstance(items, list) or not 0 < len(items) <= MAX_BATCH or not isinstance(body.get("height"), int) \
                or not isinstance(wait, (int, float)) or isinstance(wait, bool):
            raise BaobabError("MALFORMED", f"endorse-batch {{height, items: [{{signed, org}}] (1 to {MAX_BATCH}), wait_s?}}")
        return {"answers": await run_in_threadpool(node.endorse_batch, items, body["height"], float(wait))}

    @router.post("/peer/private")
    async def receive_private(request: Request) -> Any:
        org, body = await signed_by_node(request)
        return await run_in_threadpool(node.receive_private, org, body)

    @router.post("/ops/digest")
    async def digest(request: Request) -> Any:
        """Block hashes and state root; with `min_height`, first wait (up to `wait` seconds,
        at most 120) until this node has committed that many blocks."""
        _, body = await signed_by_node(request)
        body = body if isinstance(body, dict) else {}
        min_height, wait = body.get("min_height", 0), body.get("wait", 0)
        if not isinstance(min_height, int) or not isinstance(wait, (int, float)) or isinstance(wait, bool):
            raise BaobabError("MALFORMED", "digest {min_height?: integer, wait?: seconds}")
        if min_height > 0 and wait > 0:
            await run_in_threadpool(node.wait_for_height, min_height, min(float(wait), 120.0))
        return {"org": node.org, **await run_in_threadpool(ledger_digest, node.config.database)}

    @router.post("/ops/audit")
    async def run_audit(request: Request) -> Any:
        await signed_by_node(request)
        report = await run_in_threadpool(audit, node.store, node.registry)
        return {"org": node.org, "ok": report.ok, "blocks": report.blocks, "transactions": report.transactions,
                "problem": report.problem, "where": report.where}

    @router.get("/ready")
    async def ready() -> Response:
        follower = node.follower
        problems = []
        if follower.failure:
            problems.append(f"stopped following: {follower.failure}")
        if follower.lag > READY_LAG_BLOCKS:
            problems.append(f"{follower.lag} blocks behind the stream")
        try:
            height = await run_in_threadpool(node.store.height)  # a query: is the database there?
        except Exception as exc:  # the database is down
            problems.append(f"ledger unreachable: {type(exc).__name__}")
            height = None
        body = {"ready": not problems, "org": node.org, "height": height, "lag": follower.lag, "problems": problems}
        return JSONResponse(body, status_code=200 if not problems else 503)

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(node.metrics.render(), media_type="text/plain; version=0.0.4")

    return router


def create_app(node: NetworkNode) -> FastAPI:
    keys = node.config.network_dir / "keys"
    gateway = Gateway(node, orgs=set(node.orgs), keys_dir=keys)
    data_dir = node.config.api_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    app = create_api(gateway, data_dir, keys_dir=keys)
    app.title = f"Baobab node {node.org}"
    app.include_router(node_routes(node, app.state.api.memory))
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[None]:
        # A submit holds its worker thread until its block commits (a round trip to the
        # ordering service and a block later): anyio's default of 40 threads would cap a node
        # at 40 transactions in flight, whatever its clients and cores.
        anyio.to_thread.current_default_thread_limiter().total_tokens = WORKER_THREADS
        async with inner(a):
            yield

    app.router.lifespan_context = lifespan
    return app


def run_peer(config: NodeConfig) -> None:
    import uvicorn

    from baobab.api.limits import uvicorn_options
    from baobab.reactors import Reactor, ReactorThread

    node = NetworkNode(config)
    trust_network_anchors(node)
    reactor, hub, threads, fsps, mobile_money = None, None, [], None, None
    try:
        app = create_app(node)
        # the reactions that are this node's organisations' to perform, signed by their own clients,
        # and their payment instructions carried out through the network's switch over FSPIOP
        gateway = Gateway(node, orgs=set(node.orgs), keys_dir=config.network_dir / "keys")
        reactions = Reactor(gateway, node.registry, node.orgs, config.api_dir)
        from baobab.pay.hub import HubThread
        from baobab.services import add_fspiop_payments, agent_secret, hosted_fsps, mount_switch, node_url

        if config.switch:
            from baobab.pay.fsp_host import member_keys
            from baobab.pay.hub import Hub
            from baobab.pay.store import PostgresDatabase
            from baobab.services import follow_ledger, network_mobile_money

            hub = Hub(PostgresDatabase(config.switch))
            # its providers' wallets, if any, booked as the ledger's payments to and from them settle
            mobile_money = follow_ledger(network_mobile_money(config.api_dir, hub, node.orgs), reactions, hub, node.network)
            if not config.switch_url:  # no other node's switch named: this node runs it
                mount_switch(app, hub, config.switch_operator or config.org, member_keys(node.members))
                threads.append(HubThread(hub).start())
        switch_url = config.switch_url or (node_url(config.host, config.port, tls=True) + "/fspiop" if config.switch else "")
        if switch_url:
            from baobab.pay.demo import HOME_FSP

            fsps = hosted_fsps(node, config.api_dir, switch_url, agent_secret(config.api_dir), HOME_FSP)
            fsps.mount(app)
            add_fspiop_payments(reactions, fsps, node, config.api_dir)
            threads.append(HubThread(fsps).start())
            if mobile_money is not None and mobile_money.join_fspiop(fsps):  # providers on other nodes, over FSPIOP
                threads.append(HubThread(mobile_money).start())
        reactor = ReactorThread(reactions, node).start()
        from baobab.services import mount_mobile_money, mount_pages  # the same as `baobab up`, for this node's people

        mount_mobile_money(app, mobile_money)
        mount_pages(app, gateway, config.api_dir, reader=node.org, switch=hub.switch if hub else None,
                    operator=config.switch_operator or None, mobile_money=mobile_money)
        serve_tls(app, node, uvicorn_options())  # slow-client timeouts, as `baobab up`
    finally:
        if reactor is not None:
            reactor.stop()
        for thread in threads:
            thread.stop()
        if fsps is not None:
            fsps.close()
        if mobile_money is not None:
            mobile_money.close()
        if hub is not None:
            hub.db.close()
        node.close()


def trust_network_anchors(node: NetworkNode) -> None:
    """Let this process's other HTTPS clients (the payments switch's FSPIOP calls between nodes)
    trust the network's anchors, checked against genesis, instead of public authorities: httpx
    reads SSL_CERT_FILE. They check the node's host name; FSPIOP messages are signed (JWS) besides."""
    import os

    from baobab.net.tls import Anchors

    bundle = node.config.api_dir / "tls" / "anchors.pem"
    bundle.write_text(Anchors.load(node.config.network_dir, node.genesis).bundle())
    os.environ["SSL_CERT_FILE"] = str(bundle)


def serve_tls(app: FastAPI, node: NetworkNode, options: dict[str, Any]) -> None:
    """Serve `app` on the node's listen address over TLS 1.3 only, with the certificate of the
    organisation the client names (SNI), its own by default (net/tls.py)."""
    import uvicorn

    from baobab.net.tls import org_host, server_context

    TLSServer = _tls_server_class()

    config = node.config
    cert, key = node.tls[config.org]
    settings = uvicorn.Config(app, host=config.host, port=config.port, log_level="warning", access_log=False,
                              ssl_certfile=str(cert), ssl_keyfile=str(key),
                              **{"timeout_graceful_shutdown": SHUTDOWN_GRACE_S, **options})
    settings.load()
    settings.ssl = server_context(node.tls, config.org, {o: org_host(node.network, o) for o in node.tls})
    TLSServer(settings).run()


def _tls_server_class() -> Any:
    import uvicorn

    class TLSServer(uvicorn.Server):
        """uvicorn, whose shutdown does not wait on idle clients: closing a TLS connection waits
        for the client's close_notify (up to asyncio's 30 s), which a client with the connection
        idle in its pool never sends. A connection still closing after CLOSE_GRACE_S is dropped."""

        async def shutdown(self, sockets: Any = None) -> None:
            async def drop_stragglers() -> None:
                seen: set[int] = set()
                while True:
                    await asyncio.sleep(CLOSE_GRACE_S)
                    for connection in list(self.server_state.connections):
                        transport = getattr(connection, "transport", None)
                        if transport is not None and transport.is_closing():
                            if id(transport) in seen:
                                transport.abort()
                            seen.add(id(transport))

            dropper = asyncio.create_task(drop_stragglers())
            try:
                await super().shutdown(sockets)
            finally:
                dropper.cancel()

    return TLSServer


CLOSE_GRACE_S = 1.0
SHUTDOWN_GRACE_S = 5.0  # requests still running this long after SIGTERM are cancelled (the node must stop)


def run_orderer(config: NodeConfig) -> None:
    """An ordering node: cut and publish blocks; /health and /metrics on `listen`."""
    from prometheus_client import CollectorRegistry, Gauge, start_http_server

    from baobab.net.tls import nats_client_tls, orderer_credentials

    genesis = load_genesis(config.network_dir)
    key = Keystore(config.network_dir / "keys").orderer()
    cert = orderer_credentials(config.network_dir / "nodes" / config.label / "tls", config.network_dir, genesis,
                               config.label, config.certificate_hosts)
    service = OrderingService(config.nats, StreamSettings(genesis["network"], replicas=config.replicas), key,
                              genesis, name=config.label, tls=nats_client_tls(config.network_dir, genesis, cert))
    registry = CollectorRegistry()
    published = Gauge("baobab_orderer_blocks_published", "Blocks this ordering node published", registry=registry)
    published.set_function(lambda: service.blocks_published)
    start_http_server(config.port, addr=config.host, registry=registry, certfile=str(cert[0]), keyfile=str(cert[1]),
                      tls_min_version=ssl.TLSVersion.TLSv1_3)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await service.run(stop)

    asyncio.run(main())


def run(config: NodeConfig) -> None:
    (run_peer if config.role == "peer" else run_orderer)(config)
