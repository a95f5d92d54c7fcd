"""Cross-currency over FSPIOP v1.1, over real HTTP: the payer FSP (INR) quotes for a payee whose
account is in AED; the switch brings in the FX provider, asks the payee FSP in AED, and shows the
payer, before agreeing, what arrives, every fee, the exchange margin and the total cost as the
World Bank's Remittance Prices Worldwide counts it beside the SDG 10.c 3%. The transfer moves INR
to the FX provider and AED from it to the payee FSP, both legs or neither."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from fastapi import Request

from baobab.pay import participant as participant_module
from baobab.pay.errors import FspiopError
from baobab.pay.fspiop import fspiop_router
from baobab.pay.hub import Hub
from baobab.pay.participant import Participant
from baobab.pay.simulator import simulator_app
from baobab.pay.store import Database, SQLiteDatabase
from baobab.pay.switch import ABORTED, COMMITTED, stamp
from tests.pay.servers import WAIT_S, Fsp, Served, switch_app

TOKENS = {"token-in": "inbank", "token-ae": "aebank", "token-fx": "fxdesk"}
MSISDN = "971501234567"
HUB_KEY, PAYEE_KEY = ed25519.Ed25519PrivateKey.generate(), ed25519.Ed25519PrivateKey.generate()


async def bearer(request: Request) -> str:
    token = request.headers.get("authorization", "").removeprefix("Bearer ")
    if token not in TOKENS:
        raise FspiopError("3000", "not authenticated")
    return TOKENS[token]


class FxWorld:
    """The payer FSP is a callback server driven by the test; the payee FSP is Baobab's own FSP
    (it quotes with a 5 AED fee, issues the ILP packet and fulfils); the FX provider records."""

    def __init__(self, tmp: Path, db: Database, fx_aed: int = 10_000_00) -> None:
        self.payer, self.fxp = Fsp("inbank"), Fsp("fxdesk")
        self.hub = Hub(db, signing_key=HUB_KEY)
        keys = {"aebank": PAYEE_KEY.public_key(), "switch": HUB_KEY.public_key()}
        self.switch = Served(switch_app(self.hub, fspiop_router(self.hub, bearer, keys.get)))
        self.payee = Participant("aebank", SQLiteDatabase(tmp / "aebank.sqlite"), self.switch.url, secret=b"ae" * 16,
                                 signing_key=PAYEE_KEY, keys=keys.get, credentials=lambda: {"Authorization": "Bearer token-ae"},
                                 payee_fee=lambda amount: 5_00)
        self.payee_served = Served(simulator_app(self.payee))
        s = self.hub.switch
        s.add_participant("inbank", "Mumbai bank", self.payer.url, {"INR": 1_000_000_00})
        s.add_participant("fxdesk", "FX desk", self.fxp.url, {"INR": 1_000_000_00, "AED": 1_000_000_00})
        s.add_participant("aebank", "Dubai bank", self.payee_served.url, {"AED": 1_000_000_00})
        s.fund("f-in", "inbank", "INR", 100_000_00)
        s.fund("f-fx", "fxdesk", "AED", fx_aed)
        self.hub.fx.publish("fxdesk", {("INR", "AED"): "0.0440"}, margin_bp=60)
        self.hub.add_party("MSISDN", MSISDN, "aebank", "AED")
        self.http = httpx.Client(base_url=self.switch.url, timeout=10)

    def register(self, behaviour: str = "accept") -> None:
        r = httpx.post(self.payee_served.url + "/repository/parties",
                       json={"idType": "MSISDN", "idValue": MSISDN, "firstName": "Priya", "lastName": "Nair", "behaviour": behaviour})
        assert r.status_code == 204, r.text

    def send(self, method: str, path: str, resource: str, body: Any, as_fsp: str = "inbank", **headers: str) -> httpx.Response:
        media = f"application/vnd.interoperability.{resource}+json;version=1.1"
        token = {fsp: t for t, fsp in TOKENS.items()}[as_fsp]
        return self.http.request(method, path, json=body, headers={
            "Authorization": f"Bearer {token}", "FSPIOP-Source": as_fsp, "Accept": media, "Content-Type": media,
            "Date": format_datetime(datetime.now(timezone.utc), usegmt=True), **headers})

    def quote(self, sent: str = "20000", fee: str = "149") -> tuple[str, str, dict[str, Any]]:
        quote_id = str(uuid.uuid4())
        body = {"quoteId": quote_id, "transactionId": str(uuid.uuid4()), "amountType": "SEND",
                "amount": {"currency": "INR", "amount": sent}, "fees": {"currency": "INR", "amount": fee},
                "payee": {"partyIdInfo": {"partyIdType": "MSISDN", "partyIdentifier": MSISDN, "fspId": "aebank"}},
                "payer": {"partyIdInfo": {"partyIdType": "MSISDN", "partyIdentifier": "919820000001", "fspId": "inbank"}},
                "transactionType": {"scenario": "TRANSFER", "initiator": "PAYER", "initiatorType": "CONSUMER"}}
        assert self.send("POST", "/quotes", "quotes", body, **{"FSPIOP-Destination": "aebank"}).status_code == 202
        _, path, headers, answer = self.payer.next()
        assert headers["fspiop-source"] == "switch" or path.endswith("/error")
        return quote_id, path, answer

    @staticmethod
    def transfer_body(quote: dict[str, Any], said: dict[str, Any] | None = None) -> dict[str, Any]:
        """The payer's POST /transfers on `quote`, a new id, expiring in a minute; `said`: its extensions."""
        body = {"transferId": str(uuid.uuid4()), "payerFsp": "inbank", "payeeFsp": "aebank", "amount": quote["transferAmount"],
                "ilpPacket": quote["ilpPacket"], "condition": quote["condition"],
                "expiration": stamp(datetime.now(timezone.utc) + timedelta(minutes=1))}
        return body if said is None else {**body, "extensionList": said}

    def transfer(self, quote: dict[str, Any], said: dict[str, Any] | None = None) -> tuple[str, str, dict[str, Any]]:
        body = self.transfer_body(quote, said)
        transfer_id = body["transferId"]
        assert self.send("POST", "/transfers", "transfers", body, **{"FSPIOP-Destination": "aebank"}).status_code == 202
        _, path, _, answer = self.payer.next()
        return transfer_id, path, answer

    def positions(self) -> dict[tuple[str, str], int]:
        return {(p["fsp"], p["currency"]): p["position"] for p in self.hub.switch.positions()}

    def close(self) -> None:
        self.http.close()
        for s in (self.switch, self.payer.served, self.fxp.served, self.payee_served):
            s.stop()
        self.payee.db.close()
        self.hub.db.close()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[FxWorld]:
    w = FxWorld(tmp_path, SQLiteDatabase(tmp_path / "switch.sqlite"))
    yield w
    w.close()


