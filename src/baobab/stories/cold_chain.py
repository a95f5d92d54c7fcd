"""Story 2: fruit from India to Dubai, juice flown to Spain, paid only if the cold chain held.

MH-FRUITS ships mangoes in a reefer container from Nhava Sheva to DXB-JUICE in Jebel Ali;
DXB-JUICE presses them and SKYCARGO flies the chilled juice to IBERJUS in Madrid. IBERJUS, who
bears the risk, binds itself to pay DXB-JUICE (through its bank, ESBANK) if every leg stayed
between 2 °C and 8 °C, and fixes the oracle terms of each answer: four telemetry oracles
(COLDCHAIN, PORTSENSE, AEROTEMP, THERMOTRACE) report the lowest and highest temperature of each
leg, in milli-degrees Celsius, signed by their devices' keys; each round tolerates one faulty
oracle (f=1, so three must agree) and only IBERJUS opens the rounds.

Two shipments are played. In the first the chain holds and IBERJUS's payment is instructed,
although one oracle lies that the air leg was too warm. In the second the juice warmed up
on the tarmac and the payment is withheld, although one oracle lies that it stayed cold.
In both, the liar is marked as an outlier and its reputation falls. Nobody asks for the
payment decision: IBERJUS's node evaluates the agreement by reaction (`baobab.reactors`) as soon
as its last round is decided, and the story reads the decision (so it needs a node running its
reactor: `baobab up`, `baobab demo`, or the tests' `synchronous_actors`). A released payment is
a payment instruction, which IBERJUS's payments agent carries out.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any

from baobab.core.hashing import digest_hex, sha256
from baobab.core.keys import PrivateKey
from baobab.oracles.observation import make_observation
from baobab.stories import Actors, Story, StoryReport

ORACLES = ("COLDCHAIN", "PORTSENSE", "AEROTEMP", "THERMOTRACE")
BUYER, SELLER = "IBERJUS", "DXB-JUICE"
LEGS = {"sea": "reefer/MSKU7201453", "air": "uld/AKE44107SK"}
LOW, HIGH = 2_000, 8_000  # milli-degrees Celsius
TOLERANCE = 500  # honest sensors in one container agree within half a degree
DECISION_WAIT_S = 15.0  # how long to wait for the reactor's decision before calling the run failed


def device_key(org: str) -> PrivateKey:
    """The demo's device keys are derived from the organisation id so that replays find them again."""
    return PrivateKey.from_seed(sha256(f"baobab-demo/device/{org}".encode()))


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _setup(actors: Actors, report: StoryReport, progress: Callable[[str], None] | None) -> None:
    for org in ORACLES:
        oracle = actors(org)
        try:
            oracle.query("oracles", "key", {"oracle": org, "key_id": "reefer-probe-1"})
        except Exception:  # noqa: BLE001 - not registered yet on this network
            oracle.submit("oracles", "register_key", {"key_id": "reefer-probe-1", "kind": "device",
                                                      "public_key": device_key(org).public.text})
        for leg, asset in LEGS.items():
            for bound in ("min", "max"):
                oracle.submit("oracles", "register_feed", {
                    "feed": f"{asset}/temp-{bound}", "type": "temperature", "kind": "number", "unit": "mC",
                    "source": "hardware", "description": f"{bound}imum temperature of the {leg} leg, milli-degrees C"})
    report.step("four telemetry oracles registered their probes and the sea and air temperature feeds", progress)


def _decision(actor: Any, agreement: str) -> dict[str, Any]:
    """Nobody in the story calls `evaluate`: IBERJUS's node does, by reaction, when the last round
    is decided. Wait for its decision, bounded; a reactor run between commits (the tests) makes the first look
    find it decided, one in the background (`baobab up`) within a block or two."""
    pause, waited = 0.02, 0.0
    while True:
        record = actor.query("conditional_payment", "get", {"agreement_id": agreement})
        if record["status"] != "pending":
            return record
        if waited >= DECISION_WAIT_S:
            raise RuntimeError(f"agreement {agreement} still pending after {DECISION_WAIT_S:.0f} s: "
                               f"is a reactor running for {BUYER} (`baobab up` starts one)?")
        time.sleep(pause)
        waited, pause = waited + pause, min(pause * 2, 0.5)


