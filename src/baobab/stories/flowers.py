"""Story 5: a refrigerated container of cut flowers from Mombasa to Rotterdam.

The report counts up to 30 people and 200 interactions for such a container. Here each
document is issued once by the organisation responsible for it (invoice and packing list by
the farm, phytosanitary certificate by KEPHIS, certificate of origin by Kenyan customs, the
bill of lading by the carrier), customs on both sides are given read access, anyone
verifies, and the transferable bill of lading is endorsed to the buyer, who surrenders it to
the carrier to take delivery.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Callable

from baobab.documents.verify import registry_lookup, verify
from baobab.stories import Actors, Story, StoryReport
from baobab.stories.trade_kit import check, issue_document, party, submit, target

FARM, BUYER, CARRIER, NPPO = "NAIVASHA", "RTM-FLORA", "EA-LINES", "KEPHIS"
KE_CUSTOMS, NL_CUSTOMS = "KE-CUSTOMS", "NL-CUSTOMS"
STEMS = 120_000
HS = "060311"  # fresh cut roses
ROSES = "Fresh cut roses, 50 cm"


def documents(ref: str, on: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """doc_type -> (issuer, data)."""
    stems = {"value": STEMS, "unit": "PCE"}
    gross = {"value": 9_600, "unit": "KGM"}
    return {
        "commercial_invoice": (FARM, {
            "invoice_number": f"INV-{ref}", "issue_date": on, "seller": party(FARM), "buyer": party(BUYER),
            "currency": "EUR", "incoterms": {"rule": "FOB", "place": "Mombasa"},
            "lines": [{"line_number": 1, "description": ROSES, "hs_code": HS, "country_of_origin": "KE",
                       "quantity": stems, "unit_price": {"currency": "EUR", "minor": 25},
                       "line_amount": {"currency": "EUR", "minor": STEMS * 25}}],
            "total_amount": {"currency": "EUR", "minor": STEMS * 25},
            "port_of_loading": "KEMBA", "port_of_discharge": "NLRTM"}),
        "packing_list": (FARM, {
            "packing_list_number": f"PL-{ref}", "issue_date": on, "shipper": party(FARM), "consignee": party(BUYER),
            "packages": [{"marks": f"NAIVASHA/{ref}/1-800", "package_type": "BX", "count": 800,
                          "contents": [{"description": ROSES, "quantity": stems, "hs_code": HS}],
                          "gross_weight": gross}],
            "total_packages": 800, "total_gross_weight": gross, "invoice_number": f"INV-{ref}"}),
        "phytosanitary_certificate": (NPPO, {
            "certificate_number": f"PHYTO-{ref}", "issue_date": on, "issuing_nppo": party(NPPO),
            "country_of_export": "KE", "country_of_destination": "NL", "exporter": party(FARM),
            "consignee": party(BUYER), "place_of_origin": "KE",
            "commodities": [{"description": ROSES, "botanical_name": "Rosa spp.", "quantity": stems, "hs_code": HS}],
            "inspection_date": on, "means_of_conveyance": "sea", "point_of_entry": "NLRTM"}),
        "certificate_of_origin": (KE_CUSTOMS, {
            "certificate_number": f"CO-{ref}", "issue_date": on, "issuing_authority": party(KE_CUSTOMS),
            "exporter": party(FARM), "consignee": party(BUYER), "country_of_origin": "KE",
            "country_of_destination": "NL", "preferential": True, "trade_agreement": "EU-Kenya EPA",
            "goods": [{"item_number": 1, "description": ROSES, "hs_code": HS, "quantity": stems}]}),
        "bill_of_lading": (CARRIER, {
            "kind": "ocean_bill_of_lading", "document_number": f"BL-{ref}", "issue_date": on,
            "carrier": party(CARRIER), "shipper": party(FARM), "to_order_of": "order", "notify_party": party(BUYER),
            "port_of_loading": "KEMBA", "port_of_discharge": "NLRTM",
            "goods": [{"description": ROSES, "package_type": "BX", "package_count": 800, "gross_weight": gross,
                       "hs_code": HS}],
            "freight": "prepaid", "clean": True, "shipped_on_board": True, "shipped_on_board_date": on,
            "vessel_name": "MV Kilindini Reefer", "transferable": True, "number_of_originals": 1,
            "containers": [{"number": "CSQU3054383", "size_type": "45R1"}]}),
    }


def play(actors: Actors, report: StoryReport, progress: Callable[[str], None] | None) -> None:
    ref = uuid.uuid4().hex[:6].upper()
    on = datetime.now(timezone.utc).date().isoformat()
    parties = [FARM, BUYER]
    wrapped: dict[str, dict[str, Any]] = {}
    for doc_type, (issuer, data) in documents(ref, on).items():
        holder = {"transferable": True, "holder": FARM} if doc_type == "bill_of_lading" else {}
        wrapped[doc_type] = issue_document(actors(issuer), doc_type, data, parties, report, **holder)
        report.step(f"{issuer} issues the {doc_type.replace('_', ' ')} once, for everyone", progress)
    for doc_type, doc in wrapped.items():
        issuer = documents(ref, on)[doc_type][0]
        submit(actors(issuer), "documents", "grant", {"target_hash": target(doc), "orgs": [KE_CUSTOMS, NL_CUSTOMS]})
    report.step(f"{KE_CUSTOMS} and {NL_CUSTOMS} get read access to all {len(wrapped)} documents", progress)
    for customs in (KE_CUSTOMS, NL_CUSTOMS):
        lookup = registry_lookup(actors(customs))
        for doc_type, doc in wrapped.items():
            result = verify(doc, lookup)
            check(result.valid, f"{customs} cannot verify the {doc_type}: {result.reasons}")
            access = actors(customs).query("documents", "access", {"target_hash": target(doc)})
            check(access["allowed"], f"{customs} has no access to the {doc_type}")
        report.step(f"{customs} verifies every document against the ledger", progress)
    outsider = actors("ET-CUSTOMS").query("documents", "access", {"target_hash": target(wrapped["commercial_invoice"])})
    check(not outsider["allowed"], "an uninvolved customs office can read the invoice")
    bl = target(wrapped["bill_of_lading"])
    submit(actors(FARM), "documents", "endorse", {"target_hash": bl, "to": BUYER})
    report.step(f"{FARM} endorses the bill of lading to {BUYER}", progress)
    submit(actors(BUYER), "documents", "surrender", {"target_hash": bl})
    submit(actors(CARRIER), "documents", "accomplish", {"target_hash": bl})
    status = actors(BUYER).query("documents", "status", {"target_hash": bl})
    check(status["title"]["state"] == "accomplished", "the bill of lading was not accomplished")
    report.step(f"{BUYER} surrenders it in Rotterdam; {CARRIER} releases the container", progress)
    report.notes.append(f"{len(wrapped)} documents issued once; {len(status['title']['history'])} title events on the ledger")


STORY = Story(5, "Flowers from Mombasa to Rotterdam: documents issued once", "30 people, 200 interactions, days", play)
