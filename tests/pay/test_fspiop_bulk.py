"""Bulk transfers and requests to pay over real HTTP (API Definition v1.1.1, 6.4 and 6.10): each
individual transfer of a bulk is reserved and settled on its own, and the payer learns every
outcome; a payee's request to pay travels to the payer's FSP and its answer back."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

from baobab.pay.switch import stamp
from tests.pay.test_fspiop_http import CONDITION, FULFILMENT, ILP_PACKET, World, world  # noqa: F401 (fixture)


def bulk(*amounts: str) -> dict[str, Any]:
    return {"bulkTransferId": str(uuid.uuid4()), "bulkQuoteId": str(uuid.uuid4()), "payerFsp": "payerfsp",
            "payeeFsp": "payeefsp", "expiration": stamp(datetime.now(timezone.utc) + timedelta(minutes=1)),
            "individualTransfers": [{"transferId": str(uuid.uuid4()), "transferAmount": {"currency": "USD", "amount": a},
                                     "ilpPacket": ILP_PACKET, "condition": CONDITION} for a in amounts]}


def test_a_bulk_settles_each_transfer_and_the_payer_learns_every_outcome(world: World) -> None:
    body = bulk("100", "200", "300")  # the payer placed 500 USD: the third cannot be covered (4001)
    assert world.send("POST", "/bulkTransfers", "bulkTransfers", "payerfsp", body,
                      **{"FSPIOP-Destination": "payeefsp"}).status_code == 202
    forwarded = world.payee.next("POST", "/bulkTransfers")[3]
    first, second, third = (t["transferId"] for t in body["individualTransfers"])
    assert [t["transferId"] for t in forwarded["individualTransfers"]] == [first, second]
    results = {"bulkTransferState": "COMPLETED", "individualTransferResults": [
        {"transferId": first, "fulfilment": FULFILMENT},
        {"transferId": second, "errorInformation": {"errorCode": "5100", "errorDescription": "Unknown wallet"}}]}
    assert world.send("PUT", f"/bulkTransfers/{body['bulkTransferId']}", "bulkTransfers", "payeefsp", results).status_code == 200
    told = world.payer.next("PUT", f"/bulkTransfers/{body['bulkTransferId']}")[3]
    outcome = {r["transferId"]: r.get("fulfilment") or r["errorInformation"]["errorCode"] for r in told["individualTransferResults"]}
    assert told["bulkTransferState"] == "COMPLETED" and outcome == {first: FULFILMENT, second: "5100", third: "4001"}
    switch = world.hub.switch
    assert (switch.position("payerfsp", "USD"), switch.position("payeefsp", "USD")) == (100_00, -100_00)
    assert switch.reconcile() == []


def test_a_bulk_resent_with_other_terms_gets_3106_and_a_third_party_learns_nothing(world: World) -> None:
    body = bulk("10")
    world.send("POST", "/bulkTransfers", "bulkTransfers", "payerfsp", body)
    world.payee.next("POST", "/bulkTransfers")
    world.send("POST", "/bulkTransfers", "bulkTransfers", "payerfsp", {**body, "expiration": stamp(datetime.now(timezone.utc) + timedelta(minutes=2))})
    assert world.payer.next("PUT", f"/bulkTransfers/{body['bulkTransferId']}/error")[3]["errorInformation"]["errorCode"] == "3106"
    world.send("GET", f"/bulkTransfers/{body['bulkTransferId']}", "bulkTransfers", "otherfsp")
    assert world.other.next("PUT", f"/bulkTransfers/{body['bulkTransferId']}/error")[3]["errorInformation"]["errorCode"] == "3208"
    assert world.hub.switch.position("payerfsp", "USD") == 10_00  # the first sending stands, reserved


def test_a_bulk_none_of_which_can_be_covered_is_refused_to_the_payer(world: World) -> None:
    body = bulk("600")
    world.send("POST", "/bulkTransfers", "bulkTransfers", "payerfsp", body)
    assert world.payer.next("PUT", f"/bulkTransfers/{body['bulkTransferId']}/error")[3]["errorInformation"]["errorCode"] == "4000"
    assert world.hub.switch.position("payerfsp", "USD") == 0


def test_a_request_to_pay_reaches_the_payer_fsp_and_its_answer_the_payee(world: World) -> None:
    request_id = str(uuid.uuid4())
    body = {"transactionRequestId": request_id,
            "payee": {"partyIdInfo": {"partyIdType": "MSISDN", "partyIdentifier": "254700000001", "fspId": "payeefsp"}},
            "payer": {"partyIdType": "MSISDN", "partyIdentifier": "254711000002", "fspId": "payerfsp"},
            "amount": {"currency": "USD", "amount": "4.5"},
            "transactionType": {"scenario": "PAYMENT", "initiator": "PAYEE", "initiatorType": "BUSINESS"}}
    assert world.send("POST", "/transactionRequests", "transactionRequests", "payeefsp", body,
                      **{"FSPIOP-Destination": "payerfsp"}).status_code == 202
    assert world.payer.next("POST", "/transactionRequests")[3] == body
    answer = {"transactionRequestState": "RECEIVED"}
    assert world.send("PUT", f"/transactionRequests/{request_id}", "transactionRequests", "payerfsp", answer,
                      **{"FSPIOP-Destination": "payeefsp"}).status_code == 200
    assert world.payee.next("PUT", f"/transactionRequests/{request_id}")[3] == answer
