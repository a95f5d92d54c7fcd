"""Trade document types: one valid example per type, and clear, path-precise rejections."""

from __future__ import annotations

import copy
import json

import pytest

from baobab.core.errors import CODES, BaobabError
from baobab.documents.fields import container_check_digit
from baobab.documents.types import DOCUMENT_TYPES, field_path, validate_document


def party(name, country, **extra):
    return {"name": name, "country": country, **extra}


def usd(minor):
    return {"currency": "USD", "minor": minor}


SELLER = party("Agro Pampa SA", "AR", address_lines=["Av. Corrientes 1234"], city="Buenos Aires",
               tax_id="30-12345678-9")
BUYER = party("Feedmill Bhd", "MY", lei="5493001KJTIIGC8Y1R12")

EXAMPLES = {
    "commercial_invoice": {
        "invoice_number": "INV-2024-0042",
        "issue_date": "2024-03-01",
        "seller": SELLER,
        "buyer": BUYER,
        "currency": "USD",
        "incoterms": {"rule": "CFR", "place": "Port Klang"},
        "lines": [
            {"line_number": 1, "description": "Soybeans, yellow, non-GMO", "hs_code": "120190",
             "country_of_origin": "AR", "quantity": {"value": 50_000, "unit": "KGM"},
             "unit_price": usd(45), "line_amount": usd(2_250_000)},
            {"line_number": 2, "description": "Soybean meal", "hs_code": "230400",
             "country_of_origin": "AR", "quantity": {"value": 3, "unit": "TNE"},
             "unit_price": usd(33_333), "line_amount": usd(100_000)},
        ],
        "charges": [{"kind": "freight", "amount": usd(150_000)}],
        "allowances": [{"kind": "discount", "description": "early payment", "amount": usd(50_000)}],
        "total_amount": usd(2_450_000),
        "payment_terms": "Documentary credit at sight",
        "due_date": "2024-04-01",
        "letter_of_credit_number": "LC-778",
        "country_of_export": "AR",
        "country_of_destination": "MY",
        "port_of_loading": "ARROS",
        "port_of_discharge": "MYPKG",
    },
    "packing_list": {
        "packing_list_number": "PL-2024-0042",
        "issue_date": "2024-03-02",
        "shipper": SELLER,
        "consignee": BUYER,
        "invoice_number": "INV-2024-0042",
        "packages": [
            {"marks": "FM/PKG/1-40", "package_type": "BG", "count": 40,
             "contents": [{"description": "Soybeans", "quantity": {"value": 40_000, "unit": "KGM"},
                           "hs_code": "120190", "invoice_line_number": 1}],
             "gross_weight": {"value": 40_200, "unit": "KGM"}, "net_weight": {"value": 40_000, "unit": "KGM"}},
            {"marks": "FM/PKG/41-50", "package_type": "BG", "count": 10,
             "contents": [{"description": "Soybeans", "quantity": {"value": 10, "unit": "TNE"}}],
             "gross_weight": {"value": 10_050_000, "unit": "GRM"},
             "volume": {"value": 14, "unit": "MTQ"}},
        ],
        "total_packages": 50,
        "total_gross_weight": {"value": 50_250, "unit": "KGM"},
    },
    "bill_of_lading": {
        "kind": "ocean_bill_of_lading",
        "document_number": "MAEU123456789",
        "issue_date": "2024-03-05",
        "carrier": party("Ocean Carrier A/S", "DK"),
        "shipper": SELLER,
        "to_order_of": "order of Bank Negara Example",
        "notify_party": BUYER,
        "port_of_loading": "ARROS",
        "port_of_discharge": "MYPKG",
        "goods": [{"description": "Soybeans in bags", "package_type": "BG", "package_count": 50,
                   "gross_weight": {"value": 50_250, "unit": "KGM"}, "hs_code": "120190"}],
        "freight": "prepaid",
        "clean": True,
        "shipped_on_board": True,
        "shipped_on_board_date": "2024-03-05",
        "vessel_name": "MSC Example",
        "voyage_number": "412W",
        "containers": [{"number": "CSQU3054383", "seal_number": "SL-991", "size_type": "22G1"}],
        "transferable": True,
        "number_of_originals": 3,
    },
    "certificate_of_origin": {
        "certificate_number": "CO-AR-2024-1001",
        "issue_date": "2024-03-03",
        "issuing_authority": party("Cámara Argentina de Comercio", "AR"),
        "exporter": SELLER,
        "consignee": BUYER,
        "country_of_origin": "AR",
        "country_of_destination": "MY",
        "preferential": False,
        "goods": [{"item_number": 1, "description": "Soybeans", "hs_code": "120190",
                   "quantity": {"value": 50, "unit": "TNE"}, "origin_criterion": "WO"}],
        "invoice_number": "INV-2024-0042",
    },
    "phytosanitary_certificate": {
        "certificate_number": "PHY-AR-55821",
        "issue_date": "2024-03-04",
        "issuing_nppo": party("SENASA", "AR"),
        "country_of_export": "AR",
        "country_of_destination": "MY",
        "exporter": SELLER,
        "consignee": BUYER,
        "place_of_origin": "AR",
        "commodities": [{"description": "Soybeans for processing", "botanical_name": "Glycine max",
                         "quantity": {"value": 50_000, "unit": "KGM"}, "hs_code": "120190",
                         "distinguishing_marks": "FM/PKG/1-50"}],
        "inspection_date": "2024-03-02",
        "means_of_conveyance": "sea",
        "point_of_entry": "MYPKG",
        "treatment": {"method": "fumigation", "chemical": "phosphine", "duration": "120 h",
                      "temperature": "above 15 C", "date": "2024-03-01"},
        "additional_declaration": "Free from Tilletia indica",
    },
    "inspection_certificate": {
        "certificate_number": "INSP-7781",
        "issue_date": "2024-03-04",
        "inspection_body": party("Independent Surveyors SRL", "AR"),
        "applicant": SELLER,
        "inspection_type": "quality_and_quantity",
        "inspection_date": "2024-03-03",
        "place_of_inspection": "ARROS",
        "goods": [{"description": "Soybeans", "quantity": {"value": 50_000, "unit": "KGM"}, "hs_code": "120190"}],
        "result": "pass",
        "letter_of_credit_number": "LC-778",
    },
    "insurance_certificate": {
        "certificate_number": "INS-0099",
        "issue_date": "2024-03-04",
        "insurer": party("Seguros del Plata SA", "AR"),
        "insured": SELLER,
        "claims_payable_to": BUYER,
        "insured_amount": usd(2_695_000),
        "premium": usd(4_000),
        "coverage": "ICC_A",
        "additional_risks": ["war", "strikes"],
        "voyage_from": "ARROS",
        "voyage_to": "MYPKG",
        "goods_description": "50 t soybeans in 50 bags",
        "claims_payable_at": "Kuala Lumpur, in USD",
        "effective_date": "2024-03-05",
        "policy_number": "OPEN-2024-01",
    },
}


