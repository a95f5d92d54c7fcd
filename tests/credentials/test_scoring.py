"""The lender's scorecard: integer points from verified records, a reason for every point
withheld, offers capped by paid sales; nothing earns points unless it was paid."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from baobab.credentials.credential import credential
from baobab.credentials.issuer import Claim
from baobab.credentials.records import delivery, loan_repaid, payment_received, registered_farmer, repayments
from baobab.credentials.scoring import MAX_SCORE, score

TODAY = date(2026, 6, 1)
KEY = "A" * 42 + "A"  # any 32-byte key in base64url
DID = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def vc(claim: Claim) -> dict[str, Any]:
    return credential("did:key:z6MkissuerIssuer", claim.types, claim.subject, valid_from="2026-01-01T00:00:00Z",
                      evidence=claim.evidence)


def purchase(n: int, days_ago: int, minor: int, paid: bool = True) -> dict[str, Any]:
    day = (TODAY - timedelta(days=days_ago)).isoformat()
    return {"id": f"P-{n}", "farmer": KEY, "product": "cassava", "kilograms": minor // 250, "delivered_on": day,
            "buyer": "ZM-AGRI", "place": "Kabwe", "price_per_kg": {"currency": "ZMW", "minor": 250},
            "amount": {"currency": "ZMW", "minor": minor}, "provider": "ZM-MOMO", "obligation": f"P-{n}/payment",
            "status": "paid" if paid else "delivered",
            "settlement": {"reference": f"t-{n}", "proof": "f", "at": f"{TODAY.isoformat()}T08:00:00Z"} if paid else None}


def registration() -> dict[str, Any]:
    return vc(registered_farmer(DID, name="Mwila Banda", gender="female", region="Central", district="Kabwe",
                                plot={"location": "geo:-14.4,28.4", "areaSquareMetres": 20_000, "crop": "cassava"},
                                kyc={"level": "tier-1"}, registered_by="ZM-AGRI", custodian="ZM-AGRI"))


def record(months: int, minor: int = 225_000) -> list[dict[str, Any]]:
    out = [registration()]
    for n in range(1, months + 1):
        p = purchase(n, 30 * n, minor)
        out += [vc(delivery(p)), vc(payment_received(p))]
    return out


def test_a_ten_month_record_scores_band_b_with_its_reasons_and_an_integer_offer() -> None:
    a = score(record(10), principal_minor=300_000, currency="ZMW", months=3, today=TODAY)
    assert {f.name: (f.value, f.points) for f in a.features} == {
        "history": (10, 20), "activity": (10, 40), "income": (7, 30), "repayment": (0, 10)}
    assert (a.score, a.band, a.principal_minor, a.fee_minor) == (100, "B", 300_000, 27_000)
    assert a.reasons == ["R05 no loan repaid before", "R03 paid sales small beside the amount asked",
                         "R01 short trading history"]
    assert [i["minor"] for i in a.instalments] == [109_000, 109_000, 109_000]
    assert all(isinstance(i["minor"], int) for i in a.instalments) and MAX_SCORE == 165


def test_the_offer_is_capped_by_paid_sales_and_the_remainder_goes_on_the_last_instalment() -> None:
    a = score(record(10), principal_minor=900_000, currency="ZMW", months=4, today=TODAY)
    # income 2,250,000 is 2x the ask (15 points): 75 in all, band C, capped at 8% of paid sales
    assert (a.band, a.principal_minor) == ("C", 180_000)
    assert a.fee_minor == 21_600 and sum(i["minor"] for i in a.instalments) == 201_600
    assert [i["minor"] for i in a.instalments] == [50_400, 50_400, 50_400, 50_400]


def test_without_a_registration_or_without_payments_nothing_scores() -> None:
    no_id = score(record(10)[1:], principal_minor=300_000, currency="ZMW", months=3, today=TODAY)
    assert no_id.declined and no_id.reasons == ["R00 no registration credential from a known issuer"]
    unpaid = [registration()] + [vc(delivery(purchase(n, 30 * n, 225_000, paid=False))) for n in range(1, 11)]
    a = score(unpaid, principal_minor=300_000, currency="ZMW", months=3, today=TODAY)
    assert a.declined and a.score == 10 and a.reasons == ["R03 paid sales small beside the amount asked",
                                                          "R02 few months with paid sales in the last year",
                                                          "R05 no loan repaid before", "R01 short trading history"]
    other_currency = score(record(10), principal_minor=300_000, currency="KES", months=3, today=TODAY)
    assert other_currency.declined


def test_the_same_record_shown_twice_counts_once() -> None:
    twice = record(10) + record(10)[1:]
    assert score(twice, principal_minor=300_000, currency="ZMW", months=3, today=TODAY).score == 100


def loan(*settled_on: str) -> dict[str, Any]:
    return {"id": "L-1", "lender": "ZM-MFI", "borrower": KEY, "principal": {"currency": "ZMW", "minor": 200_000},
            "fee": {"currency": "ZMW", "minor": 0}, "status": "repaid", "repaid_at": f"{settled_on[-1]}T00:00:00Z",
            "instalments": [{"n": 1, "due": "2026-03-01", "minor": 100_000}, {"n": 2, "due": "2026-04-01", "minor": 100_000}],
            "repayments": [{"n": n, "minor": 100_000, "status": "settled",
                            "settlement": {"reference": f"r{n}", "at": f"{day}T00:00:00Z"}}
                           for n, day in enumerate(settled_on, start=1)]}


def test_repayments_on_time_add_points_and_a_late_one_takes_them_away() -> None:
    on_time = loan("2026-02-20", "2026-03-25")
    history = record(10) + [vc(c) for c in repayments(on_time)] + [vc(loan_repaid(on_time))]
    a = score(history, principal_minor=300_000, currency="ZMW", months=3, today=TODAY)
    assert a.features[-1].points == 50 and (a.score, a.band) == (140, "A")
    late = loan("2026-03-10", "2026-04-20")  # the first instalment was due on 1 March
    assert [c.subject["onTime"] for c in repayments(late)] == [False, False]
    history = record(10) + [vc(c) for c in repayments(late)] + [vc(loan_repaid(late))]
    a = score(history, principal_minor=300_000, currency="ZMW", months=3, today=TODAY)
    assert a.features[-1].points == 0 and a.reasons[0] == "R04 a repayment was late"


def traced(n: int, days_ago: int, minor: int) -> dict[str, Any]:
    """A delivery as the trace `deliveries` contract records it once paid."""
    day = (TODAY - timedelta(days=days_ago)).isoformat()
    return {"delivery_id": f"D-{n}", "lot": "https://id.gs1.org/01/09506000134352/10/LOT1",
            "farmer": "https://id.gs1.org/417/9506000000017", "event_hash": "ab" * 32, "batch_id": "B-1",
            "anchored_root": "cd" * 32, "buyer": "SIDAMA-COOP", "wallet_provider": "ET-MOMO",
            "amount": {"currency": "ZMW", "minor": minor}, "quantity_g": 900_000, "status": "paid",
            "settlement": {"reference": f"t-{n}", "proof": "f", "at": f"{day}T09:00:00Z"}, "recorded_at": f"{day}T08:00:00Z"}


def test_deliveries_traced_in_epcis_and_paid_count_as_produce_purchases_do() -> None:
    from baobab.credentials.records import traced_delivery, traced_payment

    history = [registration()]
    for n in range(1, 11):
        record = traced(n, 30 * n, 225_000)
        history += [vc(traced_delivery(record, DID)), vc(traced_payment(record, DID))]
    a = score(history, principal_minor=300_000, currency="ZMW", months=3, today=TODAY)
    assert (a.score, a.band) == (100, "B")  # the same record as ten paid produce purchases
    assert history[1]["evidence"][0]["eventHash"] == "ab" * 32
    unpaid = {**traced(11, 30, 225_000), "status": "instructed", "settlement": None}
    with pytest.raises(Exception):
        traced_payment(unpaid, DID)
