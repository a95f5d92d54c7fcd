"""The hub operator's administration API over real HTTP, in central-ledger's and
central-settlement's shapes: onboarding, caps, funds in and out, endpoints, settlement."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from decimal import Decimal
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request

from baobab.pay.admin import admin_router
from baobab.pay.errors import FspiopError
from baobab.pay.hub import Hub
from baobab.pay.store import SQLiteDatabase
from baobab.pay.switch import condition_of, stamp
from tests.pay.servers import Served

FULFILMENT = "UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA"
OPERATOR = {"Authorization": "Bearer operator-token"}


async def operator(request: Request) -> str:
    if request.headers.get("authorization") != OPERATOR["Authorization"]:
        raise FspiopError("3000", "the operator's credentials are required")
    return "hub_operator"


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[tuple[Hub, httpx.Client]]:
    h = Hub(SQLiteDatabase(tmp_path / "switch.sqlite"))
    app = FastAPI()
    app.include_router(admin_router(h, operator))
    served = Served(app)
    with httpx.Client(base_url=served.url, headers=OPERATOR, timeout=10) as client:
        yield h, client
    served.stop()
    h.db.close()


def onboard(client: httpx.Client, name: str, cap: str = "1000000", funds: str = "5000") -> dict[str, Any]:
    assert client.post("/participants", json={"name": name, "currency": "USD"}).status_code == 201
    r = client.post(f"/participants/{name}/initialPositionAndLimits",
                    json={"currency": "USD", "limit": {"type": "NET_DEBIT_CAP", "value": cap}, "initialPosition": 0})
    assert r.status_code == 201, r.text
    settlement = next(a for a in client.get(f"/participants/{name}/accounts").json() if a["ledgerAccountType"] == "SETTLEMENT")
    r = client.post(f"/participants/{name}/accounts/{settlement['id']}",
                    json={"transferId": str(uuid.uuid4()), "externalReference": "deposit", "action": "recordFundsIn",
                          "reason": "opening", "amount": {"amount": funds, "currency": "USD"}})
    assert r.status_code == 202, r.text
    return settlement


def exact(r: httpx.Response) -> Any:
    """The body with its JSON numbers read as decimals (central-ledger writes amounts as numbers)."""
    return json.loads(r.text, parse_float=Decimal)


def accounts(client: httpx.Client, name: str) -> dict[str, dict[str, Any]]:
    return {a["ledgerAccountType"]: a for a in client.get(f"/participants/{name}/accounts").json()}


def test_without_the_operators_credentials_nothing_happens(hub: tuple[Hub, httpx.Client]) -> None:
    h, client = hub
    r = client.post("/participants", json={"name": "dfsp1", "currency": "USD"}, headers={"Authorization": "Bearer x"})
    assert r.status_code == 401 and r.json()["errorInformation"]["errorCode"] == "3000"
    assert h.endpoint("dfsp1") is None


def test_onboarding_funds_in_shows_as_central_ledger_does(hub: tuple[Hub, httpx.Client]) -> None:
    h, client = hub
    onboard(client, "dfsp1")
    body = client.get("/participants/dfsp1").json()
    assert body["name"] == "dfsp1" and body["isActive"] == 1
    acc = accounts(client, "dfsp1")
    assert acc["SETTLEMENT"]["value"] == -5000  # liquidity held at the settlement bank shows negative
    assert acc["POSITION"]["value"] == 0
    assert h.switch.liquidity("dfsp1", "USD") == 500_000
    assert client.get("/participants/dfsp1/limits").json() == [
        {"currency": "USD", "limit": {"type": "NET_DEBIT_CAP", "value": 1000000, "alarmPercentage": 10}}]
    again = client.post("/participants", json={"name": "dfsp1", "currency": "USD"})
    assert again.status_code == 400 and again.json()["errorInformation"]["errorCode"] == "3003"
    assert client.post("/participants", json={"name": "dfsp1", "currency": "EUR"}).status_code == 201
    assert {a["currency"] for a in client.get("/participants/dfsp1/accounts").json()} == {"USD", "EUR"}


def test_floating_point_and_unknown_accounts_are_refused_and_change_nothing(hub: tuple[Hub, httpx.Client]) -> None:
    h, client = hub
    settlement = onboard(client, "dfsp1")
    r = client.post(f"/participants/dfsp1/accounts/{settlement['id']}",
                    json={"transferId": "t1", "action": "recordFundsIn", "amount": {"amount": 10.5, "currency": "USD"}})
    assert r.status_code == 400 and r.json()["errorInformation"]["errorCode"] == "3101"
    r = client.post("/participants/dfsp1/accounts/999",
                    json={"transferId": "t2", "action": "recordFundsIn", "amount": {"amount": "10", "currency": "USD"}})
    assert r.status_code == 404 and r.json()["errorInformation"]["errorCode"] == "3200"
    assert h.switch.liquidity("dfsp1", "USD") == 500_000


def test_funds_out_is_reserved_then_committed_or_aborted_and_never_uncovers_the_position(hub: tuple[Hub, httpx.Client]) -> None:
    h, client = hub
    settlement = onboard(client, "dfsp1")
    onboard(client, "dfsp2")
    h.switch.prepare({"transferId": "p1", "payerFsp": "dfsp1", "payeeFsp": "dfsp2", "amount": {"currency": "USD", "minor": 300_000},
                      "condition": condition_of(FULFILMENT),
                      "expiration": stamp(datetime.now(timezone.utc) + timedelta(minutes=1))}, source="dfsp1")

    def out(transfer_id: str, amount: str) -> httpx.Response:
        return client.post(f"/participants/dfsp1/accounts/{settlement['id']}",
                           json={"transferId": transfer_id, "externalReference": "x", "action": "recordFundsOutPrepareReserve",
                                 "reason": "r", "amount": {"amount": amount, "currency": "USD"}})

    too_much = out("w0", "2500")  # 5,000 held, 3,000 reserved by the transfer: 2,000 may leave
    assert too_much.status_code == 400 and too_much.json()["errorInformation"]["errorCode"] == "4001"
    assert out("w1", "1500").status_code == 202
    assert accounts(client, "dfsp1")["SETTLEMENT"]["reservedValue"] == 1500
    assert out("w2", "600").json()["errorInformation"]["errorCode"] == "4001"  # the reservation counts
    abort = client.put(f"/participants/dfsp1/accounts/{settlement['id']}/transfers/w1", json={"action": "recordFundsOutAbort", "reason": "r"})
    assert abort.status_code == 202
    assert accounts(client, "dfsp1")["SETTLEMENT"]["reservedValue"] == 0
    assert out("w3", "2000").status_code == 202
    commit = client.put(f"/participants/dfsp1/accounts/{settlement['id']}/transfers/w3", json={"action": "recordFundsOutCommit", "reason": "r"})
    assert commit.status_code == 202
    assert h.switch.liquidity("dfsp1", "USD") == 300_000
    twice = client.put(f"/participants/dfsp1/accounts/{settlement['id']}/transfers/w3", json={"action": "recordFundsOutAbort"})
    assert twice.status_code == 400 and h.switch.liquidity("dfsp1", "USD") == 300_000
    assert h.switch.reconcile() == []


def test_endpoints_tell_the_switch_where_to_call_back(hub: tuple[Hub, httpx.Client]) -> None:
    h, client = hub
    onboard(client, "dfsp1")
    for kind, value in (("FSPIOP_CALLBACK_URL_TRANSFER_POST", "http://dfsp1.example:4040/transfers"),
                        ("FSPIOP_CALLBACK_URL_TRANSFER_PUT", "http://dfsp1.example:4040/transfers/{{transferId}}")):
        assert client.post("/participants/dfsp1/endpoints", json={"type": kind, "value": value}).status_code == 201
    assert h.endpoint("dfsp1") == "http://dfsp1.example:4040"
    assert {e["type"] for e in client.get("/participants/dfsp1/endpoints").json()} == {
        "FSPIOP_CALLBACK_URL_TRANSFER_POST", "FSPIOP_CALLBACK_URL_TRANSFER_PUT"}


def test_a_lower_cap_refuses_transfers_with_4200_and_deactivation_blocks_the_payer(hub: tuple[Hub, httpx.Client]) -> None:
    h, client = hub
    onboard(client, "dfsp1")
    onboard(client, "dfsp2")
    assert client.put("/participants/dfsp1/limits", json={"currency": "USD", "limit": {"type": "NET_DEBIT_CAP", "value": "10"}}).status_code == 200
    terms = {"payerFsp": "dfsp1", "payeeFsp": "dfsp2", "amount": {"currency": "USD", "minor": 2_000},
             "condition": condition_of(FULFILMENT), "expiration": stamp(datetime.now(timezone.utc) + timedelta(minutes=1))}
    with pytest.raises(FspiopError) as capped:
        h.switch.prepare({**terms, "transferId": "c1"}, source="dfsp1")
    assert capped.value.code == "4200"
    assert client.put("/participants/dfsp1", json={"isActive": False}).json()["isActive"] == 0
    client.put("/participants/dfsp1/limits", json={"currency": "USD", "limit": {"type": "NET_DEBIT_CAP", "value": "1000"}})
    with pytest.raises(FspiopError) as blocked:
        h.switch.prepare({**terms, "transferId": "c2"}, source="dfsp1")
    assert blocked.value.code == "4400"


def test_a_window_closes_settles_and_brings_positions_back_to_zero(hub: tuple[Hub, httpx.Client]) -> None:
    h, client = hub
    onboard(client, "dfsp1")
    onboard(client, "dfsp2")
    h.switch.prepare({"transferId": "s1", "payerFsp": "dfsp1", "payeeFsp": "dfsp2", "amount": {"currency": "USD", "minor": 12_345},
                      "condition": condition_of(FULFILMENT),
                      "expiration": stamp(datetime.now(timezone.utc) + timedelta(minutes=1))}, source="dfsp1")
    h.switch.fulfil("s1", FULFILMENT, source="dfsp2")
    assert exact(client.get("/participants/dfsp1/positions"))[0]["value"] == Decimal("123.45")
    (open_window,) = client.get("/settlementWindows", params={"state": "OPEN"}).json()
    r = client.post(f"/settlementWindows/{open_window['settlementWindowId']}", json={"state": "CLOSED", "reason": "end of day"})
    assert r.status_code == 200 and r.json()["state"] == "OPEN"  # the next window
    r = client.post("/settlements", json={"settlementModel": "DEFERREDNET", "reason": "eod",
                                          "settlementWindows": [{"id": open_window["settlementWindowId"]}]})
    settlement = exact(r)
    assert settlement["state"] == "PENDING_SETTLEMENT"
    nets = {p["name"]: p["accounts"][0]["netSettlementAmount"]["amount"] for p in settlement["participants"]}
    assert nets == {"dfsp1": Decimal("123.45"), "dfsp2": Decimal("-123.45")}  # JSON numbers, exact
    back = client.put(f"/settlements/{settlement['id']}", json={"participants": [
        {"id": p["id"], "accounts": [{"id": a["id"], "state": "PENDING_SETTLEMENT", "reason": "x"} for a in p["accounts"]]}
        for p in settlement["participants"]]})
    assert back.status_code == 200
    first = settlement["participants"][0]
    partial = client.put(f"/settlements/{settlement['id']}", json={"participants": [
        {"id": first["id"], "accounts": [{"id": first["accounts"][0]["id"], "state": "SETTLED", "reason": "paid"}]}]}).json()
    assert partial["state"] == "PENDING_SETTLEMENT" and h.switch.position("dfsp1", "USD") == 12_345
    done = client.put(f"/settlements/{settlement['id']}", json={"participants": [
        {"id": p["id"], "accounts": [{"id": a["id"], "state": "SETTLED", "reason": "paid"} for a in p["accounts"]]}
        for p in settlement["participants"]]}).json()
    assert done["state"] == "SETTLED"
    assert h.switch.position("dfsp1", "USD") == 0 and h.switch.liquidity("dfsp1", "USD") == 500_000 - 12_345
    assert h.switch.liquidity("dfsp2", "USD") == 500_000 + 12_345
    regress = client.put(f"/settlements/{settlement['id']}", json={"participants": []})
    assert regress.status_code == 400
    assert h.switch.reconcile() == []


def test_an_fx_provider_publishes_its_rates_through_the_operator(hub: tuple[Hub, httpx.Client]) -> None:
    h, client = hub
    for currency in ("INR", "AED"):
        assert client.post("/participants", json={"name": "fxdesk", "currency": currency}).status_code == 201
    r = client.put("/participants/fxdesk/fxRates", json={"marginBasisPoints": 60, "rates": [
        {"sourceCurrency": "INR", "targetCurrency": "AED", "midRate": "0.0440"}]})
    assert r.status_code == 200 and r.json() == [{"sourceCurrency": "INR", "targetCurrency": "AED", "midRate": "0.0440",
                                                  "marginBasisPoints": 60, "appliedRate": "0.043736"}]
    assert h.fx.quote("INR", "AED").fxp == "fxdesk"
    for body, code in (({"marginBasisPoints": 60, "rates": [{"sourceCurrency": "INR", "targetCurrency": "KES", "midRate": "0.9"}]}, "3201"),
                       ({"marginBasisPoints": 60, "rates": [{"sourceCurrency": "INR", "targetCurrency": "AED", "midRate": "-1"}]}, "3101"),
                       ({"rates": []}, "3102")):
        refused = client.put("/participants/fxdesk/fxRates", json=body)
        assert refused.json()["errorInformation"]["errorCode"] == code
    assert client.get("/participants/fxdesk/fxRates").json()[0]["midRate"] == "0.0440"  # unchanged by the refusals
    assert client.get("/participants/nobody/fxRates").json()["errorInformation"]["errorCode"] == "3200"