def errors_of(doc_type, data):
    with pytest.raises(BaobabError) as err:
        validate_document(doc_type, data)
    assert err.value.code == "BAD_DOCUMENT"
    assert err.value.detail["doc_type"] == doc_type
    return {e["path"]: e["message"] for e in err.value.detail["errors"]}


def modified(doc_type, change):
    doc = copy.deepcopy(EXAMPLES[doc_type])
    change(doc)
    return doc


def with_value(doc_type, path, value):
    """The example document of `doc_type` with the field at `path` set to `value`."""
    def change(doc):
        node = doc
        for p in path[:-1]:
            node = node[p]
        node[path[-1]] = value

    return modified(doc_type, change)


def test_codes_are_registered():
    assert "BAD_DOCUMENT" in CODES and "UNKNOWN_DOCUMENT_TYPE" in CODES


def test_every_type_has_an_example():
    assert set(EXAMPLES) == set(DOCUMENT_TYPES)


@pytest.mark.parametrize("doc_type", sorted(EXAMPLES))
def test_valid_example_is_accepted(doc_type):
    model = validate_document(doc_type, EXAMPLES[doc_type])
    assert isinstance(model, DOCUMENT_TYPES[doc_type])
    # Serialising gives back the input (nothing was coerced) and parses to the same model.
    dumped = model.model_dump(mode="json", exclude_unset=True)
    assert dumped == EXAMPLES[doc_type]
    assert validate_document(doc_type, json.loads(json.dumps(model.model_dump(mode="json")))) == model


def test_unknown_type_and_non_object():
    with pytest.raises(BaobabError) as err:
        validate_document("proforma", {})
    assert err.value.code == "UNKNOWN_DOCUMENT_TYPE" and "commercial_invoice" in err.value.detail["known"]
    assert errors_of("packing_list", []) == {"": "a document is a JSON object"}


REQUIRED = {
    "commercial_invoice": ["invoice_number", "seller", "lines", "total_amount", "currency"],
    "packing_list": ["packages", "total_gross_weight", "consignee"],
    "bill_of_lading": ["kind", "carrier", "port_of_loading", "clean", "shipped_on_board", "transferable"],
    "certificate_of_origin": ["country_of_origin", "goods", "preferential"],
    "phytosanitary_certificate": ["issuing_nppo", "commodities", "inspection_date"],
    "inspection_certificate": ["result", "inspection_type", "place_of_inspection"],
    "insurance_certificate": ["insured_amount", "coverage", "effective_date"],
}


