"""Fixtures for network mode: PostgreSQL databases, and the ledger suite's fixtures on PostgreSQL.

`pg_url` gives a fresh database per test (dropped afterwards). `store_location` is parametrized
over both stores, for tests of the Store contract. `net`, `demo_net` and `deals_net` override the
shared embedded fixtures with the same networks on a PostgresStore, so that the ledger tests
imported by test_ledger_suite_on_postgres.py run unchanged against PostgreSQL.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from baobab import embedded
from baobab.contracts import default_registry
from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS
from baobab.keystore import Keystore
from baobab.ledger.node import Node
from baobab.ledger.orderer.embedded import EmbeddedOrderer
from baobab.ledger.runtime import Registry
from tests.conftest import FAST_BLOCKS, SMALL_ORGS, Net


def _postgres_or_skip() -> None:
    try:
        import psycopg

        from baobab.net.local import PG_ADMIN

        psycopg.connect(PG_ADMIN, connect_timeout=2).close()
    except Exception as exc:  # not installed, or no server: these tests need the service
        pytest.skip(f"PostgreSQL unreachable ({type(exc).__name__}: {exc}); start it or set BAOBAB_PG_ADMIN")


def local_network_or_skip() -> None:
    """Skip unless what a local network runs on is here: a PostgreSQL server and a nats-server."""
    from baobab.net.local import NATS_SERVER

    _postgres_or_skip()
    if not Path(NATS_SERVER).exists() and not shutil.which(NATS_SERVER):
        pytest.skip(f"nats-server not found at {NATS_SERVER}; set BAOBAB_NATS_SERVER")


@pytest.fixture
def pg_url() -> Iterator[str]:
    _postgres_or_skip()
    from baobab.net.local import create_database, drop_database

    name = f"baobab_test_{uuid.uuid4().hex[:12]}"
    url = create_database(name)
    yield url
    drop_database(name)


@pytest.fixture(params=["sqlite", "postgres"])
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Where a store lives, for `open_store`: a SQLite path, or a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.sqlite")
    return request.getfixturevalue("pg_url")


def open_on_postgres(path: Path, url: str, registry: Registry | None = None) -> Node:
    """`embedded.open_node`, with the ledger in PostgreSQL instead of SQLite."""
    from baobab.ledger.store.postgres import PostgresStore

    genesis = embedded.load_genesis(path)
    keys = Keystore(path / "keys")
    peer_keys = {o["id"]: keys.peer(o["id"]) for o in genesis["organisations"]}
    b = genesis["block"]
    orderer = EmbeddedOrderer(genesis["network"], keys.orderer(), b["max_txs"], b["max_bytes"], b["timeout_ms"])
    return Node(PostgresStore(url), genesis, registry or default_registry(), peer_keys, orderer, keys.orderer())


class PgNet(Net):
    def __init__(self, path: Path, url: str, registry: Registry | None = None) -> None:
        self.url, self.registry = url, registry
        super().__init__(path, open_on_postgres(path, url, registry))

    def reopen(self) -> None:
        self.node.close()
        self.node = open_on_postgres(self.path, self.url, self.registry)


def _pg_net(tmp_path: Path, url: str, orgs: list, admins: list, network: str, registry: Registry | None = None) -> PgNet:
    path = tmp_path / "net"
    embedded.create(path, network, orgs, admins, block=FAST_BLOCKS)
    return PgNet(path, url, registry)


@pytest.fixture
def net(tmp_path: Path, pg_url: str) -> Iterator[Net]:
    n = _pg_net(tmp_path, pg_url, SMALL_ORGS, ["KEBANK", "MYBANK", "ARBANK"], "test-net")
    yield n
    n.node.close()


@pytest.fixture
def demo_net(tmp_path: Path, pg_url: str) -> Iterator[Net]:
    n = _pg_net(tmp_path, pg_url, DEMO_ORGS, DEMO_ADMINS, DEMO_NETWORK)
    yield n
    n.node.close()


@pytest.fixture
def deals_net(tmp_path: Path, pg_url: str) -> Iterator[Net]:
    from tests.ledger.conftest import registry_with_samples

    n = _pg_net(tmp_path, pg_url, SMALL_ORGS, ["KEBANK", "MYBANK", "ARBANK"], "test-net", registry_with_samples())
    yield n
    n.node.close()
