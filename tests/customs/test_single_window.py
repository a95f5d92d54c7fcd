"""Declarations built from the documents already on the ledger, nothing retyped, and exported as
WCO Data Model 3.6 XML valid against the WCO schema."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from baobab.core.errors import BaobabError
from baobab.customs import single_window, wco
from baobab.documents.openattestation import get_data
from baobab.stories.flowers import BUYER, FARM, HS, STEMS
from tests.conftest import Net
from tests.customs.documents import issue_flower_documents

NL = "NL-CUSTOMS"
CONTRACT = "customs_declarations"


def test_a_declaration_is_built_from_the_story_documents_with_no_field_retyped(demo_net: Net) -> None:
    actors = demo_net.actors()
    docs = issue_flower_documents(actors)
    outcome = single_window.lodge(actors(BUYER), docs, declaration_id="NL-IM-1", customs=NL)
    assert outcome["code"] == "VALID"
    record = demo_net.query(BUYER, CONTRACT, "get", {"declaration_id": "NL-IM-1"})
    invoice = get_data(docs["commercial_invoice"])
    line = invoice["lines"][0]
    assert record["items"] == [{"n": 1, "hs_code": HS, "description": line["description"], "origin": "KE",
                                "quantity": STEMS, "unit": "PCE", "value": line["line_amount"]}]
    assert record["countries"] == {"origin": "KE", "destination": "NL", "transit": []}
    assert record["shipment"]["invoice"]["number"] == invoice["invoice_number"]
    assert record["shipment"]["transport"] == {"mode": "sea", "document": get_data(docs["bill_of_lading"])["document_number"],
                                               "means": "MV Kilindini Reefer", "loading": "KEMBA", "discharge": "NLRTM",
                                               "containers": ["CSQU3054383"]}
    assert record["shipment"]["packages"]["count"] == 800 and record["shipment"]["packages"]["gross_grams"] == 9_600_000
    assert [d["doc_type"] for d in record["documents"]] == ["commercial_invoice", "bill_of_lading", "packing_list"]
    assert single_window.differences(record, docs) == []


def test_customs_sees_a_retyped_value(demo_net: Net) -> None:
    actors = demo_net.actors()
    docs = issue_flower_documents(actors)
    args = single_window.build(docs, declaration_id="NL-IM-2", customs=NL)
    args["items"][0]["value"] = {"currency": "EUR", "minor": 1_000}  # typed in by hand, far below the invoice
    demo_net.submit(BUYER, CONTRACT, "lodge", args)
    record = demo_net.query(BUYER, CONTRACT, "get", {"declaration_id": "NL-IM-2"})
    assert single_window.differences(record, docs) == [
        f"item 1 value: declared {{'currency': 'EUR', 'minor': 1000}}, the documents say "
        f"{{'currency': 'EUR', 'minor': {STEMS * 25}}}"]


def test_an_altered_document_is_not_lodged(demo_net: Net) -> None:
    actors = demo_net.actors()
    docs = issue_flower_documents(actors)
    forged = copy.deepcopy(docs)
    forged["commercial_invoice"]["data"]["total_amount"]["minor"] = forged["commercial_invoice"]["data"]["total_amount"]["minor"].replace("3000000", "300000")
    height = demo_net.node.height()
    with pytest.raises(BaobabError) as caught:
        single_window.lodge(actors(BUYER), forged, declaration_id="NL-IM-3", customs=NL)
    assert caught.value.code == "BAD_DOCUMENT"
    assert demo_net.node.height() == height


def test_a_document_not_on_the_ledger_or_not_readable_is_refused(demo_net: Net) -> None:
    actors = demo_net.actors()
    docs = issue_flower_documents(actors)
    args = single_window.build(docs, declaration_id="NL-IM-4", customs=NL)
    for documents in (["ab" * 32], args["documents"][:1]):
        caller = BUYER if documents[0] == "ab" * 32 else "ROAST-NL"   # ROAST-NL may not read the farm's invoice
        with pytest.raises(BaobabError) as caught:
            demo_net.submit(caller, CONTRACT, "lodge", {**args, "documents": documents})
        assert caught.value.detail.get("reason") == "DOCUMENT_NOT_ON_LEDGER"


def test_the_wco_export_validates_against_the_wco_schema(demo_net: Net) -> None:
    actors = demo_net.actors()
    docs = issue_flower_documents(actors)
    single_window.lodge(actors(BUYER), docs, declaration_id="NL-IM-5", customs=NL)
    record = demo_net.query(BUYER, CONTRACT, "get", {"declaration_id": "NL-IM-5"})
    xml = wco.declaration_xml(record, names={BUYER: "Rotterdam Flora B.V."})
    assert wco.validate(xml) == []
    root = etree.fromstring(xml)
    ns = {"w": wco.NS}
    assert root.findtext("w:FunctionalReferenceID", namespaces=ns) == "NL-IM-5"
    assert root.findtext("w:TypeCode", namespaces=ns) == "IM"
    item = root.find("w:GoodsShipment/w:GovernmentAgencyGoodsItem", ns)
    assert item.findtext("w:Commodity/w:Classification/w:ID", namespaces=ns) == HS
    assert item.findtext("w:CustomsValueAmount", namespaces=ns) == "30000.00"
    assert item.findtext("w:Origin/w:CountryCode", namespaces=ns) == "KE"
    hashes = [e.text for e in root.iterfind("w:AdditionalInformation/w:StatementDescription", ns)]
    assert len(hashes) == 3 and all(d["target_hash"] in h for d, h in zip(record["documents"], hashes))


def test_the_schema_catches_a_broken_declaration() -> None:
    broken = (b'<?xml version="1.0"?><Declaration xmlns="urn:wco:datamodel:WCO:DEC-DMS:2">'
              b'<TypeCode>IM</TypeCode></Declaration>')              # FunctionCode is required
    problems = wco.validate(broken)
    assert problems and "FunctionCode" in problems[0]
    assert wco.validate(b"<Declaration") != []
