"""Consent scenarios of the credentials contracts: a member binds only its own key and changes
only its own status lists; a custodian records the keys it holds; produce is bought by a
cooperative or trader and paid by it; a bank offers a loan, the borrower's custodian or wallet
provider carries its acceptance, the wallet provider repays; the parties alone read them."""

from __future__ import annotations

import hashlib
from typing import Any

from baobab.contracts.credentials.microloans import ACCEPTANCE, terms_of
from baobab.contracts.credentials.registry import ISSUER_PROOF, issuer_claim
from baobab.core.keys import PrivateKey
from baobab.demo import DEMO_ORGS
from tests.security.consent.framework import Case, Scenarios, World

SCENARIOS = Scenarios()
AGENT, PROVIDER, LENDER = "ZM-AGRI", "ZM-MOMO", "ZM-MFI"
BUYERS = [AGENT] + [o["id"] for o in DEMO_ORGS if {"cooperative", "trader"} & set(o["roles"]) and o["id"] != AGENT]
BANKS = [LENDER] + [o["id"] for o in DEMO_ORGS if "bank" in o["roles"] and o["id"] != LENDER]
CONSENT = {"method": "paper form, thumbprint", "reference": "ZCGA/consent", "form_sha256": hashlib.sha256(b"f").hexdigest()}


def _farmer(world: World) -> PrivateKey:
    key = PrivateKey.generate()
    world.ok(AGENT, "credentials", "register_holder", {"public_key": key.public.text, "consent": CONSENT})
    return key


def _list(world: World, purpose: str = "revocation") -> str:
    list_id = world.unique("consent-list")
    world.ok(AGENT, "credentials", "open_list", {"list_id": list_id, "purpose": purpose})
    return list_id


def _purchase(world: World) -> str:
    purchase_id = world.unique("ZCGA-CONSENT")
    world.ok(AGENT, "produce", "record_purchase", _purchase_args(world, purchase_id))
    return purchase_id


def _purchase_args(world: World, purchase_id: str | None = None) -> dict[str, Any]:
    return {"purchase_id": purchase_id or world.unique("ZCGA-CONSENT"), "farmer": _farmer(world).public.text,
            "product": "fresh cassava roots", "kilograms": 900, "price_per_kg": {"currency": "ZMW", "minor": 250},
            "provider": PROVIDER, "wallet": "+260971000101", "delivered_on": "2026-01-15"}


def _offer_args(world: World, farmer: PrivateKey) -> dict[str, Any]:
    return {"loan_id": world.unique("ZMFI-CONSENT"), "borrower": farmer.public.text, "provider": PROVIDER,
            "wallet": "+260971000101", "principal": {"currency": "ZMW", "minor": 300_000}, "fee_minor": 27_000,
            "instalments": [{"due": "2099-01-01", "minor": 327_000}],
            "assessment": {"score": 100, "band": "B", "reasons": [], "presentation_sha256": "a" * 64}}


def _loan(world: World, stage: str) -> tuple[str, PrivateKey, dict[str, Any]]:
    """A loan offered, accepted (its disbursement instructed) or active (disbursed)."""
    farmer = _farmer(world)
    loan = world.ok(LENDER, "microloans", "offer", _offer_args(world, farmer))
    if stage in ("accepted", "active"):
        world.ok(AGENT, "microloans", "accept", {"loan_id": loan["id"], "signature": farmer.sign(ACCEPTANCE, terms_of(loan))})
    if stage == "active":
        world.ok(LENDER, "microloans", "payment_settled", {"obligation": f"{loan['id']}/disbursement", "reference": "T-D"})
    return loan["id"], farmer, loan


# --- credentials registry --------------------------------------------------------------------

@SCENARIOS.add("credentials.register_issuer")
def register_issuer(world: World) -> Case:
    # every member binds its own key: the proof names the member, so no one else can use it
    key = PrivateKey.generate()
    return Case.any_member({"public_key": key.public.text, "proof": key.sign(ISSUER_PROOF, issuer_claim(AGENT, key.public.text))},
                           AGENT)


@SCENARIOS.add("credentials.register_holder")
def register_holder(world: World) -> Case:
    return Case.any_member({"public_key": PrivateKey.generate().public.text, "consent": CONSENT}, AGENT)


@SCENARIOS.add("credentials.open_list")
def open_list(world: World) -> Case:
    return Case.any_member({"list_id": world.unique("own-list"), "purpose": "suspension"}, AGENT)


