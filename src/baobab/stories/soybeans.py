"""Story 1: soybeans from Argentina to Malaysia under a documentary credit.

Kuala Lumpur Trade Bank (KLTB) issues a credit for KL-FOODS, advised by Banco del Plata
(BPLATA) to the exporter PAMPA-AGRO. The inspector, insurer, customs and the carrier issue
their documents on the network; the carrier's bill of lading is a transferable record. The
exporter presents, the credit's contract examines the documents, KLTB honours and records
the settlement, and title to the cargo passes to KL-FOODS in that same transaction.

A second credit is then shipped late and invoiced above the amount tolerance: it is refused
with exactly those two discrepancies, the applicant waives them, and it is paid the credit
amount plus its tolerance, never the invoice's excess (UCP 600 art. 18(b)). The banks' calendars
(Malaysian and Argentine holidays) are published on the ledger first.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable

from baobab import calendars
from baobab.core.money import format_amount
from baobab.documents.verify import registry_lookup, verify
from baobab.stories import Actors, Story, StoryReport, await_payment
from baobab.stories.trade_kit import check, issue_document, party, submit, target

APPLICANT, BENEFICIARY, ISSUING, ADVISING = "KL-FOODS", "PAMPA-AGRO", "KLTB", "BPLATA"
CARRIER, INSPECTOR, INSURER, ORIGIN_AUTHORITY = "SOUTHSEAS", "AR-INSPECT", "SUR-INSURE", "AR-CUSTOMS"
TONNES = 50_000
PRICE_CENTS = 40_000  # USD 400.00 per tonne
GOODS = "Soybeans"
HS = "120190"


def today() -> date:
    return datetime.now(timezone.utc).date()


def credit_terms(on: date, *, latest_shipment: date | None = None) -> dict[str, Any]:
    return {
        "amount": {"currency": "USD", "minor": TONNES * PRICE_CENTS}, "amount_tolerance_pct": 5,
        "quantity": {"value": TONNES, "unit": "TNE"},
        "expiry_date": (on + timedelta(days=60)).isoformat(), "expiry_place": "Kuala Lumpur",
        "latest_shipment_date": (latest_shipment or on + timedelta(days=20)).isoformat(),
        "port_of_loading": "ARROS", "port_of_discharge": "MYPKG",
        "goods_description": GOODS, "hs_code": HS, "incoterm": "CIF",
        "required_documents": ["commercial_invoice", "bill_of_lading", "insurance_certificate",
                               "inspection_certificate", "certificate_of_origin"],
        "partial_shipments": False, "transhipment": True,
    }


def document_data(lc_id: str, shipped: date, price_cents: int = PRICE_CENTS,
                  tonnes: int = TONNES) -> dict[str, dict[str, Any]]:
    """The five documents of one shipment (of `tonnes`), by document type."""
    d = shipped.isoformat()
    total = tonnes * price_cents
    goods = f"{GOODS}, yellow, crop {shipped.year}, in bulk"
    qty = {"value": tonnes, "unit": "TNE"}
    return {
        "commercial_invoice": {
            "invoice_number": f"INV-{lc_id}", "issue_date": d, "seller": party(BENEFICIARY), "buyer": party(APPLICANT),
            "currency": "USD", "incoterms": {"rule": "CIF", "place": "Port Klang"},
            "lines": [{"line_number": 1, "description": goods, "hs_code": HS, "country_of_origin": "AR",
                       "quantity": qty, "unit_price": {"currency": "USD", "minor": price_cents},
                       "line_amount": {"currency": "USD", "minor": total}}],
            "total_amount": {"currency": "USD", "minor": total}, "letter_of_credit_number": lc_id,
            "port_of_loading": "ARROS", "port_of_discharge": "MYPKG",
        },
        "bill_of_lading": {
            "kind": "ocean_bill_of_lading", "document_number": f"BL-{lc_id}", "issue_date": d,
            "carrier": party(CARRIER), "shipper": party(BENEFICIARY), "to_order_of": f"order of {party(ISSUING)['name']}",
            "notify_party": party(APPLICANT), "port_of_loading": "ARROS", "port_of_discharge": "MYPKG",
            "goods": [{"description": goods, "package_type": "NE", "package_count": 1,
                       "gross_weight": qty, "hs_code": HS}],
            "freight": "prepaid", "clean": True, "shipped_on_board": True, "shipped_on_board_date": d,
            "vessel_name": "MV Southern Cross", "transferable": True, "number_of_originals": 1,
        },
        "insurance_certificate": {
            "certificate_number": f"INS-{lc_id}", "issue_date": d, "insurer": party(INSURER), "insured": party(BENEFICIARY),
            "insured_amount": {"currency": "USD", "minor": total * 110 // 100}, "coverage": "ICC_A",
            "voyage_from": "ARROS", "voyage_to": "MYPKG", "goods_description": goods,
            "claims_payable_at": "Kuala Lumpur", "effective_date": d,
        },
        "inspection_certificate": {
            "certificate_number": f"INSP-{lc_id}", "issue_date": d, "inspection_body": party(INSPECTOR),
            "applicant": party(BENEFICIARY), "inspection_type": "quality_and_quantity", "inspection_date": d,
            "place_of_inspection": "ARROS", "goods": [{"description": goods, "quantity": qty, "hs_code": HS}],
            "result": "pass",
        },
        "certificate_of_origin": {
            "certificate_number": f"CO-{lc_id}", "issue_date": d, "issuing_authority": party(ORIGIN_AUTHORITY),
            "exporter": party(BENEFICIARY), "consignee": party(APPLICANT), "country_of_origin": "AR",
            "country_of_destination": "MY", "preferential": False,
            "goods": [{"item_number": 1, "description": goods, "hs_code": HS, "quantity": qty}],
        },
    }


ISSUERS = {"commercial_invoice": BENEFICIARY, "bill_of_lading": CARRIER, "insurance_certificate": INSURER,
           "inspection_certificate": INSPECTOR, "certificate_of_origin": ORIGIN_AUTHORITY}
READERS = [APPLICANT, BENEFICIARY, ISSUING, ADVISING, "MY-CUSTOMS"]


def load_calendars(actors: Actors, report: StoryReport | None = None, say: Callable[[str], None] | None = None) -> None:
    """Publish the banking calendars of the banks' countries (from `holidays`) for this year and the next two."""
    year = today().year
    written = calendars.publish(actors(ISSUING), ["MY", "AR"], [year - 1, year, year + 1, year + 2])
    if report is not None and written:
        report.step(f"{ISSUING} publishes {written} banking calendars of Malaysia and Argentina", say)


