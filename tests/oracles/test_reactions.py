"""Reactions instead of a keeper: when a round of an agreement is decided, the payer's node
evaluates it without anyone calling evaluate, once, across restarts. Driven by run_once(): no sleeps."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timedelta, timezone

from baobab.reactors import STATE_FILE

from tests.oracles.conftest import ORACLES, OracleNet, agreement, open_for, terms, utc

FEED = "uld/AKE1/temp-max"


def decide(net: OracleNet, agreement_id: str, answer: str, values: list[int]) -> None:
    open_for(net, f"{agreement_id}-{answer}", "conditional_payment", agreement_id, answer)
    net.answer(f"{agreement_id}-{answer}", FEED, dict(zip(ORACLES[:4], values)))


def status(net: OracleNet, agreement_id: str) -> dict:
    return net.query("IBERJUS", "conditional_payment", "get", {"agreement_id": agreement_id})


def decisions(net: OracleNet) -> Counter:
    """How many times each agreement was decided, from the whole ledger's events."""
    counted: Counter = Counter()
    for event in net.node.events(0):
        if event["contract"] == "conditional_payment" and event["name"] == "payment_withheld":
            counted[event["payload"]["agreement"]] += 1
        elif event["contract"] == "conditional_payment" and event["name"] == "payment_instructed":
            counted[event["payload"]["obligation"]] += 1
    return counted


def test_a_decided_round_instructs_the_payment_without_anyone_calling_evaluate(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    reactor = onet.reactor()
    both = {"all": [{"answer": "t1", "at_most": 8000}, {"answer": "t2", "at_most": 8000}]}
    agreement(onet, "a1", both, {"t1": terms(FEED), "t2": terms(FEED)})
    assert reactor.run_once() == []
    decide(onet, "a1", "t1", [7100, 7200, 30_000, 7150])  # one liar says it was hot
    assert reactor.run_once() == [] and status(onet, "a1")["status"] == "pending"  # t2 still open: no transaction
    decide(onet, "a1", "t2", [6900, 7000, 7050, 6950])
    [done] = reactor.run_once()
    assert (done["org"], done["function"], done["outcome"]) == ("IBERJUS", "evaluate", "performed")
    record = status(onet, "a1")
    assert record["status"] == "released" and record["payment"] == "a1"
    assert reactor.run_once() == [] and decisions(onet) == {"a1": 1}


def test_a_breached_condition_withholds_the_payment_by_reaction(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    reactor = onet.reactor()
    agreement(onet, "a2", {"answer": "t", "at_most": 8000}, {"t": terms(FEED)})
    decide(onet, "a2", "t", [9400, 9450, 7000, 9500])  # one liar says it stayed cold
    reactor.run_once()
    record = status(onet, "a2")
    assert record["status"] == "withheld" and "is not at most 8000" in record["reasons"][0]


def test_after_a_crash_nothing_is_missed_and_nothing_decided_twice(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    for n in (1, 2):
        agreement(onet, f"r{n}", {"answer": "t", "at_most": 8000}, {"t": terms(FEED)})
    reactor = onet.reactor()
    decide(onet, "r1", "t", [7000, 7010, 7020, 7030])
    assert [d["outcome"] for d in reactor.run_once()] == ["performed"]
    (onet.path / STATE_FILE).write_text(json.dumps({"next_block": 0, "due": []}))  # died before saving its place
    onet.reopen()
    decide(onet, "r2", "t", [9000, 9010, 9020, 9030])
    again = {d["args"]["agreement_id"]: d["outcome"] for d in onet.reactor().run_once()}
    assert again == {"r2": "performed"}  # r1's block read again: decided already, so nothing owed on it
    assert decisions(onet) == {"r1": 1, "r2": 1}
    assert onet.reactor().run_once() == []


def test_a_node_performs_only_the_reactions_of_its_own_organisations(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    agreement(onet, "a6", {"answer": "t", "at_most": 8000}, {"t": terms(FEED)})
    decide(onet, "a6", "t", [7000, 7010, 7020, 7030])
    assert onet.reactor(orgs=["AEBANK", "DXB-JUICE"]).run_once() == []
    assert status(onet, "a6")["status"] == "pending"


def later(seconds: int) -> datetime:
    return datetime.now(timezone.utc) + timedelta(seconds=seconds)


def test_an_agreement_still_undecided_at_expiry_is_withheld_by_the_payers_node(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    agreement(onet, "a8", {"answer": "t", "at_most": 8000}, {"t": terms(FEED)}, expires=utc(60))
    assert onet.reactor().run_once() == []  # not expired yet: kept for later, nothing done
    [done] = onet.reactor(clock=lambda: later(120)).run_once()  # a restarted node, two minutes on
    assert (done["org"], done["function"], done["outcome"]) == ("IBERJUS", "evaluate", "performed")
    record = status(onet, "a8")
    assert record["status"] == "withheld" and "expired" in record["reasons"][0]
    assert decisions(onet) == {"a8": 1}


def test_a_round_not_fully_answered_by_its_deadline_is_closed_by_its_openers_node(onet: OracleNet) -> None:
    onet.serve(FEED, ORACLES[:4])
    agreement(onet, "a9", {"answer": "t", "at_most": 8000}, {"t": terms(FEED)})
    open_for(onet, "a9-t", "conditional_payment", "a9", "t")  # deadline in 60 s
    onet.answer("a9-t", FEED, dict(zip(ORACLES[:3], [7000, 7010, 7020])))  # ORACLE4 stays silent
    reactor = onet.reactor(clock=lambda: later(120))
    done = reactor.run_once() + reactor.run_once()
    assert [(d["org"], d["function"], d["outcome"]) for d in done] == [
        ("IBERJUS", "close", "performed"), ("IBERJUS", "evaluate", "performed")]  # the round decided, its agreement follows
    assert onet.round("a9-t")["result"]["missing"] == ["ORACLE4"] and status(onet, "a9")["status"] == "released"
