"""Certificates between countries, on the customs' side of the ledger (`customs_certificates`):
the exporting authority issues the certificate and records what it covers; the importing customs
checks what it received before it records receipt.

Two forms, the same flow:
- a W3C Verifiable Credential (`issue_credential`, `receive_credential`): signed (eddsa-jcs-2022)
  with a key the authority registered on the ledger (`credentials`), with an entry in its
  revocation list; the ledger holds the SHA-256 of the credential's JCS form;
- an OpenAttestation document (`issue`, `receive`): a `certificate_of_origin`, or for conformity
  an `inspection_certificate` of type pre_shipment, anchored in the document registry; the ledger
  holds its target hash.
A certificate of origin is issued by the origin country's customs, a certificate of conformity by
the inspection body of a programme such as PVOC or SONCAP. Either way a copy changed in any field
no longer hashes to what the ledger holds, and is refused (CERTIFICATE_ALTERED).
"""

from __future__ import annotations

from typing import Any

from datetime import datetime, timezone

from baobab.contracts.credentials.registry import parse_list_url
from baobab.core.errors import BaobabError
from baobab.core.hashing import sha256_hex
from baobab.core.jcs import canonicalize
from baobab.credentials import status_list
from baobab.credentials.credential import verify_credential
from baobab.credentials.issuer import Claim, Issuer
from baobab.credentials.ledger import LedgerDirectory, LedgerStatus
from baobab.documents.openattestation import digest_document, get_data
from baobab.documents.verify import registry_lookup, verify
from baobab.stories import Actor, StoryReport
from baobab.stories.trade_kit import issue_document, submit, target

CONTRACT = "customs_certificates"
DOC_TYPE = {"origin": "certificate_of_origin", "conformity": "inspection_certificate"}
CREDENTIAL_TYPE = {"origin": "CertificateOfOriginCredential", "conformity": "CertificateOfConformityCredential"}


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


def credential_hash(vc: dict[str, Any]) -> str:
    """What the ledger holds of a credential certificate: SHA-256 of its RFC 8785 form."""
    return sha256_hex(canonicalize(vc))


def subject_data(vc: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in vc["credentialSubject"].items() if k != "id"}


def issue_credential(issuer: Issuer, kind: str, certificate_id: str, data: dict[str, Any], *, importer: str,
                     importing_customs: str, countries: dict[str, str], scheme: str) -> dict[str, Any]:
    """Issue the certificate as a verifiable credential signed by `issuer` (its key registered to
    its organisation, see `Issuer.register`), record it and send it; the credential is returned."""
    vc = issuer.issue(Claim([CREDENTIAL_TYPE[kind]], {"id": f"urn:baobab:certificate:{certificate_id}", **data}))
    url, index, _ = status_list.read_entry(vc["credentialStatus"])
    _, list_id = parse_list_url(url)
    actor = issuer.actor
    submit(actor, CONTRACT, "issue", {"certificate_id": certificate_id, "kind": kind, "target_hash": credential_hash(vc),
                                      "importer": importer, "importing_customs": importing_customs,
                                      "countries": countries, "goods": goods_of(kind, data), "scheme": scheme,
                                      "credential": {"issuer_key": issuer.signer.key.public.text, "list_id": list_id,
                                                     "index": index}})
    submit(actor, CONTRACT, "send", {"certificate_id": certificate_id})
    return vc


def receive_credential(actor: Actor, certificate_id: str, vc: dict[str, Any]) -> dict[str, Any]:
    """The importing customs verifies the credential it received (proof intact, issuer's key
    registered on the ledger, not revoked, the goods recorded) and records receipt with the hash
    the credential has: an altered one is refused by the ledger (CERTIFICATE_ALTERED)."""
    record = actor.query(CONTRACT, "get", {"certificate_id": certificate_id})
    directory = LedgerDirectory(actor)
    verdict = verify_credential(vc, now=datetime.now(timezone.utc), issuers=directory, status=LedgerStatus(actor, directory))
    if verdict.ok and goods_of(record["kind"], subject_data(vc)) != record["goods"]:
        raise BaobabError("BAD_DOCUMENT", f"certificate {certificate_id}: the credential's goods are not those recorded")
    return submit(actor, CONTRACT, "receive", {"certificate_id": certificate_id, "target_hash": credential_hash(vc)})


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