@SCENARIOS.add("credentials.reserve")
def reserve(world: World) -> Case:
    # the list is the issuer's own: any other member has no such list
    return Case({"list_id": _list(world), "count": 2}, callers=[AGENT])


@SCENARIOS.add("credentials.set_status")
def set_status(world: World) -> Case:
    list_id = _list(world)
    world.ok(AGENT, "credentials", "reserve", {"list_id": list_id, "count": 1})
    return Case({"list_id": list_id, "index": 0, "value": True, "reason": "issued in error"}, callers=[AGENT])


@SCENARIOS.add("credentials.issuer")
def issuer(world: World) -> Case:
    key = PrivateKey.generate()
    world.ok(AGENT, "credentials", "register_issuer",
             {"public_key": key.public.text, "proof": key.sign(ISSUER_PROOF, issuer_claim(AGENT, key.public.text))})
    return Case.any_member({"public_key": key.public.text}, LENDER)  # any verifier


@SCENARIOS.add("credentials.holder")
def holder(world: World) -> Case:
    return Case.any_member({"public_key": _farmer(world).public.text}, LENDER)


@SCENARIOS.add("credentials.status_list")
def status_list(world: World) -> Case:
    return Case.any_member({"org": AGENT, "list_id": _list(world)}, LENDER)


# --- produce -----------------------------------------------------------------------------------

@SCENARIOS.add("produce.record_purchase")
def record_purchase(world: World) -> Case:
    # a cooperative or trader buys; a bank, a provider, customs or a regulator does not
    return Case(_purchase_args(world), callers=BUYERS)


@SCENARIOS.add("produce.get")
def produce_get(world: World) -> Case:
    return Case({"purchase_id": _purchase(world)}, callers=[AGENT, PROVIDER])


@SCENARIOS.add("produce.mine")
def produce_mine(world: World) -> Case:
    return Case.any_member({}, AGENT)  # every member lists the purchases it is party to, and only those


@SCENARIOS.add("produce.payment_settled")
def produce_settled(world: World) -> Case:
    return Case({"obligation": f"{_purchase(world)}/payment", "reference": "TRF-P"}, callers=[AGENT])


@SCENARIOS.add("produce.payment_failed")
def produce_failed(world: World) -> Case:
    return Case({"obligation": f"{_purchase(world)}/payment", "reason": "3204 no FSP"}, callers=[AGENT])


@SCENARIOS.add("produce.payment")
def produce_payment(world: World) -> Case:
    return Case({"obligation": f"{_purchase(world)}/payment"}, callers=[AGENT, PROVIDER])


# --- microloans --------------------------------------------------------------------------------

@SCENARIOS.add("microloans.offer")
def offer(world: World) -> Case:
    return Case(_offer_args(world, _farmer(world)), callers=BANKS)


@SCENARIOS.add("microloans.accept")
def accept(world: World) -> Case:
    loan_id, farmer, loan = _loan(world, "offered")
    # the borrower's custodian or wallet provider carries the borrower's own signature
    return Case({"loan_id": loan_id, "signature": farmer.sign(ACCEPTANCE, terms_of(loan))}, callers=[AGENT, PROVIDER])


@SCENARIOS.add("microloans.repay")
def repay(world: World) -> Case:
    return Case({"loan_id": _loan(world, "active")[0], "minor": 100_000}, callers=[PROVIDER])


@SCENARIOS.add("microloans.get")
def loan_get(world: World) -> Case:
    return Case({"loan_id": _loan(world, "offered")[0]}, callers=[LENDER, PROVIDER, AGENT])


@SCENARIOS.add("microloans.mine")
def loan_mine(world: World) -> Case:
    return Case.any_member({}, LENDER)


@SCENARIOS.add("microloans.payment_settled")
def loan_settled(world: World) -> Case:
    return Case({"obligation": f"{_loan(world, 'accepted')[0]}/disbursement", "reference": "TRF-L"}, callers=[LENDER])


@SCENARIOS.add("microloans.payment_failed")
def loan_failed(world: World) -> Case:
    return Case({"obligation": f"{_loan(world, 'accepted')[0]}/disbursement", "reason": "3204 no FSP"}, callers=[LENDER])


@SCENARIOS.add("microloans.payment")
def loan_payment(world: World) -> Case:
    return Case({"obligation": f"{_loan(world, 'accepted')[0]}/disbursement"}, callers=[LENDER, PROVIDER])
