"""Consent scenarios of the oracle contracts: the registry and rounds, conditional payments,
microinsurance. Oracles declare only their own feeds and keys; the payer binds itself to a
conditional payment and the insurer to a policy; observations, certificates and batches bind
by their signatures, so any member may transmit them."""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from typing import Any

from baobab.core.hashing import digest_hex, sha256
from baobab.core.keys import PrivateKey
from baobab.oracles.feed import Device, Reading
from baobab.oracles.observation import make_observation
from tests.security.consent.framework import Case, Scenarios, World

SCENARIOS = Scenarios()
O, CP, MI = "oracles", "conditional_payment", "microinsurance"
TELEMETRY = ["AEROTEMP", "COLDCHAIN", "PORTSENSE"]
PAYER, PAYEE = "IBERJUS", "DXB-JUICE"


def utc(delta_s: int = 0) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=delta_s)).strftime("%Y-%m-%dT%H:%M:%SZ")


def key_of(org: str, key_id: str) -> PrivateKey:
    return PrivateKey.from_seed(sha256(f"consent/{org}/{key_id}".encode()))


def oracle_orgs(world: World) -> list[str]:
    return sorted(o for o, r in world.orgs.items() if "oracle" in r["roles"])


def _key(world: World, org: str, kind: str = "device") -> str:
    key_id = world.unique("key")
    extra = {"holder": "Dr. Consent", "licence": "LIC-1"} if kind == "professional" else {}
    world.ok(org, O, "register_key", {"key_id": key_id, "public_key": key_of(org, key_id).public.text,
                                      "kind": kind, **extra})
    return key_id


def _feed(world: World, oracles: list[str], type: str = "temperature", unit: str = "mC") -> tuple[str, dict[str, str]]:
    """A fresh feed served by `oracles`, each with a fresh device key: (feed, {oracle: key id})."""
    feed = world.unique("consent/feed")
    keys = {}
    for org in oracles:
        keys[org] = _key(world, org)
        world.ok(org, O, "register_feed", {"feed": feed, "type": type, "kind": "number", "unit": unit,
                                           "source": "hardware"})
    return feed, keys


def _observation(org: str, key_id: str, feed: str, value: int, round_id: str | None, at: str | None = None) -> dict[str, Any]:
    return make_observation(key_of(org, key_id), oracle=org, key_id=key_id, feed=feed, value=value,
                            observed_at=at or utc(-30), evidence=digest_hex({"v": value, "by": org}),
                            round_id=round_id, nonce=os.urandom(6).hex())


def _round(world: World, opener: str = PAYER) -> tuple[str, str, dict[str, str]]:
    feed, keys = _feed(world, TELEMETRY)
    round_id = world.unique("consent-round")
    world.ok(opener, O, "request", {"round_id": round_id, "feed": feed, "f": 1, "tolerance": 500, "deadline": utc(60)})
    return round_id, feed, keys


# --- the registry ---------------------------------------------------------------------------

@SCENARIOS.add("oracles.register_feed")
def register_feed(world: World) -> Case:
    return Case({"feed": world.unique("consent/feed"), "type": "temperature", "kind": "number", "unit": "mC",
                 "source": "hardware"}, callers=["COLDCHAIN", *oracle_orgs(world)])


@SCENARIOS.add("oracles.register_key")
def register_key(world: World) -> Case:
    key_id = world.unique("key")
    return Case({"key_id": key_id, "public_key": key_of("COLDCHAIN", key_id).public.text, "kind": "device"},
                callers=["COLDCHAIN", *oracle_orgs(world)])


@SCENARIOS.add("oracles.revoke_key")
def revoke_key(world: World) -> Case:
    return Case({"key_id": _key(world, "COLDCHAIN"), "reason": "probe replaced"}, callers=["COLDCHAIN"])


@SCENARIOS.add("oracles.request")
def request(world: World) -> Case:
    feed, _ = _feed(world, TELEMETRY)
    return Case.any_member({"round_id": world.unique("consent-round"), "feed": feed, "f": 1, "deadline": utc(60)},
                           "KL-FOODS")


@SCENARIOS.add("oracles.observe")
def observe(world: World) -> Case:
    round_id, feed, keys = _round(world)
    return Case.any_member({"round_id": round_id, "observation": _observation("AEROTEMP", keys["AEROTEMP"], feed,
                                                                              5000, round_id)}, "SOUTHSEAS")


@SCENARIOS.add("oracles.report")
def report(world: World) -> Case:
    round_id, feed, keys = _round(world)
    observations = [_observation(o, keys[o], feed, 5000 + i, round_id) for i, o in enumerate(TELEMETRY[:2])]
    return Case.any_member({"round_id": round_id, "observations": observations}, "SOUTHSEAS")


