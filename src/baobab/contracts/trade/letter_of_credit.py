"""Documentary credits (UCP 600, eUCP 2.0) as a state machine on the ledger.

    applied --issue--> issued --advise--> advised --ship--> shipped --present--> presenting
       |                  (confirm, amend/accept_amendment while issued/advised/shipped)      |
    cancel                                                              notice of completeness
                                                                                      v
             paid <--record_settlement-- honoured <--honour-- examined (no discrepancies)
                                            ^                     | refuse (<= 5 banking days)
                                            +--honour-- waived <--waive-- refused
    any open credit past its expiry date --expire--> expired; issued credits --cancel--> cancelled

Who does what: the applicant (importer) applies and waives; the issuing bank issues, amends,
refuses, honours and cancels; the advising bank advises (and confirms, unless another bank
was named to confirm); the beneficiary (exporter) accepts amendments, records shipment and
presents. Every step checks the caller, and from issuance on the credit's key policy needs
the endorsement of every bank on it.

Presentation carries the wrapped documents. The contract checks each against the document
registry and its type's rules and runs the pure UCP 600 examination (`lc_examination`),
recording every discrepancy in one notice. A transferable bill of lading deposited with the
credit is held under `title/<target_hash>`: by the issuing bank during examination, and by the
applicant (or the issuing bank, if the terms say so) from the transaction that records payment.

The credit and the titles it holds record where the goods go (`countries`, from the ports of
loading and discharge in the current terms; see `contracts.jurisdiction`), so the customs of
both ends supervise them.
"""

from __future__ import annotations

from typing import Any

from baobab.contracts.trade.lc_documents import MAX_DOCUMENTS, checked_fields, read_wrapped
from baobab.contracts.trade.lc_examination import UNREGISTERED, decision_deadline, examine
from baobab.contracts.jurisdiction import from_ports
from baobab.contracts.trade.lc_terms import amend_terms, check_terms
from baobab.contracts.trade.common import (
    bad_argument, check_ref, load_record, org_record, parse_date, reject, tx_date,
)
from baobab.ledger.contract import Context, Contract, Reason, function

BANKS = {"role": "bank"}
OPEN = ("issued", "advised", "shipped", "presenting", "examined", "refused", "waived")


def _key(lc_id: str) -> str:
    return f"lc/{check_ref(lc_id, 'lc_id')}"


def _countries(lc: dict[str, Any]) -> dict[str, Any]:
    return from_ports(lc["terms"]["port_of_loading"], lc["terms"]["port_of_discharge"])


