"""The keeper: conditional payments and crop policies are decided as soon as their rounds are,
without anyone calling evaluate, exactly once, across restarts. Driven by run_once(): no sleeps."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import datetime, timedelta, timezone

from baobab.keeper import STATE_FILE, Keeper, KeeperThread
from tests.oracles.conftest import ORACLES, OracleNet, utc

FEED = "uld/AKE1/temp-max"
RAIN = "rainfall/ZM-southern/season-2026"


def decide(net: OracleNet, round_id: str, values: list[int]) -> None:
    net.request(round_id, FEED, f=1, oracles=ORACLES[:4])
    for org, v in zip(ORACLES[:4], values):
        net.ok(org, "oracles", "observe", {"round_id": round_id, "observation": net.observation(org, FEED, v, round_id)})


def agree(net: OracleNet, agreement_id: str, condition: dict, expires: str | None = None) -> None:
    net.ok("ESBANK", "conditional_payment", "create", {
        "agreement_id": agreement_id, "payer": "IBERJUS", "payee": "DXB-JUICE", "amount": 1_250_000,
        "currency": "EUR", "reference": f"INV-{agreement_id}", "condition": condition,
        "expires": expires or utc(86400)})


def status(net: OracleNet, agreement_id: str) -> dict:
    return net.query("IBERJUS", "conditional_payment", "get", {"agreement_id": agreement_id})


def creator(net: OracleNet, tx_id: str) -> str:
    number, index, _ = net.node.store.tx(tx_id)
    return net.node.block(number)["transactions"][index]["proposal"]["creator"]


def decisions(net: OracleNet) -> Counter:
    """How many times each agreement was decided, from the whole ledger's events."""
    counted: Counter = Counter()
    for event in net.node.events(0):
        if event["contract"] == "conditional_payment" and event["name"] == "payment_withheld":
            counted[event["payload"]["agreement"]] += 1
        elif event["contract"] == "conditional_payment" and event["name"] == "payment_instruction":
            counted[event["payload"]["source"].split("/", 1)[1]] += 1
    return counted


