"""FSPIOP v1.1 over real HTTP: header and body checks answered at once, everything else 202 and
a callback to the participants' own callback servers (API Definition v1.1.1, 3.2-3.3, 6.7, 9.4)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Request

from baobab.pay.errors import FspiopError
from baobab.pay.fspiop import fspiop_router, to_fspiop_amount
from baobab.pay.hub import Hub
from baobab.pay.store import SQLiteDatabase
from baobab.pay.switch import stamp
from tests.pay.servers import Fsp, Served, switch_app

FULFILMENT = "UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA"
CONDITION = "GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM"
ILP_PACKET = "AYIBgQAAAAAAAASwNGxldmVsb25lLmRmc3AxLm1lci45T2RTOF81MDdqUUZERmZlakgyOVc4bXFmNEpLMHlGTFGCAUBQU0svMS4wCk5vbmNlOiB1SXlweUYzY3pYSXBFdzVVc05TYWh3CkVuY3J5cHRpb246IG5vbmUKUGF5bWVudC1JZDogMTMyMzZhM2ItOGZhOC00MTYzLTg0NDctNGMzZWQzZGE5OGE3CgpDb250ZW50LUxlbmd0aDogMTM1CkNvbnRlbnQtVHlwZTogYXBwbGljYXRpb24vanNvbgpTZW5kZXItSWRlbnRpZmllcjogOTI4MDYzOTEKCiJ7XCJmZWVcIjowLFwidHJhbnNmZXJDb2RlXCI6XCJpbnZvaWNlXCIsXCJkZWJpdE5hbWVcIjpcImFsaWNlIGNvb3BlclwiLFwiY3JlZGl0TmFtZVwiOlwibWVyIGNoYW50XCIsXCJkZWJpdElkZW50aWZpZXJcIjpcIjkyODA2MzkxXCJ9IgA"
TOKENS = {"token-payer": "payerfsp", "token-payee": "payeefsp", "token-other": "otherfsp"}


async def bearer(request: Request) -> str:
    """Stands in for the node's authenticator: a participant is a member authenticated by its token."""
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    if token not in TOKENS:
        raise FspiopError("3000", "not authenticated")
    return TOKENS[token]


class World:
    def __init__(self, tmp: Path) -> None:
        self.payer, self.payee, self.other = Fsp("payerfsp"), Fsp("payeefsp"), Fsp("otherfsp")
        self.hub = Hub(SQLiteDatabase(tmp / "switch.sqlite"))
        for fsp in (self.payer, self.payee, self.other):
            self.hub.switch.add_participant(fsp.name, fsp.name, fsp.url, {"USD": 1_000_00})
            self.hub.switch.fund(f"f-{fsp.name}", fsp.name, "USD", 500_00)
        self.switch = Served(switch_app(self.hub, fspiop_router(self.hub, bearer)))
        self.http = httpx.Client(base_url=self.switch.url, timeout=10)

    def send(self, method: str, path: str, resource: str, source: str, body: Any = None,
             **headers: str) -> httpx.Response:
        token = {v: k for k, v in TOKENS.items()}[source]
        h = {"Authorization": f"Bearer {token}", "FSPIOP-Source": source,
             "Date": format_datetime(datetime.now(timezone.utc), usegmt=True),
             "Accept": f"application/vnd.interoperability.{resource}+json;version=1.1",
             "Content-Type": f"application/vnd.interoperability.{resource}+json;version=1.1"}
        h.update(headers)
        return self.http.request(method, path, json=body, headers={k: v for k, v in h.items() if v})

    def close(self) -> None:
        self.http.close()
        for s in (self.switch, self.payer.served, self.payee.served, self.other.served):
            s.stop()
        self.hub.db.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    w = World(tmp_path)
    yield w
    w.close()


def transfer(amount: str = "12.5", expires: timedelta = timedelta(minutes=1), condition: str = CONDITION) -> dict[str, Any]:
    return {"transferId": str(uuid.uuid4()), "payerFsp": "payerfsp", "payeeFsp": "payeefsp",
            "amount": {"currency": "USD", "amount": amount}, "ilpPacket": ILP_PACKET, "condition": condition,
            "expiration": stamp(datetime.now(timezone.utc) + expires)}


def test_happy_transfer_reserves_forwards_commits_and_calls_back(world: World) -> None:
    body = transfer()
    r = world.send("POST", "/transfers", "transfers", "payerfsp", body, **{"FSPIOP-Destination": "payeefsp",
                                                                           "FSPIOP-Signature": "sig-of-payer"})
    assert r.status_code == 202
    method, path, headers, forwarded = world.payee.next("POST", "/transfers")
    assert forwarded == body and headers["fspiop-signature"] == "sig-of-payer" and headers["fspiop-source"] == "payerfsp"
    assert world.hub.switch.position("payerfsp", "USD") == 12_50
    done = {"fulfilment": FULFILMENT, "completedTimestamp": stamp(datetime.now(timezone.utc)), "transferState": "COMMITTED"}
    assert world.send("PUT", f"/transfers/{body['transferId']}", "transfers", "payeefsp", done).status_code == 200
    _, _, headers, callback = world.payer.next("PUT", f"/transfers/{body['transferId']}")
    assert callback["transferState"] == "COMMITTED" and callback["fulfilment"] == FULFILMENT
    assert headers["content-type"].startswith("application/vnd.interoperability.transfers+json;version=1.1")
    assert world.hub.switch.position("payeefsp", "USD") == -12_50 and world.hub.switch.reconcile() == []


