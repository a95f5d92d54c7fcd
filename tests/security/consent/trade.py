"""Consent scenarios of the trade contracts: documents, bank calendars, letters of credit, payment undertakings.

The organisations are the soybeans story's (applicant KL-FOODS, beneficiary PAMPA-AGRO, issuing bank
KLTB, advising bank BPLATA, carrier SOUTHSEAS) and the flowers story's for undertakings (buyer
RTM-FLORA, seller NAIVASHA, bank KCBANK).
"""

from __future__ import annotations

import secrets
from datetime import date, datetime, timedelta, timezone
from typing import Any

from baobab import calendars
from baobab.stories import StoryReport
from baobab.stories import soybeans as soy
from baobab.stories.embedded import embedded_actors
from baobab.stories.trade_kit import issue_document, target
from tests.security.consent.framework import Case, Scenarios, World

SCENARIOS = Scenarios()
LC, DOCS, CAL, PU = "letter_of_credit", "documents", "bank_calendar", "payment_undertaking"
APPLICANT, BENEFICIARY, ISSUING, ADVISING, CARRIER = soy.APPLICANT, soy.BENEFICIARY, soy.ISSUING, soy.ADVISING, soy.CARRIER
BUYER, SELLER, BANK = "RTM-FLORA", "NAIVASHA", "KCBANK"


def _actors(world: World) -> Any:
    """The story helpers' actors on the world's node; the banks' calendars published once."""
    actors = getattr(world, "_trade_actors", None)
    if actors is None:
        actors = embedded_actors(world.node, world.root)
        soy.load_calendars(actors)
        world._trade_actors = actors  # type: ignore[attr-defined]
    return actors


def _hex() -> str:
    return secrets.token_hex(32)


def _record(world: World, issuer: str = BENEFICIARY) -> str:
    """A document anchored by `issuer`; its target hash."""
    th = _hex()
    world.ok(issuer, DOCS, "issue", {"target_hash": th, "merkle_root": _hex(), "doc_type": "packing_list"})
    return th


def _bill(world: World, holder: str = BENEFICIARY) -> str:
    """A transferable bill of lading issued by the carrier to `holder`."""
    th = _hex()
    world.ok(CARRIER, DOCS, "issue", {"target_hash": th, "merkle_root": _hex(), "doc_type": "bill_of_lading",
                                      "transferable": True, "holder": holder})
    return th


def _credit(world: World, *, advise: bool = True, confirming_bank: str | None = None, **terms: Any) -> str:
    """A credit applied for, issued (and advised); its id."""
    _actors(world)
    lc_id = world.unique("LC-CONSENT")
    world.ok(APPLICANT, LC, "apply", {"lc_id": lc_id, "beneficiary": BENEFICIARY, "issuing_bank": ISSUING,
                                      "advising_bank": ADVISING, "terms": {**soy.credit_terms(soy.today()), **terms}})
    world.ok(ISSUING, LC, "issue", {"lc_id": lc_id, **({"confirming_bank": confirming_bank} if confirming_bank else {})})
    if advise:
        world.ok(ADVISING, LC, "advise", {"lc_id": lc_id})
    return lc_id


def _documents(world: World, lc_id: str, shipped: date | None = None) -> list[dict[str, Any]]:
    """The shipment's five documents issued, the bill shipped and deposited with the credit; the wrapped documents."""
    actors = _actors(world)
    data = soy.document_data(lc_id, shipped or soy.today() - timedelta(days=1))
    wrapped = {t: issue_document(actors(soy.ISSUERS[t]), t, d, soy.READERS, StoryReport(),
                                 **({"transferable": True, "holder": BENEFICIARY} if t == "bill_of_lading" else {}))
               for t, d in data.items()}
    bl = target(wrapped["bill_of_lading"])
    world.ok(BENEFICIARY, LC, "ship", {"lc_id": lc_id, "bill_of_lading": bl})
    world.ok(BENEFICIARY, DOCS, "deposit", {"target_hash": bl, "contract": LC, "ref": lc_id})
    return list(wrapped.values())


def _presented(world: World, *, discrepant: bool = False) -> str:
    """A credit with a presentation under examination (late shipment if `discrepant`)."""
    on = soy.today()
    terms = {"latest_shipment_date": (on - timedelta(days=5)).isoformat()} if discrepant else {}
    lc_id = _credit(world, **terms)
    docs = _documents(world, lc_id, on - timedelta(days=3) if discrepant else None)
    world.ok(BENEFICIARY, LC, "present", {"lc_id": lc_id, "documents": docs})
    return lc_id


