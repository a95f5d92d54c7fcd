"""A node's config file (JSON, or TOML if the name ends in .toml).

    role              "peer" (an organisation's node) or "orderer" (an ordering node)
    org               the organisation this peer serves (peers only)
    hosts             further organisations this node serves (a bank hosting its small customers'
                      nodes): it holds their peer keys and endorses and answers for them too
    network_dir       folder with genesis.json and keys/ (this node's own key only, in production)
    database          postgresql:// URL of this node's own database (peers only)
    listen            host:port of the HTTP API (health, readiness and metrics for orderers)
    nats              NATS server URLs of the JetStream cluster
    replicas          stream replicas (3 in production; 1 against a single development server)
    peers             {ORG: base URL} of the other organisations' nodes
    endorse_timeout_s how long to wait for another node's endorsement before ENDORSER_UNAVAILABLE
    data_dir          where the node keeps its API's memory (nonces, tokens); default
                      <network_dir>/nodes/<org>
    contracts         further contracts to install beside the default ones, as "module:Class"
                      (every node of a network must install the same)
    switch            the network's payments switch database (PostgreSQL DSN); without
                      `switch_url` this node runs the switch (FSPIOP at <listen>/fspiop, its
                      administration at /hub); mobile-money providers book through it
    switch_url        the base URL of the switch's FSPIOP API run by another node: this node's
                      FSPs and its payments agent meet it there over HTTP
    switch_operator   the organisation operating the switch (its users get the /switch pages on
                      the node that serves it)
    tls_hosts         further host names or IP addresses its TLS certificate names, besides the
                      listen host (the name clients use when they reach it through DNS)

A node serves its API over TLS only (tls.py): its certificate is issued at every start by its
organisation's peer key, and peers' URLs are https://.
"""

from __future__ import annotations

import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from baobab.core.errors import BaobabError


@dataclass(frozen=True)
class NodeConfig:
    role: str
    network_dir: Path
    listen: str
    nats: list[str]
    org: str = ""
    database: str = ""
    replicas: int = 3
    peers: dict[str, str] = field(default_factory=dict)
    endorse_timeout_s: float = 3.0
    name: str = ""
    hosts: list[str] = field(default_factory=list)
    data_dir: str = ""
    contracts: list[str] = field(default_factory=list)
    switch: str = ""  # the network's payments switch database (PostgreSQL DSN)
    switch_url: str = ""  # another node's switch (FSPIOP API); empty with `switch`: this node runs it
    switch_operator: str = ""  # the organisation operating the switch: its people get the switch pages here
    tls_hosts: list[str] = field(default_factory=list)  # further names on its TLS certificate

    @property
    def orgs(self) -> list[str]:
        """Every organisation this node serves, its own first."""
        return [self.org] + [o for o in self.hosts if o != self.org]

    @property
    def api_dir(self) -> Path:
        return Path(self.data_dir) if self.data_dir else self.network_dir / "nodes" / self.org

    @property
    def host(self) -> str:
        return self.listen.rsplit(":", 1)[0]

    @property
    def port(self) -> int:
        return int(self.listen.rsplit(":", 1)[1])

    @property
    def certificate_hosts(self) -> list[str]:
        """The host names and addresses its TLS certificate names: listen host (127.0.0.1 too
        when it listens on every address), then `tls_hosts`."""
        listen = ["127.0.0.1", "localhost"] if self.host in ("0.0.0.0", "::", "") else [self.host]
        return list(dict.fromkeys(listen + self.tls_hosts))

    @property
    def label(self) -> str:
        return self.name or (self.org if self.role == "peer" else "orderer")

    @classmethod
    def from_dict(cls, doc: dict[str, Any], base: Path = Path(".")) -> "NodeConfig":
        known = set(cls.__dataclass_fields__)
        extra = set(doc) - known
        if extra:
            raise BaobabError("MALFORMED", f"unknown config fields {sorted(extra)}")
        missing = {"role", "network_dir", "listen", "nats"} - set(doc)
        if missing:
            raise BaobabError("MALFORMED", f"config needs {sorted(missing)}")
        if doc["role"] not in ("peer", "orderer"):
            raise BaobabError("MALFORMED", "role must be peer or orderer")
        if doc["role"] == "peer" and not (doc.get("org") and doc.get("database")):
            raise BaobabError("MALFORMED", "a peer's config needs org and database")
        if ":" not in str(doc["listen"]):
            raise BaobabError("MALFORMED", "listen is host:port")
        if not isinstance(doc["nats"], list) or not doc["nats"]:
            raise BaobabError("MALFORMED", "nats is a non-empty list of server URLs")
        plain = sorted(o for o, url in (doc.get("peers") or {}).items() if not str(url).startswith("https://"))
        if plain:
            raise BaobabError("MALFORMED", f"peers are reached over TLS: give https:// URLs for {', '.join(plain)}")
        return cls(**{**doc, "network_dir": (base / doc["network_dir"]).resolve()})

    @classmethod
    def load(cls, path: str | Path) -> "NodeConfig":
        p = Path(path)
        try:
            raw = p.read_bytes()
            doc = tomllib.loads(raw.decode()) if p.suffix == ".toml" else json.loads(raw)
        except FileNotFoundError:
            raise BaobabError("NOT_FOUND", f"no config file {p}") from None
        except (ValueError, tomllib.TOMLDecodeError) as exc:
            raise BaobabError("MALFORMED", f"config {p}: {exc}") from None
        if not isinstance(doc, dict):
            raise BaobabError("MALFORMED", "a config file is an object")
        return cls.from_dict(doc, p.parent)

    def to_dict(self) -> dict[str, Any]:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}
