"""A round belongs to its obligation (issue 12, rule 9): the party that bears the risk fixes at
creation the feed, the oracles or their minimum number, f, the tolerance, the aggregation and who
opens the rounds; a round opened by anyone else, on another feed or with other parameters can
neither release nor withhold the payment, nor settle the policy."""

from __future__ import annotations

from typing import Any

import pytest

from tests.oracles.conftest import ORACLES, STATIONS, OracleNet, agreement, open_for, terms, utc

FEED = "reefer/MSKU1/temp-max"
OTHER = "reefer/TGHU9/temp-max"  # another container's probe
RAIN = "rainfall/ZM-southern/season-2026"
HELD = {"t": terms(FEED)}
COLD = {"answer": "t", "between": [2000, 8000]}


@pytest.fixture
def net(onet: OracleNet) -> OracleNet:
    onet.serve(FEED, ORACLES)
    onet.serve(OTHER, ORACLES)
    return onet


def status(net: OracleNet, agreement_id: str) -> dict[str, Any]:
    return net.ok("IBERJUS", "conditional_payment", "evaluate", {"agreement_id": agreement_id})


def test_a_payee_cannot_open_the_round_that_decides_its_own_payment(net: OracleNet) -> None:
    agreement(net, "p1", COLD, HELD)
    refused = net.rejected("DXB-JUICE", "oracles", "request", {
        "round_id": "mine", "deadline": utc(60), "f": 0, "oracles": ["ORACLE7"],
        "obligation": {"contract": "conditional_payment", "id": "p1", "answer": "t"}})
    assert refused.detail["reason"] == "NOT_ALLOWED" and refused.status == 403
    # a round of its own on the same feed, f=0, one oracle it picked: not the agreement's round
    net.ok("DXB-JUICE", "oracles", "request", {"round_id": "p1-t", "feed": FEED, "f": 0, "oracles": ["ORACLE7"],
                                                "deadline": utc(60)})
    net.answer("p1-t", FEED, {"ORACLE7": 5000})
    assert net.round("p1-t", as_org="DXB-JUICE")["status"] == "accepted"
    assert status(net, "p1")["status"] == "pending"


@pytest.mark.parametrize("given", [{"f": 0}, {"tolerance": 5000}, {"oracles": ORACLES[4:]}, {"feed": OTHER},
                                   {"min_reputation": 900}])
def test_a_round_with_other_parameters_than_the_terms_is_refused(net: OracleNet, given: dict[str, Any]) -> None:
    agreement(net, "p2", COLD, HELD)
    refused = net.rejected("IBERJUS", "oracles", "request", {
        "round_id": "p2-t", "deadline": utc(60), **given,
        "obligation": {"contract": "conditional_payment", "id": "p2", "answer": "t"}})
    assert refused.detail["reason"] == "TERMS_MISMATCH"
    assert status(net, "p2")["status"] == "pending"


def test_a_round_on_another_containers_feed_cannot_release_the_payment(net: OracleNet) -> None:
    agreement(net, "p3", COLD, HELD)
    net.request("p3-other", OTHER, f=1, oracles=ORACLES[:4])  # the buyer's own round, on another probe
    net.answer("p3-other", OTHER, dict(zip(ORACLES[:4], [5000, 5010, 5020, 5030])))
    assert status(net, "p3")["status"] == "pending"
    open_for(net, "p3-t", "conditional_payment", "p3", "t")  # the agreement's own round decides it
    net.answer("p3-t", FEED, dict(zip(ORACLES[:4], [9000, 9010, 9020, 9030])))
    assert status(net, "p3")["status"] == "withheld"


def test_the_opener_the_payer_names_may_open_the_round_and_no_one_else(net: OracleNet) -> None:
    agreement(net, "p4", COLD, {"t": terms(FEED, openers=["DXB-JUICE"])})
    assert net.rejected("IBERJUS", "oracles", "request", {
        "round_id": "p4-x", "deadline": utc(60),
        "obligation": {"contract": "conditional_payment", "id": "p4", "answer": "t"}}).detail["reason"] == "NOT_ALLOWED"
    opened = open_for(net, "p4-t", "conditional_payment", "p4", "t", opener="DXB-JUICE")
    assert opened["oracles"] == ORACLES[:4]
    round_record = net.round("p4-t", as_org="IBERJUS")  # the payer reads the round of its agreement
    assert (round_record["f"], round_record["tolerance"], round_record["aggregation"]) == (1, 500, "trimmed_median")


def test_an_answer_gets_a_new_round_only_after_its_round_failed(net: OracleNet) -> None:
    agreement(net, "p5", {"any": [COLD, {"answer": "u", "at_most": 8000}]}, {"t": terms(FEED), "u": terms(FEED)})
    open_for(net, "p5-t1", "conditional_payment", "p5", "t")
    again = net.rejected("IBERJUS", "oracles", "request", {
        "round_id": "p5-t2", "deadline": utc(60),
        "obligation": {"contract": "conditional_payment", "id": "p5", "answer": "t"}})
    assert again.detail["reason"] == "WRONG_STATE"
    net.answer("p5-t1", FEED, dict(zip(ORACLES[:4], [1000, 5000, 9000, 13000])))  # no three agree
    assert net.round("p5-t1")["status"] == "failed"
    assert open_for(net, "p5-t2", "conditional_payment", "p5", "t")["round"] == "p5-t2"


