"""Aggregation rounds on the ledger: f faulty oracles cannot move the answer; f+1 cannot make a wrong one."""

from __future__ import annotations

import pytest

from baobab.core.errors import BaobabError
from baobab.oracles.recheck import recheck_round
from tests.oracles.conftest import ORACLES, OracleNet

FEED = "reefer/MSKU1/temp-max"
HONEST = [5000, 5120, 4980, 5075, 5010, 5060, 4990]  # milli-degrees; honest probes differ a little


@pytest.fixture
def net7(onet: OracleNet) -> OracleNet:
    onet.serve(FEED, ORACLES)
    return onet


def answer(net: OracleNet, round_id: str, values: dict[str, int | None]) -> None:
    for org, value in values.items():
        if value is not None:
            net.ok(org, "oracles", "observe", {"round_id": round_id, "observation": net.observation(org, FEED, value, round_id)})


def test_f_liars_cannot_move_the_median_and_are_marked(net7: OracleNet) -> None:
    net7.request("r1", FEED, f=2)
    values = dict(zip(ORACLES, HONEST))
    values["ORACLE2"], values["ORACLE6"] = 40_000, -30_000  # two liars, in opposite directions
    answer(net7, "r1", values)
    record = net7.round("r1")  # all seven answered: decided without waiting for the deadline
    assert record["status"] == "accepted"
    honest = [v for o, v in values.items() if o not in ("ORACLE2", "ORACLE6")]
    assert min(honest) <= record["result"]["value"] <= max(honest)
    assert record["result"]["outliers"] == ["ORACLE2", "ORACLE6"]
    rep = net7.query("IBERJUS", "oracles", "reputation", {"oracle": "ORACLE2"})
    assert (rep["answered"], rep["outliers"], rep["score"]) == (1, 1, 0)


def test_f_silent_oracles_are_recorded_as_missed_after_the_deadline(net7: OracleNet) -> None:
    net7.request("r2", FEED, f=2)
    answer(net7, "r2", {o: (None if o in ("ORACLE1", "ORACLE7") else v) for o, v in zip(ORACLES, HONEST)})
    assert net7.round("r2")["status"] == "open"
    closed = net7.close_later("r2")
    assert closed["status"] == "accepted" and closed["result"]["missing"] == ["ORACLE1", "ORACLE7"]
    assert net7.query("IBERJUS", "oracles", "reputation", {"oracle": "ORACLE7"})["missed"] == 1


def test_closing_before_the_deadline_is_refused(net7: OracleNet) -> None:
    net7.request("r3", FEED, f=2)
    err = net7.rejected("IBERJUS", "oracles", "close", {"round_id": "r3"})
    assert err.code == "CONTRACT_ERROR" and "open for answers" in err.message


def test_f_replaying_oracles_are_refused_and_count_as_silent(net7: OracleNet) -> None:
    net7.request("old", FEED, f=2)
    old = {o: net7.observation(o, FEED, 9000, "old") for o in ("ORACLE3", "ORACLE4")}
    for o, obs in old.items():
        net7.ok(o, "oracles", "observe", {"round_id": "old", "observation": obs})
    net7.request("r4", FEED, f=2)
    for o, obs in old.items():  # replayed into another round: the signature binds the old round
        assert net7.rejected(o, "oracles", "observe", {"round_id": "r4", "observation": obs}).detail.get("reason") == "BAD_OBSERVATION"
    answer(net7, "r4", {o: v for o, v in zip(ORACLES, HONEST) if o not in old})
    assert net7.close_later("r4")["result"]["value"] in HONEST


def test_f_plus_one_colluding_liars_make_the_round_fail_not_lie(net7: OracleNet) -> None:
    net7.request("r5", FEED, f=2)
    values = dict(zip(ORACLES, HONEST))
    for liar in ("ORACLE1", "ORACLE2", "ORACLE3"):
        values[liar] = 2_000  # "it stayed cold": three agree on a false value
    answer(net7, "r5", values)
    record = net7.round("r5")
    assert record["status"] == "failed" and record["result"]["value"] is None
    assert "2f+1" in record["result"]["reason"]


def test_f_plus_one_silent_make_the_round_fail(net7: OracleNet) -> None:
    net7.request("r6", FEED, f=2)
    answer(net7, "r6", {o: v for o, v in list(zip(ORACLES, HONEST))[:4]})
    closed = net7.close_later("r6")
    assert closed["status"] == "failed" and len(closed["result"]["missing"]) == 3


def test_accepted_round_can_be_rechecked_from_the_ledger_alone(net7: OracleNet) -> None:
    net7.request("r7", FEED, f=2)
    answer(net7, "r7", dict(zip(ORACLES, HONEST)))
    record = net7.node.get("oracles", "round/r7")["value"]
    keys = lambda org, key_id: net7.node.get("oracles", f"key/{org}|{key_id}")["value"]["public_key"]  # noqa: E731
    assert recheck_round(record, keys).value == record["result"]["value"]
    forged = {**record, "answers": {**record["answers"]}}
    forged["answers"]["ORACLE1"] = {**forged["answers"]["ORACLE1"],
                                    "body": {**forged["answers"]["ORACLE1"]["body"], "value": 99_000}}
    with pytest.raises(BaobabError) as info:
        recheck_round(forged, keys)
    assert info.value.code == "BAD_SIGNATURE"


def test_requests_exclude_oracles_below_the_reputation_threshold(net7: OracleNet) -> None:
    net7.request("r8", FEED, f=2)
    values = dict(zip(ORACLES, HONEST))
    values["ORACLE5"] = 50_000
    answer(net7, "r8", values)
    response = net7.request("r9", FEED, f=1, min_reputation=900)
    assert "ORACLE5" not in response["oracles"]
    assert response["excluded"] == [{"oracle": "ORACLE5", "reputation": 0}]


def test_a_round_needs_2f_plus_1_eligible_oracles(net7: OracleNet) -> None:
    err = net7.rejected("IBERJUS", "oracles", "request", {"round_id": "big", "feed": FEED, "f": 4,
                                                          "deadline": "2999-01-01T00:00:00Z"})
    assert err.code == "CONTRACT_ERROR" and "needs at least 9" in err.message


def test_only_oracles_asked_may_answer(net7: OracleNet) -> None:
    net7.request("r10", FEED, f=1, oracles=ORACLES[:4])
    obs = net7.observation("ORACLE7", FEED, 5000, "r10")
    assert net7.rejected("ORACLE7", "oracles", "observe", {"round_id": "r10", "observation": obs}).detail.get("reason") == "BAD_OBSERVATION"


def test_yes_no_rounds_take_the_majority(onet: OracleNet) -> None:
    feed = "port/NLRTM/delivered/MSKU1"
    onet.serve(feed, ORACLES[:4], kind="boolean", unit="yes/no", type="delivery")
    onet.request("d1", feed, f=1)
    for org, value in zip(ORACLES[:4], [True, True, False, True]):
        onet.ok(org, "oracles", "observe", {"round_id": "d1", "observation": onet.observation(org, feed, value, "d1")})
    result = onet.round("d1")["result"]
    assert result["value"] is True and result["outliers"] == ["ORACLE3"]