class LetterOfCredit(Contract):
    name = "letter_of_credit"
    reasons = {
        "ALREADY_CONFIRMED": Reason("conflict", "Already confirmed"),
        "AMENDMENT_PENDING": Reason("conflict", "An amendment awaits the beneficiary's answer"),
        "BL_NOT_REGISTERED": Reason("not_found", "The bill of lading is not on the registry"),
        "CONSENT_MISSING": Reason("forbidden", "A party's consent is missing"),
        "CREDIT_EXISTS": Reason("conflict", "The credit already exists"),
        "CREDIT_NOT_FOUND": Reason("not_found", "No such credit"),
        "DECISION_DEADLINE_PASSED": Reason("conflict", "The time to examine has passed (UCP 600 art. 14b, 16f)"),
        "DISCREPANCIES_NOT_WAIVED": Reason("conflict", "The discrepancies are not waived"),
        "EXPIRY_IN_PAST": Reason("invalid", "The expiry date is past"),
        "HONOUR_DUE": Reason("conflict", "Honour is due on this credit"),
        "NOTHING_TO_WAIVE": Reason("conflict", "There are no discrepancies to waive"),
        "NOT_ADVISING_BANK": Reason("forbidden", "Only the advising bank may do this"),
        "NOT_APPLICANT": Reason("forbidden", "Only the applicant may do this"),
        "NOT_A_BANK": Reason("forbidden", "The organisation is not a bank"),
        "NOT_BENEFICIARY": Reason("forbidden", "Only the beneficiary may do this"),
        "NOT_CONFIRMING_BANK": Reason("forbidden", "Only the confirming bank may do this"),
        "NOT_EXPIRED": Reason("conflict", "The credit has not expired"),
        "NOT_ISSUING_BANK": Reason("forbidden", "Only the issuing bank may do this"),
        "NOT_PAYER": Reason("forbidden", "Only the paying bank may do this"),
        "NO_SUCH_AMENDMENT": Reason("not_found", "No such amendment"),
        "PRESENTATION_COMPLIANT": Reason("conflict", "The presentation complies; it cannot be refused"),
        "UNKNOWN_ORG": Reason("invalid", "The organisation named is not an active member"),
    }

    # --- helpers ------------------------------------------------------------------------

    def _load(self, ctx: Context, lc_id: str, *states: str) -> dict[str, Any]:
        return load_record(ctx, _key(lc_id), f"credit {lc_id}", "CREDIT_NOT_FOUND", *states)

    def _must_be(self, ctx: Context, lc: dict[str, Any], *roles: str) -> str:
        for role in roles:
            if lc["parties"].get(role) == ctx.caller.org:
                return role
        reject(f"NOT_{roles[0].upper()}", f"only the {' or '.join(r.replace('_', ' ') for r in roles)} may do this",
               caller=ctx.caller.org)

    def _save(self, ctx: Context, lc: dict[str, Any], event: str, **payload: Any) -> dict[str, Any]:
        lc = {**lc, "countries": _countries(lc), "history": lc["history"] + [
            {"event": event, "by": ctx.caller.org, "at": ctx.timestamp, "tx": ctx.tx_id}]}
        ctx.put(_key(lc["id"]), lc)
        ctx.emit(event, {"lc_id": lc["id"], "status": lc["status"], **payload})
        return lc

    def _banks(self, lc: dict[str, Any]) -> list[str]:
        p = lc["parties"]
        return sorted({p["issuing_bank"], p["advising_bank"], *([p["confirming_bank"]] if lc.get("confirmed") else [])})

    def _guard_keys(self, ctx: Context, lc: dict[str, Any]) -> None:
        """From issuance on, changing the credit (or a title it holds) needs all its banks."""
        policy = {"orgs": self._banks(lc)}
        ctx.set_key_policy(_key(lc["id"]), policy)
        for th in lc.get("titles", []):
            ctx.set_key_policy(f"title/{th}", policy)

    def _move_titles(self, ctx: Context, lc: dict[str, Any], to: str, action: str) -> None:
        for th in lc.get("titles", []):
            held = ctx.get(f"title/{th}")
            entry = {"action": action, "by": ctx.caller.org, "to": to, "at": ctx.timestamp, "tx": ctx.tx_id,
                     "escrow": f"letter_of_credit/{lc['id']}"}
            ctx.put(f"title/{th}", {**held, "holder": to, "history": held["history"] + [entry]})
            ctx.emit("title_transferred", {"lc_id": lc["id"], "target_hash": th, "from": held["holder"], "to": to})

    # --- application, issuance, advice, confirmation --------------------------------------

    @function(policy=BANKS)
    def apply(self, ctx: Context, lc_id: str, beneficiary: str, issuing_bank: str, advising_bank: str,
              terms: dict[str, Any]) -> dict[str, Any]:
        key = _key(lc_id)
        terms = check_terms(terms)
        applicant = ctx.caller.org
        for org, role in ((issuing_bank, "bank"), (advising_bank, "bank")):
            if role not in org_record(ctx, org)["roles"]:
                reject("NOT_A_BANK", f"{org} is not a bank")
        org_record(ctx, beneficiary)
        if len({applicant, beneficiary, issuing_bank}) < 3 or advising_bank in (applicant, beneficiary):
            bad_argument("applicant, beneficiary and the banks must be different organisations")
        if ctx.get(key) is not None:
            reject("CREDIT_EXISTS", f"credit {lc_id} already exists")
        lc = {"id": lc_id, "status": "applied", "terms": terms, "applied_terms": terms,
              "parties": {"applicant": applicant, "beneficiary": beneficiary, "issuing_bank": issuing_bank,
                          "advising_bank": advising_bank, "confirming_bank": advising_bank},
              "confirmed": False, "amendments": [], "history": [], "titles": []}
        ctx.set_key_policy(key, {"orgs": [issuing_bank]})
        return self._save(ctx, lc, "lc_applied", applicant=applicant, issuing_bank=issuing_bank)

    @function(policy=BANKS)
    def issue(self, ctx: Context, lc_id: str, terms: dict[str, Any] | None = None,
              confirming_bank: str | None = None) -> dict[str, Any]:
        """The issuing bank issues on the applied terms, or on the terms it agreed with the applicant."""
        lc = self._load(ctx, lc_id, "applied")
        self._must_be(ctx, lc, "issuing_bank")
        terms = check_terms(terms) if terms is not None else lc["terms"]
        if parse_date(terms["expiry_date"], "expiry_date") < tx_date(ctx):
            reject("EXPIRY_IN_PAST", "a credit cannot be issued with an expiry date in the past")
        parties = dict(lc["parties"])
        if confirming_bank is not None:
            if "bank" not in org_record(ctx, confirming_bank)["roles"] or confirming_bank in (parties["issuing_bank"], parties["beneficiary"]):
                bad_argument(f"{confirming_bank} cannot confirm this credit")
            parties["confirming_bank"] = confirming_bank
        names = {role: org_record(ctx, parties[role])["name"] for role in ("applicant", "beneficiary")}
        lc = {**lc, "status": "issued", "terms": terms, "parties": parties, "names": names, "issued_at": ctx.timestamp}
        self._guard_keys(ctx, lc)
        return self._save(ctx, lc, "lc_issued", amount=terms["amount"], beneficiary=parties["beneficiary"])

    @function(policy=BANKS)
    def advise(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        lc = self._load(ctx, lc_id, "issued")
        self._must_be(ctx, lc, "advising_bank")
        return self._save(ctx, {**lc, "status": "advised", "advised_at": ctx.timestamp}, "lc_advised",
                          beneficiary=lc["parties"]["beneficiary"])

    @function(policy=BANKS)
    def confirm(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        """The confirming bank adds its own undertaking to honour (UCP 600 art. 8)."""
        lc = self._load(ctx, lc_id, "advised", "shipped")
        self._must_be(ctx, lc, "confirming_bank")
        if lc["confirmed"]:
            reject("ALREADY_CONFIRMED", "the credit is already confirmed")
        lc = {**lc, "confirmed": True}
        self._guard_keys(ctx, lc)
        return self._save(ctx, lc, "lc_confirmed", confirming_bank=ctx.caller.org)

    # --- amendments: binding on the beneficiary only once it accepts (art. 10) -------------

    @function(policy=BANKS)
    def amend(self, ctx: Context, lc_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        lc = self._load(ctx, lc_id, "issued", "advised", "shipped")
        self._must_be(ctx, lc, "issuing_bank")
        if any(a["status"] == "pending" for a in lc["amendments"]):
            reject("AMENDMENT_PENDING", "the previous amendment awaits the beneficiary's answer")
        amend_terms(lc["terms"], changes)  # well formed now; re-applied on acceptance
        number = len(lc["amendments"]) + 1
        amendment = {"number": number, "changes": changes, "status": "pending", "proposed_at": ctx.timestamp}
        return self._save(ctx, {**lc, "amendments": lc["amendments"] + [amendment]}, "lc_amendment_proposed",
                          number=number)

    def _answer(self, ctx: Context, lc_id: str, number: int, accept: bool) -> dict[str, Any]:
        lc = self._load(ctx, lc_id, "issued", "advised", "shipped")
        self._must_be(ctx, lc, "beneficiary")
        amendments = list(lc["amendments"])
        if not 1 <= number <= len(amendments) or amendments[number - 1]["status"] != "pending":
            reject("NO_SUCH_AMENDMENT", f"amendment {number} is not pending")
        amendment = amendments[number - 1]
        terms = amend_terms(lc["terms"], amendment["changes"]) if accept else lc["terms"]
        if accept and parse_date(terms["expiry_date"], "expiry_date") < tx_date(ctx):
            reject("EXPIRY_IN_PAST", "the amended expiry date has passed")
        amendments[number - 1] = {**amendment, "status": "accepted" if accept else "rejected", "answered_at": ctx.timestamp}
        event = "lc_amendment_accepted" if accept else "lc_amendment_rejected"
        return self._save(ctx, {**lc, "terms": terms, "amendments": amendments}, event, number=number)

    @function(policy=BANKS)
    def accept_amendment(self, ctx: Context, lc_id: str, number: int) -> dict[str, Any]:
        return self._answer(ctx, lc_id, number, True)

    @function(policy=BANKS)
    def reject_amendment(self, ctx: Context, lc_id: str, number: int) -> dict[str, Any]:
        return self._answer(ctx, lc_id, number, False)

    # --- shipment and presentation ----------------------------------------------------------

    def _registry(self, ctx: Context, target_hash: str) -> dict[str, Any] | None:
        return ctx.read("documents", f"doc/{target_hash}")

    @function(policy=BANKS)
    def ship(self, ctx: Context, lc_id: str, bill_of_lading: str) -> dict[str, Any]:
        """The beneficiary reports shipment under the credit, naming the registered transport document."""
        lc = self._load(ctx, lc_id, "issued", "advised")
        self._must_be(ctx, lc, "beneficiary")
        record = self._registry(ctx, bill_of_lading) if len(bill_of_lading) == 64 else None
        if record is None or record["doc_type"] != "bill_of_lading" or record["status"] != "issued":
            reject("BL_NOT_REGISTERED", "the bill of lading is not an issued, unrevoked document in the registry")
        lc = {**lc, "status": "shipped", "shipment": {"bill_of_lading": bill_of_lading, "carrier": record["issuer"],
                                                      "reported_at": ctx.timestamp}}
        return self._save(ctx, lc, "lc_shipped", bill_of_lading=bill_of_lading)

    @function(policy=BANKS)
    def present(self, ctx: Context, lc_id: str, documents: list[dict[str, Any]], complete: bool = True) -> dict[str, Any]:
        """Present documents; `complete` is the notice of completeness (eUCP e5) that starts examination.

        A presentation may come in parts (complete=false); the parts wait on the credit until
        the notice arrives, and the examination then covers every document received.
        """
        lc = self._load(ctx, lc_id, "advised", "shipped", "presenting")
        self._must_be(ctx, lc, "beneficiary")
        received = lc.get("received", []) + documents
        if not received or len(received) > MAX_DOCUMENTS:
            bad_argument(f"a presentation has 1 to {MAX_DOCUMENTS} documents")
        for wrapped in documents:
            read_wrapped(wrapped)  # refuse malformed documents before anything is stored
        if not complete:
            return self._save(ctx, {**lc, "status": "presenting", "received": received}, "lc_documents_received",
                              count=len(documents))
        return self._examine(ctx, {**lc, "received": []}, received)

    @function(policy=BANKS)
    def notify_complete(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        lc = self._load(ctx, lc_id, "presenting")
        self._must_be(ctx, lc, "beneficiary")
        return self._examine(ctx, {**lc, "received": []}, lc["received"])

    def _examine(self, ctx: Context, lc: dict[str, Any], received: list[Any]) -> dict[str, Any]:
        presented, listed, titles = [], [], []
        for wrapped in received:
            doc = read_wrapped(wrapped)
            record = self._registry(ctx, doc["target_hash"])
            issued = record is not None and record["merkle_root"] == doc["merkle_root"]
            doc_type = record["doc_type"] if record is not None else UNREGISTERED
            title = (record or {}).get("title") or {}
            escrow = title.get("escrow") or {}
            held = title.get("state") == "active" and escrow.get("contract") == self.name and escrow.get("ref") == lc["id"]
            data = checked_fields(doc_type, doc["data"]) if doc["intact"] and issued else None
            issuer = record["issuer"] if record is not None else None
            presented.append({"doc_type": doc_type, "issuer": issuer, "intact": doc["intact"], "issued": issued,
                              "revoked": issued and record["status"] == "revoked", "data": data, "title_held": held,
                              "issuer_roles": org_record(ctx, issuer)["roles"] if issuer else []})
            listed.append({"doc_type": doc_type, "target_hash": doc["target_hash"], "issuer": issuer})
            if held and doc["target_hash"] not in titles:
                titles.append(doc["target_hash"])
        credit = {"terms": lc["terms"], "beneficiary": lc["parties"]["beneficiary"],
                  "applicant_name": lc["names"]["applicant"], "beneficiary_name": lc["names"]["beneficiary"]}
        on = tx_date(ctx)
        discrepancies = examine(credit, presented, on)
        invoice = next((p["data"] for p in presented if p["doc_type"] == "commercial_invoice" and p["data"]), None)
        claim = invoice["total_amount"] if invoice else lc["terms"]["amount"]
        examination = {"notice_of_completeness": ctx.timestamp, "presented_on": on.isoformat(),
                       "decision_due": decision_deadline(on).isoformat(), "documents": listed,
                       "discrepancies": discrepancies, "claim": claim}
        bank = lc["parties"]["issuing_bank"]
        for th in titles:  # the banks hold the bill while they examine and pay
            ctx.put(f"title/{th}", {"holder": bank, "lc_id": lc["id"], "countries": _countries(lc), "history": [
                {"action": "presented", "by": lc["parties"]["beneficiary"], "to": bank, "at": ctx.timestamp,
                 "tx": ctx.tx_id, "escrow": f"letter_of_credit/{lc['id']}"}]})
        lc = {**lc, "status": "examined", "examination": examination, "titles": titles}
        self._guard_keys(ctx, lc)
        return self._save(ctx, lc, "lc_examined", compliant=not discrepancies,
                          codes=[d["code"] for d in discrepancies], decision_due=examination["decision_due"])

    # --- decision: honour or refuse, waiver ----------------------------------------------------

    @function(policy=BANKS)
    def refuse(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        """The single notice of refusal listing every discrepancy (art. 16(c)); documents held
        pending the applicant's waiver (art. 16(c)(iii)(b))."""
        lc = self._load(ctx, lc_id, "examined")
        self._must_be(ctx, lc, "issuing_bank", "confirming_bank")
        if ctx.caller.org == lc["parties"]["confirming_bank"] and not lc["confirmed"]:
            reject("NOT_ISSUING_BANK", "only the issuing bank may refuse an unconfirmed credit")
        exam = lc["examination"]
        if not exam["discrepancies"]:
            reject("PRESENTATION_COMPLIANT", "a complying presentation must be honoured (art. 15)")
        if tx_date(ctx).isoformat() > exam["decision_due"]:
            reject("DECISION_DEADLINE_PASSED", f"refusal was due by {exam['decision_due']}; the bank is precluded (art. 16(f))")
        notice = {"by": ctx.caller.org, "at": ctx.timestamp, "discrepancies": exam["discrepancies"],
                  "documents": "held pending the applicant's waiver"}
        lc = {**lc, "status": "refused", "refusal": notice}
        return self._save(ctx, lc, "lc_refused", codes=[d["code"] for d in exam["discrepancies"]],
                          beneficiary=lc["parties"]["beneficiary"])

    @function(policy=BANKS)
    def waive(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        lc = self._load(ctx, lc_id, "examined", "refused")
        self._must_be(ctx, lc, "applicant")
        codes = [d["code"] for d in lc["examination"]["discrepancies"]]
        if not codes:
            reject("NOTHING_TO_WAIVE", "the presentation has no discrepancies")
        lc = {**lc, "status": "waived", "waiver": {"at": ctx.timestamp, "codes": codes}}
        return self._save(ctx, lc, "lc_discrepancies_waived", codes=codes)

    @function(policy=BANKS)
    def honour(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        """Honour: emits the payment instruction to the beneficiary and the applicant's reimbursement."""
        lc = self._load(ctx, lc_id, "examined", "waived")
        self._must_be(ctx, lc, "issuing_bank", "confirming_bank")
        if ctx.caller.org == lc["parties"]["confirming_bank"] and not lc["confirmed"]:
            reject("NOT_ISSUING_BANK", "only the issuing bank may honour an unconfirmed credit")
        if lc["status"] == "examined" and lc["examination"]["discrepancies"]:
            reject("DISCREPANCIES_NOT_WAIVED", "the presentation is discrepant; refuse it or obtain the applicant's waiver")
        p, claim = lc["parties"], lc["examination"]["claim"]
        payment = {"reference": f"{lc['id']}/payment", "amount": claim["minor"], "currency": claim["currency"],
                   "payer": ctx.caller.org, "payee": p["beneficiary"], "kind": "honour"}
        reimbursement = {"reference": f"{lc['id']}/reimbursement", "amount": claim["minor"], "currency": claim["currency"],
                         "payer": p["applicant"], "payee": p["issuing_bank"], "kind": "reimbursement"}
        lc = {**lc, "status": "honoured", "payment": {**payment, "settlement_ref": None}, "reimbursement": reimbursement}
        ctx.emit("payment_instruction", payment)
        ctx.emit("payment_instruction", reimbursement)
        return self._save(ctx, lc, "lc_honoured", reference=payment["reference"])

    @function(policy=BANKS)
    def record_settlement(self, ctx: Context, lc_id: str, settlement_ref: str) -> dict[str, Any]:
        """The paying bank records the settlement reference; title passes in this same transaction."""
        lc = self._load(ctx, lc_id, "honoured")
        if ctx.caller.org != lc["payment"]["payer"]:
            reject("NOT_PAYER", f"only the paying bank {lc['payment']['payer']} records the settlement")
        if not settlement_ref.strip() or len(settlement_ref) > 128:
            bad_argument("settlement_ref must be 1-128 characters")
        to = lc["parties"]["applicant"] if lc["terms"]["title_to"] == "applicant" else lc["parties"]["issuing_bank"]
        self._move_titles(ctx, lc, to, "released_on_payment")
        lc = {**lc, "status": "paid", "payment": {**lc["payment"], "settlement_ref": settlement_ref, "settled_at": ctx.timestamp}}
        return self._save(ctx, lc, "lc_paid", settlement_ref=settlement_ref, title_to=to)

    # --- end of life ----------------------------------------------------------------------------

    @function(policy=BANKS)
    def expire(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        """After the expiry date an unpaid credit lapses; held bills go back to the beneficiary."""
        lc = self._load(ctx, lc_id, *OPEN)
        self._must_be(ctx, lc, "issuing_bank")
        if tx_date(ctx).isoformat() <= lc["terms"]["expiry_date"]:
            reject("NOT_EXPIRED", f"the credit is valid until {lc['terms']['expiry_date']}")
        decided_for_payment = lc["status"] == "waived" or (lc["status"] == "examined" and not lc["examination"]["discrepancies"])
        if decided_for_payment:
            reject("HONOUR_DUE", "a presentation made in time must be decided, not left to expire")
        self._move_titles(ctx, lc, lc["parties"]["beneficiary"], "returned_on_expiry")
        return self._save(ctx, {**lc, "status": "expired"}, "lc_expired")

    @function(policy=BANKS)
    def consent_cancellation(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        """An irrevocable credit is cancelled only with the beneficiary's (and confirming bank's) consent."""
        lc = self._load(ctx, lc_id, "issued", "advised", "shipped")
        role = self._must_be(ctx, lc, "beneficiary", "confirming_bank")
        if role == "confirming_bank" and not lc["confirmed"]:
            reject("NOT_BENEFICIARY", "only the beneficiary or a confirming bank consents to cancellation")
        consents = sorted(set(lc.get("cancellation_consents", [])) | {ctx.caller.org})
        return self._save(ctx, {**lc, "cancellation_consents": consents}, "lc_cancellation_consented")

    @function(policy=BANKS)
    def cancel(self, ctx: Context, lc_id: str, reason: str) -> dict[str, Any]:
        lc = self._load(ctx, lc_id, "applied", "issued", "advised", "shipped")
        if lc["status"] == "applied":
            self._must_be(ctx, lc, "applicant", "issuing_bank")  # withdrawn or declined
        else:
            self._must_be(ctx, lc, "issuing_bank")
            needed = {lc["parties"]["beneficiary"]} | ({lc["parties"]["confirming_bank"]} if lc["confirmed"] else set())
            missing = sorted(needed - set(lc.get("cancellation_consents", [])))
            if missing:
                reject("CONSENT_MISSING", f"an irrevocable credit needs the consent of {', '.join(missing)}", missing=missing)
        if not reason.strip() or len(reason) > 500:
            bad_argument("a cancellation needs a reason of 1-500 characters")
        return self._save(ctx, {**lc, "status": "cancelled", "cancel_reason": reason}, "lc_cancelled")

    # --- reads ------------------------------------------------------------------------------------

    @function(query=True)
    def get(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        """The credit, for its parties only."""
        lc = self._load(ctx, lc_id)
        if ctx.caller.org not in set(lc["parties"].values()):
            reject("NOT_A_PARTY", f"{ctx.caller.org} is not a party to credit {lc_id}")
        return {k: v for k, v in lc.items() if k != "received"}