@pytest.mark.parametrize("doc_type,field", [(t, f) for t, fs in REQUIRED.items() for f in fs])
def test_required_field_missing(doc_type, field):
    assert errors_of(doc_type, modified(doc_type, lambda d: d.pop(field))) == {field: "required field is missing"}


def test_nested_required_field_path():
    errs = errors_of("commercial_invoice", modified("commercial_invoice", lambda d: d["lines"][1].pop("hs_code")))
    assert errs == {"lines[1].hs_code": "required field is missing"}


@pytest.mark.parametrize("doc_type,path,value", [
    ("commercial_invoice", ("invoice_number",), 42),
    ("commercial_invoice", ("lines", 0, "quantity", "value"), "50000"),
    ("packing_list", ("total_packages",), True),
    ("bill_of_lading", ("clean",), "yes"),
    ("bill_of_lading", ("goods",), {"description": "not a list"}),
    ("certificate_of_origin", ("exporter",), "Agro Pampa"),
    ("inspection_certificate", ("result",), "passed"),
    ("insurance_certificate", ("coverage",), "all risks"),
])
def test_wrong_type_rejected_with_path(doc_type, path, value):
    errs = errors_of(doc_type, with_value(doc_type, path, value))
    assert list(errs) == [field_path(path)], errs


@pytest.mark.parametrize("doc_type,path", [
    ("commercial_invoice", ("seller", "country")),
    ("commercial_invoice", ("lines", 1, "country_of_origin")),
    ("packing_list", ("consignee", "country")),
    ("bill_of_lading", ("carrier", "country")),
    ("bill_of_lading", ("notify_party", "country")),
    ("certificate_of_origin", ("country_of_destination",)),
    ("phytosanitary_certificate", ("place_of_origin",)),
    ("inspection_certificate", ("applicant", "country")),
    ("insurance_certificate", ("insured", "country")),
])
@pytest.mark.parametrize("bad", ["XX", "ar", "ARG", 32])
def test_bad_country_rejected(doc_type, path, bad):
    errs = errors_of(doc_type, with_value(doc_type, path, bad))
    assert list(errs) == [field_path(path)]
    if isinstance(bad, str):
        assert "ISO 3166-1 alpha-2" in errs[field_path(path)]


@pytest.mark.parametrize("doc_type,path", [
    ("commercial_invoice", ("currency",)),
    ("commercial_invoice", ("total_amount", "currency")),
    ("insurance_certificate", ("insured_amount", "currency")),
    ("insurance_certificate", ("premium", "currency")),
])
@pytest.mark.parametrize("bad", ["usd", "US", "XYZ", "BTC"])
def test_bad_currency_rejected(doc_type, path, bad):
    errs = errors_of(doc_type, with_value(doc_type, path, bad))
    assert errs[field_path(path)] == f"{bad!r} is not an ISO 4217 currency code"


@pytest.mark.parametrize("doc_type,path", [
    ("commercial_invoice", ("total_amount", "minor")),
    ("commercial_invoice", ("lines", 0, "unit_price", "minor")),
    ("commercial_invoice", ("charges", 0, "amount", "minor")),
    ("insurance_certificate", ("insured_amount", "minor")),
    ("packing_list", ("packages", 0, "gross_weight", "value")),
])
@pytest.mark.parametrize("bad", [1.5, 2450000.0])
def test_float_amounts_rejected(doc_type, path, bad):
    errs = errors_of(doc_type, with_value(doc_type, path, bad))
    assert errs == {field_path(path): "must be an integer; floats are not allowed (money is integer minor units)"}


def test_every_failure_is_listed_at_once():
    def change(doc):
        doc["seller"]["country"] = "XX"
        doc["currency"] = "XYZ"
        doc["issue_date"] = "01/03/2024"
        doc["lines"][0]["hs_code"] = "1201.90"
        doc["total_amount"]["minor"] = 1.0
        doc["port_of_loading"] = "AR-ROS"
        doc["extra"] = True
        del doc["buyer"]["name"]

    errs = errors_of("commercial_invoice", modified("commercial_invoice", change))
    assert set(errs) == {"seller.country", "currency", "issue_date", "lines[0].hs_code", "total_amount.minor",
                         "port_of_loading", "extra", "buyer.name"}
    assert errs["extra"] == "unknown field"
    assert "RFC 3339" in errs["issue_date"] and "HS code" in errs["lines[0].hs_code"]
    assert "UN/LOCODE" in errs["port_of_loading"]


