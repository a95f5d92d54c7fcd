"""Private data in a network-mode node's database is sealed with the node's data key."""

from __future__ import annotations

import os

import pytest

from baobab.core.hashing import digest_hex
from baobab.ledger.store.at_rest import Sealer
from baobab.ledger.store.postgres import PostgresStore
from baobab.net.private import PrivateStore

pytestmark = pytest.mark.services

INVOICE = {"number": "INV-7731-KE", "amount": {"currency": "KES", "minor": 98765432}}


def test_private_data_is_stored_sealed_and_read_back(pg_url: str) -> None:
    store = PostgresStore(pg_url)
    try:
        private = PrivateStore(store, Sealer(os.urandom(32)))
        digest = digest_hex(INVOICE)
        private.put(digest, "tx1", ["KEBANK", "TRADER"], INVOICE)
        (raw,) = store.connection.execute("SELECT data FROM private_data WHERE hash = %s", (digest,)).fetchone()
        assert "INV-7731-KE" not in raw and "98765432" not in raw
        assert private.get(digest)["data"] == INVOICE  # type: ignore[index]
    finally:
        store.close()
