"""Conditional payments and microinsurance: money moves on agreed oracle answers and nothing else."""

from __future__ import annotations

import pytest

from baobab.contracts.oracles import conditions
from baobab.core.errors import BaobabError
from tests.oracles.conftest import ORACLES, OracleNet, key_of, utc

FEED = "uld/AKE1/temp-max"


def decided(net: OracleNet, round_id: str, values: list[int]) -> None:
    net.request(round_id, FEED, f=1, oracles=ORACLES[:4])
    for org, v in zip(ORACLES[:4], values):
        net.ok(org, "oracles", "observe", {"round_id": round_id, "observation": net.observation(org, FEED, v, round_id)})


def agreement(net: OracleNet, agreement_id: str, condition: dict, expires: str | None = None) -> None:
    net.ok("ESBANK", "conditional_payment", "create", {
        "agreement_id": agreement_id, "payer": "IBERJUS", "payee": "DXB-JUICE", "amount": 1_250_000,
        "currency": "EUR", "reference": "INV-1", "condition": condition, "expires": expires or utc(86400)})


def test_payment_released_when_the_condition_holds(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    agreement(onet, "a1", {"answer": "t1", "between": [2000, 8000]})
    assert onet.ok("DXB-JUICE", "conditional_payment", "evaluate", {"agreement_id": "a1"})["status"] == "pending"
    decided(onet, "t1", [7100, 7200, 30_000, 7150])  # one liar says it was hot
    outcome = onet.node.submit(onet.identity("DXB-JUICE").proposal("conditional_payment", "evaluate", {"agreement_id": "a1"}))
    assert outcome.response["status"] == "released"
    instruction = [e for e in outcome.events if e["name"] == "payment_instruction"][0]["payload"]
    assert instruction["amount"] == {"currency": "EUR", "minor": 1_250_000}
    assert (instruction["payer"], instruction["payee"], instruction["reference"]) == ("IBERJUS", "DXB-JUICE", "INV-1")
    again = onet.rejected("DXB-JUICE", "conditional_payment", "evaluate", {"agreement_id": "a1"})
    assert "already released" in again.message


def test_payment_withheld_with_the_reason_when_breached(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    agreement(onet, "a2", {"answer": "t2", "at_most": 8000})
    decided(onet, "t2", [9400, 9450, 7000, 9500])  # one liar says it stayed cold
    response = onet.ok("IBERJUS", "conditional_payment", "evaluate", {"agreement_id": "a2"})
    assert response["status"] == "withheld" and response["instruction"] is None
    assert "is not at most 8000" in response["reasons"][0]
    assert onet.query("ESBANK", "conditional_payment", "get", {"agreement_id": "a2"})["reasons"] == response["reasons"]
    with pytest.raises(BaobabError) as stranger:
        onet.query("AEBANK", "conditional_payment", "get", {"agreement_id": "a2"})
    assert stranger.value.detail["reason"] == "NOT_A_PARTY"


def test_undecided_agreement_is_withheld_once_expired(onet: OracleNet) -> None:
    agreement(onet, "a3", {"answer": "never", "is": True}, expires=utc(60))
    response = onet.ok("IBERJUS", "conditional_payment", "evaluate", {"agreement_id": "a3"},
                       timestamp=utc(120).replace("Z", ".000000Z"))
    assert response["status"] == "withheld" and "expired" in response["reasons"][0]


@pytest.mark.parametrize("condition", [
    {"answer": "t", "between": [2.0, 8.0]}, {"answer": "t", "between": [8000, 2000]}, {"answer": "t"},
    {"answer": "t", "at_most": 1, "at_least": 0}, {"all": []}, {"answer": "t", "before": "30 June"},
    {"answer": "t", "is": 1}, {"none": [{"answer": "t", "is": True}]},
])
def test_malformed_conditions_are_refused(onet: OracleNet, condition: dict) -> None:
    with pytest.raises(BaobabError) as info:
        conditions.check(condition)
    assert info.value.code == "BAD_CONDITION"
    assert onet.rejected("ESBANK", "conditional_payment", "create", {
        "agreement_id": "bad", "payer": "IBERJUS", "payee": "DXB-JUICE", "amount": 1, "currency": "EUR",
        "reference": "x", "condition": condition, "expires": utc(600)}).code in ("BAD_CONDITION", "BAD_ARGUMENT")


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


# --- microinsurance -----------------------------------------------------------------------

def register_doctor(net: OracleNet) -> None:
    net.ok("ET-HEALTH", "oracles", "register_key", {"key_id": "dr-abebe", "public_key": key_of("ET-HEALTH", "dr-abebe").public.text,
                                                   "kind": "professional", "holder": "Dr. Abebe Bekele", "licence": "ET-MD-4471"})
    net.ok("ET-HEALTH", "oracles", "register_key", {"key_id": "front-desk", "kind": "software",
                                                   "public_key": key_of("ET-HEALTH", "front-desk").public.text})


def life_policy(net: OracleNet) -> None:
    net.ok("MICRO-INS", "microinsurance", "issue_life", {
        "policy_id": "life-1", "insured": "person-7f3a", "beneficiary": "wallet:ET-MOMO:+251911000111",
        "sum_assured": 2_000_000, "currency": "MXN", "certifiers": ["ET-HEALTH"], "expires": utc(365 * 86400)})


def test_life_policy_pays_the_beneficiary_on_a_doctors_certificate(onet: OracleNet) -> None:
    register_doctor(onet)
    life_policy(onet)
    cert = onet.observation("ET-HEALTH", "death/person-7f3a", True, None, key_id="dr-abebe", at=utc(5))
    response = onet.ok("ET-HEALTH", "microinsurance", "claim_death", {"policy_id": "life-1", "certificate": cert})
    assert response["instruction"]["payee"] == "wallet:ET-MOMO:+251911000111"
    assert response["instruction"]["amount"] == {"currency": "MXN", "minor": 2_000_000}
    policy = onet.query("MICRO-INS", "microinsurance", "get", {"policy_id": "life-1"})
    assert policy["status"] == "paid" and policy["claim"]["licence"] == "ET-MD-4471"
    replay = onet.rejected("ET-HEALTH", "microinsurance", "claim_death", {"policy_id": "life-1", "certificate": cert})
    assert replay.code == "OBSERVATION_REPLAYED"


def test_certificates_need_a_registered_professional_of_a_named_certifier(onet: OracleNet) -> None:
    register_doctor(onet)
    life_policy(onet)
    clerk = onet.observation("ET-HEALTH", "death/person-7f3a", True, None, key_id="front-desk")
    assert onet.rejected("ET-HEALTH", "microinsurance", "claim_death",
                         {"policy_id": "life-1", "certificate": clerk}).code == "BAD_SIGNATURE"
    onet.ok("MET-ZM", "oracles", "register_key", {"key_id": "dr-x", "public_key": key_of("MET-ZM", "dr-x").public.text,
                                                "kind": "professional", "holder": "Dr. X", "licence": "ZM-1"})
    outsider = onet.observation("MET-ZM", "death/person-7f3a", True, None, key_id="dr-x")
    assert onet.rejected("MET-ZM", "microinsurance", "claim_death",
                         {"policy_id": "life-1", "certificate": outsider}).code == "BAD_OBSERVATION"
    wrong_person = onet.observation("ET-HEALTH", "death/person-0000", True, None, key_id="dr-abebe")
    assert onet.rejected("ET-HEALTH", "microinsurance", "claim_death",
                         {"policy_id": "life-1", "certificate": wrong_person}).code == "BAD_OBSERVATION"
    assert onet.query("MICRO-INS", "microinsurance", "get", {"policy_id": "life-1"})["status"] == "active"
    with pytest.raises(BaobabError) as stranger:
        onet.query("AEBANK", "microinsurance", "get", {"policy_id": "life-1"})
    assert stranger.value.detail["reason"] == "NOT_A_PARTY"


def crop(net: OracleNet, policy_id: str, round_id: str, rainfall: int) -> dict:
    feed = "rainfall/ZM-southern/season-2026"
    net.serve(feed, ["MET-ZM"], unit="0.1mm", type="rainfall")
    net.ok("MICRO-INS", "microinsurance", "issue_crop", {
        "policy_id": policy_id, "feed": feed, "season_start": utc(-200 * 86400), "season_end": utc(-3600),
        "threshold": 500, "currency": "ZMW", "expires": utc(86400),
        "farmers": [{"farmer": "wallet:ZM-MOMO:+260971000001", "payout": 45_000},
                    {"farmer": "wallet:ZM-MOMO:+260971000002", "payout": 30_000}]})
    net.ok("IBERJUS", "oracles", "request", {"round_id": round_id, "feed": feed, "f": 0, "deadline": utc(60)})
    net.ok("MET-ZM", "oracles", "observe", {"round_id": round_id,
                                             "observation": net.observation("MET-ZM", feed, rainfall, round_id)})
    return net.ok("MET-ZM", "microinsurance", "settle_crop", {"policy_id": policy_id, "round_id": round_id})


def test_crop_policy_pays_every_farmer_when_rainfall_is_below_the_threshold(onet: OracleNet) -> None:
    response = crop(onet, "crop-1", "rain-1", rainfall=320)  # 32 mm, below 50 mm
    assert response["status"] == "paid" and response["payouts"] == 2


def test_crop_policy_pays_nothing_when_it_rained_enough(onet: OracleNet) -> None:
    response = crop(onet, "crop-2", "rain-2", rainfall=740)
    assert response["status"] == "no_payout" and response["payouts"] == 0