def test_error_message_names_paths():
    with pytest.raises(BaobabError) as err:
        validate_document("commercial_invoice", modified("commercial_invoice", lambda d: d["seller"].update(country="XX")))
    assert err.value.message == "invalid commercial_invoice: seller.country: 'XX' is not an ISO 3166-1 alpha-2 country code"


# --- field formats ------------------------------------------------------------------------


@pytest.mark.parametrize("value,ok", [
    ("2024-02-29", True), ("2023-02-29", False), ("2024-3-1", False), ("2024-03-01T00:00:00Z", False), (20240301, False),
])
def test_dates(value, ok):
    doc = modified("inspection_certificate", lambda d: d.update(issue_date=value, inspection_date="2020-01-01"))
    if ok:
        validate_document("inspection_certificate", doc)
    else:
        assert "issue_date" in errors_of("inspection_certificate", doc)


@pytest.mark.parametrize("value,ok", [("120190", True), ("1201901000", True), ("12019", False),
                                      ("12019010001", False), ("1201.90", False), ("12019O", False)])
def test_hs_codes(value, ok):
    doc = modified("certificate_of_origin", lambda d: d["goods"][0].update(hs_code=value))
    if ok:
        validate_document("certificate_of_origin", doc)
    else:
        assert list(errors_of("certificate_of_origin", doc)) == ["goods[0].hs_code"]


@pytest.mark.parametrize("value,ok", [("MYPKG", True), ("AEJEA", True), ("KEMBA", True), ("MYPK1", False),
                                      ("XXABC", False), ("mypkg", False), ("MY PKG", False)])
def test_unlocodes(value, ok):
    doc = modified("insurance_certificate", lambda d: d.update(voyage_to=value))
    if ok:
        validate_document("insurance_certificate", doc)
    else:
        assert list(errors_of("insurance_certificate", doc)) == ["voyage_to"]


def test_units_and_package_types():
    errs = errors_of("packing_list", modified("packing_list", lambda d: d["packages"][0].update(package_type="ZZ")))
    assert list(errs) == ["packages[0].package_type"]
    errs = errors_of("packing_list", modified("packing_list", lambda d: d["packages"][0]["contents"][0]["quantity"]
                                              .update(unit="kg")))
    assert list(errs) == ["packages[0].contents[0].quantity.unit"]
    errs = errors_of("packing_list", modified("packing_list", lambda d: d["packages"][0]["gross_weight"]
                                              .update(unit="LTR")))
    assert "mass unit" in errs["packages[0].gross_weight"]


def test_container_numbers_check_digit():
    assert container_check_digit("CSQU305438") == 3
    errs = errors_of("bill_of_lading", modified("bill_of_lading", lambda d: d["containers"][0].update(number="CSQU3054384")))
    assert list(errs) == ["containers[0].number"]


def test_lei_check_digits():
    errs = errors_of("commercial_invoice", modified("commercial_invoice", lambda d: d["buyer"].update(lei="5493001KJTIIGC8Y1R13")))
    assert list(errs) == ["buyer.lei"]


# --- cross-field rules --------------------------------------------------------------------


def test_invoice_totals_and_currencies():
    errs = errors_of("commercial_invoice", modified("commercial_invoice", lambda d: d["total_amount"].update(minor=2_400_000)))
    assert errs == {"total_amount.minor": "24000.00 USD is not lines + charges - allowances = 24500.00 USD"}
    errs = errors_of("commercial_invoice", modified("commercial_invoice", lambda d: d["charges"][0]["amount"].update(currency="EUR")))
    assert errs == {"charges[0].amount.currency": "must be the document currency USD, not EUR"}
    errs = errors_of("commercial_invoice", modified("commercial_invoice", lambda d: d["lines"][1].update(line_number=1)))
    assert errs == {"lines": "line_number values must be unique"}
    errs = errors_of("commercial_invoice", modified("commercial_invoice", lambda d: d.update(due_date="2024-02-01")))
    assert list(errs) == ["due_date"]


def test_invoice_line_amount_must_match_price_times_quantity():
    # 3 t at 333.33 USD = 999.99, billed 1000.00: within rounding of the unit price.
    validate_document("commercial_invoice", EXAMPLES["commercial_invoice"])
    errs = errors_of("commercial_invoice", modified("commercial_invoice", lambda d: d["lines"][0]["unit_price"].update(minor=46)))
    assert list(errs) == ["lines[0].line_amount.minor"]


