"""Letters of credit on the ledger: story 1 end to end, wrong parties, deadlines, bad input."""

from __future__ import annotations

import copy
from datetime import datetime, timedelta, timezone


from baobab.client import Identity
from baobab.customs import regional
from baobab.gateway.view import LedgerView
from baobab.pay.agent import transfer_id_for
from baobab.stories import StoryReport
from baobab.stories import soybeans as soy
from baobab.documents.wrapping import wrap_document
from baobab.stories.trade_kit import issue_document, target
from tests.trade.conftest import rejected

LC = "letter_of_credit"


current = soy.current


def get(actors, lc_id, org=soy.APPLICANT):
    return actors(org).query(LC, "get", {"lc_id": lc_id})


def unchanged(actors, node, lc_id, call, reason, code="CONTRACT_ERROR"):
    before, height = get(actors, lc_id), node.height()
    rejected(call, code, reason)
    assert get(actors, lc_id) == before and node.height() == height


def opened(actors, uid, **changes):
    lc_id = f"LC-{uid}"
    soy.open_credit(actors, StoryReport(), lc_id, {**soy.credit_terms(soy.today()), **changes})
    return lc_id


def at(network, org, contract, function, args, when):
    """Submit signed with a chosen timestamp (the fixture's time window allows a year)."""
    node, data_dir = network
    stamp = when.strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    outcome = node.submit(Identity.load(data_dir, node.network, org).proposal(contract, function, args, timestamp=stamp))
    return outcome.to_dict()


def test_story_one_end_to_end(paying_actors):
    report = soy.STORY.run(paying_actors)
    assert report.payments == 2 and report.documents == 10
    assert [f.split(": ")[1] for f in report.flags] == ["LATE_SHIPMENT", "AMOUNT_OVER_TOLERANCE"]


def test_compliant_credit_pays_and_passes_title_in_the_same_transaction(paying_actors, node, uid):
    actors = paying_actors
    lc = soy.compliant_lifecycle(actors, StoryReport(), f"LC-{uid}")
    drawing = current(lc)
    obligation = drawing["honour"]["obligations"][0]
    assert lc["status"] == "paid" and drawing["status"] == "paid"
    assert drawing["settlement"]["reference"] == transfer_id_for(node.network, LC, obligation)  # the switch's transfer
    payment = actors(soy.BENEFICIARY).query(LC, "payment", {"obligation": obligation})
    assert {k: payment[k] for k in ("amount", "payer", "payee", "status")} == {
        "amount": {"currency": "USD", "minor": soy.TONNES * soy.PRICE_CENTS}, "payer": soy.ISSUING,
        "payee": soy.BENEFICIARY, "status": "settled"}
    bl = lc["titles"][0]
    title = actors(soy.APPLICANT).query("documents", "status", {"target_hash": bl})["title"]
    assert title["holder"] == soy.APPLICANT
    settle_tx = lc["history"][-1]["tx"]
    released = [h for h in title["history"] if h["action"] == "released_on_payment"]
    assert released and released[0]["tx"] == settle_tx  # title moved in the payment transaction
    events = node.outcome(settle_tx).events
    assert {e["name"] for e in events} == {"payment_settled", "lc_paid", "title_transferred"}
    # the seller, its former holder, can no longer use the bill
    rejected(lambda: actors(soy.BENEFICIARY).submit("documents", "endorse", {"target_hash": bl, "to": "SZ-AUTO"}),
             reason="NOT_HOLDER")
    actors(soy.APPLICANT).submit("documents", "endorse", {"target_hash": bl, "to": "SZ-AUTO"})


