"""UCP 600 examination rules, one by one, on the pure examination module."""

from __future__ import annotations

import copy
from datetime import date, timedelta

import pytest

from baobab.contracts.trade.banking_days import BankingDays
from baobab.contracts.trade.lc_examination import CODES, UNREGISTERED, credit_limit, examine
from baobab.contracts.trade.lc_terms import check_terms
from baobab.core.errors import BaobabError
from baobab.documents.types import validate_document
from baobab.stories import soybeans as soy

ON = date(2026, 3, 2)  # a Monday
SHIPPED = ON - timedelta(days=2)
DAYS = BankingDays.fixed()  # Saturday and Sunday closed, no holidays
ROLES = {soy.CARRIER: ["carrier"], soy.INSURER: ["insurer"], soy.INSPECTOR: ["inspector"],
         soy.BENEFICIARY: ["trader"], soy.ORIGIN_AUTHORITY: ["customs"]}


def credit(**changes):
    terms = check_terms({**soy.credit_terms(ON), **changes})
    return {"terms": terms, "beneficiary": soy.BENEFICIARY, "applicant_name": soy.party(soy.APPLICANT)["name"],
            "beneficiary_name": soy.party(soy.BENEFICIARY)["name"], "available": credit_limit(terms),
            "drawn_quantity": 0, "drawn_instalments": []}


def presentation(price=soy.PRICE_CENTS, shipped=SHIPPED):
    docs = []
    for doc_type, data in soy.document_data("LC-T", shipped, price).items():
        issuer = soy.ISSUERS[doc_type]
        docs.append({"doc_type": doc_type, "issuer": issuer, "issuer_roles": ROLES[issuer], "intact": True,
                     "issued": True, "revoked": False, "title_held": True,
                     "data": validate_document(doc_type, data).model_dump(mode="json")})
    return docs


def doc(docs, doc_type):
    return next(d for d in docs if d["doc_type"] == doc_type)


def codes(c, docs, on=ON):
    return sorted(d["code"] for d in examine(c, docs, on, DAYS))


def test_compliant_presentation_has_no_discrepancy():
    assert examine(credit(), presentation(), ON, DAYS) == []


def test_every_discrepancy_has_code_text_and_rule():
    c = credit()
    docs = presentation(price=soy.PRICE_CENTS * 2)
    doc(docs, "bill_of_lading")["data"]["clean"] = False
    found = examine(c, docs, ON, DAYS)
    assert found and all(d["code"] in CODES and d["text"] and d["rule"] for d in found)


@pytest.mark.parametrize("price,tolerance,about,expected", [
    (42_000, 5, False, []),                              # exactly +5%: allowed
    (42_001, 5, False, ["AMOUNT_OVER_TOLERANCE"]),
    (44_000, 0, True, []),                               # "about": +10%
    (44_004, 0, True, ["AMOUNT_OVER_TOLERANCE"]),
    (40_004, 0, False, ["AMOUNT_OVER_TOLERANCE"]),
])
def test_amount_tolerance(price, tolerance, about, expected):
    # The insurance follows the invoice, so only the amount rule can fire.
    assert codes(credit(amount_tolerance_pct=tolerance, about=about), presentation(price=price)) == expected


def test_amount_below_credit_when_partial_drawings_not_allowed():
    assert codes(credit(), presentation(price=37_000)) == ["AMOUNT_BELOW_CREDIT"]
    assert codes(credit(partial_shipments=True), presentation(price=37_000)) == []


def _set_quantity(docs, value):
    for d in docs:
        data = d["data"]
        for key in ("lines", "goods"):
            for item in data.get(key) or []:
                if "quantity" in item:
                    item["quantity"]["value"] = value
        if d["doc_type"] == "commercial_invoice":
            line = data["lines"][0]
            line["line_amount"]["minor"] = value * line["unit_price"]["minor"]
            data["total_amount"]["minor"] = line["line_amount"]["minor"]
        if d["doc_type"] == "insurance_certificate":
            data["insured_amount"]["minor"] = value * soy.PRICE_CENTS * 11 // 10


