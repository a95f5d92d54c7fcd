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
        with store.connection() as conn:
            (raw,) = conn.execute("SELECT data FROM private_data WHERE hash = %s", (digest,)).fetchone()
        assert "INV-7731-KE" not in raw and "98765432" not in raw
        assert private.get(digest)["data"] == INVOICE  # type: ignore[index]
    finally:
        store.close()


def test_private_data_owed_to_a_member_is_delivered_once_its_node_answers(pg_url: str) -> None:
    """The courier tries each owed delivery; one that fails stays owed, one that succeeds is done."""
    from baobab.core.errors import BaobabError
    from baobab.net.private import Courier

    store = PostgresStore(pg_url)
    try:
        private = PrivateStore(store, Sealer(os.urandom(32)))
        digest = digest_hex(INVOICE)
        private.put(digest, "tx1", ["KEBANK", "TRADER"], INVOICE)
        private.owe(digest, "TRADER", "KEBANK", "tx1")
        received: list[tuple[str, dict, str]] = []  # type: ignore[type-arg]
        down = True

        def send(member: str, item: dict, sender: str) -> None:  # type: ignore[type-arg]
            if down:
                raise BaobabError("ENDORSER_UNAVAILABLE", f"{member}'s node did not answer")
            received.append((member, item, sender))

        courier = Courier(private, send, "KEBANK")
        assert courier.deliver_owed() == 0 and private.owed() == [(digest, "TRADER", "KEBANK", "tx1")]
        down = False
        assert courier.deliver_owed() == 1 and private.owed() == []
        assert received == [("TRADER", {"hash": digest, "members": ["KEBANK", "TRADER"], "data": INVOICE,
                                        "tx_id": "tx1"}, "KEBANK")]
    finally:
        store.close()