def test_a_payee_asking_with_reserved_gets_a_patch_on_commit(world: World) -> None:
    body = transfer()
    world.send("POST", "/transfers", "transfers", "payerfsp", body)
    world.payee.next("POST", "/transfers")
    reserved = {"fulfilment": FULFILMENT, "completedTimestamp": stamp(datetime.now(timezone.utc)), "transferState": "RESERVED"}
    world.send("PUT", f"/transfers/{body['transferId']}", "transfers", "payeefsp", reserved)
    assert world.payee.next("PATCH", f"/transfers/{body['transferId']}")[3]["transferState"] == "COMMITTED"


def test_invalid_fulfilment_aborts_and_both_sides_get_3100(world: World) -> None:
    body = transfer()
    world.send("POST", "/transfers", "transfers", "payerfsp", body)
    world.payee.next("POST", "/transfers")
    bad = {"fulfilment": "B" * 43, "completedTimestamp": stamp(datetime.now(timezone.utc)), "transferState": "COMMITTED"}
    assert world.send("PUT", f"/transfers/{body['transferId']}", "transfers", "payeefsp", bad).status_code == 200
    for fsp in (world.payer, world.payee):
        assert fsp.next("PUT", f"/transfers/{body['transferId']}/error")[3]["errorInformation"]["errorCode"] == "3100"
    assert world.hub.switch.position("payerfsp", "USD") == 0


def test_expiry_tells_both_sides_3303(world: World) -> None:
    body = transfer(expires=timedelta(seconds=1))
    world.send("POST", "/transfers", "transfers", "payerfsp", body)
    world.payee.next("POST", "/transfers")
    world.hub.expire(datetime.now(timezone.utc) + timedelta(seconds=5))
    for fsp in (world.payer, world.payee):
        assert fsp.next("PUT", f"/transfers/{body['transferId']}/error")[3]["errorInformation"]["errorCode"] == "3303"


def test_payee_rejection_reaches_the_payer(world: World) -> None:
    body = transfer()
    world.send("POST", "/transfers", "transfers", "payerfsp", body)
    world.payee.next("POST", "/transfers")
    error = {"errorInformation": {"errorCode": "5100", "errorDescription": "Payee rejected"}}
    assert world.send("PUT", f"/transfers/{body['transferId']}/error", "transfers", "payeefsp", error).status_code == 200
    assert world.payer.next("PUT", f"/transfers/{body['transferId']}/error")[3] == error
    assert world.hub.switch.position("payerfsp", "USD") == 0


def test_duplicate_and_modified_resends(world: World) -> None:
    body = transfer()
    world.send("POST", "/transfers", "transfers", "payerfsp", body)
    world.payee.next("POST", "/transfers")
    assert world.send("POST", "/transfers", "transfers", "payerfsp", body).status_code == 202  # ignored while in flight
    modified = {**body, "amount": {"currency": "USD", "amount": "13"}}
    world.send("POST", "/transfers", "transfers", "payerfsp", modified)
    assert world.payer.next("PUT", f"/transfers/{body['transferId']}/error")[3]["errorInformation"]["errorCode"] == "3106"
    assert world.payee.received.empty() and world.hub.switch.position("payerfsp", "USD") == 12_50


def test_liquidity_and_net_debit_cap_failures_come_back_as_4001_and_4200(world: World) -> None:
    too_much = transfer(amount="600")
    world.send("POST", "/transfers", "transfers", "payerfsp", too_much)
    assert world.payer.next("PUT", f"/transfers/{too_much['transferId']}/error")[3]["errorInformation"]["errorCode"] == "4001"
    world.hub.switch.set_net_debit_cap("payerfsp", "USD", 10_00)
    over_cap = transfer(amount="10.01")
    world.send("POST", "/transfers", "transfers", "payerfsp", over_cap)
    assert world.payer.next("PUT", f"/transfers/{over_cap['transferId']}/error")[3]["errorInformation"]["errorCode"] == "4200"


def test_get_answers_the_parties_and_3208_to_anyone_else(world: World) -> None:
    body = transfer()
    world.send("POST", "/transfers", "transfers", "payerfsp", body)
    world.payee.next("POST", "/transfers")
    assert world.send("GET", f"/transfers/{body['transferId']}", "transfers", "payerfsp").status_code == 202
    assert world.payer.next("PUT", f"/transfers/{body['transferId']}")[3]["transferState"] == "RESERVED"
    world.send("GET", f"/transfers/{body['transferId']}", "transfers", "otherfsp")
    assert world.other.next("PUT", f"/transfers/{body['transferId']}/error")[3]["errorInformation"]["errorCode"] == "3208"
    unknown = str(uuid.uuid4())
    world.send("GET", f"/transfers/{unknown}", "transfers", "payerfsp")
    assert world.payer.next("PUT", f"/transfers/{unknown}/error")[3]["errorInformation"]["errorCode"] == "3208"