def _honoured(world: World) -> str:
    lc_id = _presented(world)
    world.ok(ISSUING, LC, "honour", {"lc_id": lc_id})
    return lc_id


# --- bank calendars ----------------------------------------------------------------------------

@SCENARIOS.add("bank_calendar.publish")
def publish(world: World) -> Case:
    _actors(world)
    publishers = [o for o, r in world.orgs.items() if {"bank", "regulator"} & set(r["roles"])]
    return Case(calendars.country_year("MY", soy.today().year), callers=[ISSUING, *publishers])


@SCENARIOS.add("bank_calendar.record_closure")
def record_closure(world: World) -> Case:
    year = soy.today().year + 2  # a bank records its own closures, in advance
    return Case({"year": year, "days": [f"{year}-06-15"]}, callers=[o for o, r in world.orgs.items() if "bank" in r["roles"]])


@SCENARIOS.add("bank_calendar.calendar")
def calendar(world: World) -> Case:
    _actors(world)
    return Case.any_member({"country": "MY", "year": soy.today().year}, APPLICANT)


@SCENARIOS.add("bank_calendar.closures")
def closures(world: World) -> Case:
    return Case.any_member({"bank": ISSUING, "year": soy.today().year}, APPLICANT)


# --- documents ---------------------------------------------------------------------------------

@SCENARIOS.add("documents.issue")
def doc_issue(world: World) -> Case:
    return Case.any_member({"target_hash": _hex(), "merkle_root": _hex(), "doc_type": "commercial_invoice"}, BENEFICIARY)


@SCENARIOS.add("documents.revoke")
def doc_revoke(world: World) -> Case:
    return Case({"target_hash": _record(world), "reason": "issued in error"}, callers=[BENEFICIARY])


@SCENARIOS.add("documents.grant")
def doc_grant(world: World) -> Case:
    return Case({"target_hash": _record(world), "orgs": ["MY-CUSTOMS"]}, callers=[BENEFICIARY])


@SCENARIOS.add("documents.endorse")
def doc_endorse(world: World) -> Case:
    return Case({"target_hash": _bill(world), "to": APPLICANT}, callers=[BENEFICIARY])


@SCENARIOS.add("documents.surrender")
def doc_surrender(world: World) -> Case:
    return Case({"target_hash": _bill(world)}, callers=[BENEFICIARY])


@SCENARIOS.add("documents.accomplish")
def doc_accomplish(world: World) -> Case:
    th = _bill(world)
    world.ok(BENEFICIARY, DOCS, "surrender", {"target_hash": th})
    return Case({"target_hash": th}, callers=[CARRIER])


@SCENARIOS.add("documents.deposit")
def doc_deposit(world: World) -> Case:
    return Case({"target_hash": _bill(world), "contract": LC, "ref": world.unique("LC-ESCROW")}, callers=[BENEFICIARY])


@SCENARIOS.add("documents.status")
def doc_status(world: World) -> Case:
    return Case.any_member({"target_hash": _record(world)}, APPLICANT)


@SCENARIOS.add("documents.access")
def doc_access(world: World) -> Case:
    return Case.any_member({"target_hash": _record(world)}, APPLICANT)


# --- letters of credit -------------------------------------------------------------------------

@SCENARIOS.add("letter_of_credit.apply")
def lc_apply(world: World) -> Case:
    _actors(world)
    return Case.any_member({"lc_id": world.unique("LC-CONSENT"), "beneficiary": BENEFICIARY, "issuing_bank": ISSUING,
                            "advising_bank": ADVISING, "terms": soy.credit_terms(soy.today())}, APPLICANT)


@SCENARIOS.add("letter_of_credit.mine")
def lc_mine(world: World) -> Case:
    return Case.any_member({}, APPLICANT)  # every member lists the credits it is party to, and only those


@SCENARIOS.add("letter_of_credit.issue")
def lc_issue(world: World) -> Case:
    _actors(world)
    lc_id = world.unique("LC-CONSENT")
    world.ok(APPLICANT, LC, "apply", {"lc_id": lc_id, "beneficiary": BENEFICIARY, "issuing_bank": ISSUING,
                                      "advising_bank": ADVISING, "terms": soy.credit_terms(soy.today())})
    return Case({"lc_id": lc_id}, callers=[ISSUING])


@SCENARIOS.add("letter_of_credit.advise")
def lc_advise(world: World) -> Case:
    return Case({"lc_id": _credit(world, advise=False)}, callers=[ADVISING])