def test_honour_is_a_payment_instruction_art_7(actors, node, uid):
    lc_id = opened(actors, uid)
    soy.ship_and_present(actors, StoryReport(), lc_id, soy.today() - timedelta(days=1), soy.PRICE_CENTS)
    lc = actors(soy.ISSUING).submit(LC, "honour", {"lc_id": lc_id})
    instructions = [e["payload"] for e in lc["events"] if e["name"] == "payment_instructed"]
    assert [(i["payer"], i["payee"], i["obligation"]) for i in instructions] == [
        (soy.ISSUING, soy.BENEFICIARY, f"{lc_id}/drawing/1"), (soy.APPLICANT, soy.ISSUING, f"{lc_id}/drawing/1/applicant")]
    assert all(i["amount"] == {"currency": "USD", "minor": soy.TONNES * soy.PRICE_CENTS} for i in instructions)


def test_wrong_parties_are_rejected_at_every_step(actors, node, uid):
    lc_id = f"LC-{uid}"
    actors(soy.APPLICANT).submit(LC, "apply", {"lc_id": lc_id, "beneficiary": soy.BENEFICIARY, "issuing_bank": soy.ISSUING,
                                               "advising_bank": soy.ADVISING, "terms": soy.credit_terms(soy.today())})
    for org in (soy.APPLICANT, soy.ADVISING, soy.BENEFICIARY):
        unchanged(actors, node, lc_id, lambda: actors(org).submit(LC, "issue", {"lc_id": lc_id}), "NOT_ISSUING_BANK")
    actors(soy.ISSUING).submit(LC, "issue", {"lc_id": lc_id})
    for org in (soy.ISSUING, soy.BENEFICIARY):
        unchanged(actors, node, lc_id, lambda: actors(org).submit(LC, "advise", {"lc_id": lc_id}), "NOT_ADVISING_BANK")
    actors(soy.ADVISING).submit(LC, "advise", {"lc_id": lc_id})
    unchanged(actors, node, lc_id, lambda: actors(soy.ISSUING).submit(LC, "confirm", {"lc_id": lc_id}),
              "CONFIRMATION_NOT_AUTHORISED")
    unchanged(actors, node, lc_id, lambda: actors(soy.APPLICANT).submit(LC, "amend", {"lc_id": lc_id, "changes": {"about": True}}),
              "NOT_ISSUING_BANK")
    lc = soy.ship_and_present(actors, StoryReport(), lc_id, soy.today() - timedelta(days=1), soy.PRICE_CENTS)
    assert current(lc)["status"] == "examined"
    for org in (soy.APPLICANT, soy.BENEFICIARY, soy.ADVISING):
        unchanged(actors, node, lc_id, lambda: actors(org).submit(LC, "honour", {"lc_id": lc_id}), "NOT_ISSUING_BANK")
    unchanged(actors, node, lc_id, lambda: actors(soy.ISSUING).submit(LC, "refuse", {"lc_id": lc_id}), "PRESENTATION_COMPLIANT")
    unchanged(actors, node, lc_id, lambda: actors(soy.ISSUING).submit(LC, "waive", {"lc_id": lc_id}), "NOT_APPLICANT")
    actors(soy.ISSUING).submit(LC, "honour", {"lc_id": lc_id})
    for org in (soy.APPLICANT, soy.BENEFICIARY, soy.ADVISING):
        unchanged(actors, node, lc_id, lambda: actors(org).submit(LC, "payment_settled", {
            "obligation": f"{lc_id}/drawing/1", "reference": "X"}), "NOT_PAYER")
    unchanged(actors, node, lc_id, lambda: actors(soy.ISSUING).submit(LC, "honour", {"lc_id": lc_id}), "WRONG_STATE")
    rejected(lambda: get(actors, lc_id, "SZ-AUTO"), reason="NOT_A_PARTY")