@pytest.mark.parametrize("value,terms,expected", [
    (52_500, {}, []),                                     # +5% in bulk: allowed (art. 30(b))
    (52_600, {"amount_tolerance_pct": 10}, ["QUANTITY_OUT_OF_TOLERANCE"]),
    (50_001, {"quantity_counted": True, "amount_tolerance_pct": 10}, ["QUANTITY_OUT_OF_TOLERANCE"]),
    (55_000, {"about": True}, []),
])
def test_quantity_tolerance(value, terms, expected):
    docs = presentation()
    _set_quantity(docs, value)
    assert codes(credit(**terms), docs) == expected


def test_quantity_conflict_between_documents():
    docs = presentation()
    doc(docs, "inspection_certificate")["data"]["goods"][0]["quantity"]["value"] = 49_000
    assert codes(credit(), docs) == ["QUANTITY_CONFLICT"]


def test_late_shipment():
    c = credit(latest_shipment_date=(SHIPPED - timedelta(days=1)).isoformat())
    assert codes(c, presentation()) == ["LATE_SHIPMENT"]


def test_late_presentation_after_the_period_art_14c():
    shipped = date(2026, 2, 25)  # day 21 after it is Wednesday 18 March, a banking day
    assert codes(credit(), presentation(shipped=shipped), date(2026, 3, 18)) == []
    assert codes(credit(), presentation(shipped=shipped), date(2026, 3, 19)) == ["LATE_PRESENTATION"]
    assert codes(credit(presentation_days=30), presentation(shipped=shipped), date(2026, 3, 19)) == []


def test_art_29a_a_last_day_for_presentation_on_a_closed_day_moves_to_the_next_banking_day():
    shipped = date(2026, 2, 28)  # day 21 after it is Saturday 21 March
    assert codes(credit(), presentation(shipped=shipped), date(2026, 3, 23)) == []  # the following Monday
    assert codes(credit(), presentation(shipped=shipped), date(2026, 3, 24)) == ["LATE_PRESENTATION"]
    closed_monday = BankingDays.fixed(closed=("2026-03-23",))
    c = credit()
    assert examine(c, presentation(shipped=shipped), date(2026, 3, 24), closed_monday) == []


def test_presentation_after_expiry_art_6d():
    c = credit(expiry_date=(ON - timedelta(days=3)).isoformat(), latest_shipment_date=(ON - timedelta(days=4)).isoformat())
    assert codes(c, presentation(shipped=ON - timedelta(days=5))) == ["PRESENTED_AFTER_EXPIRY"]


def test_missing_and_extra_documents():
    docs = [d for d in presentation() if d["doc_type"] != "insurance_certificate"]
    assert codes(credit(), docs) == ["DOCUMENT_MISSING"]
    docs = presentation() + [copy.deepcopy(doc(presentation(), "certificate_of_origin"))]
    assert codes(credit(), docs) == ["EXTRA_DOCUMENT"]
    c = credit(required_documents=["commercial_invoice", "bill_of_lading", "insurance_certificate", "inspection_certificate"])
    assert codes(c, presentation()) == ["EXTRA_DOCUMENT"]


@pytest.mark.parametrize("doc_type,path,value,expected", [
    ("bill_of_lading", ("port_of_loading",), "ARBUE", "PORT_OF_LOADING_CONFLICT"),
    ("bill_of_lading", ("port_of_discharge",), "SGSIN", "PORT_OF_DISCHARGE_CONFLICT"),
    ("commercial_invoice", ("port_of_discharge",), "SGSIN", "PORT_OF_DISCHARGE_CONFLICT"),
    ("insurance_certificate", ("voyage_from",), "ARBUE", "PORT_OF_LOADING_CONFLICT"),
    ("commercial_invoice", ("lines", 0, "description"), "Yellow maize", "GOODS_DESCRIPTION"),
    ("certificate_of_origin", ("goods", 0, "hs_code"), "100590", "GOODS_CONFLICT"),
    ("certificate_of_origin", ("consignee", "name"), "Some Other Importer", "PARTY_CONFLICT"),
    ("certificate_of_origin", ("country_of_origin",), "BR", "ORIGIN_CONFLICT"),
    ("commercial_invoice", ("incoterms", "rule"), "FOB", "INCOTERM_CONFLICT"),
    ("inspection_certificate", ("result",), "fail", "INSPECTION_FAILED"),
    ("bill_of_lading", ("clean",), False, "BL_NOT_CLEAN"),
    ("bill_of_lading", ("shipped_on_board",), False, "BL_NOT_ON_BOARD"),
    ("commercial_invoice", ("buyer", "name"), "Kuala Lumpur Foods Trading",
     ["INVOICE_NOT_TO_APPLICANT", "PARTY_CONFLICT"]),  # the certificate of origin names the real buyer
    ("insurance_certificate", ("insured_amount", "currency"), "EUR", "CURRENCY_CONFLICT"),
])
def test_data_conflicts(doc_type, path, value, expected):
    docs = presentation()
    node = doc(docs, doc_type)["data"]
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    assert codes(credit(), docs) == (expected if isinstance(expected, list) else [expected])