@SCENARIOS.add("letter_of_credit.confirm")
def lc_confirm(world: World) -> Case:
    # only the bank the issuing bank named may confirm (UCP 600 art. 8), even another bank on the credit
    return Case({"lc_id": _credit(world, confirming_bank=ADVISING)}, callers=[ADVISING])


@SCENARIOS.add("letter_of_credit.amend")
def lc_amend(world: World) -> Case:
    return Case({"lc_id": _credit(world), "changes": {"about": True}}, callers=[ISSUING])


def _amended(world: World) -> str:
    lc_id = _credit(world)
    world.ok(ISSUING, LC, "amend", {"lc_id": lc_id, "changes": {"about": True}})
    return lc_id


@SCENARIOS.add("letter_of_credit.accept_amendment")
def lc_accept(world: World) -> Case:
    return Case({"lc_id": _amended(world), "number": 1}, callers=[BENEFICIARY])


@SCENARIOS.add("letter_of_credit.reject_amendment")
def lc_reject(world: World) -> Case:
    return Case({"lc_id": _amended(world), "number": 1}, callers=[BENEFICIARY])


@SCENARIOS.add("letter_of_credit.ship")
def lc_ship(world: World) -> Case:
    return Case({"lc_id": _credit(world), "bill_of_lading": _bill(world)}, callers=[BENEFICIARY])


@SCENARIOS.add("letter_of_credit.present")
def lc_present(world: World) -> Case:
    lc_id = _credit(world)
    return Case({"lc_id": lc_id, "documents": _documents(world, lc_id)}, callers=[BENEFICIARY])


@SCENARIOS.add("letter_of_credit.notify_complete")
def lc_notify_complete(world: World) -> Case:
    lc_id = _credit(world)
    world.ok(BENEFICIARY, LC, "present", {"lc_id": lc_id, "documents": _documents(world, lc_id), "complete": False})
    return Case({"lc_id": lc_id}, callers=[BENEFICIARY])


@SCENARIOS.add("letter_of_credit.refuse")
def lc_refuse(world: World) -> Case:
    return Case({"lc_id": _presented(world, discrepant=True)}, callers=[ISSUING])


@SCENARIOS.add("letter_of_credit.waive")
def lc_waive(world: World) -> Case:
    return Case({"lc_id": _presented(world, discrepant=True)}, callers=[APPLICANT])


@SCENARIOS.add("letter_of_credit.honour")
def lc_honour(world: World) -> Case:
    return Case({"lc_id": _presented(world)}, callers=[ISSUING])


@SCENARIOS.add("letter_of_credit.payment_settled")
def lc_payment_settled(world: World) -> Case:
    return Case({"obligation": f"{_honoured(world)}/drawing/1", "reference": "SETTLED-1"}, callers=[ISSUING])


@SCENARIOS.add("letter_of_credit.payment_failed")
def lc_payment_failed(world: World) -> Case:
    return Case({"obligation": f"{_honoured(world)}/drawing/1", "reason": "beneficiary account closed"}, callers=[ISSUING])


@SCENARIOS.add("letter_of_credit.payment")
def lc_payment(world: World) -> Case:
    return Case({"obligation": f"{_honoured(world)}/drawing/1"}, callers=[ISSUING, BENEFICIARY])


@SCENARIOS.add("letter_of_credit.charge")
def lc_charge(world: World) -> Case:
    # the banks on the credit record their own charges; the applicant and beneficiary who bear them may not
    return Case({"lc_id": _credit(world), "kind": "advising", "amount": {"currency": "USD", "minor": 150_00}},
                callers=[ADVISING, ISSUING])


@SCENARIOS.add("letter_of_credit.expire")
def lc_expire(world: World) -> Case:
    expiry = soy.today() + timedelta(days=10)
    lc_id = _credit(world, expiry_date=expiry.isoformat(), latest_shipment_date=expiry.isoformat())
    later = datetime(expiry.year, expiry.month, expiry.day, 12, tzinfo=timezone.utc) + timedelta(days=14)
    return Case({"lc_id": lc_id}, callers=[ISSUING], as_of=later.strftime("%Y-%m-%dT%H:%M:%S.000000Z"))


@SCENARIOS.add("letter_of_credit.consent_cancellation")
def lc_consent_cancellation(world: World) -> Case:
    return Case({"lc_id": _credit(world)}, callers=[BENEFICIARY])


