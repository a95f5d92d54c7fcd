"""The callback outbox over real HTTP: what it delivers arrives as it was written, what it cannot
deliver stays owed with its failure and a later due time, and a round delivers every due one."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from baobab.pay.outbox import Outbox, delivery_client
from baobab.pay.store import SQLiteDatabase
from tests.pay.servers import Fsp, free_port

HEADERS = {"Content-Type": "application/vnd.interoperability.transfers+json;version=1.1",
           "Date": "Thu, 03 Dec 2026 18:00:00 GMT", "FSPIOP-Source": "switch", "FSPIOP-Destination": "payerfsp"}
RAW = b'{"transferState":"COMMITTED", "fulfilment":"UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA"}'


async def _deliver(outbox: Outbox) -> None:
    client = delivery_client()
    try:
        await outbox.deliver_due(client)
    finally:
        await client.close()


def test_a_callback_arrives_with_its_headers_and_bytes_and_is_marked_delivered(tmp_path: Path) -> None:
    fsp = Fsp("payerfsp")
    try:
        db = SQLiteDatabase(tmp_path / "switch.sqlite")
        outbox = Outbox(db, lambda name: fsp.url if name == "payerfsp" else None)
        with db.atomic():
            outbox.add("payerfsp", "PUT", "/transfers/t1", HEADERS, json.loads(RAW), raw=RAW)  # forwarded: bytes kept
            for n in range(20):  # more than the pool's connections at once
                outbox.add("payerfsp", "PATCH", f"/transfers/p{n}", HEADERS, {"transferState": "COMMITTED"})
        asyncio.run(_deliver(outbox))
        method, path, headers, body = fsp.next("PUT", "/transfers/t1")
        assert body == json.loads(RAW) and headers["content-length"] == str(len(RAW))
        assert headers["fspiop-source"] == "switch" and headers["content-type"] == HEADERS["Content-Type"]
        assert "accept" not in headers  # a callback carries no Accept header
        assert sorted(fsp.next()[1] for _ in range(20)) == sorted(f"/transfers/p{n}" for n in range(20))
        assert outbox.pending() == []
    finally:
        fsp.served.stop()


def test_a_callback_nobody_answers_stays_owed_with_its_failure(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "switch.sqlite")
    outbox = Outbox(db, lambda name: f"http://127.0.0.1:{free_port()}")  # nothing listens there
    with db.atomic():
        outbox.add("payerfsp", "PUT", "/transfers/t1", HEADERS, {"transferState": "COMMITTED"})
    [first_due] = db.one("SELECT due_at FROM switch_callbacks") or ()
    asyncio.run(_deliver(outbox))
    [owed] = outbox.pending()
    assert owed["attempts"] == 1 and owed["path"] == "/transfers/t1"
    due_at, error = db.one("SELECT due_at, last_error FROM switch_callbacks") or ()
    assert error == "ClientConnectorError" and due_at > first_due  # tried again later, with backoff


def test_a_participant_without_an_endpoint_is_owed_its_callback(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "switch.sqlite")
    outbox = Outbox(db, lambda name: None)
    with db.atomic():
        outbox.add("gone", "PUT", "/transfers/t1", HEADERS, {"transferState": "COMMITTED"})
    asyncio.run(_deliver(outbox))
    assert [c["attempts"] for c in outbox.pending()] == [1]
    assert db.one("SELECT last_error FROM switch_callbacks") == ("gone has no callback endpoint",)
