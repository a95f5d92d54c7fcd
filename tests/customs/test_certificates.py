"""Certificates between countries (the e-Form D flow: issued, sent, received, utilised,
rejected): a certificate of origin gives its agreement's preferential rate on one declaration;
used twice, altered, issued for other goods, by the wrong authority, revoked or rejected, it is
refused with a stable code and nothing changes. Certificates of conformity (PVOC) are checked
the same way before goods that need one can be assessed. A certificate is an OpenAttestation
document or a W3C Verifiable Credential signed with the authority's registered key."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from baobab.core.errors import BaobabError
from baobab.customs import certificates
from baobab.credentials import Signer, status_list
from baobab.credentials.issuer import Claim, Issuer
from baobab.customs.schedules import demo_schedule
from baobab.stories.trade_kit import party, target
from tests.conftest import Net

EXPORTER, IMPORTER, KE, ET = "NAIVASHA", "ADDIS-IMPORT", "KE-CUSTOMS", "ET-CUSTOMS"
CERTS, DECL = "customs_certificates", "customs_declarations"
ROSES = {"hs_code": "060311", "description": "fresh cut roses", "quantity": {"value": 50_000, "unit": "PCE"},
         "origin_criterion": "WO"}
ROUTE = {"origin": "KE", "destination": "ET"}


def refused(reason: str, call: Any) -> None:
    with pytest.raises(BaobabError) as caught:
        call()
    assert caught.value.detail.get("reason") == reason, caught.value


def issue_origin(net: Net, certificate_id: str = "KE-CO-1", goods: dict[str, Any] = ROSES) -> dict[str, Any]:
    data = certificates.origin_document(certificate_id, "2026-11-20", authority=party(KE), exporter=party(EXPORTER),
                                        consignee=party(IMPORTER), destination="ET", agreement="AfCFTA", goods=[goods])
    return certificates.issue(net.actors()(KE), "origin", certificate_id, data, importer=IMPORTER, importing_customs=ET,
                              countries=ROUTE, scheme="AfCFTA", readers=[ET, IMPORTER])


def lodge(net: Net, declaration_id: str, quantity: int = 50_000, hs: str = "060311", origin: str = "KE") -> None:
    item = {"hs_code": hs, "description": "roses", "origin": origin, "quantity": quantity, "unit": "PCE",
            "value": {"currency": "USD", "minor": quantity * 20}}
    net.submit(IMPORTER, DECL, "lodge", {"declaration_id": declaration_id, "customs": ET, "procedure": "import",
                                         "items": [item], "countries": {"origin": origin, "destination": "ET"}})
    net.submit(ET, DECL, "screen", {"declaration_id": declaration_id, "channel": "green"})


def test_issued_sent_received_utilised_and_the_preferential_rate_applied(demo_net: Net) -> None:
    demo_net.submit(ET, "customs_tariffs", "publish", {"schedule": demo_schedule("ET")})
    wrapped = issue_origin(demo_net)
    certificates.receive(demo_net.actors()(ET), "KE-CO-1", wrapped)
    lodge(demo_net, "ET-R-1")
    demo_net.submit(ET, CERTS, "utilise", {"certificate_id": "KE-CO-1", "declaration_id": "ET-R-1"})
    demo_net.submit(ET, DECL, "assess", {"declaration_id": "ET-R-1", "exchange_rate": "150", "certificates": ["KE-CO-1"]})
    record = demo_net.query(IMPORTER, DECL, "get", {"declaration_id": "ET-R-1"})
    duty = record["assessment"]["lines"][0]["charges"][0]
    assert (duty["regime"], duty["rate"], duty["minor"]) == ("AfCFTA", "0", 0)     # 35% without the certificate
    cert = demo_net.query(IMPORTER, CERTS, "get", {"certificate_id": "KE-CO-1"})
    assert [h["status"] for h in cert["history"]] == ["issued", "sent", "received", "utilised"]
    assert cert["used_on"] == "ET-R-1"


def test_a_certificate_used_on_a_second_declaration_is_refused(demo_net: Net) -> None:
    certificates.receive(demo_net.actors()(ET), "KE-CO-1", issue_origin(demo_net))
    lodge(demo_net, "ET-R-1")
    lodge(demo_net, "ET-R-2")
    demo_net.submit(ET, CERTS, "utilise", {"certificate_id": "KE-CO-1", "declaration_id": "ET-R-1"})
    height = demo_net.node.height()
    refused("CERTIFICATE_USED", lambda: demo_net.submit(ET, CERTS, "utilise",
                                                         {"certificate_id": "KE-CO-1", "declaration_id": "ET-R-2"}))
    refused("CERTIFICATE_NOT_UTILISED", lambda: demo_net.submit(ET, DECL, "assess",
                                                                 {"declaration_id": "ET-R-2", "certificates": ["KE-CO-1"]}))
    assert demo_net.node.height() == height


def test_an_altered_certificate_is_refused(demo_net: Net) -> None:
    wrapped = issue_origin(demo_net)
    forged = copy.deepcopy(wrapped)
    forged["data"]["goods"][0]["quantity"]["value"] = forged["data"]["goods"][0]["quantity"]["value"].replace("50000", "90000")
    refused("CERTIFICATE_ALTERED", lambda: certificates.receive(demo_net.actors()(ET), "KE-CO-1", forged))
    assert demo_net.query(ET, CERTS, "get", {"certificate_id": "KE-CO-1"})["status"] == "sent"
    refused("CERTIFICATE_ALTERED", lambda: demo_net.submit(ET, CERTS, "receive", {"certificate_id": "KE-CO-1",
                                                                                   "target_hash": "ab" * 32}))


@pytest.mark.parametrize("lodged, reason", [
    ({"hs": "852872"}, "GOODS_NOT_COVERED"),          # issued for other goods
    ({"quantity": 60_000}, "GOODS_NOT_COVERED"),      # more than certified
    ({"origin": "TZ"}, "WRONG_DECLARATION"),          # goods of another origin
])
def test_a_certificate_for_other_goods_is_refused(demo_net: Net, lodged: dict[str, Any], reason: str) -> None:
    certificates.receive(demo_net.actors()(ET), "KE-CO-1", issue_origin(demo_net))
    lodge(demo_net, "ET-R-3", **lodged)
    refused(reason, lambda: demo_net.submit(ET, CERTS, "utilise", {"certificate_id": "KE-CO-1", "declaration_id": "ET-R-3"}))
    assert demo_net.query(ET, CERTS, "get", {"certificate_id": "KE-CO-1"})["status"] == "received"


def test_only_the_authority_of_the_origin_issues_and_only_the_addressee_receives(demo_net: Net) -> None:
    wrapped = issue_origin(demo_net)
    args = {"certificate_id": "X-1", "kind": "origin", "target_hash": target(wrapped), "importer": IMPORTER,
            "importing_customs": ET, "countries": ROUTE, "goods": [{"hs_code": "060311", "quantity": 1, "unit": "PCE"}],
            "scheme": "AfCFTA"}
    refused("NOT_THE_AUTHORITY", lambda: demo_net.submit("NL-CUSTOMS", CERTS, "issue", args))       # not Kenya's customs
    refused("NOT_ALLOWED", lambda: demo_net.submit(EXPORTER, CERTS, "issue", args))                  # a trader
    refused("DOCUMENT_NOT_ISSUED", lambda: demo_net.submit(KE, CERTS, "issue", {**args, "target_hash": "cd" * 32}))
    refused("WRONG_CUSTOMS", lambda: demo_net.submit(KE, CERTS, "issue", {**args, "importing_customs": "NL-CUSTOMS"}))
    refused("NOT_ADDRESSEE", lambda: demo_net.submit(KE, CERTS, "receive", {"certificate_id": "KE-CO-1",
                                                                             "target_hash": target(wrapped)}))
    refused("NOT_FOUND", lambda: demo_net.query("NL-CUSTOMS", CERTS, "get", {"certificate_id": "KE-CO-1"}))
    for bad in ({"kind": "quality"}, {"goods": [{"hs_code": "0603", "quantity": 1, "unit": "PCE"}]}, {"goods": []},
                {"importer": "NOBODY"}, {"target_hash": "XYZ"}, {"certificate_id": "no spaces allowed"}):
        refused("BAD_CERTIFICATE", lambda bad=bad: demo_net.submit(KE, CERTS, "issue", {**args, **bad}))
    refused("WRONG_STATE", lambda: demo_net.submit(KE, CERTS, "send", {"certificate_id": "KE-CO-1"}))   # sent already


def test_a_certificate_not_received_revoked_or_rejected_is_not_used(demo_net: Net) -> None:
    wrapped = issue_origin(demo_net)
    lodge(demo_net, "ET-R-4")
    refused("CERTIFICATE_NOT_RECEIVED", lambda: demo_net.submit(ET, CERTS, "utilise",
                                                                 {"certificate_id": "KE-CO-1", "declaration_id": "ET-R-4"}))
    certificates.receive(demo_net.actors()(ET), "KE-CO-1", wrapped)
    demo_net.submit(KE, "documents", "revoke", {"target_hash": target(wrapped), "reason": "issued in error"})
    refused("CERTIFICATE_REVOKED", lambda: demo_net.submit(ET, CERTS, "utilise",
                                                            {"certificate_id": "KE-CO-1", "declaration_id": "ET-R-4"}))
    demo_net.submit(ET, CERTS, "reject", {"certificate_id": "KE-CO-1", "reason": "revoked by the issuer"})
    refused("CERTIFICATE_REJECTED", lambda: demo_net.submit(ET, CERTS, "utilise",
                                                             {"certificate_id": "KE-CO-1", "declaration_id": "ET-R-4"}))


def test_goods_that_need_a_pvoc_certificate_are_assessed_only_with_one(demo_net: Net) -> None:
    """Kenya's schedule lists tyres among the goods that need a PVOC certificate of conformity."""
    net, tyres = demo_net, {"hs_code": "401110", "description": "new car tyres", "quantity": {"value": 1_200, "unit": "NAR"}}
    net.submit(KE, "customs_tariffs", "publish", {"schedule": demo_schedule("KE")})
    item = {"hs_code": "401110", "description": "tyres", "origin": "AR", "quantity": 1_200, "unit": "NAR",
            "value": {"currency": "USD", "minor": 6_600_000}}
    net.submit(EXPORTER, DECL, "lodge", {"declaration_id": "KE-T-1", "customs": KE, "procedure": "import", "items": [item],
                                         "countries": {"origin": "AR", "destination": "KE"}})
    net.submit(KE, DECL, "screen", {"declaration_id": "KE-T-1", "channel": "green"})
    refused("CONFORMITY_REQUIRED", lambda: net.submit(KE, DECL, "assess", {"declaration_id": "KE-T-1", "exchange_rate": "130"}))
    data = certificates.conformity_document("PVOC-1", "2026-11-18", body=party("AR-INSPECT"), applicant=party("PAMPA-AGRO"),
                                            place="ARROS", goods=[tyres])
    wrapped = certificates.issue(net.actors()("AR-INSPECT"), "conformity", "PVOC-1", data, importer=EXPORTER,
                                 importing_customs=KE, countries={"origin": "AR", "destination": "KE"}, scheme="PVOC",
                                 readers=[KE, EXPORTER])
    certificates.receive(net.actors()(KE), "PVOC-1", wrapped)
    net.submit(KE, CERTS, "utilise", {"certificate_id": "PVOC-1", "declaration_id": "KE-T-1"})
    net.submit(KE, DECL, "assess", {"declaration_id": "KE-T-1", "exchange_rate": "130", "certificates": ["PVOC-1"]})
    assert net.query(EXPORTER, DECL, "get", {"declaration_id": "KE-T-1"})["assessment"]["certificates"] == ["PVOC-1"]