@SCENARIOS.add("letter_of_credit.cancel")
def lc_cancel(world: World) -> Case:
    lc_id = _credit(world)
    world.ok(BENEFICIARY, LC, "consent_cancellation", {"lc_id": lc_id})
    return Case({"lc_id": lc_id, "reason": "the sale fell through"}, callers=[ISSUING])


@SCENARIOS.add("letter_of_credit.get")
def lc_get(world: World) -> Case:
    return Case({"lc_id": _credit(world)}, callers=[APPLICANT, BENEFICIARY, ISSUING, ADVISING])


# --- payment undertakings ----------------------------------------------------------------------

def _proposal(world: World, pay_on: date | None = None) -> dict[str, Any]:
    return {"pu_id": world.unique("PU-CONSENT"), "seller": SELLER, "bank": BANK,
            "amount": {"currency": "EUR", "minor": 3_000_000}, "pay_on": (pay_on or soy.today()).isoformat(),
            "reference": "PO-7781", "conditions": [{"kind": "confirmation", "by": BUYER, "what": "delivery"}]}


def _undertaking(world: World, *, undertaken: bool = True, confirmed: bool = False, due: bool = False) -> str:
    args = _proposal(world)
    world.ok(BUYER, PU, "propose", args)
    if undertaken:
        world.ok(BANK, PU, "undertake", {"pu_id": args["pu_id"]})
    if confirmed or due:
        world.ok(BUYER, PU, "confirm", {"pu_id": args["pu_id"], "condition": 0})
    if due:
        world.ok(SELLER, PU, "demand", {"pu_id": args["pu_id"]})
    return args["pu_id"]  # type: ignore[no-any-return]


@SCENARIOS.add("payment_undertaking.propose")
def pu_propose(world: World) -> Case:
    return Case.any_member(_proposal(world), BUYER)


@SCENARIOS.add("payment_undertaking.undertake")
def pu_undertake(world: World) -> Case:
    return Case({"pu_id": _undertaking(world, undertaken=False)}, callers=[BANK])


@SCENARIOS.add("payment_undertaking.withdraw")
def pu_withdraw(world: World) -> Case:
    return Case({"pu_id": _undertaking(world, undertaken=False)}, callers=[BUYER])


@SCENARIOS.add("payment_undertaking.confirm")
def pu_confirm(world: World) -> Case:
    return Case({"pu_id": _undertaking(world), "condition": 0}, callers=[BUYER])


@SCENARIOS.add("payment_undertaking.demand")
def pu_demand(world: World) -> Case:
    return Case({"pu_id": _undertaking(world, confirmed=True)}, callers=[SELLER])


@SCENARIOS.add("payment_undertaking.release")
def pu_release(world: World) -> Case:
    return Case({"pu_id": _undertaking(world)}, callers=[SELLER])


@SCENARIOS.add("payment_undertaking.get")
def pu_get(world: World) -> Case:
    return Case({"pu_id": _undertaking(world)}, callers=[BUYER, SELLER, BANK])


@SCENARIOS.add("payment_undertaking.payment_settled")
def pu_payment_settled(world: World) -> Case:
    return Case({"obligation": f"{_undertaking(world, due=True)}/payment", "reference": "SEPA-1"}, callers=[BANK])


@SCENARIOS.add("payment_undertaking.payment_failed")
def pu_payment_failed(world: World) -> Case:
    return Case({"obligation": f"{_undertaking(world, due=True)}/payment", "reason": "insufficient funds"}, callers=[BANK])


@SCENARIOS.add("payment_undertaking.payment")
def pu_payment(world: World) -> Case:
    return Case({"obligation": f"{_undertaking(world, due=True)}/payment"}, callers=[BANK, SELLER])


@SCENARIOS.add("documents.mine")
def documents_mine(world: World) -> Case:
    return Case.any_member({}, APPLICANT)  # every member lists the documents it issued or may read, and only those


@SCENARIOS.add("payment_undertaking.mine")
def pu_mine(world: World) -> Case:
    return Case.any_member({}, APPLICANT)  # every member lists the undertakings it is party to, and only those


def _payments_lists() -> None:
    """`payments` of every contract that orders payments (the PaymentInstructions mixin): every member
    lists the instructions it pays or is paid by, and only those."""
    from baobab.contracts import default_registry
    from baobab.contracts.payment_instruction import PaymentInstructions

    registry = default_registry()
    for name in registry.names():
        if isinstance(registry.contract(name), PaymentInstructions):
            SCENARIOS.add(f"{name}.payments")(lambda world: Case.any_member({}, APPLICANT))


_payments_lists()