def test_the_banks_record_their_charges_and_no_one_else(actors, node, uid):
    lc_id = opened(actors, uid)
    terms = soy.credit_terms(soy.today())
    soy.record_charges(actors, StoryReport(), lc_id, terms)
    fees = get(actors, lc_id)["fees"]
    assert [(f["bank"], f["kind"], f["currency"], f["minor"]) for f in fees] == [
        (soy.ISSUING, "issuance", "USD", terms["amount"]["minor"] * 20 // 10_000), (soy.ADVISING, "advising", "USD", 150_00)]
    usd = {"currency": "USD", "minor": 100}
    for org in (soy.APPLICANT, soy.BENEFICIARY, "KCBANK"):  # who bears a charge, or a bank not on the credit
        unchanged(actors, node, lc_id, lambda: actors(org).submit(LC, "charge", {"lc_id": lc_id, "kind": "other", "amount": usd}),
                  "NOT_CREDIT_BANK")
    for kind, amount, code in (("lunch", usd, "BAD_ARGUMENT"), ("other", {"currency": "USD", "minor": 0}, "BAD_ARGUMENT"),
                               ("other", {"currency": "XXQ", "minor": 1}, "BAD_MONEY"),
                               ("other", {"currency": "USD"}, "BAD_ARGUMENT")):
        unchanged(actors, node, lc_id, lambda: actors(soy.ISSUING).submit(LC, "charge", {"lc_id": lc_id, "kind": kind, "amount": amount}),
                  None, code)
    sources = regional.collect(LedgerView(node))  # the region's statistics count them as the credit's cost
    sources.credits = [c for c in sources.credits if c["id"] == lc_id]
    assert [(r["country"], r["currency"], r["credit_fees_minor"]) for r in regional.indicators(sources) if r["credits_issued"]] \
        == [("MY", "USD", sum(f["minor"] for f in fees))]


def test_presentation_only_by_beneficiary_and_applicant_waiver_only(actors, node, uid):
    lc_id = opened(actors, uid, latest_shipment_date=(soy.today() - timedelta(days=5)).isoformat())
    unchanged(actors, node, lc_id, lambda: actors(soy.APPLICANT).submit(LC, "present", {"lc_id": lc_id, "documents": []}),
              "NOT_BENEFICIARY")
    lc = soy.ship_and_present(actors, StoryReport(), lc_id, soy.today() - timedelta(days=3), soy.PRICE_CENTS)
    assert [d["code"] for d in current(lc)["examination"]["discrepancies"]] == ["LATE_SHIPMENT"]
    unchanged(actors, node, lc_id, lambda: actors(soy.ISSUING).submit(LC, "honour", {"lc_id": lc_id}), "DISCREPANCIES_NOT_WAIVED")
    unchanged(actors, node, lc_id, lambda: actors(soy.BENEFICIARY).submit(LC, "waive", {"lc_id": lc_id}), "NOT_APPLICANT")
    actors(soy.ISSUING).submit(LC, "refuse", {"lc_id": lc_id})
    actors(soy.APPLICANT).submit(LC, "waive", {"lc_id": lc_id})
    assert current(actors(soy.ISSUING).submit(LC, "honour", {"lc_id": lc_id})["response"])["status"] == "honoured"


def test_refusal_after_five_banking_days_is_precluded(network, actors, node, uid):
    lc_id = opened(actors, uid, latest_shipment_date=(soy.today() - timedelta(days=5)).isoformat())
    lc = soy.ship_and_present(actors, StoryReport(), lc_id, soy.today() - timedelta(days=3), soy.PRICE_CENTS)
    due = datetime.fromisoformat(current(lc)["examination"]["decision_due"]).replace(tzinfo=timezone.utc)
    rejected(lambda: at(network, soy.ISSUING, LC, "refuse", {"lc_id": lc_id}, due + timedelta(days=1, hours=1)),
             reason="DECISION_DEADLINE_PASSED")
    assert current(get(actors, lc_id))["status"] == "examined"
    assert at(network, soy.ISSUING, LC, "refuse", {"lc_id": lc_id}, due + timedelta(hours=12))["code"] == "VALID"


def test_tampered_and_revoked_documents_are_discrepancies(actors, node, uid):
    lc_id = opened(actors, uid)
    report = StoryReport()
    data = soy.document_data(lc_id, soy.today() - timedelta(days=1))
    wrapped = {t: issue_document(actors(soy.ISSUERS[t]), t, d, soy.READERS, report,
                                 **({"transferable": True, "holder": soy.BENEFICIARY} if t == "bill_of_lading" else {}))
               for t, d in data.items()}
    actors(soy.INSURER).submit("documents", "revoke", {"target_hash": target(wrapped["insurance_certificate"]),
                                                       "reason": "premium unpaid"})
    forged = copy.deepcopy(wrapped["inspection_certificate"])
    forged["data"]["result"] = forged["data"]["result"].rsplit(":", 1)[0] + ":fail"
    wrapped["inspection_certificate"] = forged
    bl = target(wrapped["bill_of_lading"])
    actors(soy.BENEFICIARY).submit(LC, "ship", {"lc_id": lc_id, "bill_of_lading": bl})
    actors(soy.BENEFICIARY).submit("documents", "deposit", {"target_hash": bl, "contract": LC, "ref": lc_id})
    out = actors(soy.BENEFICIARY).submit(LC, "present", {"lc_id": lc_id, "documents": list(wrapped.values())})
    assert sorted(d["code"] for d in current(out["response"])["examination"]["discrepancies"]) == [
        "DOCUMENT_REVOKED", "DOCUMENT_TAMPERED"]


def test_malformed_presentation_and_args_change_nothing(actors, node, uid):
    lc_id = opened(actors, uid)
    present = lambda docs: actors(soy.BENEFICIARY).submit(LC, "present", {"lc_id": lc_id, "documents": docs})  # noqa: E731
    unchanged(actors, node, lc_id, lambda: present([{"not": "a document"}]), "BAD_DOCUMENT")
    unchanged(actors, node, lc_id, lambda: present("docs"), None, "BAD_ARGUMENT")
    unchanged(actors, node, lc_id, lambda: actors(soy.ISSUING).submit(LC, "amend", {"lc_id": lc_id, "changes": {"colour": 1}}),
              None, "BAD_ARGUMENT")
    unchanged(actors, node, lc_id, lambda: actors(soy.ISSUING).submit(LC, "advise", {"lc_id": 7}), None, "BAD_ARGUMENT")
    # an intact, issued document that breaks its type's rules is refused as a whole

    data = soy.document_data(lc_id, soy.today())["commercial_invoice"]
    bad = wrap_document({**data, "total_amount": {"currency": "USD", "minor": 1}})
    actors(soy.BENEFICIARY).submit("documents", "issue", {"target_hash": bad["signature"]["targetHash"],
                                                          "merkle_root": bad["signature"]["merkleRoot"],
                                                          "doc_type": "commercial_invoice"})
    unchanged(actors, node, lc_id, lambda: present([bad]), "BAD_DOCUMENT")
    rejected(lambda: actors(soy.APPLICANT).submit(LC, "apply", {"lc_id": f"X-{uid}", "beneficiary": soy.BENEFICIARY,
                                                                "issuing_bank": soy.ISSUING, "advising_bank": soy.ADVISING,
                                                                "terms": {"amount": 5}}), "BAD_ARGUMENT")
    rejected(lambda: actors(soy.APPLICANT).submit(LC, "apply", {"lc_id": lc_id, "beneficiary": soy.BENEFICIARY,
                                                                "issuing_bank": soy.ISSUING, "advising_bank": soy.ADVISING,
                                                                "terms": soy.credit_terms(soy.today())}), reason="CREDIT_EXISTS")


def test_amendment_binds_only_once_the_beneficiary_accepts(actors, node, uid):
    lc_id = opened(actors, uid)
    actors(soy.ISSUING).submit(LC, "amend", {"lc_id": lc_id, "changes": {"amount_tolerance_pct": 10}})
    assert get(actors, lc_id)["terms"]["amount_tolerance_pct"] == 5
    unchanged(actors, node, lc_id, lambda: actors(soy.ISSUING).submit(LC, "amend", {"lc_id": lc_id, "changes": {"about": True}}),
              "AMENDMENT_PENDING")
    unchanged(actors, node, lc_id, lambda: actors(soy.APPLICANT).submit(LC, "accept_amendment", {"lc_id": lc_id, "number": 1}),
              "NOT_BENEFICIARY")
    actors(soy.BENEFICIARY).submit(LC, "accept_amendment", {"lc_id": lc_id, "number": 1})
    assert get(actors, lc_id)["terms"]["amount_tolerance_pct"] == 10
    actors(soy.ISSUING).submit(LC, "amend", {"lc_id": lc_id, "changes": {"port_of_discharge": "SGSIN"}})
    actors(soy.BENEFICIARY).submit(LC, "reject_amendment", {"lc_id": lc_id, "number": 2})
    assert get(actors, lc_id)["terms"]["port_of_discharge"] == "MYPKG"
    lc = soy.ship_and_present(actors, StoryReport(), lc_id, soy.today(), soy.PRICE_CENTS * 108 // 100)
    assert current(lc)["examination"]["discrepancies"] == []  # +8% fits the amended 10% tolerance


def issued_with_confirmation(actors, lc_id, confirming_bank, **changes):
    actors(soy.APPLICANT).submit(LC, "apply", {"lc_id": lc_id, "beneficiary": soy.BENEFICIARY, "issuing_bank": soy.ISSUING,
                                               "advising_bank": soy.ADVISING,
                                               "terms": {**soy.credit_terms(soy.today()), **changes}})
    actors(soy.ISSUING).submit(LC, "issue", {"lc_id": lc_id, "confirming_bank": confirming_bank})
    actors(soy.ADVISING).submit(LC, "advise", {"lc_id": lc_id})


def test_only_the_bank_the_issuing_bank_names_may_confirm_art_8(actors, node, uid):
    unnamed = opened(actors, uid + "N")
    unchanged(actors, node, unnamed, lambda: actors(soy.ADVISING).submit(LC, "confirm", {"lc_id": unnamed}),
              "CONFIRMATION_NOT_AUTHORISED")
    lc_id = f"LC-{uid}"
    issued_with_confirmation(actors, lc_id, soy.ADVISING)
    unchanged(actors, node, lc_id, lambda: actors("ESBANK").submit(LC, "confirm", {"lc_id": lc_id}),
              "CONFIRMATION_NOT_AUTHORISED")
    actors(soy.ADVISING).submit(LC, "confirm", {"lc_id": lc_id})
    assert get(actors, lc_id)["confirmed"] is True
    assert node.get("_keypolicy", f"{LC}:lc/{lc_id}")["value"] == {"orgs": sorted([soy.ISSUING, soy.ADVISING])}
    unchanged(actors, node, lc_id, lambda: actors(soy.ADVISING).submit(LC, "confirm", {"lc_id": lc_id}), "ALREADY_CONFIRMED")


def test_cancellation_needs_the_beneficiary_and_expiry_needs_the_date(network, actors, node, uid):
    lc_id = opened(actors, uid)
    cancel = lambda: actors(soy.ISSUING).submit(LC, "cancel", {"lc_id": lc_id, "reason": "deal off"})  # noqa: E731
    unchanged(actors, node, lc_id, cancel, "CONSENT_MISSING")
    unchanged(actors, node, lc_id, lambda: actors(soy.ISSUING).submit(LC, "expire", {"lc_id": lc_id}), "NOT_EXPIRED")
    expiry = datetime.fromisoformat(get(actors, lc_id)["terms"]["expiry_date"]).replace(tzinfo=timezone.utc)
    rejected(lambda: at(network, soy.APPLICANT, LC, "expire", {"lc_id": lc_id}, expiry + timedelta(days=7)),
             reason="NOT_ISSUING_BANK")
    actors(soy.BENEFICIARY).submit(LC, "consent_cancellation", {"lc_id": lc_id})
    assert cancel()["response"]["status"] == "cancelled"
    other = opened(actors, uid + "E")
    assert at(network, soy.ISSUING, LC, "expire", {"lc_id": other}, expiry + timedelta(days=7))["response"]["status"] == "expired"
