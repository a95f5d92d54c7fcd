"""GSMA Mobile Money API v1.1.2: a third party moves money in the provider's wallets over HTTP.
Requests are checked against the specification's OpenAPI document (copied with its MIT licence
into src/baobab/wallet/mmapi_spec/), and what we answer or call back is checked against it too."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from baobab.core.errors import BaobabError
from baobab.wallet.mmapi import MobileMoneyApi
from baobab.wallet.mmapi_routes import mmapi_router
from baobab.wallet.mmapi_spec import spec
from baobab.wallet.provider import Provider
from tests.wallet.test_provider import ADA, BAYO, DAY, N, provider

NGO = "+2348021112222"
SHOP = "+2348033334444"


class World:
    def __init__(self, p: Provider) -> None:
        self.p = p
        self.api = MobileMoneyApi(p)
        app = FastAPI()
        app.include_router(mmapi_router(self.api), prefix="/mm")
        self.http = TestClient(app)
        p.register(NGO, "Green Harvest NGO", tier=3, by="agent-17", pin="1357", at=DAY)
        p.register(SHOP, "Mama Put Kitchen", tier=3, by="agent-17", pin="1357", at=DAY)
        p.add_merchant("7001", SHOP, "Mama Put Kitchen")
        p.cash_in("agent-17", NGO, 90_000 * N, at=DAY)
        p.cash_in("agent-17", ADA, 2_000 * N, at=DAY)
        self.ngo_key = self.api.clients.issue("GREEN-NGO", NGO)
        self.shop_key = self.api.clients.issue("MAMA-PUT", SHOP)

    def post(self, path: str, body: Any, key: str, **headers: str) -> httpx.Response:
        return self.http.post(f"/mm{path}", json=body, headers={"X-API-Key": key, **headers})

    def get(self, path: str, key: str) -> httpx.Response:
        return self.http.get(f"/mm{path}", headers={"X-API-Key": key})


@pytest.fixture
def w(tmp_path: Path) -> Iterator[World]:
    world = World(provider(tmp_path))
    yield world
    world.p.db.close()


def tx(amount: str, payer: str, payee: str, kind: str = "disbursement", **more: Any) -> dict[str, Any]:
    return {"amount": amount, "currency": "NGN", "type": kind, "debitParty": [{"key": "msisdn", "value": payer}],
            "creditParty": [{"key": "msisdn", "value": payee}], **more}


def valid(schema: str, body: Any) -> Any:
    assert spec().check_schema(schema, body) == [], spec().check_schema(schema, body)
    return body


def error_of(response: httpx.Response, status: int, category: str, code: str) -> dict[str, Any]:
    body = valid("errorObject", response.json())
    assert (response.status_code, body["errorCategory"], body["errorCode"]) == (status, category, code), body
    return body  # type: ignore[no-any-return]


def test_an_ngo_disburses_from_its_wallet_and_reads_the_transaction(w: World) -> None:
    r = w.post("/transactions", tx("2500", NGO, BAYO, descriptionText="seed grant"), w.ngo_key)
    state = valid("requestStateObject", r.json())
    assert r.status_code == 202 and state["status"] == "completed" and state["notificationMethod"] == "polling"
    assert w.p.balance(BAYO) == 2_500 * N and w.p.balance(NGO) == (90_000 - 2_500 - 10) * N  # the tariff's fee
    got = valid("responseTransaction", w.get(f"/transactions/{state['objectReference']}", w.ngo_key).json())
    assert got["amount"] == "2500" and got["transactionStatus"] == "completed" and got["descriptionText"] == "seed grant"
    assert got["fees"] == [{"feeType": "transfer fee", "feeAmount": "10", "feeCurrency": "NGN"}]
    polled = valid("requestStateObject", w.get(f"/requeststates/{state['serverCorrelationId']}", w.ngo_key).json())
    assert polled == state
    assert w.get(f"/requeststates/{state['serverCorrelationId']}", w.shop_key).status_code == 404  # not its request


@pytest.mark.parametrize("body, code", [
    (tx("2500.00", NGO, BAYO), "formatError"),                           # the spec writes no trailing zeros
    ({k: v for k, v in tx("25", NGO, BAYO).items() if k != "creditParty"}, "mandatoryValueNotSupplied"),
    (tx("25", NGO, BAYO, kind="lottery"), "formatError"),
    (tx("25", NGO, BAYO, currency="XYZ"), "formatError"),
])
def test_a_body_the_specification_refuses_changes_nothing(w: World, body: dict[str, Any], code: str) -> None:
    before = (w.p.balance(NGO), w.p.balance(BAYO))
    error_of(w.post("/transactions", body, w.ngo_key), 400, "validation", code)
    assert (w.p.balance(NGO), w.p.balance(BAYO)) == before


@pytest.mark.parametrize("body, status, category, code", [
    (tx("3001", NGO, BAYO), 400, "businessRule", "greaterThanTransactionMaxValue"),   # Bayo is tier 1: 3,000 at once
    (tx("95000", NGO, SHOP), 400, "businessRule", "insufficientFunds"),
    (tx("25", NGO, NGO), 400, "businessRule", "samePartiesError"),
    (tx("25", NGO, "+2348099999999"), 404, "identification", "identifierError"),
    (tx("25", NGO, BAYO, currency="GHS"), 400, "validation", "currencyNotSupported"),
    (tx("25", NGO, BAYO, kind="billpay"), 400, "validation", "transactionTypeError"),
    (tx("0", NGO, BAYO), 400, "validation", "negativeValue"),
])
def test_a_refused_transaction_has_the_specifications_error_and_moves_nothing(w: World, body: dict[str, Any], status: int,
                                                                             category: str, code: str) -> None:
    before = {m: w.p.balance(m) for m in (NGO, BAYO, SHOP)}
    error_of(w.post("/transactions", body, w.ngo_key), status, category, code)
    assert {m: w.p.balance(m) for m in (NGO, BAYO, SHOP)} == before


def test_a_request_without_a_valid_api_key_is_refused(w: World) -> None:
    error_of(w.post("/transactions", tx("25", NGO, BAYO), "not-a-key"), 401, "authorisation", "clientAuthorisationError")
    error_of(w.get(f"/accounts/msisdn/{NGO}/balance", ""), 401, "authorisation", "clientAuthorisationError")


def test_a_merchant_collects_once_the_customer_authorises_with_the_pin_and_is_called_back(w: World) -> None:
    body = tx("1200", ADA, SHOP, kind="merchantpay")
    body["creditParty"] = [{"key": "storeid", "value": "7001"}]
    r = w.post("/transactions", body, w.shop_key, **{"X-Callback-URL": "https://shop.example/cb", "X-CorrelationID": str(uuid.uuid4())})
    state = valid("requestStateObject", r.json())
    assert state["status"] == "pending" and state["notificationMethod"] == "callback" and w.p.balance(SHOP) == 0
    waiting = w.api.waiting_for(ADA)
    assert [(x["server_id"], x["to"], x["amount"]["minor"]) for x in waiting] == [(state["serverCorrelationId"], SHOP, 1_200 * N)]
    with pytest.raises(BaobabError, match="wrong PIN"):
        w.api.authorise(ADA, state["serverCorrelationId"], pin="0000")   # a wrong PIN moves nothing
    assert w.p.balance(SHOP) == 0
    done = w.api.authorise(ADA, state["serverCorrelationId"], pin="2468")
    assert done["status"] == "completed" and w.p.balance(SHOP) == 1_200 * N
    [callback] = w.api.outbox.pending()
    assert callback["fsp"] == "https://shop.example/cb" and callback["method"] == "PUT"
    sent = valid("responseTransaction", callback["body"])
    assert sent["transactionReference"] == done["objectReference"] and sent["creditParty"] == [{"key": "storeid", "value": "7001"}]
    delivered: list[httpx.Request] = []

    async def deliver() -> None:
        transport = httpx.MockTransport(lambda req: delivered.append(req) or httpx.Response(204))
        async with httpx.AsyncClient(transport=transport) as client:
            await w.api.outbox.deliver_due(client)
    asyncio.run(deliver())
    assert [(r.method, str(r.url)) for r in delivered] == [("PUT", "https://shop.example/cb")] and w.api.outbox.pending() == []


def test_a_collection_nobody_authorises_expires_and_moves_nothing(w: World) -> None:
    state = w.api.create_transaction(w.api.clients.authenticate(w.shop_key), tx("500", ADA, SHOP, kind="merchantpay"),
                                     callback_url="https://shop.example/cb", at=DAY)
    later = w.api.request_state(w.api.clients.authenticate(w.shop_key), state["serverCorrelationId"], at=DAY + timedelta(minutes=6))
    assert later["status"] == "failed" and later["error"]["errorCode"] == "requestDeclined"
    assert w.p.balance(SHOP) == 0 and w.api.waiting_for(ADA, at=DAY + timedelta(minutes=6)) == []
    assert valid("errorObject", w.api.outbox.pending()[0]["body"])["errorCategory"] == "businessRule"


def test_a_repeated_correlation_id_pays_once_and_a_reused_one_is_a_duplicate(w: World) -> None:
    cid = str(uuid.uuid4())
    first = w.post("/transactions", tx("100", NGO, BAYO), w.ngo_key, **{"X-CorrelationID": cid}).json()
    again = w.post("/transactions", tx("100", NGO, BAYO), w.ngo_key, **{"X-CorrelationID": cid}).json()
    assert first == again and w.p.balance(BAYO) == 100 * N
    error_of(w.post("/transactions", tx("200", NGO, BAYO), w.ngo_key, **{"X-CorrelationID": cid}), 400, "businessRule", "duplicateRequest")
    error_of(w.post("/transactions", tx("200", NGO, BAYO), w.ngo_key, **{"X-CorrelationID": "not-a-uuid"}), 400, "validation", "formatError")
    assert w.p.balance(BAYO) == 100 * N


def test_a_mistaken_payment_is_reversed_once_the_payee_consents(w: World) -> None:
    paid = w.post("/transactions", tx("700", NGO, BAYO), w.ngo_key).json()["objectReference"]
    r = w.post(f"/transactions/{paid}/reversals", {"type": "reversal", "descriptionText": "wrong farmer"}, w.ngo_key)
    state = valid("requestStateObject", r.json())
    assert r.status_code == 202 and state["status"] == "pending" and w.p.balance(BAYO) == 700 * N
    [waiting] = w.api.waiting_for(BAYO)
    assert waiting["kind"] == "reversal" and waiting["to"] == NGO
    done = w.api.authorise(BAYO, state["serverCorrelationId"], pin="2468")
    assert done["status"] == "completed" and w.p.balance(BAYO) == 0
    reversal = valid("responseTransaction", w.get(f"/transactions/{done['objectReference']}", w.ngo_key).json())
    assert reversal["type"] == "reversal" and reversal["originalTransactionReference"] == paid
    error_of(w.post(f"/transactions/{paid}/reversals", {"type": "reversal"}, w.ngo_key), 400, "businessRule", "incorrectState")
    error_of(w.post(f"/transactions/{paid}/reversals", {"type": "reversal"}, w.shop_key), 404, "identification", "genericError")


def test_a_client_reads_its_own_balance_and_statement_only(w: World) -> None:
    w.post("/transactions", tx("300", NGO, BAYO), w.ngo_key)
    r = w.get(f"/accounts/msisdn/{NGO}/balance", w.ngo_key)
    assert r.status_code == 200 and valid("responseAccountBalance", r.json()) == {
        "currentBalance": str(90_000 - 300 - 10), "availableBalance": str(90_000 - 300 - 10), "currency": "NGN",
        "accountStatus": "available"}
    entries = w.get(f"/accounts/msisdn/{NGO}/transactions?limit=5", w.ngo_key).json()
    assert [e["amount"] for e in entries] == ["300", "90000"] and all(valid("responseTransaction", e) for e in entries)
    error_of(w.get(f"/accounts/msisdn/{ADA}/balance", w.ngo_key), 401, "authorisation", "clientAuthorisationError")
    error_of(w.get(f"/accounts/walletid/{NGO}/balance", w.ngo_key), 400, "validation", "identifierError")


def test_a_quotation_gives_the_fee_before_paying(w: World) -> None:
    body = {"requestDate": "2026-12-03T09:00:00Z", "requestAmount": "6000", "requestCurrency": "NGN", "type": "transfer",
            "debitParty": [{"key": "msisdn", "value": NGO}], "creditParty": [{"key": "msisdn", "value": BAYO}]}
    r = w.post("/quotations", body, w.ngo_key)
    quotation = valid("responseQuotation", r.json())
    assert r.status_code == 201 and quotation["quotes"][0]["fees"] == [{"feeType": "transfer fee", "feeAmount": "25", "feeCurrency": "NGN"}]
    assert w.get(f"/quotations/{quotation['quotationReference']}", w.ngo_key).json() == quotation
    assert w.get(f"/quotations/{quotation['quotationReference']}", w.shop_key).status_code == 404
    error_of(w.post("/quotations", {**body, "requestCurrency": "KES"}, w.ngo_key), 400, "validation", "currencyNotSupported")
    assert w.http.get("/mm/heartbeat").json() == {"serviceStatus": "available"}


def test_a_batch_pays_each_line_on_its_own_and_reports_rejections_and_completions(w: World) -> None:
    lines = [tx("1000", NGO, BAYO, requestingOrganisationTransactionReference="grant-1"),
             tx("3500", NGO, ADA, requestingOrganisationTransactionReference="grant-2"),     # Ada is tier 1: 3,000 at once
             tx("500", NGO, "+2348099999999", requestingOrganisationTransactionReference="grant-3"),  # no such wallet
             tx("200", ADA, BAYO, requestingOrganisationTransactionReference="grant-4"),     # not the NGO's wallet
             tx("700", NGO, SHOP, kind="merchantpay", requestingOrganisationTransactionReference="grant-5")]
    r = w.post("/batchtransactions", {"batchTitle": "December grants", "transactions": lines}, w.ngo_key,
               **{"X-Callback-URL": "https://ngo.example/batch"})
    state = valid("requestStateObject", r.json())
    assert r.status_code == 202 and state["status"] == "completed"
    batch = valid("responseBatchTransaction", w.get(f"/batchtransactions/{state['objectReference']}", w.ngo_key).json())
    assert (batch["completedCount"], batch["rejectionCount"], batch["batchTitle"]) == (2, 3, "December grants")
    rejected = w.get(f"/batchtransactions/{batch['batchId']}/rejections", w.ngo_key).json()
    assert all(valid("responseBatchTransactionRejection", x) for x in rejected)
    assert [(x["requestingOrganisationTransactionReference"], x["rejectionReason"].split(":")[0]) for x in rejected] == [
        ("grant-2", "greaterThanTransactionMaxValue"), ("grant-3", "identifierError"), ("grant-4", "clientAuthorisationError")]
    completed = w.get(f"/batchtransactions/{batch['batchId']}/completions", w.ngo_key).json()
    assert all(valid("responseBatchTransactionCompletion", x) for x in completed)
    assert [x["requestingOrganisationTransactionReference"] for x in completed] == ["grant-1", "grant-5"]
    assert w.p.balance(BAYO) == 1_000 * N and w.p.balance(SHOP) == 700 * N and w.p.balance(ADA) == 2_000 * N
    assert valid("responseBatchTransaction", w.api.outbox.pending()[0]["body"])["completedCount"] == 2
    assert w.get(f"/batchtransactions/{batch['batchId']}", w.shop_key).status_code == 404    # another client's batch
    error_of(w.post("/batchtransactions", {"transactions": []}, w.ngo_key), 400, "validation", "formatError")


def patch(w: World, batch: str, key: str, value: str = "approved", **headers: str) -> httpx.Response:
    return w.http.patch(f"/mm/batchtransactions/{batch}", json=[{"op": "replace", "path": "/batchStatus", "value": value}],
                        headers={"X-API-Key": key, **headers})


def test_a_created_batch_waits_unpaid_until_a_second_client_of_the_wallet_approves_it(w: World) -> None:
    lines = [tx("1000", NGO, BAYO, requestingOrganisationTransactionReference="grant-1"),
             tx("3500", NGO, ADA, requestingOrganisationTransactionReference="grant-2")]     # over Ada's tier: rejected
    r = w.post("/batchtransactions", {"batchTitle": "January grants", "batchStatus": "created", "transactions": lines},
               w.ngo_key, **{"X-Callback-URL": "https://ngo.example/batch"})
    batch_id = valid("requestStateObject", r.json())["objectReference"]
    created = valid("responseBatchTransaction", w.get(f"/batchtransactions/{batch_id}", w.ngo_key).json())
    assert (created["batchStatus"], created["processingFlag"], created["completedCount"], created["rejectionCount"]) == (
        "created", False, 0, 0)
    assert w.get(f"/batchtransactions/{batch_id}/rejections", w.ngo_key).json() == [] and w.p.balance(BAYO) == 0
    error_of(patch(w, batch_id, w.ngo_key), 403, "authorisation", "clientAuthorisationError")   # its maker cannot approve
    error_of(patch(w, batch_id, w.shop_key), 404, "identification", "genericError")             # nor another wallet's client
    error_of(patch(w, batch_id, w.ngo_key, value="completed"), 400, "validation", "formatError")
    assert w.p.balance(BAYO) == 0 and w.p.balance(NGO) == 90_000 * N
    checker = w.api.clients.issue("GREEN-NGO-FINANCE", NGO)       # the NGO's second user, on the same wallet
    approved = patch(w, batch_id, checker, **{"X-Callback-URL": "https://ngo.example/approved"})
    assert approved.status_code == 202 and valid("requestStateObject", approved.json())["status"] == "completed"
    done = valid("responseBatchTransaction", w.get(f"/batchtransactions/{batch_id}", w.ngo_key).json())
    assert (done["batchStatus"], done["completedCount"], done["rejectionCount"]) == ("completed", 1, 1)
    [rejected] = w.get(f"/batchtransactions/{batch_id}/rejections", w.ngo_key).json()
    assert rejected["requestingOrganisationTransactionReference"] == "grant-2"
    assert rejected["rejectionReason"].startswith("greaterThanTransactionMaxValue")
    assert w.p.balance(BAYO) == 1_000 * N and w.p.balance(ADA) == 2_000 * N
    error_of(patch(w, batch_id, checker), 400, "businessRule", "incorrectState")                # paid once
    assert w.p.balance(BAYO) == 1_000 * N
    assert valid("responseBatchTransaction", w.api.outbox.pending()[-1]["body"])["batchStatus"] == "completed"


def test_a_client_lists_the_bill_companies_and_pays_a_bill_with_its_reference(w: World) -> None:
    w.p.register("+2348069990000", "Ikeja Electric", tier=3, by="agent-17", pin="4444", at=DAY)
    w.p.add_biller("101", "+2348069990000", "Ikeja Electric")
    companies = w.get(f"/accounts/msisdn/{NGO}/billcompanies", w.ngo_key).json()
    assert [valid("responseBillCompanies", c)["serviceProvider"] for c in companies] == ["101"]
    r = w.post("/accounts/accountid/101/bills/0412-778-31/payments",
               {"currency": "NGN", "amountPaid": "1500", "customerReference": "school block B"}, w.ngo_key)
    paid = valid("responseBillPayment", r.json())
    assert r.status_code == 201 and paid["billPaymentStatus"] == "completed"
    [movement] = w.p.statement("+2348069990000")
    assert movement["id"] == paid["serviceProviderPaymentReference"] and movement["reference"] == "bill 101 0412-778-31"
    assert movement["amount"]["minor"] == 1_500 * N and movement["payer"] == NGO
    error_of(w.post("/accounts/accountid/999/bills/0412/payments", {"currency": "NGN", "amountPaid": "10"}, w.ngo_key),
             404, "identification", "identifierError")
    error_of(w.post("/accounts/accountid/101/bills/0412/payments", {"currency": "NGN"}, w.ngo_key),
             400, "validation", "mandatoryValueNotSupplied")
    error_of(w.post("/accounts/accountid/101/bills/0412/payments", {"currency": "NGN", "amountPaid": "10"}, "no key"),
             401, "authorisation", "clientAuthorisationError")
    assert w.p.balance("+2348069990000") == 1_500 * N


def test_a_biller_presents_a_bill_the_client_sees_it_and_pays_it_down_as_the_partial_payment_rules_allow(w: World) -> None:
    w.p.register("+2348069990000", "Ikeja Electric", tier=3, by="agent-17", pin="4444", at=DAY)
    w.p.add_biller("101", "+2348069990000", "Ikeja Electric")
    w.p.present_bill("101", NGO, "INV-2026-11", 3_000 * N, due="2026-12-20", description="November power", minimum=1_000 * N)
    w.p.present_bill("101", NGO, "INV-2026-12", 500 * N, due="2027-01-20")          # no minimum: paid in full only
    bills = [valid("responseBills", b) for b in w.get(f"/accounts/msisdn/{NGO}/bills", w.ngo_key).json()]
    assert [(b["billReference"], b["amountDue"], b["minimumAmountDue"], b["billStatus"]) for b in bills] == [
        ("INV-2026-11", "3000", "1000", "unpaid"), ("INV-2026-12", "500", "500", "unpaid")]
    pay = lambda ref, amount, **more: w.post(f"/accounts/accountid/101/bills/{ref}/payments",  # noqa: E731
                                             {"currency": "NGN", "amountPaid": amount, **more}, w.ngo_key)
    error_of(pay("INV-2026-11", "999.99"), 400, "businessRule", "underPaymentNotAllowed")   # below the minimum
    error_of(pay("INV-2026-11", "3000.01"), 400, "businessRule", "overPaymentNotAllowed")   # more than is due
    error_of(pay("INV-2026-11", "1200", paymentType="fullpayment"), 400, "businessRule", "underPaymentNotAllowed")
    error_of(pay("INV-2026-12", "100"), 400, "businessRule", "underPaymentNotAllowed")       # no partial payment
    assert w.p.balance("+2348069990000") == 0                                                # nothing moved
    assert valid("responseBillPayment", pay("INV-2026-11", "1200", paymentType="partialpayment").json())["paymentType"] == "partialpayment"
    [first, _] = w.get(f"/accounts/msisdn/{NGO}/bills", w.ngo_key).json()
    assert (first["amountDue"], first["minimumAmountDue"], first["billStatus"]) == ("1800", "1000", "partialpaid")
    assert pay("INV-2026-11", "1800").status_code == 201                                    # the rest: always allowed
    assert pay("INV-2026-12", "500", paymentType="fullpayment").status_code == 201
    assert w.get(f"/accounts/msisdn/{NGO}/bills", w.ngo_key).json() == []                   # all paid
    error_of(pay("INV-2026-11", "1"), 400, "businessRule", "incorrectState")
    assert w.p.balance("+2348069990000") == 3_500 * N and w.p.bills(NGO, open_only=False)[0]["status"] == "paid"
    error_of(w.get(f"/accounts/msisdn/{ADA}/bills", w.ngo_key), 401, "authorisation", "clientAuthorisationError")


def test_a_bill_is_presented_once_to_a_wallet_with_a_valid_amount_and_date(w: World) -> None:
    w.p.register("+2348069990000", "Ikeja Electric", tier=3, by="agent-17", pin="4444", at=DAY)
    w.p.add_biller("101", "+2348069990000", "Ikeja Electric")
    w.p.present_bill("101", ADA, "A-1", 100 * N, due="2026-12-31")
    for args, code in ((("101", ADA, "A-1", 100 * N), "BILL_EXISTS"), (("999", ADA, "A-2", 100 * N), "NO_WALLET"),
                       (("101", "+2348000000001", "A-2", 100 * N), "NO_WALLET"), (("101", ADA, "A 2", 100 * N), "BAD_BILL_REFERENCE"),
                       (("101", ADA, "A-2", 0), "BAD_AMOUNT")):
        with pytest.raises(BaobabError) as refused:
            w.p.present_bill(*args, due="2026-12-31")  # type: ignore[arg-type]
        assert refused.value.code == code
    for due, minimum, code in (("31/12/2026", None, "BAD_DATE"), ("2026-12-31", 101 * N, "BAD_AMOUNT")):
        with pytest.raises(BaobabError) as refused:
            w.p.present_bill("101", ADA, "A-3", 100 * N, due=due, minimum=minimum)
        assert refused.value.code == code
    assert [b["reference"] for b in w.p.bills(ADA)] == ["A-1"]
