"""Two FSPs meet through the switch over real HTTP, as FSPIOP has it: every request answered 202,
every answer a signed callback to the participant's registered endpoint, kept in an outbox.

The payer FSP and the payee FSP simulator are `Participant`s (pay/participant.py), each on its
own uvicorn server; the switch on a third. The payer signs with RS256 (as Mojaloop participants
do), the payee and the switch with Ed25519; each checks the others' signatures.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from fastapi import Request

from baobab.pay import ilp, jws
from baobab.pay.errors import FspiopError
from baobab.pay.fspiop import fspiop_router
from baobab.pay.hub import Hub
from baobab.pay.messages import callback_headers, content_type
from baobab.pay.participant import Participant
from baobab.pay.simulator import simulator_app
from baobab.pay.store import SQLiteDatabase
from baobab.pay.switch import condition_of, stamp
from tests.pay.servers import WAIT_S, Served, switch_app

TOKENS = {"payerfsp": "token-payer", "payeefsp": "token-payee"}
MSISDN = "255700000001"


class Network:
    def __init__(self, tmp: Path) -> None:
        self.private = {"payerfsp": rsa.generate_private_key(65537, 2048), "payeefsp": ed25519.Ed25519PrivateKey.generate(),
                        "switch": ed25519.Ed25519PrivateKey.generate()}
        public = {fsp: key.public_key() for fsp, key in self.private.items()}
        self.hub = Hub(SQLiteDatabase(tmp / "switch.sqlite"), signing_key=self.private["switch"])

        async def bearer(request: Request) -> str:
            token = request.headers.get("authorization", "").removeprefix("Bearer ")
            by_token = {t: f for f, t in TOKENS.items()}
            if token not in by_token:
                raise FspiopError("3000", "not authenticated")
            return by_token[token]

        self.switch = Served(switch_app(self.hub, fspiop_router(self.hub, bearer, keys=public.get)))
        self.fsps: dict[str, Participant] = {}
        self.served: dict[str, Served] = {}
        for fsp in TOKENS:
            p = Participant(fsp, SQLiteDatabase(tmp / f"{fsp}.sqlite"), self.switch.url, secret=fsp.encode() * 4,
                            signing_key=self.private[fsp], keys=public.get,
                            credentials=lambda fsp=fsp: {"Authorization": f"Bearer {TOKENS[fsp]}"},
                            payee_fee=lambda amount: 25)
            self.fsps[fsp] = p
            self.served[fsp] = Served(simulator_app(p))
            self.hub.switch.add_participant(fsp, fsp, self.served[fsp].url, {"TZS": 10_000_000})
            self.hub.switch.fund(f"f-{fsp}", fsp, "TZS", 5_000_000)
        self.hub.add_party("MSISDN", MSISDN, "payeefsp")
        self.payer, self.payee = self.fsps["payerfsp"], self.fsps["payeefsp"]

    def register(self, behaviour: str = "accept", msisdn: str = MSISDN) -> None:
        r = httpx.post(self.served["payeefsp"].url + "/repository/parties",
                       json={"idType": "MSISDN", "idValue": msisdn, "firstName": "Neema", "lastName": "Mushi",
                             "behaviour": behaviour})
        assert r.status_code == 204, r.text

    def quote(self, minor: int = 100_000) -> dict[str, Any]:
        quote_id = str(uuid.uuid4())
        self.payer.quote(quote_id, str(uuid.uuid4()), "payeefsp",
                         {"partyIdType": "MSISDN", "partyIdentifier": MSISDN, "fspId": "payeefsp"},
                         {"partyIdType": "MSISDN", "partyIdentifier": "255711111111", "fspId": "payerfsp"},
                         {"currency": "TZS", "minor": minor})
        path, body = self.payer.wait([f"/quotes/{quote_id}", f"/quotes/{quote_id}/error"], WAIT_S)
        assert path == f"/quotes/{quote_id}", body
        return body

    def transfer(self, quote: dict[str, Any], expires: timedelta = timedelta(minutes=1)) -> tuple[str, str, dict[str, Any]]:
        transfer_id = str(uuid.uuid4())
        self.payer.transfer(transfer_id, "payeefsp", quote, stamp(datetime.now(timezone.utc) + expires))
        path, body = self.payer.wait([f"/transfers/{transfer_id}", f"/transfers/{transfer_id}/error"], WAIT_S)
        return transfer_id, path, body

    def close(self) -> None:
        for s in (*self.served.values(), self.switch):
            s.stop()
        for p in self.fsps.values():
            p.db.close()
        self.hub.db.close()


@pytest.fixture
def net(tmp_path: Path) -> Iterator[Network]:
    n = Network(tmp_path)
    yield n
    n.close()


def test_lookup_quote_and_transfer_meet_only_through_callbacks(net: Network) -> None:
    net.register()
    net.payer.lookup("MSISDN", MSISDN)
    path, body = net.payer.wait([f"/parties/MSISDN/{MSISDN}", f"/parties/MSISDN/{MSISDN}/error"], WAIT_S)
    assert path == f"/parties/MSISDN/{MSISDN}"
    assert body["party"]["partyIdInfo"]["fspId"] == "payeefsp"
    assert body["party"]["personalInfo"]["complexName"] == {"firstName": "Neema", "lastName": "Mushi"}

    quote = net.quote(100_000)  # SEND 1,000.00 TZS: the payee's fee of 0.25 comes out of it
    assert quote["transferAmount"] == {"currency": "TZS", "amount": "1000"}
    assert quote["payeeReceiveAmount"] == {"currency": "TZS", "amount": "999.75"}
    packet = ilp.decode(quote["ilpPacket"])
    assert (packet.amount, packet.account) == (100_000, f"g.payeefsp.msisdn.{MSISDN}")

    transfer_id, path, body = net.transfer(quote)
    assert path == f"/transfers/{transfer_id}", body
    assert body["transferState"] == "COMMITTED"
    assert condition_of(body["fulfilment"]) == quote["condition"]  # the payee's proof, checked by the payer
    assert net.hub.switch.position("payerfsp", "TZS") == 100_000
    assert net.hub.switch.position("payeefsp", "TZS") == -100_000
    assert net.hub.switch.reconcile() == []


def test_the_payee_declining_releases_the_reservation_and_tells_the_payer(net: Network) -> None:
    net.register("reject")
    transfer_id, path, body = net.transfer(net.quote())
    assert path == f"/transfers/{transfer_id}/error"
    assert body["errorInformation"]["errorCode"] == "5100"
    assert net.hub.switch.find(transfer_id).state == "ABORTED"
    assert net.hub.switch.position("payerfsp", "TZS") == 0


def test_an_invalid_fulfilment_aborts_with_3100_on_both_sides(net: Network) -> None:
    net.register("invalid_fulfilment")
    transfer_id, path, body = net.transfer(net.quote())
    assert (path, body["errorInformation"]["errorCode"]) == (f"/transfers/{transfer_id}/error", "3100")
    path, body = net.payee.wait([f"/transfers/{transfer_id}/error"], WAIT_S)
    assert body["errorInformation"]["errorCode"] == "3100"
    assert net.hub.switch.position("payerfsp", "TZS") == 0


def test_a_payee_that_never_answers_leaves_the_expiry_to_abort_with_3303(net: Network) -> None:
    net.register("silent")
    transfer_id, path, body = net.transfer(net.quote(), expires=timedelta(seconds=2))
    assert (path, body["errorInformation"]["errorCode"]) == (f"/transfers/{transfer_id}/error", "3303")
    assert net.payee.wait([f"/transfers/{transfer_id}/error"], WAIT_S)[1]["errorInformation"]["errorCode"] == "3303"
    assert net.hub.switch.position("payerfsp", "TZS") == 0


def test_a_quote_for_a_party_the_payee_does_not_serve_is_3204(net: Network) -> None:
    quote_id = str(uuid.uuid4())
    net.payer.quote(quote_id, str(uuid.uuid4()), "payeefsp", {"partyIdType": "MSISDN", "partyIdentifier": "1"},
                    {"partyIdType": "MSISDN", "partyIdentifier": "2"}, {"currency": "TZS", "minor": 5})
    path, body = net.payer.wait([f"/quotes/{quote_id}", f"/quotes/{quote_id}/error"], WAIT_S)
    assert (path, body["errorInformation"]["errorCode"]) == (f"/quotes/{quote_id}/error", "3204")


def test_a_transfer_whose_condition_the_payee_never_quoted_is_refused(net: Network) -> None:
    net.register()
    quote = {**net.quote(), "condition": "GRzLaTP7DJ9t4P-a_BA0WA9wzzlsugf00-Tn6kESAfM"}
    transfer_id, path, body = net.transfer(quote)
    assert (path, body["errorInformation"]["errorCode"]) == (f"/transfers/{transfer_id}/error", "3100")
    assert net.hub.switch.find(transfer_id).state == "ABORTED"


def _signed(net: Network, fsp: str, method: str, path: str, resource: str, body: bytes,
            destination: str = "payeefsp") -> dict[str, str]:
    headers = {**callback_headers(resource, fsp, destination), "Accept": content_type(resource)}
    return {**headers, **jws.sign(net.private[fsp], method, path, headers, body),
            "Authorization": f"Bearer {TOKENS[fsp]}"}


def test_a_tampered_body_fails_its_signature_with_3105_and_changes_nothing(net: Network) -> None:
    net.register()
    quote = net.quote()
    body = {"transferId": str(uuid.uuid4()), "payerFsp": "payerfsp", "payeeFsp": "payeefsp",
            "amount": quote["transferAmount"], "ilpPacket": quote["ilpPacket"], "condition": quote["condition"],
            "expiration": stamp(datetime.now(timezone.utc) + timedelta(minutes=1))}
    raw = json.dumps(body).encode()
    headers = _signed(net, "payerfsp", "POST", "/transfers", "transfers", raw)
    tampered = raw.replace(b'"amount": "1000"', b'"amount": "9000"')
    assert tampered != raw
    r = httpx.post(net.switch.url + "/transfers", content=tampered, headers=headers)
    assert r.status_code == 400 and r.json()["errorInformation"]["errorCode"] == "3105"
    assert net.hub.switch.find(body["transferId"]) is None
    r = httpx.post(net.switch.url + "/transfers", content=raw, headers=headers)
    assert r.status_code == 202


def test_an_fsp_refuses_a_callback_addressed_to_another_or_wrongly_signed(net: Network) -> None:
    raw = b'{"transferState":"COMMITTED","completedTimestamp":"2026-12-03T10:00:00.000Z"}'
    path = f"/transfers/{uuid.uuid4()}"
    to_other = _signed(net, "payeefsp", "PUT", path, "transfers", raw, destination="otherfsp")
    r = httpx.put(net.served["payerfsp"].url + path, content=raw, headers=to_other)
    assert r.status_code == 400 and r.json()["errorInformation"]["errorCode"] == "3100"
    forged = {**_signed(net, "payeefsp", "PUT", path, "transfers", raw, destination="payerfsp"),
              "FSPIOP-Source": "switch"}  # claims to be the switch, signed by the payee
    r = httpx.put(net.served["payerfsp"].url + path, content=raw, headers=forged)
    assert r.status_code == 400 and r.json()["errorInformation"]["errorCode"] == "3105"
    assert net.payer.received(path) is None


def test_the_ilp_packet_of_the_definitions_example_decodes() -> None:
    """The ILP v1 packet of FSPIOP's examples (OER): 1200 minor units to a merchant's address."""
    example = ("AYIBgQAAAAAAAASwNGxldmVsb25lLmRmc3AxLm1lci45T2RTOF81MDdqUUZERmZlakgyOVc4bXFmNEpLMHlGTFGCAUBQU0svMS4wCk5vbmNlOiB1SXlweUYzY3pYSXBFdzVVc05TYWh3CkVuY3J5cHRpb246IG5vbmUKUGF5bWVudC1JZDogMTMyMzZhM2ItOGZhOC00MTYzLTg0NDctNGMzZWQzZGE5OGE3CgpDb250ZW50LUxlbmd0aDogMTM1CkNvbnRlbnQtVHlwZTogYXBwbGljYXRpb24vanNvbgpTZW5kZXItSWRlbnRpZmllcjogOTI4MDYzOTEKCiJ7XCJmZWVcIjowLFwidHJhbnNmZXJDb2RlXCI6XCJpbnZvaWNlXCIsXCJkZWJpdE5hbWVcIjpcImFsaWNlIGNvb3BlclwiLFwiY3JlZGl0TmFtZVwiOlwibWVyIGNoYW50XCIsXCJkZWJpdElkZW50aWZpZXJcIjpcIjkyODA2MzkxXCJ9IgA")
    packet = ilp.decode(example)
    assert (packet.amount, packet.account) == (1200, "levelone.dfsp1.mer.9OdS8_507jQFDFfejH29W8mqf4JK0yFLQ")
    assert packet.data.startswith(b"PSK/1.0\nNonce: ")
    ours = ilp.encode(1200, "g.payeefsp.msisdn.1", {"transactionId": "t-1"})
    assert ilp.decode(ours).transaction() == {"transactionId": "t-1"}
    with pytest.raises(FspiopError) as bad:
        ilp.decode(ours[:20])
    assert bad.value.code == "3101"