def test_invoice_issuer_and_currency():
    docs = presentation()
    doc(docs, "commercial_invoice")["issuer"] = soy.APPLICANT
    assert codes(credit(), docs) == ["INVOICE_NOT_BY_BENEFICIARY"]
    docs = presentation()
    doc(docs, "commercial_invoice")["data"]["currency"] = "EUR"
    assert codes(credit(), docs) == ["INVOICE_CURRENCY"]


def test_party_names_match_regardless_of_case_and_spacing():
    docs = presentation()
    doc(docs, "commercial_invoice")["data"]["buyer"]["name"] = "  kuala lumpur   FOODS sdn bhd"
    assert codes(credit(), docs) == []


def test_insurance_below_110_percent_and_after_shipment():
    docs = presentation()
    invoice_total = doc(docs, "commercial_invoice")["data"]["total_amount"]["minor"]
    doc(docs, "insurance_certificate")["data"]["insured_amount"]["minor"] = invoice_total * 110 // 100 - 1
    assert codes(credit(), docs) == ["INSURANCE_BELOW_110"]
    docs = presentation()
    doc(docs, "insurance_certificate")["data"]["effective_date"] = (SHIPPED + timedelta(days=1)).isoformat()
    assert codes(credit(), docs) == ["INSURANCE_AFTER_SHIPMENT"]


def test_bill_of_lading_title_must_be_under_the_credit():
    docs = presentation()
    doc(docs, "bill_of_lading")["title_held"] = False
    assert codes(credit(), docs) == ["BL_TITLE_NOT_HELD"]


def test_documents_failing_verification():
    docs = presentation()
    tampered = doc(docs, "inspection_certificate")
    tampered.update(intact=False, data=None)
    assert codes(credit(), docs) == ["DOCUMENT_TAMPERED"]
    docs = presentation()
    doc(docs, "insurance_certificate")["revoked"] = True
    assert codes(credit(), docs) == ["DOCUMENT_REVOKED"]
    docs = presentation()
    doc(docs, "certificate_of_origin").update(issued=False, doc_type=UNREGISTERED, data=None)
    assert codes(credit(), docs) == ["DOCUMENT_MISSING", "DOCUMENT_NOT_ISSUED"]
    docs = presentation()
    doc(docs, "bill_of_lading")["issuer_roles"] = ["trader"]
    assert codes(credit(), docs) == ["DOCUMENT_WRONG_ISSUER"]


def test_document_dated_after_presentation():
    docs = presentation()
    doc(docs, "certificate_of_origin")["data"]["issue_date"] = (ON + timedelta(days=1)).isoformat()
    assert codes(credit(), docs) == ["DOCUMENT_DATED_AFTER_PRESENTATION"]


def test_all_discrepancies_in_one_notice():
    c = credit(latest_shipment_date=(SHIPPED - timedelta(days=1)).isoformat())
    docs = presentation(price=soy.PRICE_CENTS * 2)
    doc(docs, "bill_of_lading")["data"]["clean"] = False
    assert codes(c, docs) == ["AMOUNT_OVER_TOLERANCE", "BL_NOT_CLEAN", "LATE_SHIPMENT"]


@pytest.mark.parametrize("change", [
    {"amount": {"currency": "XXX", "minor": 1}}, {"amount": {"currency": "USD", "minor": 1.5}},
    {"amount_tolerance_pct": 11}, {"expiry_date": "2026-02-30"}, {"port_of_loading": "rosario"},
    {"required_documents": ["commercial_invoice", "commercial_invoice"]}, {"required_documents": ["menu"]},
    {"incoterm": "CNF"}, {"latest_shipment_date": "2099-01-01"}, {"colour": "red"},
])
def test_malformed_terms_are_refused(change):
    with pytest.raises(BaobabError) as err:
        check_terms({**soy.credit_terms(ON), **change})
    assert err.value.code == "BAD_ARGUMENT"
