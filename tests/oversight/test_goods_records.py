"""Contracts record where goods go (`countries`) on the records a shipment is involved in:
registry documents, payment undertakings, conditional payments and supply-chain finance
claims (whose parts inherit it). Malformed countries are refused and nothing is written."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from baobab.core.errors import BaobabError
from baobab.stories import StoryReport
from baobab.stories.soybeans import APPLICANT, credit_terms, open_credit, ship_and_present, today

KE_NL = {"origin": "KE", "destination": "NL", "transit": ["ES"]}
BAD = {"origin": "KE", "destination": "NETHERLANDS"}


def ok(net, org: str, contract: str, function: str, args: dict[str, Any]) -> Any:  # type: ignore[no-untyped-def]
    outcome = net.submit(org, contract, function, args)
    assert outcome.code == "VALID", outcome
    return outcome.response


def refused(net, org: str, contract: str, function: str, args: dict[str, Any]) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BaobabError) as err:
        net.submit(org, contract, function, args)
    assert err.value.code == "BAD_ARGUMENT"


def state(net, namespace: str, key: str) -> Any:  # type: ignore[no-untyped-def]
    row = net.node.store.get(f"{namespace}:{key}")
    return None if row is None else row[0]


def later(days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_registry_document_records_countries(demo_net):  # type: ignore[no-untyped-def]
    th = "ab" * 32
    args = {"target_hash": th, "merkle_root": th, "doc_type": "phytosanitary_certificate", "readers": ["RTM-FLORA"]}
    refused(demo_net, "KEPHIS", "documents", "issue", {**args, "countries": BAD})
    assert state(demo_net, "documents", f"doc/{th}") is None
    ok(demo_net, "KEPHIS", "documents", "issue", {**args, "countries": KE_NL})
    assert state(demo_net, "documents", f"doc/{th}")["countries"] == KE_NL
    assert demo_net.query("RTM-FLORA", "documents", "status", {"target_hash": th})["countries"] == KE_NL
    assert "countries" not in demo_net.query("KLTB", "documents", "status", {"target_hash": th})  # readers only
    th2 = "cd" * 32  # without countries: as before
    ok(demo_net, "KEPHIS", "documents", "issue", {**args, "target_hash": th2, "merkle_root": th2})
    assert "countries" not in state(demo_net, "documents", f"doc/{th2}")


def test_payment_undertaking_records_countries(demo_net):  # type: ignore[no-untyped-def]
    args = {"pu_id": "PU-1", "seller": "NAIVASHA", "bank": "KCBANK", "amount": {"currency": "EUR", "minor": 100},
            "pay_on": later(1)[:10], "reference": "INV-1",
            "conditions": [{"kind": "confirmation", "by": "RTM-FLORA", "what": "delivery"}]}
    refused(demo_net, "RTM-FLORA", "payment_undertaking", "propose", {**args, "countries": BAD})
    assert state(demo_net, "payment_undertaking", "pu/PU-1") is None
    ok(demo_net, "RTM-FLORA", "payment_undertaking", "propose", {**args, "countries": KE_NL})
    ok(demo_net, "KCBANK", "payment_undertaking", "undertake", {"pu_id": "PU-1"})
    assert state(demo_net, "payment_undertaking", "pu/PU-1")["countries"] == KE_NL  # kept through each step


def test_conditional_payment_records_countries(demo_net):  # type: ignore[no-untyped-def]
    args = {"agreement_id": "cold-1", "payer": "IBERJUS", "payee": "DXB-JUICE", "amount": 1_250_000,
            "currency": "EUR", "reference": "INV-1", "condition": {"answer": "t1", "between": [2000, 8000]},
            "oracle_terms": {"t1": {"feed": "uld/AKE1/temp-max", "oracles": ["AEROTEMP", "COLDCHAIN", "PORTSENSE"],
                                    "f": 1, "tolerance": 500, "aggregation": "trimmed_median"}},
            "expires": later(1)}
    refused(demo_net, "IBERJUS", "conditional_payment", "create", {**args, "countries": BAD})
    assert state(demo_net, "conditional_payment", "agreement/cold-1") is None
    juice = {"origin": "AE", "destination": "ES", "transit": []}
    ok(demo_net, "IBERJUS", "conditional_payment", "create", {**args, "countries": juice})
    assert state(demo_net, "conditional_payment", "agreement/cold-1")["countries"] == juice


def test_claims_and_their_parts_record_countries(demo_net):  # type: ignore[no-untyped-def]
    ok(demo_net, "SZ-AUTO", "scf", "open_programme", {"programme": "P", "currency": "CNY", "banks": ["SZBANK"],
                                                      "max_tenor_days": 90, "max_rate_bp": 500})
    args = {"programme": "P", "supplier": "T1-SEATS", "invoice_number": "S-1", "amount": 1000, "currency": "CNY",
            "due_date": later(30)[:10]}
    refused(demo_net, "SZ-AUTO", "scf", "confirm", {**args, "countries": BAD})
    assert state(demo_net, "scf", "invoice/SZ-AUTO/T1-SEATS/S-1") is None
    seats = {"origin": "VN", "destination": "CN", "transit": []}
    claim = ok(demo_net, "SZ-AUTO", "scf", "confirm", {**args, "countries": seats})["claim"]
    parts = ok(demo_net, "T1-SEATS", "scf", "split", {"claim_id": claim, "amounts": [400, 600]})["parts"]
    for claim_id in [claim, *(p["claim"] for p in parts)]:
        assert state(demo_net, "scf", f"claim/{claim_id}")["countries"] == seats


def test_a_credit_and_the_title_it_holds_record_the_ports_countries(demo_net):  # type: ignore[no-untyped-def]
    actors, report = demo_net.actors(), StoryReport()
    terms = credit_terms(today())
    refused(demo_net, APPLICANT, "letter_of_credit", "apply", {
        "lc_id": "LC-X", "beneficiary": "PAMPA-AGRO", "issuing_bank": "KLTB", "advising_bank": "BPLATA",
        "terms": {**terms, "port_of_loading": "XXROS"}})  # LOCODE-shaped, but XX is no country
    open_credit(actors, report, "LC-1", terms)
    lc = ship_and_present(actors, report, "LC-1", today(), 40_000)
    ar_my = {"origin": "AR", "destination": "MY", "transit": []}
    assert lc["countries"] == ar_my and lc["titles"]
    assert state(demo_net, "letter_of_credit", f"title/{lc['titles'][0]}")["countries"] == ar_my
    bill = state(demo_net, "documents", f"doc/{lc['titles'][0]}")  # countries taken from the bill's own ports
    assert bill["countries"] == ar_my


def test_traders_on_undertakings_and_conditional_payments_are_parties(demo_net):  # type: ignore[no-untyped-def]
    from baobab.api.access import record_parties

    ok(demo_net, "RTM-FLORA", "payment_undertaking", "propose", {
        "pu_id": "PU-9", "seller": "NAIVASHA", "bank": "KCBANK", "amount": {"currency": "EUR", "minor": 100},
        "pay_on": later(1)[:10], "reference": "INV-9",
        "conditions": [{"kind": "confirmation", "by": "RTM-FLORA", "what": "delivery"}]})
    assert {"RTM-FLORA", "NAIVASHA", "KCBANK"} <= record_parties(state(demo_net, "payment_undertaking", "pu/PU-9"))
    assert "IBERJUS" not in record_parties(state(demo_net, "payment_undertaking", "pu/PU-9"))
