"""Documentary credits (UCP 600, eUCP 2.0) as a state machine on the ledger.

The credit:   applied --issue--> issued --advise--> advised --(last drawing honoured)--> drawn --(paid)--> paid
              applied/issued/advised --cancel--> cancelled;  any live credit past its expiry --expire--> expired
Each presentation (drawing) under it:
              presenting --notice of completeness--> examined --honour--> honoured --payment settled--> paid
                                                        | refuse (in time)          ^
                                                        v                           |
                                                     refused --waive--> waived --honour

Who does what: the applicant (importer) applies and waives; the issuing bank issues, amends and
cancels; the advising bank advises; a bank the issuing bank names at issue (authorises or
requests) may confirm, and no other (art. 8); the beneficiary (exporter) answers amendments,
records shipments and presents. The issuing bank, the confirming bank and the nominated bank
(the advising bank when the credit is available with it) honour or refuse. Every step checks
the caller, and from issuance on the credit's key policy needs every bank on it.

Dates are those of the place of presentation (art. 33): the bank to which presentation is made
(the confirming bank, else the nominated bank, else the issuing bank), with its banking days as
the ledger records them (`bank_calendar`): an expiry date or last day for presentation on a day
it is closed moves to its next banking day (art. 29(a)) and the five days to examine are its
banking days (art. 14(b)).

The credit keeps its available balance: what it can still pay, the amount plus its tolerance
less what was honoured (art. 18(b), 30). Partial drawings are allowed unless the terms prohibit
them (art. 31), by instalments within periods when the terms say so (art. 32). Honour never pays
more than the balance nor in another currency, whatever was waived. A bank that gives no complete
refusal notice in time is precluded (art. 16(f)): honour becomes due, and the credit can then be
neither expired nor cancelled. A presentation that complies with a pending amendment accepts it
(art. 10(c)); any other presentation leaves it rejected, so no amendment stays pending.

Honour is a payment instruction (`payment_instruction.py`): the honouring bank pays the
beneficiary; a confirming or nominated bank that honours is reimbursed by the issuing bank (art.
7(c), 8(c)); the applicant reimburses the issuing bank. When the honouring bank reports the
payment settled, the drawing is paid and the bills of lading it holds pass, in that transaction,
to the applicant (or the issuing bank, if the terms say so). Bills deposited with the credit are
held under `title/<target_hash>` by the issuing bank while it examines.

The credit and the titles it holds record where the goods go (`countries`, from the ports of
loading and discharge in the current terms; see `contracts.jurisdiction`), so the customs of
both ends supervise them.
"""

from __future__ import annotations

from datetime import date
from typing import Any, get_args

from baobab.contracts.jurisdiction import from_ports
from baobab.contracts.payment_instruction import PaymentInstructions, instruct
from baobab.contracts.trade.bank_calendar import calendar_of
from baobab.contracts.trade.banking_days import BankingDays
from baobab.contracts.trade.common import bad_argument, check_ref, load_record, org_record, parse_date, reject
from baobab.contracts.trade.lc_documents import DOCUMENT_REASONS, MAX_DOCUMENTS, checked_fields, read_wrapped
from baobab.core.money import check_currency, format_amount
from baobab.contracts.trade.lc_examination import (
    UNREGISTERED, credit_limit, decision_deadline, drawing_of, examine, last_day,
)
from baobab.contracts.trade.lc_terms import amend_terms, check_terms
from baobab.contracts.records import ChargeKind, Credit, stored
from baobab.ledger.contract import ANY_MEMBER, PARTIES, Context, Contract, Reason, function

BANKS = {"role": "bank"}
CHARGE_KINDS = get_args(ChargeKind)
LIVE = ("issued", "advised")
OPEN = ("presenting", "examined", "waived")  # a presentation not yet decided
DRAWING = "/drawing/"


def _key(lc_id: str) -> str:
    return f"lc/{check_ref(lc_id, 'lc_id')}"


def _countries(lc: dict[str, Any]) -> dict[str, Any]:
    return from_ports(lc["terms"]["port_of_loading"], lc["terms"]["port_of_discharge"])


def presentation_bank(lc: dict[str, Any]) -> str:
    """The bank to which presentation is made, whose place and banking days count (art. 29, 33)."""
    p = lc["parties"]
    if lc["confirmed"]:
        return p["confirming_bank"]  # type: ignore[no-any-return]
    return p["advising_bank"] if lc["terms"]["available_with"] == "advising_bank" else p["issuing_bank"]  # type: ignore[no-any-return]


def available(lc: dict[str, Any]) -> int:
    """What the credit can still pay: its amount plus tolerance, less what was honoured (art. 18(b), 30)."""
    return credit_limit(lc["terms"]) - lc["drawn"]["minor"]  # type: ignore[no-any-return]


# The refusal of a caller who is not the party a step needs, by that party's role.
NOT_ROLE = {"advising_bank": "NOT_ADVISING_BANK", "applicant": "NOT_APPLICANT", "beneficiary": "NOT_BENEFICIARY",
            "issuing_bank": "NOT_ISSUING_BANK"}