def test_a_decided_round_releases_the_payment_without_anyone_calling_evaluate(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    keeper = Keeper(onet.node, onet.path)
    agree(onet, "a1", {"all": [{"answer": "t1", "at_most": 8000}, {"answer": "t2", "at_most": 8000}]})
    assert keeper.run_once() == []  # nothing decided yet: no transaction at all
    decide(onet, "t1", [7100, 7200, 30_000, 7150])  # one liar says it was hot
    assert keeper.run_once() == [] and status(onet, "a1")["status"] == "pending"  # t2 still open
    decide(onet, "t2", [6900, 7000, 7050, 6950])
    [action] = keeper.run_once()
    assert action["outcome"] == "released" and action["function"] == "conditional_payment.evaluate"
    assert creator(onet, action["tx_id"]) == "ESBANK/app"  # signed by the payer bank
    record = status(onet, "a1")
    assert record["status"] == "released" and record["instruction"]["amount"] == {"currency": "EUR", "minor": 1_250_000}
    assert keeper.run_once() == [] and decisions(onet) == {"a1": 1}


def test_a_breached_condition_withholds_the_payment_with_the_reasons(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    keeper = Keeper(onet.node, onet.path)
    agree(onet, "a2", {"answer": "t3", "at_most": 8000})
    decide(onet, "t3", [9400, 9450, 7000, 9500])  # one liar says it stayed cold
    [action] = keeper.run_once()
    record = status(onet, "a2")
    assert action["outcome"] == record["status"] == "withheld"
    assert "is not at most 8000" in record["reasons"][0] and record["instruction"] is None


def test_an_agreement_on_rounds_already_decided_is_evaluated_when_created(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    decide(onet, "t4", [5000, 5100, 5050, 5020])
    keeper = Keeper(onet.node, onet.path)
    assert keeper.run_once() == []
    agree(onet, "a4", {"answer": "t4", "between": [2000, 8000]})
    assert [a["outcome"] for a in keeper.run_once()] == ["released"]


def test_restarts_neither_miss_nor_repeat_an_evaluation(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    for n in (1, 2, 3):
        agree(onet, f"r{n}", {"answer": f"round-{n}", "at_most": 8000})
    keeper = Keeper(onet.node, onet.path)
    decide(onet, "round-1", [7000, 7010, 7020, 7030])
    assert [a["args"]["agreement_id"] for a in keeper.run_once()] == ["r1"]

    # a crash after submitting but before recording it: the state file is the one from before
    saved = onet.path / "before.json"
    shutil.copy(onet.path / STATE_FILE, saved)
    decide(onet, "round-2", [9000, 9010, 9020, 9030])
    assert [a["outcome"] for a in keeper.run_once()] == ["withheld"]
    shutil.copy(saved, onet.path / STATE_FILE)

    # the node restarts too, and the last round is decided while nothing runs
    onet.reopen()
    decide(onet, "round-3", [6000, 6010, 6020, 6030])
    again = Keeper(onet.node, onet.path)
    actions = {a["args"]["agreement_id"]: a["outcome"] for a in again.run_once()}
    assert actions == {"r2": "done", "r3": "released"}  # r2 was refused as already decided
    assert decisions(onet) == {"r1": 1, "r2": 1, "r3": 1}
    assert Keeper(onet.node, onet.path).run_once() == []  # a clean restart has nothing left to do


def test_expired_agreements_are_withheld(onet: OracleNet) -> None:
    agree(onet, "a5", {"answer": "never-asked", "is": True}, expires=utc(60))
    assert Keeper(onet.node, onet.path).run_once() == []  # not expired yet: waits
    later = datetime.now(timezone.utc) + timedelta(seconds=120)  # within the network's time window
    keeper = Keeper(onet.node, onet.path, clock=lambda: later)
    [action] = keeper.run_once()
    record = status(onet, "a5")
    assert action["outcome"] == record["status"] == "withheld" and "expired" in record["reasons"][0]
    assert decisions(onet) == {"a5": 1}


def test_a_keeper_acts_only_for_its_own_organisations(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    agree(onet, "a6", {"answer": "t6", "at_most": 8000})
    decide(onet, "t6", [7000, 7010, 7020, 7030])
    assert Keeper(onet.node, onet.path, orgs=["AEBANK"]).run_once() == []
    assert status(onet, "a6")["status"] == "pending"


def test_a_crop_policy_pays_its_farmers_when_the_rainfall_round_is_accepted(onet: OracleNet) -> None:
    onet.serve(RAIN, ["MET-ZM"], unit="0.1mm", type="rainfall")
    onet.ok("MICRO-INS", "microinsurance", "issue_crop", {
        "policy_id": "crop-k", "feed": RAIN, "season_start": utc(-200 * 86400), "season_end": utc(-3600),
        "threshold": 500, "currency": "ZMW", "expires": utc(86400),
        "farmers": [{"farmer": "wallet:ZM-MOMO:+260971000001", "payout": 45_000},
                    {"farmer": "wallet:ZM-MOMO:+260971000002", "payout": 30_000}]})
    keeper = Keeper(onet.node, onet.path)
    assert keeper.run_once() == []
    onet.ok("IBERJUS", "oracles", "request", {"round_id": "rain-k", "feed": RAIN, "f": 0, "deadline": utc(60)})
    onet.ok("MET-ZM", "oracles", "observe", {"round_id": "rain-k",
                                             "observation": onet.observation("MET-ZM", RAIN, 320, "rain-k")})
    [action] = keeper.run_once()
    assert action["outcome"] == "paid" and creator(onet, action["tx_id"]) == "MICRO-INS/app"
    policy = onet.query("MICRO-INS", "microinsurance", "get", {"policy_id": "crop-k"})
    assert policy["status"] == "paid" and len(policy["instructions"]) == 2


def test_the_background_keeper_stops_when_asked(onet: OracleNet) -> None:
    thread = KeeperThread(Keeper(onet.node, onet.path)).start()
    assert thread.is_alive()
    thread.stop()
    assert not thread.is_alive()
