"""A declaration on the ledger as a WCO Data Model 3.6 goods declaration (XML, DEC-DMS), valid
against the WCO schema shipped in `wco_xsd/` (see its SOURCE.md).

What goes where (WCO names): the declaration's id is the declarant's FunctionalReferenceID, its
lodging time the IssueDateTime, IM or EX its TypeCode, the customs office the
DeclarationOfficeID; the declarant, its broker (Agent), exporter and importer are parties; every ledger document it
references is an AdditionalInformation statement naming its type and target hash (the registry
key anyone can check), with the invoice and transport document numbers as AdditionalDocuments
(UN/EDIFACT 1001 codes 380 invoice, 705 bill of lading, 740 air waybill); transport, containers
and the loading place go in the Consignment; each item is a GovernmentAgencyGoodsItem with its
customs value, HS classification, quantity, origin, procedure code and, once assessed, one
DutyTaxFee per duty or tax line. Amounts are written from integer minor units, never floats.
"""

from __future__ import annotations

from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from typing import Any

from lxml import etree

from baobab.core.errors import BaobabError, register_codes
from baobab.core.money import MINOR_UNITS

register_codes({"WCO_INVALID": (500, "The declaration does not validate against the WCO Data Model schema")})

NS = "urn:wco:datamodel:WCO:DEC-DMS:2"
DS = "urn:wco:datamodel:WCO:Declaration_DS:DMS:2"
DOCUMENT_CODES = {"commercial_invoice": "380", "bill_of_lading": "705", "packing_list": "271",
                  "certificate_of_origin": "861", "inspection_certificate": "855"}
MODE_CODES = {"sea": "1", "rail": "2", "road": "3", "air": "4", "post": "5", "other": "9"}
PROCEDURE = {"import": ("IM", "40"), "export": ("EX", "10")}  # WCO type; procedure: release for free circulation / permanent export


@lru_cache(maxsize=1)
def schema() -> etree.XMLSchema:
    root = files("baobab.customs") / "wco_xsd" / "WCO_DEC_2_DMS.xsd"
    return etree.XMLSchema(etree.parse(str(root)))


def _amount(minor: int, currency: str) -> str:
    return str(Decimal(minor).scaleb(-MINOR_UNITS[currency]))


def _stamp(rfc3339: str) -> str:
    """2026-12-03T09:15:00.123Z -> 20261203091500Z (UN/EDIFACT 2379 format 304)."""
    digits = "".join(ch for ch in rfc3339[:19] if ch.isdigit())
    return digits + "Z"


class _Writer:
    def __init__(self) -> None:
        self.root = etree.Element(f"{{{NS}}}Declaration", nsmap={None: NS, "ds": DS})

    @staticmethod
    def add(parent: etree._Element, name: str, text: Any = None, **attrs: str) -> etree._Element:
        node = etree.SubElement(parent, f"{{{NS}}}{name}", {k: v for k, v in attrs.items() if v is not None})
        if text is not None:
            node.text = str(text)
        return node

    def date_time(self, parent: etree._Element, name: str, value: str, fmt: str) -> None:
        holder = self.add(parent, name)
        etree.SubElement(holder, f"{{{DS}}}DateTimeString", formatCode=fmt).text = value

    def party(self, parent: etree._Element, name: str, party: dict[str, Any] | None, org_id: str | None = None) -> None:
        if party is None and org_id is None:
            return
        node = self.add(parent, name)
        if party and party.get("name"):
            self.add(node, "Name", party["name"][:70])
        if org_id:
            self.add(node, "ID", org_id[:17])
        if party and party.get("country"):
            address = self.add(node, "Address")
            if party.get("city"):
                self.add(address, "CityName", party["city"][:35])
            self.add(address, "CountryCode", party["country"])