def _shipment(actors: Actors, report: StoryReport, progress: Callable[[str], None] | None, name: str,
              truth: dict[str, tuple[int, int]], liar: str, lie: dict[str, tuple[int, int]]) -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    run = f"{name}-{now.strftime('%Y%m%d%H%M%S')}-{os.urandom(3).hex()}"
    rounds = {(leg, bound): f"{run}/{leg}-{bound}" for leg in LEGS for bound in ("min", "max")}
    condition = {"all": [
        {"answer": f"{leg}-min", "at_least": LOW} for leg in LEGS] + [
        {"answer": f"{leg}-max", "at_most": HIGH} for leg in LEGS]}
    oracle_terms = {f"{leg}-{bound}": {"feed": f"{LEGS[leg]}/temp-{bound}", "oracles": sorted(ORACLES), "f": 1,
                                       "tolerance": TOLERANCE, "aggregation": "trimmed_median",
                                       "min_reputation": 500, "openers": [BUYER]} for leg, bound in rounds}
    agreement = f"{run}/payment"
    actors(BUYER).submit("conditional_payment", "create", {
        "agreement_id": agreement, "payer": BUYER, "payee": SELLER, "amount": 4_850_000, "currency": "EUR",
        "reference": f"{name}: 12 t chilled mango juice, invoice DXBJ-{run[-6:]}", "condition": condition,
        "oracle_terms": oracle_terms, "expires": _utc(now + timedelta(days=60))})
    report.documents += 1
    report.step(f"{name}: IBERJUS binds itself to pay DXB-JUICE if both legs stay 2-8 °C, on four oracles, f=1", progress)
    deadline = _utc(now + timedelta(hours=6))
    for (leg, bound), round_id in rounds.items():
        actors(BUYER).submit("oracles", "request", {"round_id": round_id, "deadline": deadline, "obligation": {
            "contract": "conditional_payment", "id": agreement, "answer": f"{leg}-{bound}"}})
    report.step(f"{name}: IBERJUS asks the four oracles for each leg's lowest and highest temperature", progress)
    observed_at = _utc(now - timedelta(minutes=2))
    for (leg, bound), round_id in rounds.items():
        for i, org in enumerate(ORACLES):
            low, high = (lie if org == liar else truth)[leg]
            value = (low if bound == "min" else high) + (i * 37 if org != liar else 0)  # honest sensors differ a little
            log = {"asset": LEGS[leg], "bound": bound, "value": value, "oracle": org, "round": round_id}
            signed = make_observation(device_key(org), oracle=org, key_id="reefer-probe-1",
                                      feed=f"{LEGS[leg]}/temp-{bound}", value=value, observed_at=observed_at,
                                      evidence=digest_hex(log), round_id=round_id, nonce=os.urandom(8).hex())
            actors(org).submit("oracles", "observe", {"round_id": round_id, "observation": signed})
    for round_id in rounds.values():
        result = actors(BUYER).query("oracles", "round", {"round_id": round_id})["result"]
        for outlier in result["outliers"]:
            report.flags.append(f"{name}: {outlier} reported an outlier in {round_id.rsplit('/', 1)[1]}")
    report.step(f"{name}: each oracle's device signs its readings; every round is decided by 3 of 4", progress)
    decision = _decision(actors(SELLER), agreement)
    if decision["status"] in ("released", "paid"):  # paid: IBERJUS's payments agent has already carried it out
        report.payments += 1
        report.step(f"{name}: cold chain held, IBERJUS's node instructs the payment; its payments agent pays through the switch",
                    progress)
    else:
        report.flags.append(f"{name}: payment withheld: {'; '.join(decision['reasons'])}")
        report.step(f"{name}: a leg was too warm, IBERJUS's node withholds the payment, reason recorded", progress)
    return decision


def play(actors: Actors, report: StoryReport, progress: Callable[[str], None] | None = None) -> None:
    _setup(actors, report, progress)
    held = {"sea": (3_400, 6_100), "air": (3_900, 7_200)}
    too_warm = {"sea": (3_400, 6_100), "air": (4_100, 11_800)}
    first = _shipment(actors, report, progress, "shipment-1", held, liar="AEROTEMP", lie=too_warm)
    second = _shipment(actors, report, progress, "shipment-2", too_warm, liar="THERMOTRACE", lie=held)
    report.notes.append(f"shipment-1 {first['status']}, shipment-2 {second['status']}")
    rep = actors(BUYER).query("oracles", "reputation", {"oracle": "AEROTEMP"})
    report.notes.append(f"AEROTEMP reputation {rep['score']}/1000 after {rep['outliers']} outlier answers")


STORY = Story(2, "Fruit from India to Dubai, juice flown to Spain: payment follows the cold chain",
              "days to weeks of claims", play)