def shown(quote: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in quote["extensionList"]["extension"]}


def conserved(world: FxWorld) -> None:
    """Per currency, positions sum to zero and the books reconcile."""
    totals: dict[str, int] = {}
    for (_, currency), position in world.positions().items():
        totals[currency] = totals.get(currency, 0) + position
    assert set(totals.values()) <= {0} and world.hub.switch.reconcile() == []


def happy_path(world: FxWorld) -> None:
    world.register()
    quote_id, path, quote = world.quote()
    assert path == f"/quotes/{quote_id}", quote
    # 20,000 INR sent, 149 INR the payer FSP's fee; 19,851 INR at 0.043736 = 868.20 AED, less the payee FSP's 5 AED
    assert quote["transferAmount"] == {"currency": "INR", "amount": "19851"}
    assert quote["payeeReceiveAmount"] == {"currency": "AED", "amount": "863.2"}
    assert quote["payeeFspFee"] == {"currency": "AED", "amount": "5"}
    figures = shown(quote)
    assert (figures["fxProvider"], figures["fxRate"], figures["fxMidMarketRate"]) == ("fxdesk", "1 INR = 0.043736 AED", "1 INR = 0.0440 AED")
    assert (figures["amountSent"], figures["payerFspFee"], figures["fxMargin"]) == ("20000 INR", "149 INR", "119.1 INR")
    # fees 149 INR + 5 AED (113.63 INR at mid) + margin 119.10 INR = 381.73 INR, 1.91% of 20,000
    assert (figures["totalCost"], figures["totalCostPercent"], figures["sdg10cTargetPercent"], figures["withinSdg10cTarget"]) \
        == ("381.73 INR", "1.91", "3", "true")

    transfer_id, path, done = world.transfer(quote)
    assert path == f"/transfers/{transfer_id}" and done["transferState"] == COMMITTED, done
    s = world.hub.switch
    assert (s.find(transfer_id).state, s.find(transfer_id + ":fx").state) == (COMMITTED, COMMITTED)
    assert world.positions() == {("inbank", "INR"): 19_851_00, ("fxdesk", "INR"): -19_851_00,
                                 ("fxdesk", "AED"): 868_20, ("aebank", "AED"): -868_20}
    conserved(world)
    told = {world.fxp.next()[1] for _ in range(2)}
    assert told == {f"/transfers/{transfer_id}", f"/transfers/{transfer_id}:fx"}  # the FX provider hears of both legs


def test_a_cross_currency_quote_shows_the_full_cost_and_its_transfer_moves_both_currencies(world: FxWorld) -> None:
    happy_path(world)


