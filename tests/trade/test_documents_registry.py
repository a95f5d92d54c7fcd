"""The document registry on the ledger: issue, revoke, read access, transferable records, verification."""

from __future__ import annotations

import copy


from baobab.documents.openattestation import obfuscate
from baobab.documents.wrapping import wrap_document
from baobab.documents.verify import registry_lookup, verify
from baobab.stories import StoryReport
from baobab.stories import soybeans as soy
from baobab.stories.trade_kit import issue_document, target
from tests.trade.conftest import rejected


def bill(actors, uid, holder=soy.BENEFICIARY):
    data = soy.document_data(f"LC-{uid}", soy.today())["bill_of_lading"]
    return issue_document(actors(soy.CARRIER), "bill_of_lading", data, [holder], StoryReport(),
                          transferable=True, holder=holder)


def invoice(actors, uid, readers=()):
    data = soy.document_data(f"LC-{uid}", soy.today())["commercial_invoice"]
    return issue_document(actors(soy.BENEFICIARY), "commercial_invoice", data, list(readers), StoryReport())


def status(actors, org, wrapped):
    return actors(org).query("documents", "status", {"target_hash": target(wrapped)})


def test_issue_records_issuer_time_readers_and_verifies(actors, uid):
    doc = invoice(actors, uid, readers=[soy.APPLICANT])
    result = verify(doc, registry_lookup(actors("MY-REG")))
    assert result.intact and result.issued and not result.revoked and result.issuer == soy.BENEFICIARY
    seen = status(actors, soy.APPLICANT, doc)
    assert seen["doc_type"] == "commercial_invoice" and seen["readers"] == sorted([soy.APPLICANT, soy.BENEFICIARY])
    assert seen["content_hash"] and seen["issue_tx"]
    outsider = status(actors, "MY-REG", doc)
    assert "content_hash" not in outsider and "readers" not in outsider
    assert actors("MY-REG").query("documents", "access", {"target_hash": target(doc)}) == {
        "target_hash": target(doc), "allowed": False, "content_hash": None}


def test_selectively_disclosed_document_still_verifies(actors, uid):
    doc = invoice(actors, uid)
    hidden = obfuscate(doc, ["lines", "total_amount"])
    assert verify(hidden, registry_lookup(actors(soy.CARRIER))).valid


def test_tampered_document_is_not_intact(actors, uid):
    doc = invoice(actors, uid)
    forged = copy.deepcopy(doc)
    salted = forged["data"]["total_amount"]["minor"]
    forged["data"]["total_amount"]["minor"] = salted.rsplit(":", 1)[0] + ":1"
    result = verify(forged, registry_lookup(actors(soy.ISSUING)))
    assert not result.intact and result.issued and not result.valid


def test_unregistered_document_is_not_issued(actors):
    doc = wrap_document(soy.document_data("LC-X", soy.today())["commercial_invoice"])
    result = verify(doc, registry_lookup(actors(soy.ISSUING)))
    assert result.intact and not result.issued and result.issuer is None


def test_revocation_by_issuer_only(actors, uid, node):
    doc = invoice(actors, uid)
    th = target(doc)
    height = node.height()
    rejected(lambda: actors(soy.APPLICANT).submit("documents", "revoke", {"target_hash": th, "reason": "x"}),
             reason="NOT_ISSUER")
    assert node.height() == height and status(actors, soy.BENEFICIARY, doc)["status"] == "issued"
    actors(soy.BENEFICIARY).submit("documents", "revoke", {"target_hash": th, "reason": "issued in error"})
    result = verify(doc, registry_lookup(actors(soy.ISSUING)))
    assert result.intact and result.issued and result.revoked and not result.valid
    rejected(lambda: actors(soy.BENEFICIARY).submit("documents", "revoke", {"target_hash": th, "reason": "again"}),
             reason="ALREADY_REVOKED")


def test_issue_twice_and_malformed_issue(actors, uid, node):
    doc = invoice(actors, uid)
    sig = doc["signature"]
    args = {"target_hash": sig["targetHash"], "merkle_root": sig["merkleRoot"], "doc_type": "commercial_invoice"}
    rejected(lambda: actors(soy.BENEFICIARY).submit("documents", "issue", args), reason="ALREADY_ISSUED")
    height = node.height()
    fresh = "ab" * 32
    for bad, code, reason in [({**args, "target_hash": "XYZ"}, "BAD_ARGUMENT", None),
                              ({**args, "target_hash": fresh, "doc_type": "menu"}, "CONTRACT_ERROR", "UNKNOWN_DOCUMENT_TYPE"),
                              ({**args, "target_hash": fresh, "readers": "KLTB"}, "BAD_ARGUMENT", None),
                              ({**args, "target_hash": fresh, "extra": 1}, "BAD_ARGUMENT", None)]:
        rejected(lambda: actors(soy.BENEFICIARY).submit("documents", "issue", bad), code, reason)
    rejected(lambda: actors(soy.BENEFICIARY).submit("documents", "issue", {**args, "target_hash": fresh, "readers": ["NOBODY"]}),
             reason="UNKNOWN_ORG")
    rejected(lambda: actors(soy.BENEFICIARY).submit("documents", "issue", {**args, "target_hash": fresh, "transferable": True,
                                                                          "holder": soy.APPLICANT}), reason="NOT_TRANSFERABLE")
    assert node.height() == height
    assert status(actors, soy.BENEFICIARY, {"signature": {"targetHash": fresh}})["issued"] is False


