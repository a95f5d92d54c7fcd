"""Normalisation: each rule, its hypothesis properties, and rejection of bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, strategies as st

from baobab.core.errors import BaobabError
from baobab.risk import legal_forms
from baobab.risk import normalise as n
from baobab.vocab.trade import DOCUMENT_KINDS
from tests.risk.sample import INVOICE



# --- parties --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", [
    "Shree Ganesh Textiles Pvt. Ltd.",
    "SHREE GANESH TEXTILES PRIVATE LIMITED",
    "shree  ganesh textiles pvt ltd",
    "M/s. Shree Ganesh Textiles Pvt.Ltd.",
    "Shree Ganesh Textiles, Private Ltd",
    "ShreeGanesh Textiles",
    "  shree-ganesh textiles (pvt) ltd. ",
])
def test_party_ignores_case_spacing_punctuation_and_legal_form(name):
    assert n.party(name) == "shreeganeshtextiles"


@pytest.mark.parametrize("a,b", [
    ("Río de la Plata Alimentos S.A.", "RIO DE LA PLATA ALIMENTOS SA"),
    ("Río de la Plata Alimentos S.A.", "Rio de la Plata Alimentos Sociedad Anónima"),
    ("Sinar Maju Sdn. Bhd.", "SINAR MAJU SENDIRIAN BERHAD"),
    ("Karoo Steel (Pty) Ltd", "Karoo Steel Proprietary Limited"),
    ("Rhein Pharma GmbH", "rhein pharma"),
    ("Atlantic Foods L.L.C.", "Atlantic Foods LLC"),
    ("Prairie Traders Inc.", "Prairie Traders Incorporated"),
    ("Mekong Packaging Co., Ltd.", "Mekong Packaging Company Limited"),
    ("Sharma & Co.", "Sharma and Company"),
    ("Sharma & Co.", "Sharma"),
    ("O'Brien Exports Ltd", "OBrien Exports"),
    ("Ｓｈｒｅｅ Traders", "Shree Traders"),  # full-width forms (NFKC)
])
def test_party_equivalences(a, b):
    assert n.party(a) == n.party(b)


@pytest.mark.parametrize("a,b", [
    ("Shree Ganesh Textiles", "Shree Ganesh Exports"),
    ("Sharma Textiles", "Verma Textiles"),
])
def test_party_keeps_distinct_firms_apart(a, b):
    assert n.party(a) != n.party(b)


def test_party_never_strips_to_nothing():
    assert n.party("Company Limited") == "company"
    assert n.party("27AAACR5055K1Z7") == "27aaacr5055k1z7"  # a GSTIN passes through


@given(st.sampled_from(["Pvt Ltd", "Private Limited", "PVT. LTD.", "Ltd", "Limited", "LLC", "GmbH", "S.A.",
                        "Inc", "Co.", "Sdn Bhd", "PLC", "(Pty) Ltd", ""]),
       st.sampled_from(["upper", "lower", "title", "same"]),
       st.sampled_from([" ", "  ", ", ", " - "]))
def test_party_property_suffix_case_spacing(suffix, case, sep):
    core = "Kilimanjaro Coffee Exports"
    name = f"{core}{sep}{suffix}" if suffix else core
    name = {"upper": name.upper(), "lower": name.lower(), "title": name.title(), "same": name}[case]
    assert n.party(name) == "kilimanjarocoffeeexports"


# Long forms as company registries print them fold with their abbreviations (legal_forms.py).
@pytest.mark.parametrize("a,b", [
    ("Adeyemi Foods Public Limited Company", "Adeyemi Foods PLC"),
    ("Thames Metals Public Limited Company", "THAMES METALS plc"),
    ("Siam Rice Public Company Limited", "Siam Rice PCL"),
    ("Shree Ganesh Textiles Private Limited", "Shree Ganesh Textiles Pvt Ltd"),
    ("Shree Ganesh Textiles (P) Ltd", "Shree Ganesh Textiles Pvt. Ltd."),
    ("Navkar Exports (OPC) Private Limited", "Navkar Exports"),
    ("Tan Holdings Pte. Ltd.", "Tan Holdings Private Limited"),
    ("Los Andes Sociedad Anónima", "Los Andes S.A."),
    ("Maison Dupont Société Anonyme", "Maison Dupont SA"),
    ("Maison Dupont Société à responsabilité limitée", "Maison Dupont SARL"),
    ("Cerrado Alimentos Limitada", "Cerrado Alimentos Ltda."),
    ("Cerrado Alimentos Sociedade Anônima", "Cerrado Alimentos S/A"),
    ("Souza Comércio Ltda. - ME", "Souza Comercio"),
    ("Cuyo Textil Sociedad de Responsabilidad Limitada", "Cuyo Textil S.R.L."),
    ("La Pampa Sociedad Anónima Industrial y Comercial", "La Pampa S.A.I.C."),
    ("Pérez y Cía. S.A.", "Perez"),
    ("Sinar Maju Berhad", "Sinar Maju Bhd"),
    ("Sinar Maju Sendirian Berhad", "Sinar Maju Sdn Bhd"),
    ("Rhein Pharma Gesellschaft mit beschränkter Haftung", "Rhein Pharma GmbH"),
    ("Rhein Pharma GmbH & Co. KG", "Rhein Pharma"),
    ("Atlantic Foods Limited Liability Company", "Atlantic Foods L.L.C."),
    ("Gulf Star Free Zone Establishment", "Gulf Star FZE"),
    ("Saigon Textile Joint Stock Company", "Saigon Textile JSC"),
    ("Công ty TNHH Hoàng Long", "Hoang Long Co., Ltd."),
    ("Công ty Cổ phần Mekong", "Mekong JSC"),
    ("PT Sinar Jaya Tbk", "Sinar Jaya"),
    ("Karoo Farms Close Corporation", "Karoo Farms CC"),
])
def test_legal_form_long_forms_fold_to_their_abbreviation(a, b):
    assert n.party(a) == n.party(b)


def test_every_legal_form_in_the_table_is_dropped():
    core = "Kilimanjaro Coffee Exports"
    for form in legal_forms.SUFFIX_FORMS:
        for spelling in form:
            assert n.party(f"{core} {spelling}") == "kilimanjarocoffeeexports", spelling
    for spelling in legal_forms.PREFIX_FORMS:
        assert n.party(f"{spelling} {core}") == "kilimanjarocoffeeexports", spelling


def test_legal_form_alone_is_never_stripped_to_nothing():
    assert n.party("Public Limited Company") == "public"
    assert n.party("Sociedad Anónima") == "sociedadanonima"
    assert n.party("PT CV") == "cv"


# --- document numbers -----------------------------------------------------------------------

@pytest.mark.parametrize("number", ["INV/2024-25/0042", "inv 2024 25 42", "INV-2024-25-00042", "Inv.2024.25.042",
                                    "INV_2024/25-42"])
def test_number_ignores_case_separators_and_leading_zeros(number):
    assert n.document_number(number) == "inv-2024-25-42"


def test_number_letters_glued_to_digits_are_the_same():
    assert n.document_number("INV0042") == n.document_number("inv-42") == "inv-42"


def test_number_digit_groups_stay_apart():
    assert n.document_number("1-23") != n.document_number("12-3")
    assert n.document_number("0001-00001234") == n.document_number("1-1234")
    assert n.document_number(42) == n.document_number("0042")


@pytest.mark.parametrize("a,b", [
    ("INV-0042", "INV-42"),
    ("0INV-42", "INV-42"),  # a leading zero before the letters
    ("INV-00-42", "INV-42"),  # padding split off as a group of its own
    ("INV 000 000 042", "INV 42"),  # padding printed in thousands groups
    ("A-0001-00000042", "A-1-42"),
    ("INV/2024-25/00042", "INV/2024-025/42"),  # inside the number, in any group
])
def test_number_zero_padding_anywhere_is_the_same_number(a, b):
    assert n.document_number(a) == n.document_number(b)


def test_number_zero_padding_rule_keeps_other_numbers_apart():
    assert n.document_number("INV-420") != n.document_number("INV-42")  # trailing zeros are digits
    assert n.document_number("INV-1000-2") != n.document_number("INV-1-2")
    assert n.document_number("0001-00000042") != n.document_number("000100000042")  # merged groups: a limit
    assert n.document_number("000") == n.document_number("0") == "0"


@given(st.lists(st.integers(0, 99999), min_size=1, max_size=4), st.lists(st.integers(0, 3), min_size=5, max_size=5),
       st.integers(0, 4))
def test_number_property_zero_padding_anywhere(groups, pads, zero_group_at):
    plain = "INV-" + "-".join(str(g) for g in groups)
    padded = [str(g).zfill(len(str(g)) + pad) for g, pad in zip(groups, pads)]
    padded.insert(min(zero_group_at, len(padded)), "0" * (1 + pads[-1]))
    assert n.document_number("INV-" + "-".join(padded)) == n.document_number(plain)


@given(st.lists(st.integers(0, 99999), min_size=1, max_size=4), st.sampled_from(["/", "-", " ", ".", "_"]),
       st.integers(0, 3), st.booleans())
def test_number_property_padding_and_separators(groups, sep, pad, lower):
    plain = "INV-" + "-".join(str(g) for g in groups)
    fancy = "INV" + sep + sep.join(str(g).zfill(len(str(g)) + pad) for g in groups)
    assert n.document_number(fancy.lower() if lower else fancy) == n.document_number(plain)


# --- dates ----------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "2024-03-05", "2024/03/05", "20240305", "05/03/2024", "5/3/2024", "05-03-2024", "05.03.2024", "05/03/24",
    "5 Mar 2024", "05-MAR-2024", "March 5, 2024", "5 March 2024", "2024 Mar 5", "5 de marzo de 2024",
    "2024-03-05T10:30:00Z", "2024-03-05T23:59:59+05:30",
])
def test_date_formats(text):
    assert n.parse_date(text) == dt.date(2024, 3, 5)


def test_date_objects():
    assert n.parse_date(dt.date(2024, 3, 5)) == dt.date(2024, 3, 5)
    assert n.parse_date(dt.datetime(2024, 3, 5, 12, 0)) == dt.date(2024, 3, 5)


@given(st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2089, 12, 31)))
def test_date_property_every_rendering_agrees(d):
    from baobab.risk.synth import MONTHS_EN
    forms = [d.isoformat(), f"{d:%d/%m/%Y}", f"{d:%d.%m.%Y}", f"{d:%Y%m%d}", f"{d.day} {MONTHS_EN[d.month - 1]} {d.year}",
             f"{MONTHS_EN[d.month - 1][:3]} {d.day}, {d.year}"]
    assert {n.parse_date(f) for f in forms} == {d}


@pytest.mark.parametrize("bad", ["31/02/2024", "2024-13-01", "tomorrow", "", "5 Smarch 2024", "1/2/3", "12345",
                                 20240305, None, 3.5])
def test_bad_dates_rejected(bad):
    with pytest.raises(BaobabError) as e:
        n.parse_date(bad)
    assert e.value.code == "BAD_INVOICE" and e.value.detail["field"] == "date"


# --- amounts --------------------------------------------------------------------------------

@pytest.mark.parametrize("text,ccy,minor", [
    ("125000.50", "INR", 12500050),
    ("1,25,000.50", "INR", 12500050),
    ("Rs. 1,25,000.50/-", "INR", 12500050),
    ("₹1,25,000", "INR", 12500000),
    ("INR 125,000.5", "INR", 12500050),
    ("125,000", "USD", 12500000),  # a lone comma before three digits groups thousands
    ("1.234.567,89", "ARS", 123456789),
    ("$ 125.000", "ARS", 12500000),
    ("125 000,50", "EUR", 12500050),
    ("1,25", "EUR", 125),
    ("25.000.000", "VND", 25000000),
    ("1,500", "VND", 1500),
    ("1.500", "KWD", 1500),  # three-decimal currency: the lone separator is the decimal mark
    ("KSh 12,500.00", "KES", 1250000),
    ("1'250'000.00", "USD", 125000000),
])
def test_amount_formats(text, ccy, minor):
    assert n.parse_amount(text, ccy) == minor


def test_amount_int_is_minor_units():
    assert n.parse_amount(12500050, "INR") == 12500050


@given(st.integers(1, 10**15), st.sampled_from(["INR", "USD", "ARS", "KES", "VND", "MYR"]))
def test_amount_property_renderings_agree(minor, ccy):
    import random
    from baobab.risk.synth import render_amount
    rng = random.Random(minor)
    for country in ("IN", "AR", "KE"):
        assert n.parse_amount(render_amount(rng, minor, ccy, country), ccy) == minor


def test_amount_float_rejected():
    with pytest.raises(BaobabError) as e:
        n.parse_amount(1250.5, "INR")
    assert e.value.code == "FLOAT_NOT_ALLOWED"


@pytest.mark.parametrize("bad", ["-100", "+5", "12.3456", "1,2.3,4", "abc", "", "USD 100", "0", 0, -5, True,
                                 10**18, None, "1e5"])
def test_bad_amounts_rejected(bad):
    with pytest.raises(BaobabError) as e:
        n.parse_amount(bad, "INR")
    assert e.value.code == "BAD_MONEY"


@pytest.mark.parametrize("bad", ["XYZ", "rupees", "", 356, None])
def test_bad_currency_rejected(bad):
    with pytest.raises(BaobabError) as e:
        n.currency(bad)
    assert e.value.code == "BAD_MONEY"


# --- line items -----------------------------------------------------------------------------

def test_hs_headings():
    assert n.hs_heading("0901.11") == n.hs_heading("090111") == n.hs_heading("90111") == "0901"
    assert n.hs_heading("5208 12 00") == n.hs_heading("5208") == n.hs_heading(520812) == "5208"
    for bad in ("52", "12345678901", "52a8", "", None):
        with pytest.raises(BaobabError):
            n.hs_heading(bad)


def test_lines_are_a_multiset():
    a = [{"hs": "5208.12", "quantity": 1000, "unit_price": 12500}, {"hs": "0901.11", "quantity": 5, "unit_price": "3.00"}]
    reordered = list(reversed(a))
    split = [{"hs": "520812", "quantity": 400, "unit_price": "125.00"}, {"hs": "5208", "quantity": "600", "unit_price": 12500},
             {"hs": "90111", "quantity": 5, "unit_price": 300}]
    assert n.lines(a, "INR") == n.lines(reordered, "INR") == n.lines(split, "INR")
    assert n.lines(a, "INR") == (("0901", 300, 5), ("5208", 12500, 1000))


@pytest.mark.parametrize("bad", [
    "not a list", [5], [{"hs": "5208", "quantity": 1}], [{"hs": "5208", "quantity": 0, "unit_price": 1}],
    [{"hs": "5208", "quantity": "12.5", "unit_price": 1}], [{"hs": "5208", "quantity": -1, "unit_price": 1}],
])
def test_bad_lines_rejected(bad):
    with pytest.raises(BaobabError) as e:
        n.lines(bad, "INR")
    assert e.value.code == "BAD_INVOICE"


def test_float_quantity_rejected():
    with pytest.raises(BaobabError) as e:
        n.lines([{"hs": "5208", "quantity": 2.0, "unit_price": 1}], "INR")
    assert e.value.code == "FLOAT_NOT_ALLOWED"


# --- whole documents ------------------------------------------------------------------------

def test_document_normalises_every_field():
    doc = n.document(INVOICE)
    assert doc == n.Document("invoice", "shreeganeshtextiles", "tatamotors", "inv-2024-25-42", dt.date(2024, 3, 5),
                             "INR", 12500050, (("5208", 12500, 1000),))


@pytest.mark.parametrize("field", ["seller", "buyer", "number", "date", "currency", "amount"])
def test_missing_fields_rejected(field):
    doc = {k: v for k, v in INVOICE.items() if k != field}
    with pytest.raises(BaobabError) as e:
        n.document(doc)
    assert e.value.code == "BAD_INVOICE" and e.value.detail["field"] == field


@pytest.mark.parametrize("patch,code", [
    ({"kind": "cheque"}, "BAD_INVOICE"),
    ({"seller": "  .,- "}, "BAD_INVOICE"),
    ({"seller": 42}, "BAD_INVOICE"),
    ({"number": "//--"}, "BAD_INVOICE"),
    ({"date": "31/02/2024"}, "BAD_INVOICE"),
    ({"currency": "RUPEES"}, "BAD_MONEY"),
    ({"amount": 125000.5}, "FLOAT_NOT_ALLOWED"),
    ({"amount": "EUR 100.00"}, "BAD_MONEY"),
    ({"lines": {"hs": "5208"}}, "BAD_INVOICE"),
])
def test_bad_documents_rejected(patch, code):
    with pytest.raises(BaobabError) as e:
        n.document({**INVOICE, **patch})
    assert e.value.code == code


def test_not_a_mapping_rejected():
    with pytest.raises(BaobabError) as e:
        n.document(["seller"])
    assert e.value.code == "BAD_INVOICE"


@pytest.mark.parametrize("kind", DOCUMENT_KINDS)
def test_every_financeable_kind_accepted(kind):
    assert n.document({**INVOICE, "kind": kind}).kind == kind


def test_vocabularies_come_from_vocab_trade():
    """Document kinds and currencies are the shared vocabulary's, not a copy in risk/."""
    from pathlib import Path

    import baobab.risk

    for source in Path(baobab.risk.__file__).parent.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        assert '"warehouse_receipt"' not in text, source.name
        assert '"purchase_order"' not in text, source.name
    with pytest.raises(BaobabError) as e:
        n.document({**INVOICE, "currency": "XXY"})
    assert e.value.code == "BAD_MONEY"