class LetterOfCredit(PaymentInstructions, Contract):
    name = "letter_of_credit"
    reasons = {
        **DOCUMENT_REASONS,
        "ALREADY_CONFIRMED": Reason("conflict", "Already confirmed"),
        "AMENDMENT_PENDING": Reason("conflict", "An amendment awaits the beneficiary's answer"),
        "BL_NOT_REGISTERED": Reason("not_found", "The bill of lading is not on the registry"),
        "CALENDAR_MISSING": Reason("conflict", "The ledger holds no banking calendar for the place and year"),
        "CLAIM_CURRENCY": Reason("invalid", "The claim is in another currency: state the amount in the credit's"),
        "CONFIRMATION_NOT_AUTHORISED": Reason("forbidden", "The issuing bank did not authorise or request this bank to confirm (UCP 600 art. 8)"),
        "CONSENT_MISSING": Reason("forbidden", "A party's consent is missing"),
        "CREDIT_EXHAUSTED": Reason("conflict", "Nothing more can be drawn under the credit (UCP 600 art. 30, 31)"),
        "CREDIT_EXISTS": Reason("conflict", "The credit already exists"),
        "CREDIT_NOT_FOUND": Reason("not_found", "No such credit"),
        "DECISION_DEADLINE_PASSED": Reason("conflict", "The time to examine has passed (UCP 600 art. 14b, 16f)"),
        "DISCREPANCIES_NOT_WAIVED": Reason("conflict", "The discrepancies are not waived"),
        "EXPIRY_IN_PAST": Reason("invalid", "The expiry date is past"),
        "HONOUR_DUE": Reason("conflict", "Honour is due on a presentation under this credit (UCP 600 art. 15, 16f)"),
        "NOTHING_TO_WAIVE": Reason("conflict", "There are no discrepancies to waive"),
        "NOT_ADVISING_BANK": Reason("forbidden", "Only the advising bank may do this"),
        "NOT_APPLICANT": Reason("forbidden", "Only the applicant may do this"),
        "NOT_A_BANK": Reason("forbidden", "The organisation is not a bank"),
        "NOT_BENEFICIARY": Reason("forbidden", "Only the beneficiary may do this"),
        "NOT_CREDIT_BANK": Reason("forbidden", "Only a bank on the credit records charges under it"),
        "NOT_CONFIRMING_BANK": Reason("forbidden", "Only the confirming bank may do this"),
        "NOT_EXPIRED": Reason("conflict", "The credit has not expired"),
        "NOT_ISSUING_BANK": Reason("forbidden", "Only the issuing bank may do this"),
        "NO_PRESENTATION": Reason("conflict", "No presentation awaits this step"),
        "NO_SUCH_AMENDMENT": Reason("not_found", "No such amendment"),
        "OVER_AVAILABLE": Reason("conflict", "More than the credit's available balance (UCP 600 art. 18b, 30)"),
        "PRESENTATION_COMPLIANT": Reason("conflict", "The presentation complies; it cannot be refused"),
        "PRESENTATION_OPEN": Reason("conflict", "A presentation under the credit awaits its decision"),
        "UNKNOWN_ORG": Reason("invalid", "The organisation named is not an active member"),
    }

    # --- helpers ------------------------------------------------------------------------

    def _load(self, ctx: Context, lc_id: str, *states: str) -> dict[str, Any]:
        return load_record(ctx, _key(lc_id), f"credit {lc_id}", "CREDIT_NOT_FOUND", *states)

    def _must_be(self, ctx: Context, lc: dict[str, Any], *roles: str) -> str:
        for role in roles:
            if lc["parties"].get(role) == ctx.caller.org:
                return role
        reject(NOT_ROLE[roles[0]], f"only the {' or '.join(r.replace('_', ' ') for r in roles)} may do this",
               caller=ctx.caller.org)

    def _deciding_bank(self, ctx: Context, lc: dict[str, Any]) -> str:
        """The issuing bank, the confirming bank once it confirmed, or the nominated bank (art. 7, 8, 12)."""
        p, me = lc["parties"], ctx.caller.org
        if me == p["issuing_bank"] or (lc["confirmed"] and me == p["confirming_bank"]) \
                or (lc["terms"]["available_with"] == "advising_bank" and me == p["advising_bank"]):
            return me
        reject("NOT_ISSUING_BANK", "only the issuing bank, a confirming bank or the nominated bank decides on a presentation",
               caller=me)

    def _save(self, ctx: Context, lc: dict[str, Any], event: str, **payload: Any) -> dict[str, Any]:
        lc = {**lc, "countries": _countries(lc), "available": {"currency": lc["terms"]["amount"]["currency"],
                                                               "minor": max(available(lc), 0)},
              "history": lc["history"] + [{"event": event, "by": ctx.caller.org, "at": ctx.timestamp, "tx": ctx.tx_id}]}
        ctx.put(_key(lc["id"]), stored(Credit, lc, f"credit {lc['id']}"))  # the record's one schema (contracts/records.py)
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

    def _move_titles(self, ctx: Context, lc: dict[str, Any], titles: list[str], to: str, action: str) -> None:
        for th in titles:
            held = ctx.get(f"title/{th}")
            if held is None or held["holder"] == to:
                continue
            entry = {"action": action, "by": ctx.caller.org, "to": to, "at": ctx.timestamp, "tx": ctx.tx_id,
                     "escrow": f"letter_of_credit/{lc['id']}"}
            ctx.put(f"title/{th}", {**held, "holder": to, "history": held["history"] + [entry]})
            ctx.emit("title_transferred", {"lc_id": lc["id"], "target_hash": th, "from": held["holder"], "to": to})

    def _days(self, ctx: Context, lc: dict[str, Any]) -> BankingDays:
        return calendar_of(ctx, presentation_bank(lc))

    @staticmethod
    def _current(lc: dict[str, Any]) -> dict[str, Any] | None:
        return lc["presentations"][-1] if lc["presentations"] else None

    @staticmethod
    def _with(lc: dict[str, Any], presentation: dict[str, Any]) -> dict[str, Any]:
        """The credit with its presentation of the same number replaced."""
        n = presentation["number"]
        return {**lc, "presentations": lc["presentations"][:n - 1] + [presentation] + lc["presentations"][n:]}

    def _precluded(self, presentation: dict[str, Any], local_day: date) -> bool:
        """Art. 16(f): the time to refuse passed without a complete refusal notice."""
        return presentation["status"] == "examined" and local_day.isoformat() > presentation["examination"]["decision_due"]

    def _no_open_presentation(self, ctx: Context, lc: dict[str, Any]) -> None:
        """A credit with a presentation to decide cannot be expired or cancelled to escape it (art. 15, 16(f))."""
        current = self._current(lc)
        if current is None or current["status"] not in ("examined", "waived"):
            return
        local_day = self._days(ctx, lc).local_date(ctx.timestamp)
        if current["status"] == "waived" or not current["examination"]["discrepancies"] or self._precluded(current, local_day):
            reject("HONOUR_DUE", f"presentation {current['number']} must be honoured", presentation=current["number"])
        reject("PRESENTATION_OPEN", f"presentation {current['number']} must be honoured or refused first",
               presentation=current["number"])

    # --- application, issuance, advice, confirmation --------------------------------------

    @function(policy=BANKS, callers=ANY_MEMBER)
    def apply(self, ctx: Context, lc_id: str, beneficiary: str, issuing_bank: str, advising_bank: str,
              terms: dict[str, Any]) -> dict[str, Any]:
        """Called by: any member, which becomes the credit's applicant (it binds only itself; the
        issuing bank decides whether to issue)."""
        key = _key(lc_id)
        terms = check_terms(terms)
        applicant = ctx.caller.org
        for org in (issuing_bank, advising_bank):
            if "bank" not in org_record(ctx, org)["roles"]:
                reject("NOT_A_BANK", f"{org} is not a bank")
        org_record(ctx, beneficiary)
        if len({applicant, beneficiary, issuing_bank}) < 3 or advising_bank in (applicant, beneficiary):
            bad_argument("applicant, beneficiary and the banks must be different organisations")
        if ctx.get(key) is not None:
            reject("CREDIT_EXISTS", f"credit {lc_id} already exists")
        lc = {"id": lc_id, "status": "applied", "terms": terms, "applied_terms": terms,
              "parties": {"applicant": applicant, "beneficiary": beneficiary, "issuing_bank": issuing_bank,
                          "advising_bank": advising_bank, "confirming_bank": None},
              "confirmed": False, "amendments": [], "history": [], "titles": [], "shipments": [], "presentations": [],
              "drawn": {"currency": terms["amount"]["currency"], "minor": 0, "quantity": 0, "instalments": []}}
        ctx.set_key_policy(key, {"orgs": [issuing_bank]})
        return self._save(ctx, lc, "lc_applied", applicant=applicant, issuing_bank=issuing_bank)

    @function(policy=BANKS, callers=PARTIES)
    def issue(self, ctx: Context, lc_id: str, terms: dict[str, Any] | None = None,
              confirming_bank: str | None = None) -> dict[str, Any]:
        """Called by: the issuing bank named in the application. Issues on the applied terms, or on terms it
        agreed with the applicant; `confirming_bank` is the bank it authorises or requests to confirm (art. 8)."""
        lc = self._load(ctx, lc_id, "applied")
        self._must_be(ctx, lc, "issuing_bank")
        terms = check_terms(terms) if terms is not None else lc["terms"]
        if parse_date(terms["expiry_date"], "expiry_date") < date.fromisoformat(ctx.timestamp[:10]):
            reject("EXPIRY_IN_PAST", "a credit cannot be issued with an expiry date in the past")
        parties = dict(lc["parties"])
        if confirming_bank is not None:
            if "bank" not in org_record(ctx, confirming_bank)["roles"] \
                    or confirming_bank in (parties["issuing_bank"], parties["beneficiary"], parties["applicant"]):
                bad_argument(f"{confirming_bank} cannot confirm this credit")
            parties["confirming_bank"] = confirming_bank
        names = {role: org_record(ctx, parties[role])["name"] for role in ("applicant", "beneficiary")}
        lc = {**lc, "status": "issued", "terms": terms, "parties": parties, "names": names, "issued_at": ctx.timestamp,
              "drawn": {**lc["drawn"], "currency": terms["amount"]["currency"]}}
        self._guard_keys(ctx, lc)
        return self._save(ctx, lc, "lc_issued", amount=terms["amount"], beneficiary=parties["beneficiary"])

    @function(policy=BANKS, callers=PARTIES)
    def advise(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        """Called by: the advising bank of the credit."""
        lc = self._load(ctx, lc_id, "issued")
        self._must_be(ctx, lc, "advising_bank")
        return self._save(ctx, {**lc, "status": "advised", "advised_at": ctx.timestamp}, "lc_advised",
                          beneficiary=lc["parties"]["beneficiary"])

    @function(policy=BANKS, callers=PARTIES)
    def confirm(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        """Called by: the bank the issuing bank authorised or requested to confirm at issue, and no other
        (art. 8). It adds its own undertaking to honour."""
        lc = self._load(ctx, lc_id, *LIVE)
        if lc["parties"]["confirming_bank"] != ctx.caller.org:
            reject("CONFIRMATION_NOT_AUTHORISED", f"the issuing bank did not authorise or request {ctx.caller.org} to confirm",
                   caller=ctx.caller.org)
        if lc["confirmed"]:
            reject("ALREADY_CONFIRMED", "the credit is already confirmed")
        self._no_open_presentation(ctx, lc)
        if self._current(lc) is not None and self._current(lc)["status"] == "presenting":  # type: ignore[index]
            reject("PRESENTATION_OPEN", "documents are being presented; confirm before or after")
        lc = {**lc, "confirmed": True}
        self._guard_keys(ctx, lc)
        return self._save(ctx, lc, "lc_confirmed", confirming_bank=ctx.caller.org)

    # --- amendments: binding on the beneficiary only once it accepts (art. 10) -------------

    @function(policy=BANKS, callers=PARTIES)
    def amend(self, ctx: Context, lc_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Called by: the issuing bank. Proposes an amendment; it binds once the beneficiary accepts it."""
        lc = self._load(ctx, lc_id, *LIVE)
        self._must_be(ctx, lc, "issuing_bank")
        if any(a["status"] == "pending" for a in lc["amendments"]):
            reject("AMENDMENT_PENDING", "the previous amendment awaits the beneficiary's answer")
        amended = amend_terms(lc["terms"], changes)  # well formed now; re-applied on acceptance
        if lc["drawn"]["minor"] and amended["amount"]["currency"] != lc["terms"]["amount"]["currency"]:
            bad_argument("a credit already drawn on cannot change currency")
        number = len(lc["amendments"]) + 1
        amendment = {"number": number, "changes": changes, "status": "pending", "proposed_at": ctx.timestamp}
        return self._save(ctx, {**lc, "amendments": lc["amendments"] + [amendment]}, "lc_amendment_proposed",
                          number=number)

    def _answered(self, ctx: Context, lc: dict[str, Any], number: int, accept: bool, how: str) -> dict[str, Any]:
        """The credit with amendment `number` accepted (its terms applied) or rejected."""
        amendments = list(lc["amendments"])
        amendment = amendments[number - 1]
        terms = amend_terms(lc["terms"], amendment["changes"]) if accept else lc["terms"]
        amendments[number - 1] = {**amendment, "status": "accepted" if accept else "rejected", "answered_at": ctx.timestamp,
                                  "how": how}
        return {**lc, "terms": terms, "amendments": amendments, "drawn": {**lc["drawn"], "currency": terms["amount"]["currency"]}}

    def _answer(self, ctx: Context, lc_id: str, number: int, accept: bool) -> dict[str, Any]:
        lc = self._load(ctx, lc_id, *LIVE)
        self._must_be(ctx, lc, "beneficiary")
        amendments = lc["amendments"]
        if not 1 <= number <= len(amendments) or amendments[number - 1]["status"] != "pending":
            reject("NO_SUCH_AMENDMENT", f"amendment {number} is not pending")
        lc = self._answered(ctx, lc, number, accept, "notified")
        if accept and parse_date(lc["terms"]["expiry_date"], "expiry_date") < date.fromisoformat(ctx.timestamp[:10]):
            reject("EXPIRY_IN_PAST", "the amended expiry date has passed")
        if accept and available(lc) < 0:
            reject("OVER_AVAILABLE", "the amended amount is below what was already honoured")
        event = "lc_amendment_accepted" if accept else "lc_amendment_rejected"
        return self._save(ctx, lc, event, number=number)

    @function(policy=BANKS, callers=PARTIES)
    def accept_amendment(self, ctx: Context, lc_id: str, number: int) -> dict[str, Any]:
        """Called by: the beneficiary."""
        return self._answer(ctx, lc_id, number, True)

    @function(policy=BANKS, callers=PARTIES)
    def reject_amendment(self, ctx: Context, lc_id: str, number: int) -> dict[str, Any]:
        """Called by: the beneficiary."""
        return self._answer(ctx, lc_id, number, False)

    # --- shipment and presentation ----------------------------------------------------------

    def _registry(self, ctx: Context, target_hash: str) -> dict[str, Any] | None:
        return ctx.read("documents", f"doc/{target_hash}")

    @function(policy=BANKS, callers=PARTIES)
    def ship(self, ctx: Context, lc_id: str, bill_of_lading: str) -> dict[str, Any]:
        """Called by: the beneficiary. Reports a shipment under the credit, naming its registered transport document."""
        lc = self._load(ctx, lc_id, *LIVE)
        self._must_be(ctx, lc, "beneficiary")
        record = self._registry(ctx, bill_of_lading) if len(bill_of_lading) == 64 else None
        if record is None or record["doc_type"] != "bill_of_lading" or record["status"] != "issued":
            reject("BL_NOT_REGISTERED", "the bill of lading is not an issued, unrevoked document in the registry")
        shipment = {"bill_of_lading": bill_of_lading, "carrier": record["issuer"], "reported_at": ctx.timestamp}
        return self._save(ctx, {**lc, "shipments": lc["shipments"] + [shipment]}, "lc_shipped", bill_of_lading=bill_of_lading)

    @function(policy=BANKS, callers=PARTIES)
    def present(self, ctx: Context, lc_id: str, documents: list[dict[str, Any]], complete: bool = True) -> dict[str, Any]:
        """Called by: the beneficiary. Presents documents; `complete` is the notice of completeness (eUCP e5)
        that starts examination. A presentation may come in parts (complete=false); the parts wait on the
        credit until the notice arrives. Each presentation is a drawing; a new one may follow once the
        previous is decided, up to the credit's available balance (art. 31)."""
        lc = self._load(ctx, lc_id, "advised")
        self._must_be(ctx, lc, "beneficiary")
        current = self._current(lc)
        if current is not None and current["status"] in ("examined", "waived"):
            reject("PRESENTATION_OPEN", f"presentation {current['number']} awaits its decision")
        if current is not None and current["status"] == "presenting":
            presentation = current
        else:
            if available(lc) <= 0:
                reject("CREDIT_EXHAUSTED", "the credit's amount is drawn")
            presentation = {"number": len(lc["presentations"]) + 1, "status": "presenting", "received": [],
                            "started_at": ctx.timestamp}
            if current is not None and current["status"] == "refused":  # a new presentation ends the old one
                self._move_titles(ctx, lc, current.get("titles", []), lc["parties"]["beneficiary"], "returned_after_refusal")
                lc = self._with(lc, {**current, "superseded_by": presentation["number"]})
            lc = {**lc, "presentations": lc["presentations"] + [presentation]}
        received = presentation["received"] + documents
        if not received or len(received) > MAX_DOCUMENTS:
            bad_argument(f"a presentation has 1 to {MAX_DOCUMENTS} documents")
        for wrapped in documents:
            read_wrapped(wrapped)  # refuse malformed documents before anything is stored
        presentation = {**presentation, "received": received}
        if not complete:
            return self._save(ctx, self._with(lc, presentation), "lc_documents_received",
                              presentation=presentation["number"], count=len(documents))
        return self._examine(ctx, lc, presentation)

    @function(policy=BANKS, callers=PARTIES)
    def notify_complete(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        """Called by: the beneficiary. The notice of completeness of a presentation sent in parts."""
        lc = self._load(ctx, lc_id, "advised")
        self._must_be(ctx, lc, "beneficiary")
        current = self._current(lc)
        if current is None or current["status"] != "presenting":
            reject("NO_PRESENTATION", "no presentation is being received")
        return self._examine(ctx, lc, current)

    def _read(self, ctx: Context, lc: dict[str, Any], received: list[Any]) -> tuple[list[Any], list[Any], list[str]]:
        presented, listed, titles = [], [], []
        # a bill already standing for an earlier drawing that was not refused cannot stand for this one
        busy = {th for p in lc["presentations"][:-1] if p["status"] != "refused" for th in p.get("titles", [])}
        for wrapped in received:
            doc = read_wrapped(wrapped)
            record = self._registry(ctx, doc["target_hash"])
            issued = record is not None and record["merkle_root"] == doc["merkle_root"]
            doc_type = record["doc_type"] if record is not None else UNREGISTERED
            title = (record or {}).get("title") or {}
            escrow = title.get("escrow") or {}
            held = title.get("state") == "active" and escrow.get("contract") == self.name and escrow.get("ref") == lc["id"] \
                and doc["target_hash"] not in busy
            data = checked_fields(doc_type, doc["data"]) if doc["intact"] and issued else None
            issuer = record["issuer"] if record is not None else None
            presented.append({"doc_type": doc_type, "issuer": issuer, "intact": doc["intact"], "issued": issued,
                              "revoked": issued and record["status"] == "revoked", "data": data, "title_held": held,
                              "issuer_roles": org_record(ctx, issuer)["roles"] if issuer else []})
            listed.append({"doc_type": doc_type, "target_hash": doc["target_hash"], "issuer": issuer})
            if held and doc["target_hash"] not in titles:
                titles.append(doc["target_hash"])
        return presented, listed, titles

    def _discrepancies(self, lc: dict[str, Any], terms: dict[str, Any], presented: list[Any], on: date,
                       days: BankingDays) -> list[dict[str, Any]]:
        credit = {"terms": terms, "beneficiary": lc["parties"]["beneficiary"], "applicant_name": lc["names"]["applicant"],
                  "beneficiary_name": lc["names"]["beneficiary"], "available": credit_limit(terms) - lc["drawn"]["minor"],
                  "drawn_quantity": lc["drawn"]["quantity"], "drawn_instalments": lc["drawn"]["instalments"]}
        return examine(credit, presented, on, days)

    def _examine(self, ctx: Context, lc: dict[str, Any], presentation: dict[str, Any]) -> dict[str, Any]:
        presented, listed, titles = self._read(ctx, lc, presentation["received"])
        days = self._days(ctx, lc)
        on = days.local_date(ctx.timestamp)
        discrepancies = self._discrepancies(lc, lc["terms"], presented, on, days)
        pending = next((a for a in lc["amendments"] if a["status"] == "pending"), None)
        if pending is not None:  # art. 10(c): complying with the amendment accepts it; otherwise it is rejected
            amended = amend_terms(lc["terms"], pending["changes"])
            with_amendment = self._discrepancies(lc, amended, presented, on, days)
            accept = not with_amendment and credit_limit(amended) >= lc["drawn"]["minor"]
            lc = self._answered(ctx, lc, pending["number"], accept, f"presentation {presentation['number']}")
            if accept:
                discrepancies = with_amendment
        examination = {"notice_of_completeness": ctx.timestamp, "presented_on": on.isoformat(), "place": days.place,
                       "decision_due": decision_deadline(on, days).isoformat(), "documents": listed,
                       "discrepancies": discrepancies, **drawing_of(lc["terms"], presented)}
        bank = lc["parties"]["issuing_bank"]
        for th in titles:  # the banks hold the bill while they examine and pay (again, if it is presented anew)
            before = ctx.get(f"title/{th}")
            ctx.put(f"title/{th}", {"holder": bank, "lc_id": lc["id"], "countries": _countries(lc), "history": (
                before["history"] if before else []) + [
                {"action": "presented", "by": lc["parties"]["beneficiary"], "to": bank, "at": ctx.timestamp,
                 "tx": ctx.tx_id, "escrow": f"letter_of_credit/{lc['id']}"}]})
        presentation = {**{k: v for k, v in presentation.items() if k != "received"}, "status": "examined",
                        "examination": examination, "titles": titles}
        lc = {**self._with(lc, presentation), "titles": lc["titles"] + [th for th in titles if th not in lc["titles"]]}
        self._guard_keys(ctx, lc)
        return self._save(ctx, lc, "lc_examined", presentation=presentation["number"], compliant=not discrepancies,
                          codes=[d["code"] for d in discrepancies], decision_due=examination["decision_due"])

    # --- decision: honour or refuse, waiver ----------------------------------------------------

    def _deciding(self, lc: dict[str, Any], *states: str) -> dict[str, Any]:
        current = self._current(lc)
        if current is None or current["status"] not in states:
            reject("NO_PRESENTATION", f"no presentation is {' or '.join(states)}")
        return current

    @function(policy=BANKS, callers=PARTIES)
    def refuse(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        """Called by: the issuing bank, the confirming bank or the nominated bank, within five banking days
        of the presentation. The single notice of refusal lists every discrepancy (art. 16(c)); documents
        are held pending the applicant's waiver (art. 16(c)(iii)(b))."""
        lc = self._load(ctx, lc_id, "advised")
        self._deciding_bank(ctx, lc)
        current = self._deciding(lc, "examined")
        exam = current["examination"]
        if not exam["discrepancies"]:
            reject("PRESENTATION_COMPLIANT", "a complying presentation must be honoured (art. 15)")
        if self._precluded(current, self._days(ctx, lc).local_date(ctx.timestamp)):
            reject("DECISION_DEADLINE_PASSED", f"refusal was due by {exam['decision_due']}; the bank is precluded (art. 16(f))")
        notice = {"by": ctx.caller.org, "at": ctx.timestamp, "discrepancies": exam["discrepancies"],
                  "documents": "held pending the applicant's waiver"}
        lc = self._with(lc, {**current, "status": "refused", "refusal": notice})
        return self._save(ctx, lc, "lc_refused", presentation=current["number"],
                          codes=[d["code"] for d in exam["discrepancies"]], beneficiary=lc["parties"]["beneficiary"])

    @function(policy=BANKS, callers=PARTIES)
    def waive(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        """Called by: the applicant. Waives the discrepancies of the presentation under examination or refused."""
        lc = self._load(ctx, lc_id, "advised")
        self._must_be(ctx, lc, "applicant")
        current = self._deciding(lc, "examined", "refused")
        codes = [d["code"] for d in current["examination"]["discrepancies"]]
        if not codes:
            reject("NOTHING_TO_WAIVE", "the presentation has no discrepancies")
        lc = self._with(lc, {**current, "status": "waived", "waiver": {"at": ctx.timestamp, "codes": codes}})
        return self._save(ctx, lc, "lc_discrepancies_waived", presentation=current["number"], codes=codes)

    @function(policy=BANKS, callers=PARTIES)
    def honour(self, ctx: Context, lc_id: str, amount: int | None = None) -> dict[str, Any]:
        """Called by: the issuing bank, the confirming bank or the nominated bank. Honours a complying,
        waived or precluded presentation (art. 15, 16(f)) for the claim, capped at the available balance, in
        the credit's currency (`amount`, in its minor units, when the claim is in another). Records the
        payment instructions: the bank to the beneficiary; the issuing bank to a confirming or nominated bank
        that honoured (art. 7(c), 8(c)); the applicant to the issuing bank."""
        lc = self._load(ctx, lc_id, "advised")
        bank = self._deciding_bank(ctx, lc)
        current = self._deciding(lc, "examined", "waived")
        exam = current["examination"]
        local_day = self._days(ctx, lc).local_date(ctx.timestamp)
        if current["status"] == "examined" and exam["discrepancies"] and not self._precluded(current, local_day):
            reject("DISCREPANCIES_NOT_WAIVED", "the presentation is discrepant; refuse it or obtain the applicant's waiver")
        currency, left = lc["terms"]["amount"]["currency"], available(lc)
        claim = exam["claim"]
        if amount is None:
            if claim is None or claim["currency"] != currency:
                reject("CLAIM_CURRENCY", f"state the amount to honour in {currency}")
            amount = min(claim["minor"], left)
        elif isinstance(amount, bool) or amount < 1 or (claim and claim["currency"] == currency and amount > claim["minor"]):
            bad_argument("amount is a positive number of minor units, at most the claim")
        if amount > left or amount < 1:
            reject("OVER_AVAILABLE", f"the credit can pay at most {format_amount({'currency': currency, 'minor': left})}",
                   available=left)
        p, n, due = lc["parties"], current["number"], local_day.isoformat()
        money = {"currency": currency, "minor": amount}
        obligation = f"{lc['id']}{DRAWING}{n}"
        instruct(ctx, obligation=obligation, payer=bank, payee=p["beneficiary"], amount=money, due=due)
        obligations = [obligation]
        if bank != p["issuing_bank"]:  # the issuing bank reimburses the bank that honoured for it
            instruct(ctx, obligation=f"{obligation}/reimbursement", payer=p["issuing_bank"], payee=bank, amount=money, due=due)
            obligations.append(f"{obligation}/reimbursement")
        instruct(ctx, obligation=f"{obligation}/applicant", payer=p["applicant"], payee=p["issuing_bank"], amount=money, due=due)
        obligations.append(f"{obligation}/applicant")
        honour = {"by": bank, "at": ctx.timestamp, "amount": money, "claimed": claim, "obligations": obligations,
                  "precluded": current["status"] == "examined" and bool(exam["discrepancies"])}
        drawn = lc["drawn"]
        drawn = {**drawn, "minor": drawn["minor"] + amount, "quantity": drawn["quantity"] + (exam["quantity"] or 0),
                 "instalments": drawn["instalments"] + ([exam["instalment"]] if exam["instalment"] is not None else [])}
        lc = {**self._with(lc, {**current, "status": "honoured", "honour": honour}), "drawn": drawn}
        instalments = lc["terms"]["instalments"]
        if available(lc) <= 0 or not lc["terms"]["partial_shipments"] or (instalments and len(drawn["instalments"]) >= len(instalments)):
            lc = {**lc, "status": "drawn"}
        return self._save(ctx, lc, "lc_honoured", presentation=n, amount=money, obligation=obligation)

    def on_payment_settled(self, ctx: Context, instruction: dict[str, Any]) -> None:
        """The beneficiary is paid: the drawing is paid and its bills pass to the applicant (or the issuing bank)."""
        lc_id, sep, n = instruction["obligation"].rpartition(DRAWING)
        if not sep or not n.isdigit():
            return  # a reimbursement: the credit's own record does not move
        lc = self._load(ctx, lc_id)
        presentation = lc["presentations"][int(n) - 1]
        to = lc["parties"]["applicant"] if lc["terms"]["title_to"] == "applicant" else lc["parties"]["issuing_bank"]
        self._move_titles(ctx, lc, presentation["titles"], to, "released_on_payment")
        lc = self._with(lc, {**presentation, "status": "paid", "paid_at": ctx.timestamp,
                             "settlement": instruction["settlement"]})
        if lc["status"] == "drawn" and all(p["status"] in ("paid", "refused") for p in lc["presentations"]):
            lc = {**lc, "status": "paid"}
        self._save(ctx, lc, "lc_paid", presentation=presentation["number"], title_to=to,
                   settlement_ref=instruction["settlement"]["reference"])

    def on_payment_failed(self, ctx: Context, instruction: dict[str, Any]) -> None:
        """The payment failed: honour stays due; the failure is on the drawing for the banks to act on."""
        lc_id, sep, n = instruction["obligation"].rpartition(DRAWING)
        if sep and n.isdigit():
            lc = self._load(ctx, lc_id)
            presentation = lc["presentations"][int(n) - 1]
            self._save(ctx, self._with(lc, {**presentation, "payment_failure": instruction["failure"]}),
                       "lc_payment_failed", presentation=presentation["number"])

    # --- charges ---------------------------------------------------------------------------------

    @function(policy=BANKS, callers=PARTIES)
    def charge(self, ctx: Context, lc_id: str, kind: str, amount: dict[str, Any]) -> dict[str, Any]:
        """Called by: a bank on the credit (issuing, advising, or confirming once it confirmed). Records a
        charge it takes for its part (commission for issuance or confirmation, advising, amendment,
        discrepancy fee...), so the credit shows what it cost; the charge is collected between the bank and
        its customer, not drawn under the credit."""
        lc = self._load(ctx, lc_id, *LIVE, "drawn", "paid", "expired", "cancelled")
        if ctx.caller.org not in self._banks(lc):
            reject("NOT_CREDIT_BANK", f"{ctx.caller.org} is not a bank on credit {lc_id}", caller=ctx.caller.org)
        if kind not in CHARGE_KINDS:
            bad_argument(f"kind is one of {', '.join(CHARGE_KINDS)}")
        if not isinstance(amount, dict) or set(amount) != {"currency", "minor"} \
                or not isinstance(amount["minor"], int) or isinstance(amount["minor"], bool) or not 1 <= amount["minor"] <= 10**15:
            bad_argument("amount is {currency: ISO 4217 code, minor: positive integer minor units}")
        check_currency(amount["currency"])
        fee = {"bank": ctx.caller.org, "kind": kind, "currency": amount["currency"], "minor": amount["minor"],
               "at": ctx.timestamp}
        return self._save(ctx, {**lc, "fees": lc.get("fees", []) + [fee]}, "lc_charge_recorded", kind=kind,
                          amount={"currency": fee["currency"], "minor": fee["minor"]})

    # --- end of life ----------------------------------------------------------------------------

    @function(policy=BANKS, callers=PARTIES)
    def expire(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        """Called by: the issuing bank, after the expiry date (moved to the next banking day at the place of
        presentation, art. 29(a)). Refused while a presentation awaits its decision or honour is due. An
        incomplete presentation is deemed not made (eUCP e5); held bills go back to the beneficiary."""
        lc = self._load(ctx, lc_id, *LIVE)
        self._must_be(ctx, lc, "issuing_bank")
        days = self._days(ctx, lc)
        expiry = last_day(date.fromisoformat(lc["terms"]["expiry_date"]), days)
        if days.local_date(ctx.timestamp) <= expiry:
            reject("NOT_EXPIRED", f"the credit is valid until {expiry.isoformat()} at {days.place}")
        self._no_open_presentation(ctx, lc)
        current = self._current(lc)
        if current is not None and current["status"] == "presenting":
            lc = self._with(lc, {**{k: v for k, v in current.items() if k != "received"}, "status": "refused",
                                 "refusal": {"by": ctx.caller.org, "at": ctx.timestamp,
                                             "reason": "no notice of completeness before expiry (eUCP e5)"}})
        held = [th for p in lc["presentations"] if p["status"] == "refused" for th in p.get("titles", [])]
        self._move_titles(ctx, lc, held, lc["parties"]["beneficiary"], "returned_on_expiry")
        return self._save(ctx, {**lc, "status": "expired"}, "lc_expired")

    @function(policy=BANKS, callers=PARTIES)
    def consent_cancellation(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        """Called by: the beneficiary, or the confirming bank once it confirmed. An irrevocable credit is
        cancelled only with their consent (art. 10(a))."""
        lc = self._load(ctx, lc_id, *LIVE)
        role = self._must_be(ctx, lc, "beneficiary", "confirming_bank")
        if role == "confirming_bank" and not lc["confirmed"]:
            reject("NOT_BENEFICIARY", "only the beneficiary or a confirming bank consents to cancellation")
        consents = sorted(set(lc.get("cancellation_consents", [])) | {ctx.caller.org})
        return self._save(ctx, {**lc, "cancellation_consents": consents}, "lc_cancellation_consented")

    @function(policy=BANKS, callers=PARTIES)
    def cancel(self, ctx: Context, lc_id: str, reason: str) -> dict[str, Any]:
        """Called by: the applicant or the issuing bank before issuance (withdrawn or declined); after it,
        the issuing bank with the beneficiary's (and a confirming bank's) consent, and never while a
        presentation awaits its decision or honour is due."""
        lc = self._load(ctx, lc_id, "applied", *LIVE)
        if lc["status"] == "applied":
            self._must_be(ctx, lc, "applicant", "issuing_bank")  # withdrawn or declined
        else:
            self._must_be(ctx, lc, "issuing_bank")
            needed = {lc["parties"]["beneficiary"]} | ({lc["parties"]["confirming_bank"]} if lc["confirmed"] else set())
            missing = sorted(needed - set(lc.get("cancellation_consents", [])))
            if missing:
                reject("CONSENT_MISSING", f"an irrevocable credit needs the consent of {', '.join(missing)}", missing=missing)
            self._no_open_presentation(ctx, lc)
            current = self._current(lc)
            if current is not None and current["status"] == "presenting":
                reject("PRESENTATION_OPEN", "documents are being presented under the credit")
        if not reason.strip() or len(reason) > 500:
            bad_argument("a cancellation needs a reason of 1-500 characters")
        held = [th for p in lc["presentations"] if p["status"] == "refused" for th in p.get("titles", [])]
        self._move_titles(ctx, lc, held, lc["parties"]["beneficiary"], "returned_on_cancellation")
        return self._save(ctx, {**lc, "status": "cancelled", "cancel_reason": reason}, "lc_cancelled")

    # --- reads ------------------------------------------------------------------------------------

    @function(query=True, callers=ANY_MEMBER)
    def mine(self, ctx: Context, status: str = "") -> list[dict[str, Any]]:
        """Called by: any member: the credits it is a party to (in one status, if given), each as
        `get` shows it, with the caller's roles on it."""
        out = []
        for _, lc in ctx.range("lc/"):
            if not isinstance(lc, dict) or not isinstance(lc.get("parties"), dict):
                continue
            roles = sorted(role for role, org in lc["parties"].items() if org == ctx.caller.org)
            if roles and (not status or lc["status"] == status):
                out.append({**lc, "my_roles": roles, "presentations": [
                    {k: v for k, v in p.items() if k != "received"} for p in lc["presentations"]]})
        return out

    @function(query=True, callers=PARTIES)
    def get(self, ctx: Context, lc_id: str) -> dict[str, Any]:
        """Called by: the credit's parties only (applicant, beneficiary and its banks)."""
        lc = self._load(ctx, lc_id)
        ctx.require_party(_key(lc_id), lc["parties"].values(), f"{ctx.caller.org} is not a party to credit {lc_id}")
        return {**lc, "presentations": [{k: v for k, v in p.items() if k != "received"} for p in lc["presentations"]]}
