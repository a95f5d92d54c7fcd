"""Conditional payments and microinsurance: a payment instruction on agreed oracle answers and
nothing else; only the payer's payments agent settles it."""

from __future__ import annotations

import pytest

from baobab.contracts.oracles import conditions
from baobab.core.errors import BaobabError
from baobab.ledger.contract import ContractError
from tests.oracles.conftest import ORACLES, OracleNet, agreement, key_of, open_for, terms, utc

FEED = "uld/AKE1/temp-max"


def decided(net: OracleNet, agreement_id: str, answer: str, values: list[int]) -> None:
    open_for(net, f"{agreement_id}-{answer}", "conditional_payment", agreement_id, answer)
    net.answer(f"{agreement_id}-{answer}", FEED, dict(zip(ORACLES[:4], values)))


def test_a_satisfied_condition_records_one_payment_instruction(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    agreement(onet, "a1", {"answer": "t1", "between": [2000, 8000]}, {"t1": terms(FEED)})
    assert onet.ok("DXB-JUICE", "conditional_payment", "evaluate", {"agreement_id": "a1"})["status"] == "pending"
    decided(onet, "a1", "t1", [7100, 7200, 30_000, 7150])  # one liar says it was hot
    outcome = onet.node.submit(onet.identity("DXB-JUICE").proposal("conditional_payment", "evaluate", {"agreement_id": "a1"}))
    assert outcome.response["status"] == "released" and outcome.response["payment"] == "a1"
    [event] = [e for e in outcome.events if e["name"] == "payment_instructed"]
    assert event["payload"]["amount"] == {"currency": "EUR", "minor": 1_250_000}
    instruction = onet.query("DXB-JUICE", "conditional_payment", "payment", {"obligation": "a1"})
    assert (instruction["payer"], instruction["payee"], instruction["status"]) == ("IBERJUS", "DXB-JUICE", "instructed")
    again = onet.rejected("DXB-JUICE", "conditional_payment", "evaluate", {"agreement_id": "a1"})
    assert again.detail["reason"] == "WRONG_STATE" and again.status == 409


def test_nothing_is_paid_until_the_payer_reports_its_settlement(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    agreement(onet, "a7", {"answer": "t", "at_most": 8000}, {"t": terms(FEED)})
    decided(onet, "a7", "t", [7000, 7010, 7020, 7030])
    onet.ok("IBERJUS", "conditional_payment", "evaluate", {"agreement_id": "a7"})
    payee = onet.rejected("DXB-JUICE", "conditional_payment", "payment_settled", {"obligation": "a7", "reference": "x"})
    assert payee.detail["reason"] == "NOT_PAYER"
    assert onet.query("IBERJUS", "conditional_payment", "get", {"agreement_id": "a7"})["status"] == "released"
    onet.ok("IBERJUS", "conditional_payment", "payment_settled", {"obligation": "a7", "reference": "TRF-1"})
    assert onet.query("DXB-JUICE", "conditional_payment", "get", {"agreement_id": "a7"})["status"] == "paid"


def test_a_breached_condition_withholds_the_payment_with_the_reason(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    agreement(onet, "a2", {"answer": "t2", "at_most": 8000}, {"t2": terms(FEED)})
    decided(onet, "a2", "t2", [9400, 9450, 7000, 9500])  # one liar says it stayed cold
    response = onet.ok("IBERJUS", "conditional_payment", "evaluate", {"agreement_id": "a2"})
    assert response["status"] == "withheld" and response["payment"] is None
    assert "is not at most 8000" in response["reasons"][0]
    assert onet.query("IBERJUS", "conditional_payment", "get", {"agreement_id": "a2"})["reasons"] == response["reasons"]
    with pytest.raises(BaobabError) as stranger:
        onet.query("AEBANK", "conditional_payment", "get", {"agreement_id": "a2"})
    assert stranger.value.detail["reason"] == "NOT_A_PARTY"


def test_an_undecided_agreement_is_withheld_once_expired(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    agreement(onet, "a3", {"answer": "t", "at_most": 8000}, {"t": terms(FEED)}, expires=utc(60))
    response = onet.ok("IBERJUS", "conditional_payment", "evaluate", {"agreement_id": "a3"},
                       timestamp=utc(120).replace("Z", ".000000Z"))
    assert response["status"] == "withheld" and "expired" in response["reasons"][0]


def test_only_the_payer_binds_itself_to_a_conditional_payment(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    bank = onet.rejected("ESBANK", "conditional_payment", "create", {
        "agreement_id": "x", "payer": "IBERJUS", "payee": "DXB-JUICE", "amount": 1, "currency": "EUR",
        "reference": "x", "condition": {"answer": "t", "at_most": 8000}, "oracle_terms": {"t": terms(FEED)},
        "expires": utc(600)})
    assert bank.detail["reason"] == "NOT_PAYER"


@pytest.mark.parametrize("condition", [
    {"answer": "t", "between": [2.0, 8.0]}, {"answer": "t", "between": [8000, 2000]}, {"answer": "t"},
    {"answer": "t", "at_most": 1, "at_least": 0}, {"all": []}, {"answer": "t", "before": "30 June"},
    {"answer": "t", "is": 1}, {"none": [{"answer": "t", "is": True}]},
])
def test_malformed_conditions_are_refused(onet: OracleNet, condition: dict) -> None:
    with pytest.raises(ContractError) as info:  # the contract's own check: its declared reason
        conditions.check(condition)
    assert info.value.reason == "BAD_CONDITION"
    assert onet.rejected("IBERJUS", "conditional_payment", "create", {
        "agreement_id": "bad", "payer": "IBERJUS", "payee": "DXB-JUICE", "amount": 1, "currency": "EUR",
        "reference": "x", "condition": condition, "oracle_terms": {"t": terms(FEED)},
        "expires": utc(600)}).detail.get("reason", "BAD_ARGUMENT") in ("BAD_CONDITION", "BAD_ARGUMENT")


def test_conditions_combine_and_stay_pending_until_decided() -> None:
    rounds = {"hot": {"status": "accepted", "unit": "mC", "result": {"value": 9000, "observed_at": "2026-06-20T00:00:00Z"}},
              "port": {"status": "accepted", "unit": "yes/no", "result": {"value": True, "observed_at": "2026-06-20T00:00:00Z"}},
              "open": {"status": "open", "result": None}}
    delivered_in_time = {"all": [{"answer": "port", "is": True}, {"answer": "port", "before": "2026-06-30T00:00:00Z"}]}
    assert conditions.evaluate(delivered_in_time, rounds.get).state == "satisfied"
    assert conditions.evaluate({"answer": "port", "before": "2026-06-01T00:00:00Z"}, rounds.get).state == "breached"
    assert conditions.evaluate({"all": [{"answer": "open", "below": 500}, delivered_in_time]}, rounds.get).state == "pending"
    assert conditions.evaluate({"all": [{"answer": "open", "below": 500}, {"answer": "hot", "at_most": 8000}]},
                               rounds.get).state == "breached"
    assert conditions.evaluate({"any": [{"answer": "hot", "at_most": 8000}, delivered_in_time]}, rounds.get).state == "satisfied"


def test_a_bound_holds_only_if_the_whole_trimmed_range_meets_it() -> None:
    straddling = {"status": "accepted", "unit": "mC", "result": {"value": 7900, "low": 7900, "high": 8100}}
    verdict = conditions.evaluate({"answer": "r", "between": [2000, 8000]}, lambda _: straddling)
    assert verdict.state == "breached" and "7900 to 8100 mC is not between [2000, 8000]" in verdict.reasons[0]


# --- microinsurance -----------------------------------------------------------------------

def register_doctor(net: OracleNet) -> None:
    net.ok("ET-HEALTH", "oracles", "register_key", {"key_id": "dr-abebe", "public_key": key_of("ET-HEALTH", "dr-abebe").public.text,
                                                   "kind": "professional", "holder": "Dr. Abebe Bekele", "licence": "ET-MD-4471"})
    net.ok("ET-HEALTH", "oracles", "register_key", {"key_id": "front-desk", "kind": "software",
                                                   "public_key": key_of("ET-HEALTH", "front-desk").public.text})


def life_policy(net: OracleNet) -> None:
    net.ok("MICRO-INS", "microinsurance", "issue_life", {
        "policy_id": "life-1", "insured": "person-7f3a", "beneficiary": "ET-MOMO", "beneficiary_account": "+251911000111",
        "sum_assured": 2_000_000, "currency": "MXN", "certifiers": ["ET-HEALTH"], "expires": utc(365 * 86400)})


def test_a_life_policy_instructs_the_payment_to_the_beneficiary_on_a_doctors_certificate(onet: OracleNet) -> None:
    register_doctor(onet)
    life_policy(onet)
    cert = onet.observation("ET-HEALTH", "death/person-7f3a", True, None, key_id="dr-abebe", at=utc(5))
    response = onet.ok("ET-HEALTH", "microinsurance", "claim_death", {"policy_id": "life-1", "certificate": cert})
    payment = response["payment"]
    assert (payment["payer"], payment["payee"], payment["payee_account"]) == ("MICRO-INS", "ET-MOMO", "+251911000111")
    assert payment["amount"] == {"currency": "MXN", "minor": 2_000_000} and payment["status"] == "instructed"
    policy = onet.query("MICRO-INS", "microinsurance", "get", {"policy_id": "life-1"})
    assert policy["status"] == "claimed" and policy["claim"]["licence"] == "ET-MD-4471"
    replay = onet.rejected("ET-HEALTH", "microinsurance", "claim_death", {"policy_id": "life-1", "certificate": cert})
    assert replay.detail.get("reason") == "OBSERVATION_REPLAYED"
    onet.ok("MICRO-INS", "microinsurance", "payment_settled", {"obligation": "life-1/claim", "reference": "TRF-7"})
    assert onet.query("ET-MOMO", "microinsurance", "get", {"policy_id": "life-1"})["status"] == "paid"


def test_certificates_need_a_registered_professional_of_a_named_certifier(onet: OracleNet) -> None:
    register_doctor(onet)
    life_policy(onet)
    clerk = onet.observation("ET-HEALTH", "death/person-7f3a", True, None, key_id="front-desk")
    assert onet.rejected("ET-HEALTH", "microinsurance", "claim_death",
                         {"policy_id": "life-1", "certificate": clerk}).detail.get("reason") == "BAD_SIGNATURE"
    onet.ok("MET-ZM", "oracles", "register_key", {"key_id": "dr-x", "public_key": key_of("MET-ZM", "dr-x").public.text,
                                                "kind": "professional", "holder": "Dr. X", "licence": "ZM-1"})
    outsider = onet.observation("MET-ZM", "death/person-7f3a", True, None, key_id="dr-x")
    assert onet.rejected("MET-ZM", "microinsurance", "claim_death",
                         {"policy_id": "life-1", "certificate": outsider}).detail.get("reason") == "BAD_OBSERVATION"
    wrong_person = onet.observation("ET-HEALTH", "death/person-0000", True, None, key_id="dr-abebe")
    assert onet.rejected("ET-HEALTH", "microinsurance", "claim_death",
                         {"policy_id": "life-1", "certificate": wrong_person}).detail.get("reason") == "BAD_OBSERVATION"
    assert onet.query("MICRO-INS", "microinsurance", "get", {"policy_id": "life-1"})["status"] == "active"
    with pytest.raises(BaobabError) as stranger:
        onet.query("AEBANK", "microinsurance", "get", {"policy_id": "life-1"})
    assert stranger.value.detail["reason"] == "NOT_A_PARTY"
