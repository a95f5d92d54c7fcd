"""The single window: a goods declaration built from the trade documents already on the ledger,
nothing retyped.

The declarant holds the wrapped documents (OpenAttestation v2) of its shipment: the commercial
invoice gives the items (HS code, description, origin, quantity, customs value: each invoice
line), the parties, the invoice facts and the countries; the bill of lading (or waybill) the
transport; the packing list the packages and gross mass. `build` reads them and returns the
arguments of `customs_declarations.lodge`, the documents referenced by their target hashes (the
contract checks each is registered, in force and readable by the declarant). `lodge` first
verifies every document against the ledger's registry, then submits.

`differences` is the customs' side: the same build from the documents it was given read access
to, compared with what was lodged; an empty list means no field was retyped.
"""

from __future__ import annotations

from typing import Any

from baobab.contracts.jurisdiction import from_document
from baobab.core.errors import BaobabError
from baobab.documents.fields import grams
from baobab.documents.openattestation import get_data
from baobab.documents.types import BillOfLading, CommercialInvoice, PackingList, validate_document
from baobab.documents.verify import registry_lookup, verify

CONTRACT = "customs_declarations"
MODE_OF = {"ocean_bill_of_lading": "sea", "sea_waybill": "sea", "air_waybill": "air"}


def _party(party: Any) -> dict[str, Any]:
    out = {"name": party.name, "country": party.country}
    if party.city:
        out["city"] = party.city
    return out


def _target(wrapped: dict[str, Any]) -> str:
    return wrapped["signature"]["targetHash"]  # type: ignore[no-any-return]


def build(documents: dict[str, dict[str, Any]], *, declaration_id: str, customs: str,
          procedure: str = "import") -> dict[str, Any]:
    """`lodge` arguments from wrapped documents by type: a commercial_invoice (required), a
    bill_of_lading and a packing_list (optional); BAD_DOCUMENT if one is not what it says."""
    if "commercial_invoice" not in documents:
        raise BaobabError("BAD_ARGUMENT", "a declaration is built from at least the commercial invoice")
    unknown = set(documents) - {"commercial_invoice", "bill_of_lading", "packing_list"}
    if unknown:
        raise BaobabError("BAD_ARGUMENT", f"a declaration is not built from {sorted(unknown)}")
    data = {doc_type: get_data(wrapped) for doc_type, wrapped in documents.items()}
    invoice = validate_document("commercial_invoice", data["commercial_invoice"])
    assert isinstance(invoice, CommercialInvoice)
    items = [{"hs_code": line.hs_code, "description": line.description, "origin": line.country_of_origin,
              "quantity": line.quantity.value, "unit": line.quantity.unit,
              "value": {"currency": line.line_amount.currency, "minor": line.line_amount.minor}}
             for line in sorted(invoice.lines, key=lambda x: x.line_number)]
    shipment: dict[str, Any] = {
        "exporter": _party(invoice.seller), "importer": _party(invoice.buyer),
        "invoice": {"number": invoice.invoice_number, "date": invoice.issue_date, "currency": invoice.currency,
                    "total_minor": invoice.total_amount.minor, "incoterms": invoice.incoterms.rule,
                    "incoterms_place": invoice.incoterms.place}}
    countries = from_document("commercial_invoice", data["commercial_invoice"])
    if "bill_of_lading" in data:
        bill = validate_document("bill_of_lading", data["bill_of_lading"])
        assert isinstance(bill, BillOfLading)
        transport = {"mode": MODE_OF[bill.kind], "document": bill.document_number, "loading": bill.port_of_loading,
                     "discharge": bill.port_of_discharge, "containers": [c.number for c in bill.containers]}
        means = bill.vessel_name or bill.flight_number
        if means:
            transport["means"] = means
        if bill.voyage_number:
            transport["voyage"] = bill.voyage_number
        shipment["transport"] = transport
        countries = countries or from_document("bill_of_lading", data["bill_of_lading"])
    if "packing_list" in data:
        packing = validate_document("packing_list", data["packing_list"])
        assert isinstance(packing, PackingList)
        kinds = {p.package_type for p in packing.packages}
        packages: dict[str, Any] = {"count": packing.total_packages, "type": kinds.pop() if len(kinds) == 1 else "PK",
                                    "marks": "; ".join(p.marks for p in packing.packages)[:200]}
        weight = grams(packing.total_gross_weight)
        if weight:
            packages["gross_grams"] = weight
        shipment["packages"] = packages
    if countries is None:
        raise BaobabError("BAD_ARGUMENT", "the documents do not say where the goods go")
    return {"declaration_id": declaration_id, "customs": customs, "procedure": procedure, "items": items,
            "countries": {"origin": countries["origin"], "destination": countries["destination"],
                          "transit": countries.get("transit", [])},
            "documents": [_target(documents[t]) for t in ("commercial_invoice", "bill_of_lading", "packing_list")
                          if t in documents],
            "shipment": shipment}


def lodge(actor: Any, documents: dict[str, dict[str, Any]], *, declaration_id: str, customs: str,
          procedure: str = "import") -> dict[str, Any]:
    """Verify each document against the registry (intact, issued, not revoked), build and lodge."""
    lookup = registry_lookup(actor)
    for doc_type, wrapped in documents.items():
        result = verify(wrapped, lookup)
        if not result.valid:
            raise BaobabError("BAD_DOCUMENT", f"the {doc_type.replace('_', ' ')} does not verify: {'; '.join(result.reasons)}",
                              doc_type=doc_type)
    args = build(documents, declaration_id=declaration_id, customs=customs, procedure=procedure)
    return actor.submit(CONTRACT, "lodge", args)  # type: ignore[no-any-return]


def differences(record: dict[str, Any], documents: dict[str, dict[str, Any]]) -> list[str]:
    """What the lodged declaration says that its documents do not (empty: nothing retyped)."""
    built = build(documents, declaration_id=record["id"], customs=record["customs"], procedure=record["procedure"])
    found = []
    for n, (lodged, expected) in enumerate(zip(record["items"], built["items"]), start=1):
        for field, value in expected.items():
            if lodged.get(field) != value:
                found.append(f"item {n} {field}: declared {lodged.get(field)!r}, the documents say {value!r}")
    if len(record["items"]) != len(built["items"]):
        found.append(f"{len(record['items'])} items declared, the invoice has {len(built['items'])} lines")
    for part, value in built["shipment"].items():
        if record.get("shipment", {}).get(part) != value:
            found.append(f"shipment {part}: declared {record.get('shipment', {}).get(part)!r}, the documents say {value!r}")
    lodged_docs = [d["target_hash"] for d in record["documents"]]
    if lodged_docs != built["documents"]:
        found.append("the documents referenced are not these documents")
    return found