def test_the_payers_own_extensions_reach_the_payee_with_the_fx_figures(world: FxWorld) -> None:
    """The originator's name (payerName) the payer FSP sends reaches the payee FSP, which screens it."""
    world.register()
    _, _, quote = world.quote()
    transfer_id, _, done = world.transfer(quote, said={"extension": [{"key": "payerName", "value": "Ravi Kumar"}]})
    assert done["transferState"] == COMMITTED
    [(forwarded,)] = world.hub.db.all("SELECT body FROM switch_callbacks WHERE fsp = 'aebank' AND method = 'POST' AND path = '/transfers'")
    said = shown(json.loads(forwarded))
    assert said["payerName"] == "Ravi Kumar" and said["fxProvider"] == "fxdesk"


def test_no_rate_for_the_pair_is_3201_and_the_payee_is_not_asked(world: FxWorld) -> None:
    world.hub.add_party("MSISDN", MSISDN, "aebank", "KES")  # the payee's account is in a currency no provider exchanges
    quote_id, path, error = world.quote()
    assert (path, error["errorInformation"]["errorCode"]) == (f"/quotes/{quote_id}/error", "3201")
    assert world.payee.received("/quotes") is None and world.hub.fx_quotes.find(quote_id) is None


def test_a_transfer_on_an_expired_quote_is_3302_and_reserves_nothing(world: FxWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(participant_module, "QUOTE_TTL", -timedelta(seconds=1))  # the payee's quote lapses at once
    world.register()
    _, _, quote = world.quote()
    transfer_id, path, error = world.transfer(quote)
    assert (path, error["errorInformation"]["errorCode"]) == (f"/transfers/{transfer_id}/error", "3302")
    assert world.hub.switch.find(transfer_id) is None and set(world.positions().values()) == {0}


def test_an_fx_provider_short_of_liquidity_refuses_both_legs(tmp_path: Path) -> None:
    world = FxWorld(tmp_path, SQLiteDatabase(tmp_path / "switch.sqlite"), fx_aed=100_00)  # it cannot pay out 868.20 AED
    try:
        world.register()
        _, _, quote = world.quote()
        transfer_id, path, error = world.transfer(quote)
        assert (path, error["errorInformation"]["errorCode"]) == (f"/transfers/{transfer_id}/error", "4001")
        assert world.hub.switch.find(transfer_id) is None and world.hub.switch.find(transfer_id + ":fx") is None
        assert set(world.positions().values()) == {0}
    finally:
        world.close()


def test_the_payee_declining_aborts_both_legs(world: FxWorld) -> None:
    world.register("reject")
    _, _, quote = world.quote()
    transfer_id, path, error = world.transfer(quote)
    assert (path, error["errorInformation"]["errorCode"]) == (f"/transfers/{transfer_id}/error", "5100")
    s = world.hub.switch
    assert (s.find(transfer_id).state, s.find(transfer_id + ":fx").state) == (ABORTED, ABORTED)
    assert set(world.positions().values()) == {0}
    conserved(world)


def test_expiry_aborts_both_legs_and_each_fsp_hears_under_its_id(world: FxWorld) -> None:
    world.register("silent")
    _, _, quote = world.quote()
    body = world.transfer_body(quote)
    transfer_id = body["transferId"]
    assert world.send("POST", "/transfers", "transfers", body).status_code == 202
    expired = world.hub.expire(datetime.now(timezone.utc) + timedelta(minutes=2))
    assert {t.id for t in expired} == {transfer_id, transfer_id + ":fx"}
    _, path, _, error = world.payer.next()
    assert (path, error["errorInformation"]["errorCode"]) == (f"/transfers/{transfer_id}/error", "3303")
    path, error = world.payee.wait([f"/transfers/{transfer_id}/error"], WAIT_S)
    assert error["errorInformation"]["errorCode"] == "3303"
    assert set(world.positions().values()) == {0}


def test_the_fx_provider_cannot_end_its_leg_alone(world: FxWorld) -> None:
    world.register("silent")
    _, _, quote = world.quote()
    body = world.transfer_body(quote)
    transfer_id = body["transferId"]
    assert world.send("POST", "/transfers", "transfers", body).status_code == 202
    done = {"fulfilment": "UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA", "completedTimestamp": stamp(datetime.now(timezone.utc)),
            "transferState": "COMMITTED"}
    refused = world.send("PUT", f"/transfers/{transfer_id}", "transfers", done, as_fsp="fxdesk")
    assert (refused.status_code, refused.json()["errorInformation"]["errorCode"]) == (400, "3100")
    error = {"errorInformation": {"errorCode": "5100", "errorDescription": "no"}}
    assert world.send("PUT", f"/transfers/{transfer_id}/error", "transfers", error, as_fsp="fxdesk").status_code == 400
    s = world.hub.switch
    assert (s.find(transfer_id).state, s.find(transfer_id + ":fx").state) == ("RESERVED", "RESERVED")
