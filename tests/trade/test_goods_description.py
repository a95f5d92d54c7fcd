"""Goods descriptions (UCP 600 art. 14(d)-(e), 18(c)) on a catalogue of phrasings met in practice.

The invoice must correspond with the credit: restating is fine, words describing other or
defective goods are a discrepancy. Other documents may use general terms but must not conflict.
"""

from __future__ import annotations

import pytest

from baobab.contracts.trade.lc_goods import conflict, invoice_problem
from tests.trade.test_examination import codes, credit, doc, presentation

# (credit's description, invoice's description): restatements and details of the same goods.
INVOICE_CORRESPONDS = [
    ("Soybeans", "SOYBEANS"),
    ("Soybeans", "Soybeans, yellow, crop 2026, in bulk"),
    ("Soybeans", "Soya beans"),
    ("Soybeans", "Soy beans in bulk, Argentine origin"),
    ("Soybeans", "US No. 2 yellow soybeans"),
    ("Soybeans", "Non-GMO soybeans for human consumption"),
    ("Yellow soybeans", "Soybeans, yellow"),
    ("Soybean meal", "Soybean meal, 46% protein, hipro"),
    ("Crude palm oil", "Crude palm oil (CPO) in bulk, FFA max 5%"),
    ("Broken rice", "Thai broken rice A1 super, 50 kg bags"),
    ("Arabica coffee beans", "Arabica coffee beans, green, Sidama grade 2, crop 2026"),
    ("Fresh cut roses", "Fresh cut roses, 60 cm, in cartons"),
    ("Copper cathodes", "Copper cathodes grade A, LME registered"),
    ("Cement", "Ordinary Portland cement 42.5N in 50 kg bags"),
]

# (credit's description, invoice's description): other or defective goods.
INVOICE_DISCREPANT = [
    ("Soybeans", "Soybean meal"),
    ("Soybeans", "Soybean hulls pellets"),
    ("Soybeans", "Soybeans (damaged in transit)"),
    ("Soybeans", "Soybeans, heat-damaged"),
    ("Soybeans", "Soybeans, second grade"),
    ("Soybeans", "Soybeans 2nd grade"),
    ("Soybeans", "Salvage soybeans"),
    ("Soybeans", "Salvaged soybeans, sold as is"),
    ("Soybeans", "Soybean by-product"),
    ("Soybeans", "Soybean oil, crude degummed"),
    ("Soybeans", "Soybeans and yellow maize"),
    ("Soybeans", "Soybeans, off-grade, for animal feed"),
    ("Soybeans", "Soybeans feed grade"),
    ("Soybeans", "Soybeans, contaminated, rejected by buyer"),
    ("Soybeans", "Soybean screenings"),
    ("Soybeans", "Yellow maize"),
    ("Crude palm oil", "Palm kernel expeller"),
    ("Arabica coffee beans", "Arabica coffee beans, mouldy, sub-standard"),
    ("Fresh cut roses", "Fresh cut carnations"),
    ("Copper cathodes", "Copper scrap"),
    ("Wheat", "Wheat bran pellets"),
]

# (credit's description, another document's description): general terms that do not conflict.
OTHER_DOCUMENT_FINE = [
    ("Soybeans", "Grain in bulk"),
    ("Soybeans", "Oilseeds"),
    ("Soybeans", "Agricultural products as per invoice"),
    ("Soybeans", "Soybeans"),
    ("Soybeans", "Soya beans in bulk"),
    ("Fresh cut roses", "Flowers"),
    ("Fresh cut roses", "Perishable goods, keep at 2-4 C"),
    ("Copper cathodes", "Metal"),
]

# (credit's description, another document's description): another commodity or a defect.
OTHER_DOCUMENT_CONFLICT = [
    ("Soybeans", "Maize in bulk"),
    ("Soybeans", "Soybean meal"),
    ("Soybeans", "Grain, damaged by seawater"),
    ("Soybeans", "Wheat"),
    ("Fresh cut roses", "Tulips"),
    ("Copper cathodes", "Copper scrap"),
]


@pytest.mark.parametrize("credit_text,invoice_text", INVOICE_CORRESPONDS)
def test_art_18c_an_invoice_restating_the_goods_corresponds(credit_text, invoice_text):
    assert invoice_problem(credit_text, invoice_text) is None


@pytest.mark.parametrize("credit_text,invoice_text", INVOICE_DISCREPANT)
def test_art_18c_an_invoice_describing_other_or_defective_goods_does_not_correspond(credit_text, invoice_text):
    assert invoice_problem(credit_text, invoice_text)


@pytest.mark.parametrize("credit_text,text", OTHER_DOCUMENT_FINE)
def test_art_14e_other_documents_may_describe_the_goods_in_general_terms(credit_text, text):
    assert conflict(credit_text, text) is None


@pytest.mark.parametrize("credit_text,text", OTHER_DOCUMENT_CONFLICT)
def test_art_14d_other_documents_must_not_conflict(credit_text, text):
    assert conflict(credit_text, text)


def test_art_14d_another_commodity_conflicts_even_with_the_right_hs_code():
    docs = presentation()
    doc(docs, "bill_of_lading")["data"]["goods"][0]["description"] = "Yellow maize in bulk"  # HS stays 120190
    assert codes(credit(), docs) == ["GOODS_CONFLICT"]


def test_art_18c_the_examination_reports_a_defective_invoice_description():
    docs = presentation()
    doc(docs, "commercial_invoice")["data"]["lines"][0]["description"] = "Soybeans, salvage, damaged in transit"
    assert codes(credit(), docs) == ["GOODS_DESCRIPTION"]


def test_art_14e_a_general_description_on_the_bill_of_lading_is_accepted():
    docs = presentation()
    doc(docs, "bill_of_lading")["data"]["goods"][0]["description"] = "Grain in bulk"
    doc(docs, "insurance_certificate")["data"]["goods_description"] = "Agricultural products in bulk"
    assert codes(credit(), docs) == []