@SCENARIOS.add("oracles.close")
def close(world: World) -> Case:
    feed, _ = _feed(world, TELEMETRY)
    round_id = world.unique("consent-round")
    world.ok(PAYER, O, "request", {"round_id": round_id, "feed": feed, "f": 1, "deadline": utc(20)})
    case = Case.any_member({"round_id": round_id}, "MY-CUSTOMS")
    case.as_of = (datetime.now(timezone.utc) + timedelta(seconds=40)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return case


def _batch(world: World) -> tuple[str, dict[str, Any]]:
    feed, keys = _feed(world, ["PORTSENSE"])
    device = Device("PORTSENSE", keys["PORTSENSE"], key_of("PORTSENSE", keys["PORTSENSE"]), feed, batch_size=4)
    [batch] = list(device.ingest(Reading(utc(-60 + i), 4000 + i) for i in range(4)))
    return feed, batch


@SCENARIOS.add("oracles.commit_batch")
def commit_batch(world: World) -> Case:
    return Case.any_member({"batch": _batch(world)[1]}, "SKYCARGO")


@SCENARIOS.add("oracles.round")
def round_(world: World) -> Case:
    round_id, _, _ = _round(world)
    return Case({"round_id": round_id}, callers=[PAYER, *TELEMETRY])


@SCENARIOS.add("oracles.feed")
def feed_(world: World) -> Case:
    return Case.any_member({"feed": _feed(world, ["COLDCHAIN"])[0]}, "RXIL")


@SCENARIOS.add("oracles.key")
def key_(world: World) -> Case:
    return Case.any_member({"oracle": "COLDCHAIN", "key_id": _key(world, "COLDCHAIN")}, "RXIL")


@SCENARIOS.add("oracles.reputation")
def reputation(world: World) -> Case:
    return Case.any_member({"oracle": "THERMOTRACE"}, "RXIL")


@SCENARIOS.add("oracles.batch")
def batch_(world: World) -> Case:
    feed, batch = _batch(world)
    world.ok("PORTSENSE", O, "commit_batch", {"batch": batch})
    return Case.any_member({"feed": feed, "oracle": "PORTSENSE", "seq": 1}, "RXIL")


@SCENARIOS.add("oracles.stream")
def stream(world: World) -> Case:
    feed, batch = _batch(world)
    world.ok("PORTSENSE", O, "commit_batch", {"batch": batch})
    return Case.any_member({"feed": feed, "oracle": "PORTSENSE"}, "RXIL")


# --- conditional payments ---------------------------------------------------------------------

def _agreement_args(world: World, feed: str) -> dict[str, Any]:
    return {"agreement_id": world.unique("consent/agreement"), "payer": PAYER, "payee": PAYEE, "amount": 10_000,
            "currency": "EUR", "reference": "consent", "condition": {"answer": "t", "at_most": 8000},
            "oracle_terms": {"t": {"feed": feed, "oracles": TELEMETRY, "f": 1, "tolerance": 500,
                                   "aggregation": "trimmed_median"}}, "expires": utc(86400)}


def _agreement(world: World, decide: bool = False) -> tuple[str, str | None]:
    """A pending agreement, or one released (its payment instructed): (id, its round)."""
    feed, keys = _feed(world, TELEMETRY)
    args = _agreement_args(world, feed)
    world.ok(PAYER, CP, "create", args)
    if not decide:
        return args["agreement_id"], None
    round_id = world.unique("consent-round")
    world.ok(PAYER, O, "request", {"round_id": round_id, "deadline": utc(60),
                                   "obligation": {"contract": CP, "id": args["agreement_id"], "answer": "t"}})
    for i, org in enumerate(TELEMETRY):
        world.ok(org, O, "observe", {"round_id": round_id, "observation": _observation(org, keys[org], feed, 5000 + i,
                                                                                      round_id)})
    world.ok(PAYER, CP, "evaluate", {"agreement_id": args["agreement_id"]})
    return args["agreement_id"], round_id


@SCENARIOS.add("conditional_payment.create")
def create(world: World) -> Case:
    return Case(_agreement_args(world, _feed(world, TELEMETRY)[0]), callers=[PAYER])


@SCENARIOS.add("conditional_payment.evaluate")
def evaluate(world: World) -> Case:
    return Case({"agreement_id": _agreement(world)[0]}, callers=[PAYER, PAYEE])


@SCENARIOS.add("conditional_payment.get")
def get_agreement(world: World) -> Case:
    return Case({"agreement_id": _agreement(world)[0]}, callers=[PAYER, PAYEE])


@SCENARIOS.add("conditional_payment.owed_on_round")
def owed_on_round(world: World) -> Case:
    return Case.any_member({"round_id": _round(world)[0]}, "KLTB")


@SCENARIOS.add("conditional_payment.payment_settled")
def cp_settled(world: World) -> Case:
    return Case({"obligation": _agreement(world, decide=True)[0], "reference": "TRF-1"}, callers=[PAYER])


@SCENARIOS.add("conditional_payment.payment_failed")
def cp_failed(world: World) -> Case:
    return Case({"obligation": _agreement(world, decide=True)[0], "reason": "3204 no FSP"}, callers=[PAYER])


@SCENARIOS.add("conditional_payment.payment")
def cp_payment(world: World) -> Case:
    return Case({"obligation": _agreement(world, decide=True)[0]}, callers=[PAYER, PAYEE])


# --- microinsurance ---------------------------------------------------------------------------

INSURER = "MICRO-INS"


def insurers(world: World) -> list[str]:
    return [INSURER, *sorted(o for o, r in world.orgs.items() if "insurer" in r["roles"] and o != INSURER)]


def _life_args(world: World) -> dict[str, Any]:
    return {"policy_id": world.unique("life"), "insured": world.unique("person"), "beneficiary": "ET-MOMO",
            "beneficiary_account": "+251911000111", "sum_assured": 2_000_000, "currency": "ETB",
            "certifiers": ["ET-HEALTH"], "expires": utc(365 * 86400)}


def _certificate(world: World, insured: str) -> dict[str, Any]:
    key_id = _key(world, "ET-HEALTH", "professional")
    return make_observation(key_of("ET-HEALTH", key_id), oracle="ET-HEALTH", key_id=key_id, feed=f"death/{insured}",
                            value=True, observed_at=utc(2), evidence=digest_hex({"certificate": insured}),
                            round_id=None, nonce=os.urandom(6).hex())


def _claimed(world: World) -> str:
    args = _life_args(world)
    world.ok(INSURER, MI, "issue_life", args)
    world.ok("ET-HEALTH", MI, "claim_death", {"policy_id": args["policy_id"],
                                              "certificate": _certificate(world, args["insured"])})
    return f"{args['policy_id']}/claim"


@SCENARIOS.add("microinsurance.issue_life")
def issue_life(world: World) -> Case:
    return Case(_life_args(world), callers=insurers(world))


@SCENARIOS.add("microinsurance.claim_death")
def claim_death(world: World) -> Case:
    args = _life_args(world)
    world.ok(INSURER, MI, "issue_life", args)
    return Case.any_member({"policy_id": args["policy_id"], "certificate": _certificate(world, args["insured"])},
                           "ZM-AGRI")


def _crop_args(world: World, feed: str) -> dict[str, Any]:
    return {"policy_id": world.unique("crop"), "season_start": utc(-200 * 86400), "season_end": utc(-3600),
            "threshold": 500, "currency": "ZMW", "expires": utc(86400),
            "oracle_terms": {"feed": feed, "oracles": ["MET-ZM"], "f": 0, "tolerance": 50,
                             "aggregation": "trimmed_median"},
            "farmers": [{"farmer": "+260971000001", "provider": "ZM-MOMO", "payout": 45_000}]}


@SCENARIOS.add("microinsurance.issue_crop")
def issue_crop(world: World) -> Case:
    feed, _ = _feed(world, ["MET-ZM"], type="rainfall", unit="0.1mm")
    return Case(_crop_args(world, feed), callers=insurers(world))


@SCENARIOS.add("microinsurance.settle_crop")
def settle_crop(world: World) -> Case:
    feed, keys = _feed(world, ["MET-ZM"], type="rainfall", unit="0.1mm")
    args = _crop_args(world, feed)
    world.ok(INSURER, MI, "issue_crop", args)
    round_id = world.unique("consent-rain")
    world.ok(INSURER, O, "request", {"round_id": round_id, "deadline": utc(60),
                                     "obligation": {"contract": MI, "id": args["policy_id"], "answer": "rainfall"}})
    world.ok("MET-ZM", O, "observe", {"round_id": round_id,
                                      "observation": _observation("MET-ZM", keys["MET-ZM"], feed, 320, round_id)})
    return Case.any_member({"policy_id": args["policy_id"]}, "ZM-AGRI")


@SCENARIOS.add("microinsurance.owed_on_round")
def mi_owed_on_round(world: World) -> Case:
    return Case.any_member({"round_id": _round(world)[0]}, "KLTB")


@SCENARIOS.add("microinsurance.get")
def get_policy(world: World) -> Case:
    args = _life_args(world)
    world.ok(INSURER, MI, "issue_life", args)
    return Case({"policy_id": args["policy_id"]}, callers=[INSURER, "ET-MOMO", "ET-HEALTH"])


@SCENARIOS.add("microinsurance.payment_settled")
def mi_settled(world: World) -> Case:
    return Case({"obligation": _claimed(world), "reference": "TRF-9"}, callers=[INSURER])


@SCENARIOS.add("microinsurance.payment_failed")
def mi_failed(world: World) -> Case:
    return Case({"obligation": _claimed(world), "reason": "3204 no FSP"}, callers=[INSURER])


@SCENARIOS.add("microinsurance.payment")
def mi_payment(world: World) -> Case:
    return Case({"obligation": _claimed(world)}, callers=[INSURER, "ET-MOMO"])