def test_only_a_carrier_issues_a_transferable_bill(actors):
    data = soy.document_data("LC-NC", soy.today())["bill_of_lading"]
    rejected(lambda: issue_document(actors(soy.BENEFICIARY), "bill_of_lading", data, [], StoryReport(),
                                    transferable=True, holder=soy.BENEFICIARY), reason="NOT_CARRIER")


def test_transferable_record_one_holder_and_no_double_use(actors, uid, node):
    doc = bill(actors, uid)
    th = target(doc)
    endorse = lambda org, to: actors(org).submit("documents", "endorse", {"target_hash": th, "to": to})  # noqa: E731
    rejected(lambda: endorse(soy.APPLICANT, soy.ISSUING), reason="NOT_HOLDER")
    endorse(soy.BENEFICIARY, soy.ISSUING)
    height = node.height()
    # the former holder can neither endorse nor surrender it again
    rejected(lambda: endorse(soy.BENEFICIARY, "SZ-AUTO"), reason="NOT_HOLDER")
    rejected(lambda: actors(soy.BENEFICIARY).submit("documents", "surrender", {"target_hash": th}), reason="NOT_HOLDER")
    rejected(lambda: endorse(soy.ISSUING, "NOBODY"), reason="UNKNOWN_ORG")
    rejected(lambda: endorse(soy.ISSUING, soy.ISSUING), reason="SAME_HOLDER")
    assert node.height() == height
    endorse(soy.ISSUING, soy.APPLICANT)
    actors(soy.APPLICANT).submit("documents", "surrender", {"target_hash": th})
    rejected(lambda: endorse(soy.APPLICANT, soy.ISSUING), reason="TITLE_CLOSED")
    rejected(lambda: actors(soy.ISSUING).submit("documents", "accomplish", {"target_hash": th}), reason="NOT_ISSUER")
    actors(soy.CARRIER).submit("documents", "accomplish", {"target_hash": th})
    rejected(lambda: actors(soy.CARRIER).submit("documents", "surrender", {"target_hash": th}), reason="TITLE_CLOSED")
    title = status(actors, soy.APPLICANT, doc)["title"]
    assert title["state"] == "accomplished"
    assert [(h["action"], h["by"], h["to"]) for h in title["history"]] == [
        ("issued", soy.CARRIER, soy.BENEFICIARY), ("endorsed", soy.BENEFICIARY, soy.ISSUING),
        ("endorsed", soy.ISSUING, soy.APPLICANT), ("surrendered", soy.APPLICANT, soy.CARRIER),
        ("accomplished", soy.CARRIER, soy.APPLICANT)]


def test_revoked_bill_cannot_be_transferred(actors, uid):
    doc = bill(actors, uid)
    th = target(doc)
    actors(soy.CARRIER).submit("documents", "revoke", {"target_hash": th, "reason": "wrong vessel"})
    rejected(lambda: actors(soy.BENEFICIARY).submit("documents", "endorse", {"target_hash": th, "to": soy.ISSUING}),
             reason="REVOKED")


def test_grant_read_access(actors, uid):
    doc = invoice(actors, uid)
    th = target(doc)
    rejected(lambda: actors("MY-CUSTOMS").submit("documents", "grant", {"target_hash": th, "orgs": ["MY-CUSTOMS"]}),
             reason="NOT_ISSUER")
    actors(soy.BENEFICIARY).submit("documents", "grant", {"target_hash": th, "orgs": ["MY-CUSTOMS"]})
    assert actors("MY-CUSTOMS").query("documents", "access", {"target_hash": th})["allowed"] is True


def test_flowers_story(actors):
    from baobab.stories.flowers import STORY

    report = STORY.run(actors)
    assert report.documents == 5 and report.steps == 10


def test_contract_type_lists_match_the_document_types():
    from baobab.contracts.trade.documents import DOC_TYPES
    from baobab.contracts.trade.lc_terms import DOCUMENT_TYPES as LC_TYPES
    from baobab.documents.types import DOCUMENT_TYPES

    assert set(DOC_TYPES) == set(LC_TYPES) == set(DOCUMENT_TYPES)