# --- certificates as W3C Verifiable Credentials --------------------------------------------------


def credential_issuer(net: Net) -> Issuer:
    issuer = Issuer(net.actors()(KE), Signer.generate())
    issuer.register()
    return issuer


def issue_vc(net: Net, issuer: Issuer, certificate_id: str = "KE-VC-1") -> dict[str, Any]:
    data = certificates.origin_document(certificate_id, "2026-11-20", authority=party(KE), exporter=party(EXPORTER),
                                        consignee=party(IMPORTER), destination="ET", agreement="AfCFTA", goods=[ROSES])
    return certificates.issue_credential(issuer, "origin", certificate_id, data, importer=IMPORTER, importing_customs=ET,
                                         countries=ROUTE, scheme="AfCFTA")


def test_a_certificate_issued_as_a_verifiable_credential_is_received_used_once_and_gives_the_preference(demo_net: Net) -> None:
    demo_net.submit(ET, "customs_tariffs", "publish", {"schedule": demo_schedule("ET")})
    issuer = credential_issuer(demo_net)
    vc = issue_vc(demo_net, issuer)
    assert "CertificateOfOriginCredential" in vc["type"] and vc["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    certificates.receive_credential(demo_net.actors()(ET), "KE-VC-1", vc)
    lodge(demo_net, "ET-V-1")
    lodge(demo_net, "ET-V-2")
    demo_net.submit(ET, CERTS, "utilise", {"certificate_id": "KE-VC-1", "declaration_id": "ET-V-1"})
    refused("CERTIFICATE_USED", lambda: demo_net.submit(ET, CERTS, "utilise", {"certificate_id": "KE-VC-1",
                                                                                "declaration_id": "ET-V-2"}))
    demo_net.submit(ET, DECL, "assess", {"declaration_id": "ET-V-1", "exchange_rate": "150", "certificates": ["KE-VC-1"]})
    duty = demo_net.query(IMPORTER, DECL, "get", {"declaration_id": "ET-V-1"})["assessment"]["lines"][0]["charges"][0]
    assert (duty["regime"], duty["minor"]) == ("AfCFTA", 0)
    assert demo_net.query(IMPORTER, CERTS, "get", {"certificate_id": "KE-VC-1"})["form"] == "credential"


def test_an_altered_or_revoked_credential_is_refused(demo_net: Net) -> None:
    issuer = credential_issuer(demo_net)
    vc = issue_vc(demo_net, issuer)
    forged = copy.deepcopy(vc)
    forged["credentialSubject"]["goods"][0]["quantity"]["value"] = 90_000
    refused("CERTIFICATE_ALTERED", lambda: certificates.receive_credential(demo_net.actors()(ET), "KE-VC-1", forged))
    issuer.revoke(vc, "issued for the wrong consignment")
    refused("CERTIFICATE_REVOKED", lambda: certificates.receive_credential(demo_net.actors()(ET), "KE-VC-1", vc))
    assert demo_net.query(ET, CERTS, "get", {"certificate_id": "KE-VC-1"})["status"] == "sent"


def test_a_credential_under_a_key_not_registered_to_the_issuer_is_refused(demo_net: Net) -> None:
    stranger = Issuer(demo_net.actors()("NL-CUSTOMS"), Signer.generate())
    stranger.register()                                  # registered, but to the Dutch customs
    vc = stranger.issue(Claim(["CertificateOfOriginCredential"], {"id": "urn:baobab:certificate:X"}))
    _, index, _ = status_list.read_entry(vc["credentialStatus"])
    args = {"certificate_id": "KE-VC-X", "kind": "origin", "target_hash": certificates.credential_hash(vc),
            "importer": IMPORTER, "importing_customs": ET, "countries": ROUTE, "scheme": "AfCFTA",
            "goods": [{"hs_code": "060311", "quantity": 1, "unit": "PCE"}],
            "credential": {"issuer_key": stranger.signer.key.public.text, "list_id": "revocations", "index": index}}
    refused("DOCUMENT_NOT_ISSUED", lambda: demo_net.submit(KE, CERTS, "issue", args))
