"""Certificates between countries, on the customs' side of the ledger (`customs_certificates`):
the exporting authority wraps and anchors the certificate document and records what it covers;
the importing customs checks the document it received before it records receipt.

A certificate of origin is a `certificate_of_origin` document (issued by the origin country's
customs), a certificate of conformity an `inspection_certificate` of type pre_shipment (issued by
the inspection body of a programme such as PVOC or SONCAP). Either way the document's target hash
is what the ledger holds: a copy changed in any field no longer hashes to it.
"""

from __future__ import annotations

from typing import Any

from baobab.core.errors import BaobabError
from baobab.documents.openattestation import digest_document, get_data
from baobab.documents.verify import registry_lookup, verify
from baobab.stories import Actor, StoryReport
from baobab.stories.trade_kit import issue_document, submit, target

CONTRACT = "customs_certificates"
DOC_TYPE = {"origin": "certificate_of_origin", "conformity": "inspection_certificate"}


def goods_of(kind: str, data: dict[str, Any]) -> list[dict[str, Any]]:
    """The goods a certificate document covers, as the contract records them."""
    rows = data["goods"]
    return [{"hs_code": g["hs_code"], "quantity": g["quantity"]["value"], "unit": g["quantity"]["unit"],
             "description": g["description"]} for g in rows if g.get("hs_code")]


def issue(actor: Actor, kind: str, certificate_id: str, data: dict[str, Any], *, importer: str, importing_customs: str,
          countries: dict[str, str], scheme: str, readers: list[str]) -> dict[str, Any]:
    """Anchor the certificate document, record the certificate and send it; the wrapped document
    (what goes to the importing customs) is returned."""
    wrapped = issue_document(actor, DOC_TYPE[kind], data, readers, StoryReport())
    submit(actor, CONTRACT, "issue", {"certificate_id": certificate_id, "kind": kind, "target_hash": target(wrapped),
                                      "importer": importer, "importing_customs": importing_customs,
                                      "countries": countries, "goods": goods_of(kind, data), "scheme": scheme})
    submit(actor, CONTRACT, "send", {"certificate_id": certificate_id})
    return wrapped


def receive(actor: Actor, certificate_id: str, wrapped: dict[str, Any]) -> dict[str, Any]:
    """The importing customs checks the document it received (intact, anchored, not revoked, the
    goods the certificate records) and records receipt with the hash the document has. A document
    altered after issue is refused by the ledger (CERTIFICATE_ALTERED): its hash is not the one
    anchored."""
    record = actor.query(CONTRACT, "get", {"certificate_id": certificate_id})
    result = verify(wrapped, registry_lookup(actor))
    data = get_data(wrapped)
    if result.valid and goods_of(record["kind"], data) != record["goods"]:
        raise BaobabError("BAD_DOCUMENT", f"certificate {certificate_id}: the document's goods are not those recorded")
    # An altered copy is sent to the ledger with the hash it really has, and refused there.
    digest = target(wrapped) if result.valid else digest_document(wrapped)
    return submit(actor, CONTRACT, "receive", {"certificate_id": certificate_id, "target_hash": digest})


def origin_document(number: str, on: str, *, authority: dict[str, Any], exporter: dict[str, Any],
                    consignee: dict[str, Any], destination: str, agreement: str,
                    goods: list[dict[str, Any]]) -> dict[str, Any]:
    """A preferential certificate of origin's document (`goods`: hs_code, description, quantity
    {value, unit}, origin_criterion); the origin is the authority's country."""
    return {"certificate_number": number, "issue_date": on, "issuing_authority": authority, "exporter": exporter,
            "consignee": consignee, "country_of_origin": authority["country"], "country_of_destination": destination,
            "preferential": True, "trade_agreement": agreement,
            "goods": [{"item_number": n, **g} for n, g in enumerate(goods, start=1)]}


def conformity_document(number: str, on: str, *, body: dict[str, Any], applicant: dict[str, Any], place: str,
                        goods: list[dict[str, Any]]) -> dict[str, Any]:
    """A pre-export certificate of conformity's document: a passed pre-shipment inspection."""
    return {"certificate_number": number, "issue_date": on, "inspection_body": body, "applicant": applicant,
            "inspection_type": "pre_shipment", "inspection_date": on, "place_of_inspection": place,
            "goods": goods, "result": "pass"}