@pytest.mark.parametrize("bad", [
    {"feed": FEED, "f": 1, "tolerance": 500, "aggregation": "trimmed_median"},  # neither oracles nor their number
    {**terms(FEED), "min_oracles": 4},  # both
    terms(FEED, oracles=ORACLES[:2]),  # two oracles cannot tolerate f=1
    {**terms(FEED), "aggregation": "mean"},
    {**terms(FEED), "openers": []},
    {**terms(FEED), "tolerance": 0.5},
])
def test_oracle_terms_are_complete_or_refused(net: OracleNet, bad: dict[str, Any]) -> None:
    refused = net.rejected("IBERJUS", "conditional_payment", "create", {
        "agreement_id": "bad", "payer": "IBERJUS", "payee": "DXB-JUICE", "amount": 1, "currency": "EUR",
        "reference": "x", "condition": COLD, "oracle_terms": {"t": bad}, "expires": utc(600)})
    assert refused.detail.get("reason") == "BAD_TERMS"


def test_terms_are_given_for_exactly_the_answers_the_condition_reads(net: OracleNet) -> None:
    refused = net.rejected("IBERJUS", "conditional_payment", "create", {
        "agreement_id": "bad", "payer": "IBERJUS", "payee": "DXB-JUICE", "amount": 1, "currency": "EUR",
        "reference": "x", "condition": COLD, "oracle_terms": {"other": terms(FEED)}, "expires": utc(600)})
    assert refused.detail["reason"] == "BAD_TERMS"


# --- crop policies: the insurer fixes the stations --------------------------------------------

FARMERS = [{"farmer": "+260971000001", "provider": "ZM-MOMO", "payout": 45_000},
           {"farmer": "+260971000002", "provider": "ZM-MOMO", "payout": 30_000}]


def crop_policy(net: OracleNet, policy_id: str) -> None:
    net.serve(RAIN, ["MET-ZM", *STATIONS], unit="0.1mm", type="rainfall")
    net.ok("MICRO-INS", "microinsurance", "issue_crop", {
        "policy_id": policy_id, "oracle_terms": terms(RAIN, oracles=STATIONS, tolerance=100),
        "season_start": utc(-200 * 86400), "season_end": utc(-3600), "threshold": 500, "currency": "ZMW",
        "expires": utc(86400), "farmers": FARMERS})


def test_a_third_party_cannot_settle_a_crop_policy_on_a_one_station_round(onet: OracleNet) -> None:
    crop_policy(onet, "crop-1")
    refused = onet.rejected("IBERJUS", "oracles", "request", {
        "round_id": "dry", "deadline": utc(60), "f": 0, "oracles": ["MET-ZM"],
        "obligation": {"contract": "microinsurance", "id": "crop-1", "answer": "rainfall"}})
    assert refused.detail["reason"] == "NOT_ALLOWED"
    onet.ok("IBERJUS", "oracles", "request", {"round_id": "dry", "feed": RAIN, "f": 0, "oracles": ["MET-ZM"],
                                              "deadline": utc(60)})
    onet.answer("dry", RAIN, {"MET-ZM": 120})  # one station says it hardly rained
    assert onet.rejected("IBERJUS", "microinsurance", "settle_crop", {"policy_id": "crop-1"}).detail["reason"] == "WRONG_STATE"
    open_for(onet, "wet", "microinsurance", "crop-1", "rainfall", opener="MICRO-INS")
    onet.answer("wet", RAIN, dict(zip(STATIONS, [740, 760, 750])))  # three stations: it rained enough
    [done] = onet.reactor().run_once()  # the insurer's node settles the policy by reaction
    assert (done["org"], done["function"], done["outcome"]) == ("MICRO-INS", "settle_crop", "performed")
    policy = onet.query("MICRO-INS", "microinsurance", "get", {"policy_id": "crop-1"})
    assert policy["status"] == "no_payout" and policy["settlement"]["round"] == "wet"


def test_a_crop_policy_instructs_every_farmers_payout_when_the_stations_agree_it_was_dry(onet: OracleNet) -> None:
    crop_policy(onet, "crop-2")
    open_for(onet, "dry-2", "microinsurance", "crop-2", "rainfall", opener="MICRO-INS")
    onet.answer("dry-2", RAIN, dict(zip(STATIONS, [300, 320, 310])))
    response = onet.ok("ZM-MOMO", "microinsurance", "settle_crop", {"policy_id": "crop-2"})
    assert response["status"] == "paid" and response["payouts"] == 2
    first = onet.query("MICRO-INS", "microinsurance", "payment", {"obligation": "crop-2/farmer/0"})
    assert (first["payer"], first["payee"], first["payee_account"]) == ("MICRO-INS", "ZM-MOMO", "+260971000001")
    assert first["amount"] == {"currency": "ZMW", "minor": 45_000} and first["status"] == "instructed"


def test_rainfall_observed_before_the_season_ended_is_refused(onet: OracleNet) -> None:
    crop_policy(onet, "crop-3")
    open_for(onet, "early", "microinsurance", "crop-3", "rainfall", opener="MICRO-INS", max_age_s=86400)
    early = onet.observation("WX-CHOMA", RAIN, 300, "early", at=utc(-3000 - 3600))
    assert onet.rejected("WX-CHOMA", "oracles", "observe", {"round_id": "early", "observation": early}).detail.get("reason") == "BAD_OBSERVATION"
