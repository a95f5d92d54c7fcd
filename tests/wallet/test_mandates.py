"""GSMA mmAPI debit mandates: a merchant asks a customer for a mandate, the customer gives it with
the PIN on the phone, and the merchant then takes payments it covers without the PIN; anything
it does not cover (amount, dates, number, frequency, an inactive mandate, another payee) is
refused `noMandateAuthority` and moves nothing. Requests and answers are checked against the
specification's OpenAPI document."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from baobab.wallet.mandates import period
from baobab.wallet.ussd import Ussd, ussd_router
from tests.wallet.test_mmapi import NGO, SHOP, World, error_of, valid
from tests.wallet.test_provider import ADA, DAY, N, provider
from tests.wallet.test_ussd import Phone

WATER = "+2348069990000"


class Mandated(World):
    def __init__(self, path: Path) -> None:
        super().__init__(provider(path))
        self.p.register(WATER, "Lagos Water", tier=3, by="agent-17", pin="4444", at=DAY)
        self.water_key = self.api.clients.issue("LAGOS-WATER", WATER)
        self.ada_key = self.api.clients.issue("ADA-APP", ADA)
        app = FastAPI()
        app.include_router(ussd_router(Ussd(self.p, api=self.api)))
        self.phone_http = TestClient(app)

    def patch(self, path: str, ops: list[dict[str, Any]], key: str) -> httpx.Response:
        return self.http.patch(f"/mm{path}", json=ops, headers={"X-API-Key": key})

    def merchant_debit(self, amount: str, mandate: str, at: datetime) -> dict[str, Any]:
        body = {"amount": amount, "currency": "NGN", "type": "merchantpay", "descriptionText": "water bill",
                "debitParty": [{"key": "msisdn", "value": ADA}, {"key": "mandatereference", "value": mandate}],
                "creditParty": [{"key": "msisdn", "value": WATER}]}
        return self.api.create_transaction(self.api.clients.authenticate(self.water_key), body, at=at)


@pytest.fixture
def m(tmp_path: Path) -> Iterator[Mandated]:
    world = Mandated(tmp_path)
    yield world
    world.p.db.close()


TERMS = {"requestDate": "2026-12-01T08:00:00Z", "startDate": "2026-12-01", "endDate": "2027-02-28", "currency": "NGN",
         "amountLimit": "500", "numberOfPayments": 2, "frequencyType": "monthspecificdate"}


def given(m: Mandated, terms: dict[str, Any] = TERMS) -> str:
    """The water company asks Ada; Ada gives the mandate with her PIN in USSD menu 8; its reference."""
    r = m.post(f"/accounts/msisdn/{ADA}/debitmandates", terms, m.water_key)
    state = valid("requestStateObject", r.json())
    assert r.status_code == 202 and state["status"] == "pending"
    phone = Phone(m.phone_http, ADA, f"md-{state['serverCorrelationId']}")
    phone.dial()
    assert "Lagos Water" in phone.type("8")
    asked = phone.type("1")
    assert asked.startswith("CON Let Lagos Water take up to NGN500.00 a payment?"), asked
    phone.type("1")
    assert phone.type("2468") == "END Mandate given to Lagos Water."
    done = m.get(f"/requeststates/{state['serverCorrelationId']}", m.water_key).json()
    assert done["status"] == "completed"
    return str(done["objectReference"])


def test_a_mandate_given_on_the_phone_lets_the_merchant_take_what_it_covers(m: Mandated) -> None:
    ref = given(m)
    seen = valid("responseDebitMandate", m.get(f"/accounts/msisdn/{ADA}/debitmandates/{ref}", m.water_key).json())
    assert (seen["mandateStatus"], seen["amountLimit"], seen["numberOfPayments"], seen["startDate"]) == ("active", "500", 2, "2026-12-01")
    assert m.get(f"/accounts/msisdn/{ADA}/debitmandates/{ref}", m.ada_key).status_code == 200      # the holder's own app
    assert m.get(f"/accounts/msisdn/{ADA}/debitmandates/{ref}", m.ngo_key).status_code == 404      # nobody else's
    december = datetime(2026, 12, 5, 9, tzinfo=timezone.utc)
    assert m.merchant_debit("450", ref, december)["status"] == "completed"                          # no PIN asked
    assert m.p.balance(WATER) == 450 * N and m.p.balance(ADA) == (2_000 - 450 - 10) * N           # the tariff's fee
    refusals = [("450", datetime(2026, 12, 20, 9, tzinfo=timezone.utc), "frequency"),                # once a month
                ("500.01", datetime(2027, 1, 5, 9, tzinfo=timezone.utc), "amount"),
                ("100", datetime(2027, 3, 1, 9, tzinfo=timezone.utc), "dates"),
                ("100", datetime(2026, 11, 30, 9, tzinfo=timezone.utc), "dates")]
    for amount, when, rule in refusals:
        with pytest.raises(Exception) as refused:
            m.merchant_debit(amount, ref, when)
        body = refused.value.error_object()  # type: ignore[attr-defined]
        assert body["errorCode"] == "noMandateAuthority" and {"key": "rule", "value": rule} in body["errorParameters"]
    assert m.merchant_debit("300", ref, datetime(2027, 1, 5, 9, tzinfo=timezone.utc))["status"] == "completed"
    with pytest.raises(Exception) as spent:
        m.merchant_debit("100", ref, datetime(2027, 2, 5, 9, tzinfo=timezone.utc))               # two payments taken
    assert {"key": "rule", "value": "payments"} in spent.value.error_object()["errorParameters"]  # type: ignore[attr-defined]
    assert m.p.balance(WATER) == 750 * N
    # over HTTP: another payee naming the mandate is refused, and nothing moves
    r = m.post("/transactions", {"amount": "10", "currency": "NGN", "type": "merchantpay",
                                 "debitParty": [{"key": "msisdn", "value": ADA}, {"key": "mandatereference", "value": ref}],
                                 "creditParty": [{"key": "msisdn", "value": SHOP}]}, m.shop_key)
    error_of(r, 400, "businessRule", "noMandateAuthority")
    assert m.p.balance(SHOP) == 0


def test_the_holder_changes_or_inactivates_a_mandate_and_the_payee_may_only_inactivate_it(m: Mandated) -> None:
    ref = given(m, {**TERMS, "numberOfPayments": 12})
    path = f"/accounts/msisdn/{ADA}/debitmandates/{ref}"
    raise_limit = [{"op": "replace", "path": "/amountLimit", "value": "900"}]
    error_of(m.patch(path, raise_limit, m.water_key), 401, "authorisation", "clientAuthorisationError")
    r = m.patch(path, raise_limit, m.ada_key)
    assert r.status_code == 202 and valid("requestStateObject", r.json())["status"] == "completed"
    assert m.get(path, m.water_key).json()["amountLimit"] == "900"
    error_of(m.patch(path, [{"op": "replace", "path": "/endDate", "value": "2026-01-01"}], m.ada_key),
             400, "validation", "formatError")                                                      # ends before it starts
    assert m.patch(path, [{"op": "replace", "path": "/mandateStatus", "value": "inactive"}], m.water_key).status_code == 202
    with pytest.raises(Exception) as refused:
        m.merchant_debit("10", ref, datetime(2026, 12, 5, 9, tzinfo=timezone.utc))
    assert {"key": "rule", "value": "inactive"} in refused.value.error_object()["errorParameters"]  # type: ignore[attr-defined]
    assert m.p.balance(WATER) == 0


def test_a_mandate_request_is_checked_against_the_specification_and_its_terms(m: Mandated) -> None:
    error_of(m.post(f"/accounts/msisdn/{ADA}/debitmandates", {"startDate": "2026-12-01"}, m.water_key),
             400, "validation", "mandatoryValueNotSupplied")                                           # no requestDate
    error_of(m.post(f"/accounts/msisdn/{ADA}/debitmandates", {**TERMS, "endDate": "2026-11-01"}, m.water_key),
             400, "validation", "formatError")
    error_of(m.post(f"/accounts/msisdn/{WATER}/debitmandates", TERMS, m.water_key), 400, "businessRule", "samePartiesError")
    error_of(m.post("/accounts/msisdn/%2B2348000000001/debitmandates", TERMS, m.water_key), 404, "identification", "identifierError")
    declined = m.post(f"/accounts/msisdn/{ADA}/debitmandates", TERMS, m.water_key).json()
    phone = Phone(m.phone_http, ADA, "decline")
    phone.dial(), phone.type("8"), phone.type("1")
    assert phone.type("2").startswith("END ")                                                       # Ada declines
    assert m.get(f"/requeststates/{declined['serverCorrelationId']}", m.water_key).json()["status"] == "failed"
    assert m.api.mandates.mandates(ADA) == []


def test_one_payment_per_period_of_the_frequency() -> None:
    assert period("weekly", date(2026, 12, 7)) == period("weekly", date(2026, 12, 13)) != period("weekly", date(2026, 12, 14))
    assert period("monthspecificdate", date(2026, 12, 1)) == period("monthspecificdate", date(2026, 12, 31))
    assert period("threemonths", date(2027, 1, 1)) == period("threemonths", date(2027, 3, 31)) != period("threemonths", date(2027, 4, 1))
    assert period("yearly", date(2027, 1, 1)) != period("yearly", date(2026, 12, 31)) and period(None, date(2027, 1, 1)) is None