def test_a_participant_cannot_speak_as_another(world: World) -> None:
    r = world.send("POST", "/transfers", "transfers", "otherfsp", transfer(), **{"FSPIOP-Source": "payerfsp"})
    assert r.status_code == 400 and r.json()["errorInformation"]["errorCode"] == "3100"
    body = transfer()
    world.send("POST", "/transfers", "transfers", "payerfsp", body)
    world.payee.next("POST", "/transfers")
    done = {"fulfilment": FULFILMENT, "completedTimestamp": stamp(datetime.now(timezone.utc)), "transferState": "COMMITTED"}
    r = world.send("PUT", f"/transfers/{body['transferId']}", "transfers", "otherfsp", done)
    assert r.status_code == 404 and r.json()["errorInformation"]["errorCode"] == "3208"


@pytest.mark.parametrize("headers, code, status", [
    ({"Accept": "application/vnd.interoperability.transfers+json;version=2.0"}, "3001", 406),
    ({"Content-Type": "application/vnd.interoperability.transfers+json;version=3.0"}, "3001", 406),
    ({"Content-Type": "application/json"}, "3101", 400),
    ({"Date": ""}, "3102", 400),
    ({"Date": "yesterday"}, "3101", 400),
])
def test_headers_are_checked_first_and_change_nothing(world: World, headers: dict[str, str], code: str, status: int) -> None:
    r = world.send("POST", "/transfers", "transfers", "payerfsp", transfer(), **headers)
    assert (r.status_code, r.json()["errorInformation"]["errorCode"]) == (status, code)
    assert world.hub.switch.position("payerfsp", "USD") == 0


@pytest.mark.parametrize("change, code", [
    ({"amount": {"currency": "USD", "amount": "12.5x"}}, "3101"),
    ({"condition": "too-short"}, "3101"),
    ({"ilpPacket": None}, "3102"),
])
def test_bodies_are_validated_against_the_openapi_document(world: World, change: dict[str, Any], code: str) -> None:
    body = {k: v for k, v in {**transfer(), **change}.items() if v is not None}
    r = world.send("POST", "/transfers", "transfers", "payerfsp", body)
    assert (r.status_code, r.json()["errorInformation"]["errorCode"]) == (400, code)


def test_account_lookup_registers_and_finds_the_serving_fsp(world: World) -> None:
    r = world.send("POST", "/participants/MSISDN/254712345678", "participants", "payeefsp", {"fspId": "payeefsp", "currency": "USD"})
    assert r.status_code == 202
    assert world.payee.next("PUT", "/participants/MSISDN/254712345678")[3] == {"fspId": "payeefsp"}
    world.send("GET", "/participants/MSISDN/254712345678", "participants", "payerfsp")
    assert world.payer.next("PUT", "/participants/MSISDN/254712345678")[3] == {"fspId": "payeefsp"}
    world.send("GET", "/participants/MSISDN/255000000000", "participants", "payerfsp")
    assert world.payer.next("PUT", "/participants/MSISDN/255000000000/error")[3]["errorInformation"]["errorCode"] == "3204"
    stolen = world.send("POST", "/participants/MSISDN/254712345678", "participants", "otherfsp", {"fspId": "payeefsp"})
    assert stolen.json()["errorInformation"]["errorCode"] == "3100"


def test_party_lookup_is_forwarded_to_the_serving_fsp_and_back(world: World) -> None:
    world.send("POST", "/participants/MSISDN/254712345678", "participants", "payeefsp", {"fspId": "payeefsp"})
    world.payee.next("PUT", "/participants/MSISDN/254712345678")
    world.send("GET", "/parties/MSISDN/254712345678", "parties", "payerfsp")
    _, _, headers, _ = world.payee.next("GET", "/parties/MSISDN/254712345678")
    assert headers["fspiop-source"] == "payerfsp" and headers["fspiop-destination"] == "payeefsp"
    party = {"party": {"partyIdInfo": {"partyIdType": "MSISDN", "partyIdentifier": "254712345678", "fspId": "payeefsp"},
                       "name": "Wanjiru Kamau"}}
    r = world.send("PUT", "/parties/MSISDN/254712345678", "parties", "payeefsp", party, **{"FSPIOP-Destination": "payerfsp"})
    assert r.status_code == 200
    assert world.payer.next("PUT", "/parties/MSISDN/254712345678")[3] == party


def test_amounts_travel_as_fspiop_decimal_strings() -> None:
    assert to_fspiop_amount("USD", 12_50) == {"currency": "USD", "amount": "12.5"}
    assert to_fspiop_amount("JPY", 1200) == {"currency": "JPY", "amount": "1200"}
    assert to_fspiop_amount("KWD", 1) == {"currency": "KWD", "amount": "0.001"}
