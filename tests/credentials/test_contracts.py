"""The credentials contracts on a ledger: who may bind a key, hold a key, change a status list,
record a purchase, offer, accept and repay a loan; refusals change nothing."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from baobab.contracts.credentials.microloans import ACCEPTANCE, terms_of
from baobab.contracts.credentials.registry import ISSUER_PROOF, issuer_claim
from baobab.core.keys import PrivateKey
from tests.conftest import Net

AGENT, PROVIDER, LENDER, OTHER = "ZM-AGRI", "ZM-MOMO", "ZM-MFI", "SIDAMA-COOP"
CONSENT = {"method": "paper form, thumbprint", "reference": "ZCGA/1", "form_sha256": hashlib.sha256(b"form").hexdigest()}


def refused(net: Net, org: str, contract: str, function: str, args: dict[str, Any]) -> str:
    """The reason a submission was refused; the ledger's state must not have changed."""
    before = net.node.store.range("")
    try:
        outcome = net.submit(org, contract, function, args)
    except Exception as exc:  # refused at endorsement
        assert net.node.store.range("") == before
        return str(getattr(exc, "reason", None) or getattr(exc, "code", exc))
    assert not outcome.valid, (function, outcome)
    assert net.node.store.range("") == before
    return outcome.code


def ok(net: Net, org: str, contract: str, function: str, args: dict[str, Any]) -> Any:
    outcome = net.submit(org, contract, function, args)
    assert outcome.valid, outcome
    return outcome.response


def proof(key: PrivateKey, org: str) -> str:
    return key.sign(ISSUER_PROOF, issuer_claim(org, key.public.text))


@pytest.fixture()
def farmer(demo_net: Net) -> PrivateKey:
    key = PrivateKey.generate()
    ok(demo_net, AGENT, "credentials", "register_holder", {"public_key": key.public.text, "consent": CONSENT})
    return key


def test_a_member_binds_only_a_key_it_holds_and_only_to_itself(demo_net: Net) -> None:
    key = PrivateKey.generate()
    assert refused(demo_net, OTHER, "credentials", "register_issuer",
                   {"public_key": key.public.text, "proof": proof(key, AGENT)}) == "BAD_KEY"  # AGENT's proof, OTHER submits
    assert refused(demo_net, AGENT, "credentials", "register_issuer",
                   {"public_key": key.public.text, "proof": proof(PrivateKey.generate(), AGENT)}) == "BAD_KEY"
    record = ok(demo_net, AGENT, "credentials", "register_issuer", {"public_key": key.public.text, "proof": proof(key, AGENT)})
    assert record["org"] == AGENT
    assert refused(demo_net, OTHER, "credentials", "register_issuer",
                   {"public_key": key.public.text, "proof": proof(key, OTHER)}) == "HELD_ELSEWHERE"
    assert demo_net.query(LENDER, "credentials", "issuer", {"public_key": key.public.text})["org"] == AGENT


def test_a_held_key_needs_the_consent_and_stays_with_its_custodian(demo_net: Net, farmer: PrivateKey) -> None:
    assert refused(demo_net, AGENT, "credentials", "register_holder", {"public_key": PrivateKey.generate().public.text,
                   "consent": {**CONSENT, "form_sha256": "not a hash"}}) == "BAD_CONSENT"
    assert refused(demo_net, PROVIDER, "credentials", "register_holder",
                   {"public_key": farmer.public.text, "consent": CONSENT}) == "HELD_ELSEWHERE"
    holder = demo_net.query(LENDER, "credentials", "holder", {"public_key": farmer.public.text})
    assert holder["custodian"] == AGENT and holder["consent"] == CONSENT


def test_status_lists_revoke_for_good_and_suspend_until_lifted(demo_net: Net) -> None:
    ok(demo_net, AGENT, "credentials", "open_list", {"list_id": "rev", "purpose": "revocation"})
    ok(demo_net, AGENT, "credentials", "open_list", {"list_id": "sus", "purpose": "suspension"})
    assert ok(demo_net, AGENT, "credentials", "reserve", {"list_id": "rev", "count": 3})["indices"] == [0, 1, 2]
    assert ok(demo_net, AGENT, "credentials", "reserve", {"list_id": "sus", "count": 1})["indices"] == [0]
    assert refused(demo_net, AGENT, "credentials", "set_status", {"list_id": "rev", "index": 3, "value": True}) == "NOT_RESERVED"
    ok(demo_net, AGENT, "credentials", "set_status", {"list_id": "rev", "index": 1, "value": True, "reason": "error"})
    assert refused(demo_net, AGENT, "credentials", "set_status", {"list_id": "rev", "index": 1, "value": False}) == "REVOKED_FOR_GOOD"
    assert refused(demo_net, OTHER, "credentials", "set_status", {"list_id": "rev", "index": 2, "value": True}) == "NOT_FOUND"
    ok(demo_net, AGENT, "credentials", "set_status", {"list_id": "sus", "index": 0, "value": True})
    ok(demo_net, AGENT, "credentials", "set_status", {"list_id": "sus", "index": 0, "value": False})
    assert demo_net.query(LENDER, "credentials", "status_list", {"org": AGENT, "list_id": "rev"})["set"] == [1]
    assert demo_net.query(LENDER, "credentials", "status_list", {"org": AGENT, "list_id": "sus"})["set"] == []


