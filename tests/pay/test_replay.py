"""A captured signed FSPIOP request cannot be sent again: the switch admits a signature once, and
only while its signed date is within the window; a resend signed again under a new Date is
admitted and answered by the idempotency rules (an identical transfer gets its earlier outcome)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from baobab.pay import jws
from baobab.pay.errors import FspiopError
from baobab.pay.fspiop import fspiop_router
from baobab.pay.hub import Hub
from baobab.pay.replay import ReplayGuard
from baobab.pay.store import SQLiteDatabase
from baobab.pay.switch import stamp
from tests.pay.servers import Fsp, Served, switch_app
from tests.pay.test_fspiop_http import FULFILMENT, bearer, transfer

KEYS = {fsp: ed25519.Ed25519PrivateKey.generate() for fsp in ("payerfsp", "payeefsp")}
TOKENS = {"payerfsp": "token-payer", "payeefsp": "token-payee"}


class Signed:
    def __init__(self, tmp: Path) -> None:
        self.payer, self.payee = Fsp("payerfsp"), Fsp("payeefsp")
        self.hub = Hub(SQLiteDatabase(tmp / "switch.sqlite"), replay_window=timedelta(minutes=2))
        for fsp in (self.payer, self.payee):
            self.hub.switch.add_participant(fsp.name, fsp.name, fsp.url, {"USD": 1_000_00})
            self.hub.switch.fund(f"f-{fsp.name}", fsp.name, "USD", 500_00)
        keys = {fsp: key.public_key() for fsp, key in KEYS.items()}
        self.switch = Served(switch_app(self.hub, fspiop_router(self.hub, bearer, keys.get)))
        self.http = httpx.Client(base_url=self.switch.url, timeout=10)

    def request(self, method: str, path: str, source: str, body: Any, *, at: datetime | None = None,
                destination: str | None = None) -> tuple[dict[str, str], bytes]:
        raw = json.dumps(body).encode()
        headers = {"Authorization": f"Bearer {TOKENS[source]}", "FSPIOP-Source": source,
                   "Date": format_datetime(at or datetime.now(timezone.utc), usegmt=True),
                   "Content-Type": "application/vnd.interoperability.transfers+json;version=1.1",
                   "Accept": "application/vnd.interoperability.transfers+json;version=1.1"}
        if destination:
            headers["FSPIOP-Destination"] = destination
        return {**headers, **jws.sign(KEYS[source], method, path, headers, raw)}, raw

    def send(self, method: str, path: str, signed: tuple[dict[str, str], bytes]) -> httpx.Response:
        return self.http.request(method, path, headers=signed[0], content=signed[1])

    def close(self) -> None:
        self.http.close()
        for s in (self.switch, self.payer.served, self.payee.served):
            s.stop()
        self.hub.db.close()


@pytest.fixture
def signed(tmp_path: Path) -> Iterator[Signed]:
    s = Signed(tmp_path)
    yield s
    s.close()


def code(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["errorInformation"]["errorCode"]


def test_a_captured_signed_transfer_sent_again_is_refused_and_changes_nothing(signed: Signed) -> None:
    body = transfer()
    prepare = signed.request("POST", "/transfers", "payerfsp", body, destination="payeefsp")
    assert signed.send("POST", "/transfers", prepare).status_code == 202
    signed.payee.next("POST", "/transfers")
    replay = signed.send("POST", "/transfers", prepare)
    assert code(replay) == (400, "3105") and "already received" in replay.json()["errorInformation"]["errorDescription"]

    done = {"fulfilment": FULFILMENT, "completedTimestamp": stamp(datetime.now(timezone.utc)), "transferState": "COMMITTED"}
    fulfil = signed.request("PUT", f"/transfers/{body['transferId']}", "payeefsp", done, destination="payerfsp")
    assert signed.send("PUT", f"/transfers/{body['transferId']}", fulfil).status_code == 200
    assert signed.payer.next("PUT", f"/transfers/{body['transferId']}")[3]["transferState"] == "COMMITTED"
    assert code(signed.send("PUT", f"/transfers/{body['transferId']}", fulfil)) == (400, "3105")
    assert signed.payer.received.empty() and signed.payee.received.empty()  # no callback for either replay
    assert signed.hub.switch.position("payerfsp", "USD") == 12_50


def test_a_resend_signed_again_under_a_new_date_gets_the_earlier_outcome(signed: Signed) -> None:
    body = transfer()
    first = datetime.now(timezone.utc) - timedelta(seconds=30)
    signed.send("POST", "/transfers", signed.request("POST", "/transfers", "payerfsp", body, at=first))
    signed.payee.next("POST", "/transfers")
    done = {"fulfilment": FULFILMENT, "completedTimestamp": stamp(datetime.now(timezone.utc)), "transferState": "COMMITTED"}
    signed.send("PUT", f"/transfers/{body['transferId']}",
                signed.request("PUT", f"/transfers/{body['transferId']}", "payeefsp", done, destination="payerfsp"))
    signed.payer.next("PUT", f"/transfers/{body['transferId']}")
    resend = signed.request("POST", "/transfers", "payerfsp", body)  # the FSP's resend: same body, new Date
    assert signed.send("POST", "/transfers", resend).status_code == 202
    _, _, _, outcome = signed.payer.next("PUT", f"/transfers/{body['transferId']}")
    assert outcome["transferState"] == "COMMITTED" and outcome["fulfilment"] == FULFILMENT
    assert signed.hub.switch.position("payerfsp", "USD") == 12_50  # once


@pytest.mark.parametrize("age", [timedelta(minutes=3), -timedelta(minutes=3)])
def test_a_request_signed_outside_the_window_is_refused(signed: Signed, age: timedelta) -> None:
    body = transfer()
    stale = signed.request("POST", "/transfers", "payerfsp", body, at=datetime.now(timezone.utc) - age)
    refused = signed.send("POST", "/transfers", stale)
    assert code(refused) == (400, "3105") and "outside the switch's 120 s window" in refused.json()["errorInformation"]["errorDescription"]
    assert signed.payee.received.empty() and signed.hub.switch.find(body["transferId"]) is None


def test_signatures_are_kept_durably_and_pruned_past_the_window(tmp_path: Path) -> None:
    db = SQLiteDatabase(tmp_path / "switch.sqlite")
    guard = ReplayGuard(db, timedelta(minutes=5))
    at = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
    headers = {"Date": format_datetime(at, usegmt=True), "FSPIOP-Signature": '{"signature":"s","protectedHeader":"e30"}'}
    guard.admit(headers, now=at)
    db.close()
    db = SQLiteDatabase(tmp_path / "switch.sqlite")  # after a restart it is still known
    guard = ReplayGuard(db, timedelta(minutes=5))
    with pytest.raises(FspiopError) as refused:
        guard.admit(headers, now=at + timedelta(minutes=4))
    assert refused.value.code == "3105"
    later = at + timedelta(minutes=11)
    guard.admit({"Date": format_datetime(later, usegmt=True), "FSPIOP-Signature": '{"signature":"t","protectedHeader":"e30"}'},
                now=later)
    assert db.all("SELECT signed_at FROM switch_seen_signatures") == [("2026-12-01T10:11:00Z",)]  # the first one pruned
    guard.admit({"Date": headers["Date"]}, now=at + timedelta(days=1))  # unsigned: not the guard's business
    db.close()


def test_an_fsp_outbox_resending_after_a_lost_answer_signs_again_and_is_answered(signed: Signed, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The switch took the first attempt but its answer never reached the FSP: the FSP's outbox
    sends again, dated and signed anew, and the switch answers it by the resend rules instead of
    refusing it as a replay."""
    from baobab.pay import outbox as outbox_module
    from baobab.pay.outbox import Outbox, delivery_client

    db = SQLiteDatabase(":memory:")  # the payer FSP's own database
    sent: list[dict[str, str]] = []
    outbox = Outbox(db, lambda _switch: signed.switch.url, table="fsp_requests",
                    credentials=lambda _: {"Authorization": f"Bearer {TOKENS['payerfsp']}"},
                    signer=lambda m, p, h, b: sent.append(h) or jws.sign(KEYS["payerfsp"], m, p, h, b), fspiop=True)
    body = transfer()
    headers = {"Content-Type": "application/vnd.interoperability.transfers+json;version=1.1",
               "Accept": "application/vnd.interoperability.transfers+json;version=1.1",
               "Date": "Thu, 01 Jan 2026 00:00:00 GMT", "FSPIOP-Source": "payerfsp", "FSPIOP-Destination": "payeefsp"}
    with db.atomic():
        outbox.add("switch", "POST", "/transfers", headers, body)

    async def deliver() -> None:
        client = delivery_client()
        try:
            await outbox.deliver_due(client)
        finally:
            await client.close()

    now = datetime.now(timezone.utc)
    for at in (now - timedelta(seconds=30), now):
        monkeypatch.setattr(outbox_module, "_date_now", lambda at=at: format_datetime(at, usegmt=True))
        db.run("UPDATE fsp_requests SET delivered_at = NULL")  # the first answer lost: the outbox owes it still
        asyncio.run(deliver())
        assert db.one("SELECT last_error FROM fsp_requests") == (None,) and outbox.pending() == []
    assert [h["Date"] for h in sent] == [format_datetime(now - timedelta(seconds=30), usegmt=True), format_datetime(now, usegmt=True)]
    signed.payee.next("POST", "/transfers")  # the prepare reached the payee
    assert signed.hub.switch.find(body["transferId"]) is not None
    db.close()