def current(lc: dict[str, Any]) -> dict[str, Any]:
    """The credit's latest presentation."""
    return lc["presentations"][-1]  # type: ignore[no-any-return]


def open_credit(actors: Actors, report: StoryReport, lc_id: str, terms: dict[str, Any],
                say: Callable[[str], None] | None = None) -> None:
    load_calendars(actors, report, say)  # the credit's deadlines need its banks' calendars on the ledger
    submit(actors(APPLICANT), "letter_of_credit", "apply", {"lc_id": lc_id, "beneficiary": BENEFICIARY,
                                                            "issuing_bank": ISSUING, "advising_bank": ADVISING, "terms": terms})
    report.step(f"{APPLICANT} applies to {ISSUING} for credit {lc_id}", say)
    submit(actors(ISSUING), "letter_of_credit", "issue", {"lc_id": lc_id})
    report.step(f"{ISSUING} issues {lc_id}: {format_amount(terms['amount'])}", say)
    submit(actors(ADVISING), "letter_of_credit", "advise", {"lc_id": lc_id})
    report.step(f"{ADVISING} advises {lc_id} to {BENEFICIARY}", say)


def record_charges(actors: Actors, report: StoryReport, lc_id: str, terms: dict[str, Any],
                   say: Callable[[str], None] | None = None) -> None:
    """The banks record what the credit costs: the issuing bank's commission (0.2% of the amount, an
    illustrative rate) and the advising bank's flat fee, so the region's statistics can show it."""
    currency = terms["amount"]["currency"]
    commission = {"currency": currency, "minor": terms["amount"]["minor"] * 20 // 10_000}
    advising = {"currency": currency, "minor": 150_00}
    submit(actors(ISSUING), "letter_of_credit", "charge", {"lc_id": lc_id, "kind": "issuance", "amount": commission})
    submit(actors(ADVISING), "letter_of_credit", "charge", {"lc_id": lc_id, "kind": "advising", "amount": advising})
    report.step(f"{ISSUING} records its issuance commission ({format_amount(commission)}) and {ADVISING} "
                f"its advising fee ({format_amount(advising)})", say)


def ship_and_present(actors: Actors, report: StoryReport, lc_id: str, shipped: date, price_cents: int,
                     say: Callable[[str], None] | None = None, *, verify_with: str | None = None,
                     tonnes: int = TONNES, data: dict[str, dict[str, Any]] | None = None) -> dict[str, Any]:
    """Issue the five documents (`data`, by default those of `document_data`), ship, deposit the bill with
    the credit and present; returns the credit."""
    data = data or document_data(lc_id, shipped, price_cents, tonnes)
    wrapped = {}
    for doc_type, fields in data.items():
        holder = {"transferable": True, "holder": BENEFICIARY} if doc_type == "bill_of_lading" else {}
        wrapped[doc_type] = issue_document(actors(ISSUERS[doc_type]), doc_type, fields, READERS, report, **holder)
    report.step(f"inspector, insurer, customs, carrier and exporter issue {len(wrapped)} documents", say)
    if verify_with:
        lookup = registry_lookup(actors(verify_with))
        for doc_type, doc in wrapped.items():
            result = verify(doc, lookup)
            check(result.valid and result.issuer == ISSUERS[doc_type], f"{doc_type} does not verify: {result.reasons}")
        report.step(f"{verify_with} verifies every document: intact, issued, issuer on the ledger", say)
    bl = target(wrapped["bill_of_lading"])
    submit(actors(BENEFICIARY), "letter_of_credit", "ship", {"lc_id": lc_id, "bill_of_lading": bl})
    submit(actors(BENEFICIARY), "documents", "deposit", {"target_hash": bl, "contract": "letter_of_credit", "ref": lc_id})
    report.step(f"{BENEFICIARY} ships on {shipped} and places the bill of lading under the credit", say)
    lc = submit(actors(BENEFICIARY), "letter_of_credit", "present", {"lc_id": lc_id, "documents": list(wrapped.values())})
    report.step(f"{BENEFICIARY} presents with notice of completeness; examination finds "
                f"{len(current(lc)['examination']['discrepancies'])} discrepancies", say)
    return lc


def pay(actors: Actors, report: StoryReport, lc_id: str, say: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Honour (a payment instruction); the issuing bank's payments agent pays it through the switch
    and records the settlement, with the transfer's fulfilment as proof."""
    lc = submit(actors(ISSUING), "letter_of_credit", "honour", {"lc_id": lc_id})
    honour = current(lc)
    check(honour["status"] == "honoured", "credit not honoured")
    report.step(f"{ISSUING} honours: pay {format_amount(honour['honour']['amount'])} to {BENEFICIARY}", say)
    payment = await_payment(actors(ISSUING), "letter_of_credit", honour["honour"]["obligations"][0])
    check(payment["status"] == "settled", f"the honour was not paid: {payment.get('failure')}")
    lc = actors(ISSUING).query("letter_of_credit", "get", {"lc_id": lc_id})
    report.payments += 1
    report.step(f"{ISSUING}'s payments agent pays it through the switch (transfer {payment['settlement']['reference'][:8]}); "
                f"title to the cargo passes to {APPLICANT}", say)
    return lc


def compliant_lifecycle(actors: Actors, report: StoryReport, lc_id: str, say: Callable[[str], None] | None = None,
                        *, verify_with: str | None = None, charges: bool = False) -> dict[str, Any]:
    """One complete credit, application to payment, with a complying presentation (and the banks'
    charges recorded, with `charges`)."""
    on = today()
    open_credit(actors, report, lc_id, credit_terms(on), say)
    if charges:
        record_charges(actors, report, lc_id, credit_terms(on), say)
    lc = ship_and_present(actors, report, lc_id, on - timedelta(days=2), PRICE_CENTS, say, verify_with=verify_with)
    found = current(lc)["examination"]["discrepancies"]
    check(found == [], f"unexpected discrepancies {found}")
    return pay(actors, report, lc_id, say)


def play(actors: Actors, report: StoryReport, progress: Callable[[str], None] | None) -> None:
    run = uuid.uuid4().hex[:6].upper()
    load_calendars(actors, report, progress)
    lc_id = f"LC-SOY-{run}-1"
    lc = compliant_lifecycle(actors, report, lc_id, progress, verify_with=ISSUING, charges=True)
    bl = lc["titles"][0]
    status = actors(APPLICANT).query("documents", "status", {"target_hash": bl})
    check(status["title"]["holder"] == APPLICANT, "title did not pass to the applicant")
    submit(actors(APPLICANT), "documents", "surrender", {"target_hash": bl})
    submit(actors(CARRIER), "documents", "accomplish", {"target_hash": bl})
    report.step(f"{APPLICANT} surrenders the bill at Port Klang; {CARRIER} delivers the soybeans", progress)

    # The same trade with a late shipment and an invoice above the 5% tolerance.
    lc_id = f"LC-SOY-{run}-2"
    on = today()
    open_credit(actors, report, lc_id, credit_terms(on, latest_shipment=on - timedelta(days=5)), progress)
    lc = ship_and_present(actors, report, lc_id, on - timedelta(days=3), PRICE_CENTS * 1075 // 1000, progress)
    codes = sorted(d["code"] for d in current(lc)["examination"]["discrepancies"])
    check(codes == ["AMOUNT_OVER_TOLERANCE", "LATE_SHIPMENT"], f"unexpected discrepancies {codes}")
    lc = submit(actors(ISSUING), "letter_of_credit", "refuse", {"lc_id": lc_id})
    report.flags += [f"{lc_id}: {d['code']}: {d['text']}" for d in current(lc)["refusal"]["discrepancies"]]
    report.step(f"{ISSUING} refuses in one notice: {', '.join(codes)}", progress)
    submit(actors(APPLICANT), "letter_of_credit", "waive", {"lc_id": lc_id})
    report.step(f"{APPLICANT} waives the discrepancies", progress)
    lc = pay(actors, report, lc_id, progress)
    check(lc["status"] == "paid", "second credit not paid")
    paid = current(lc)["honour"]["amount"]["minor"]
    check(paid == lc["terms"]["amount"]["minor"] * 105 // 100, "honour is not capped at the credit plus its 5% tolerance")
    report.step(f"{ISSUING} pays {format_amount(current(lc)['honour']['amount'])}: the credit plus its tolerance, not the invoice's more (art. 18(b))",
                progress)


STORY = Story(1, "Soybeans from Argentina to Malaysia under a letter of credit", "5-10 days", play)