def declaration_xml(record: dict[str, Any], *, names: dict[str, str] | None = None) -> bytes:
    """The WCO DEC-DMS XML of a declaration record (as `customs_declarations.get` returns it),
    validated against the schema; `names` gives organisations' legal names by id."""
    names = names or {}
    shipment = record.get("shipment", {})
    invoice, transport, packages = shipment.get("invoice"), shipment.get("transport"), shipment.get("packages")
    type_code, procedure_code = PROCEDURE[record["procedure"]]
    assessment = record.get("assessment")
    w = _Writer()
    d, add = w.root, w.add
    add(d, "FunctionCode", "9")  # original
    add(d, "FunctionalReferenceID", record["id"][:35])
    w.date_time(d, "IssueDateTime", _stamp(record["history"][0]["at"]), "304")
    add(d, "TypeCode", type_code)
    add(d, "GoodsItemQuantity", len(record["items"]))
    add(d, "DeclarationOfficeID", record["customs"][:17])
    if invoice:
        add(d, "InvoiceAmount", _amount(invoice["total_minor"], invoice["currency"]), currencyID=invoice["currency"])
    if packages and packages.get("gross_grams"):
        add(d, "TotalGrossMassMeasure", str(Decimal(packages["gross_grams"]).scaleb(-3)), unitCode="KGM")
    if packages:
        add(d, "TotalPackageQuantity", packages["count"])
    numbers = {"commercial_invoice": invoice["number"] if invoice else None,
               "bill_of_lading": transport["document"] if transport else None}
    for doc in record.get("documents", []):
        number = numbers.get(doc["doc_type"])
        if number:
            ad = add(d, "AdditionalDocument")
            code = "740" if doc["doc_type"] == "bill_of_lading" and transport and transport["mode"] == "air" else \
                DOCUMENT_CODES[doc["doc_type"]]
            add(ad, "ID", number[:70])
            add(ad, "TypeCode", code)
    for doc in record.get("documents", []):
        info = add(d, "AdditionalInformation")
        add(info, "StatementDescription", f"{doc['doc_type']} on the ledger, target hash {doc['target_hash']}, "
                                          f"issued by {doc['issuer']}")
        add(info, "StatementTypeCode", "AAI")  # UN/EDIFACT 4451: general information
    if record.get("broker"):
        w.party(d, "Agent", {"name": names.get(record["broker"], record["broker"])}, record["broker"])
    if transport and transport.get("means"):
        border = add(d, "BorderTransportMeans")
        add(border, "Name", transport["means"][:35])
        add(border, "ModeCode", MODE_CODES[transport["mode"]])
    w.party(d, "Declarant", {"name": names.get(record["declarant"], record["declarant"])}, record["declarant"])
    w.party(d, "Exporter", shipment.get("exporter"))
    goods = add(d, "GoodsShipment")
    if transport:
        consignment = add(goods, "Consignment")
        add(consignment, "ContainerCode", "1" if transport.get("containers") else "0")
        arrival = add(consignment, "ArrivalTransportMeans")
        if transport.get("means"):
            add(arrival, "Name", transport["means"][:35])
        if transport.get("voyage"):
            add(arrival, "ID", transport["voyage"][:35])
        add(arrival, "ModeCode", MODE_CODES[transport["mode"]])
        add(add(consignment, "LoadingLocation"), "ID", transport["loading"])
        for n, container in enumerate(transport.get("containers", []), start=1):
            equipment = add(consignment, "TransportEquipment")
            add(equipment, "SequenceNumeric", n)
            add(equipment, "ID", container)
    add(add(goods, "Destination"), "CountryCode", record["countries"]["destination"])
    add(add(goods, "ExportCountry"), "ID", record["countries"]["origin"])
    lines = {line["n"]: line for line in (assessment or {}).get("lines", [])}
    for item in record["items"]:
        _goods_item(w, goods, item, lines.get(item["n"]), procedure_code)
    w.party(goods, "Importer", shipment.get("importer"))
    if invoice:
        inv = add(goods, "Invoice")
        add(inv, "ID", invoice["number"][:35])
        w.date_time(inv, "IssueDateTime", invoice["date"].replace("-", ""), "102")
        terms = add(goods, "TradeTerms")
        add(terms, "ConditionCode", invoice["incoterms"])
        add(terms, "LocationName", invoice["incoterms_place"][:35])
    xml = etree.tostring(d, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    problems = validate(xml)
    if problems:
        raise BaobabError("WCO_INVALID", f"declaration {record['id']} does not validate: {problems[0]}", problems=problems[:10])
    return xml  # type: ignore[no-any-return]


def _goods_item(w: _Writer, goods: etree._Element, item: dict[str, Any], line: dict[str, Any] | None,
                procedure_code: str) -> None:
    add = w.add
    node = add(goods, "GovernmentAgencyGoodsItem")
    value = line["customs_value"] if line else item["value"]
    add(node, "CustomsValueAmount", _amount(value["minor"], value["currency"]), currencyID=value["currency"])
    add(node, "SequenceNumeric", item["n"])
    commodity = add(node, "Commodity")
    if item.get("description"):
        add(commodity, "Description", item["description"][:512])
    classification = add(commodity, "Classification")
    add(classification, "ID", item["hs_code"])
    add(classification, "IdentificationTypeCode", "HS")
    for charge in (line or {}).get("charges", []):
        fee = add(commodity, "DutyTaxFee")
        currency = value["currency"]
        add(fee, "AdValoremTaxBaseAmount", _amount(charge["base"], currency), currencyID=currency)
        if charge.get("regime") and charge["regime"] != "general":
            add(fee, "DutyRegimeCode", "PRF")  # preferential
        add(fee, "TaxRateNumeric", charge["rate"])
        add(fee, "TypeCode", charge["code"][:3])
        payment = add(fee, "Payment")
        add(payment, "TaxAssessedAmount", _amount(charge["minor"], currency), currencyID=currency)
    measure = add(commodity, "GoodsMeasure")
    add(measure, "TariffQuantity", item["quantity"], unitCode=item["unit"])
    add(add(node, "GovernmentProcedure"), "CurrentCode", procedure_code)
    origin = add(node, "Origin")
    add(origin, "CountryCode", item["origin"])


def validate(xml: bytes) -> list[str]:
    """The schema's complaints about `xml` (empty: valid)."""
    try:
        document = etree.fromstring(xml)
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed: {exc}"]
    checker = schema()
    if checker.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in checker.error_log]