def test_packing_list_totals():
    errs = errors_of("packing_list", modified("packing_list", lambda d: d.update(total_packages=49)))
    assert list(errs) == ["total_packages"]
    errs = errors_of("packing_list", modified("packing_list", lambda d: d["total_gross_weight"].update(value=50_000)))
    assert list(errs) == ["total_gross_weight"]
    errs = errors_of("packing_list", modified("packing_list", lambda d: d["packages"][0]["net_weight"].update(value=41_000)))
    assert list(errs) == ["packages[0].net_weight"]


@pytest.mark.parametrize("change,path", [
    (lambda d: d.update(kind="sea_waybill"), "transferable"),
    (lambda d: d.update(kind="air_waybill", vessel_name=None, voyage_number=None, shipped_on_board=False,
                        shipped_on_board_date=None), "transferable"),
    (lambda d: d.update(to_order_of=None), "to_order_of"),
    (lambda d: d.update(number_of_originals=None), "number_of_originals"),
    (lambda d: d.update(shipped_on_board_date=None), "shipped_on_board_date"),
    (lambda d: d.update(vessel_name=None), "vessel_name"),
    (lambda d: d.update(flight_number="EK 202"), "flight_number"),
    (lambda d: d.update(transferable=False, consignee=d["notify_party"]), "to_order_of"),
    (lambda d: d.update(transferable=False, to_order_of=None), "consignee"),
])
def test_bill_of_lading_flag_rules(change, path):
    errs = errors_of("bill_of_lading", modified("bill_of_lading", change))
    assert path in errs, errs


def test_bill_of_lading_kinds():
    def sea_waybill(d):
        del d["to_order_of"]
        d.update(kind="sea_waybill", transferable=False, consignee=BUYER, number_of_originals=None, clean=False)

    assert validate_document("bill_of_lading", modified("bill_of_lading", sea_waybill)).clean is False

    def air_waybill(d):
        sea_waybill(d)
        d.update(kind="air_waybill", shipped_on_board=False, shipped_on_board_date=None, vessel_name=None,
                 voyage_number=None, flight_number="MH 2", port_of_loading="AREZE", port_of_discharge="MYKUL",
                 containers=[])

    model = validate_document("bill_of_lading", modified("bill_of_lading", air_waybill))
    assert model.kind == "air_waybill" and not model.transferable
    errs = errors_of("bill_of_lading", modified("bill_of_lading", lambda d: (air_waybill(d), d.update(
        shipped_on_board=True, shipped_on_board_date="2024-03-05"))))
    assert "shipped_on_board" in errs


def test_certificate_rules():
    errs = errors_of("certificate_of_origin", modified("certificate_of_origin", lambda d: d.update(preferential=True)))
    assert list(errs) == ["trade_agreement"]
    validate_document("certificate_of_origin", modified("certificate_of_origin",
                                                        lambda d: d.update(preferential=True, trade_agreement="AfCFTA")))
    errs = errors_of("phytosanitary_certificate", modified("phytosanitary_certificate",
                                                           lambda d: d["issuing_nppo"].update(country="BR")))
    assert list(errs) == ["issuing_nppo.country"]
    errs = errors_of("inspection_certificate", modified("inspection_certificate", lambda d: d.update(result="fail")))
    assert list(errs) == ["findings"]
    errs = errors_of("insurance_certificate", modified("insurance_certificate", lambda d: d["insured_amount"].update(minor=0)))
    assert list(errs) == ["insured_amount.minor"]
    errs = errors_of("insurance_certificate", modified("insurance_certificate", lambda d: d["insured_amount"].update(minor=-5)))
    assert list(errs) == ["insured_amount.minor"]


def test_document_vocabularies_are_the_shared_ones():
    """Types, transport kinds, Incoterms, units, packages, LOCODE come from baobab.vocab.trade."""
    from pathlib import Path
    from typing import get_args

    import baobab.documents
    from baobab.documents import fields, types
    from baobab.vocab import trade

    assert tuple(types.DOCUMENT_TYPES) == trade.DOCUMENT_TYPES
    assert get_args(types.BillOfLading.model_fields["kind"].annotation) == trade.TRANSPORT_DOCUMENT_KINDS
    assert get_args(types.Incoterms.model_fields["rule"].annotation) == trade.INCOTERMS_2020
    assert fields.UNIT_CODES is trade.UNIT_CODES and fields.PACKAGE_TYPES is trade.PACKAGE_TYPES
    for source in Path(baobab.documents.__file__).parent.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        for copy in ('"FOB"', "A-Z2-9", '"sea_waybill"', '"KGM"', '"PX"'):
            assert copy not in text, (source.name, copy)