def purchase_args(farmer: PrivateKey, **extra: Any) -> dict[str, Any]:
    return {"purchase_id": "P-1", "farmer": farmer.public.text, "product": "fresh cassava roots", "kilograms": 900,
            "price_per_kg": {"currency": "ZMW", "minor": 250}, "provider": PROVIDER, "wallet": "+260971000101",
            "delivered_on": "2026-01-15", **extra}


def test_a_purchase_is_for_a_registered_farmer_and_instructs_the_wallet_payment(demo_net: Net, farmer: PrivateKey) -> None:
    stranger = PrivateKey.generate()
    assert refused(demo_net, AGENT, "produce", "record_purchase", purchase_args(stranger)) == "UNKNOWN_HOLDER"
    assert refused(demo_net, AGENT, "produce", "record_purchase", purchase_args(farmer, provider=LENDER)) == "INVALID"
    assert refused(demo_net, AGENT, "produce", "record_purchase", purchase_args(farmer, wallet="0971000101")) == "INVALID"
    assert refused(demo_net, LENDER, "produce", "record_purchase", purchase_args(farmer)) == "NOT_ALLOWED"  # a bank buys no cassava
    record = ok(demo_net, AGENT, "produce", "record_purchase", purchase_args(farmer))
    assert record["amount"] == {"currency": "ZMW", "minor": 225_000} and record["status"] == "delivered"
    payment = demo_net.query(AGENT, "produce", "payment", {"obligation": "P-1/payment"})
    assert (payment["payer"], payment["payee"], payment["payee_account"]) == (AGENT, PROVIDER, "+260971000101")
    ok(demo_net, AGENT, "produce", "payment_settled", {"obligation": "P-1/payment", "reference": "t-1", "proof": "f"})
    assert demo_net.query(PROVIDER, "produce", "get", {"purchase_id": "P-1"})["status"] == "paid"


def offer_args(farmer: PrivateKey, **extra: Any) -> dict[str, Any]:
    return {"loan_id": "L-1", "borrower": farmer.public.text, "provider": PROVIDER, "wallet": "+260971000101",
            "principal": {"currency": "ZMW", "minor": 300_000}, "fee_minor": 27_000,
            "instalments": [{"due": "2099-01-01", "minor": 109_000}, {"due": "2099-02-01", "minor": 109_000},
                            {"due": "2099-03-01", "minor": 109_000}],
            "assessment": {"score": 100, "band": "B", "reasons": ["R05 no loan repaid before"], "presentation_sha256": "a" * 64},
            **extra}


def test_a_loan_binds_the_borrower_by_its_own_signature_and_is_repaid_through_its_provider(demo_net: Net, farmer: PrivateKey) -> None:
    short = offer_args(farmer, fee_minor=26_000)
    assert refused(demo_net, LENDER, "microloans", "offer", short) == "BAD_TERMS"  # instalments do not add up
    assert refused(demo_net, AGENT, "microloans", "offer", offer_args(farmer)) == "NOT_ALLOWED"
    loan = ok(demo_net, LENDER, "microloans", "offer", offer_args(farmer))
    assert loan["custodian"] == AGENT and loan["parties"] == sorted([AGENT, LENDER, PROVIDER])
    forged = PrivateKey.generate().sign(ACCEPTANCE, terms_of(loan))
    assert refused(demo_net, AGENT, "microloans", "accept", {"loan_id": "L-1", "signature": forged}) == "NOT_ACCEPTED_BY_BORROWER"
    assert refused(demo_net, PROVIDER, "microloans", "repay", {"loan_id": "L-1", "minor": 1}) == "WRONG_STATE"
    ok(demo_net, AGENT, "microloans", "accept", {"loan_id": "L-1", "signature": farmer.sign(ACCEPTANCE, terms_of(loan))})
    ok(demo_net, LENDER, "microloans", "payment_settled", {"obligation": "L-1/disbursement", "reference": "t-d"})
    assert refused(demo_net, PROVIDER, "microloans", "repay", {"loan_id": "L-1", "minor": 327_001}) == "OVERPAID"
    assert refused(demo_net, AGENT, "microloans", "repay", {"loan_id": "L-1", "minor": 1}) == "NOT_ALLOWED"
    ok(demo_net, PROVIDER, "microloans", "repay", {"loan_id": "L-1", "minor": 300_000})
    assert refused(demo_net, PROVIDER, "microloans", "repay", {"loan_id": "L-1", "minor": 27_001}) == "OVERPAID"
    ok(demo_net, PROVIDER, "microloans", "repay", {"loan_id": "L-1", "minor": 27_000})
    ok(demo_net, PROVIDER, "microloans", "payment_failed", {"obligation": "L-1/repayment/1", "reason": "4001 payer limit"})
    ok(demo_net, PROVIDER, "microloans", "payment_settled", {"obligation": "L-1/repayment/2", "reference": "t-2"})
    loan = demo_net.query(LENDER, "microloans", "get", {"loan_id": "L-1"})
    assert loan["status"] == "active" and loan["repaid_minor"] == 27_000
    assert [r["status"] for r in loan["repayments"]] == ["failed", "settled"]
    ok(demo_net, PROVIDER, "microloans", "repay", {"loan_id": "L-1", "minor": 300_000})
    ok(demo_net, PROVIDER, "microloans", "payment_settled", {"obligation": "L-1/repayment/3", "reference": "t-3"})
    assert demo_net.query(AGENT, "microloans", "get", {"loan_id": "L-1"})["status"] == "repaid"
    with pytest.raises(Exception):
        demo_net.query(OTHER, "microloans", "get", {"loan_id": "L-1"})  # to anyone else it does not exist
