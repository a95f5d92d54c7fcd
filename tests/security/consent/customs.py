"""Consent scenarios of the customs contracts: a declaration is lodged by a trader, screened,
assessed and decided only by the customs it was lodged with, read by those two alone; its
duties are reported paid by the declarant (the payer) alone; a tariff is published by the customs
of its country; a certificate is issued by the authority of the origin country, sent by it, and
received, used or rejected by the importing customs alone."""

from __future__ import annotations

import hashlib
from typing import Any

from baobab.customs.schedules import demo_schedule
from baobab.demo import DEMO_ORGS
from tests.security.consent.framework import Case, Scenarios, World

SCENARIOS = Scenarios()
C = "customs_declarations"
IMPORTER, CUSTOMS = "ADDIS-IMPORT", "ET-CUSTOMS"
TRADERS = [IMPORTER] + [o["id"] for o in DEMO_ORGS if "trader" in o["roles"] and o["id"] != IMPORTER]
BROKERS = [o["id"] for o in DEMO_ORGS if "broker" in o["roles"]]
OFFICES = [CUSTOMS] + [o["id"] for o in DEMO_ORGS if "customs" in o["roles"] and o["id"] != CUSTOMS]
ITEM = {"hs_code": "852872", "description": "television receivers", "origin": "CN", "quantity": 400, "unit": "NAR",
        "value": {"currency": "USD", "minor": 7_200_000}}


def _lodge_args(world: World) -> dict[str, Any]:
    return {"declaration_id": world.unique("ET-IM-CONSENT"), "customs": CUSTOMS, "procedure": "import", "items": [ITEM],
            "countries": {"origin": "CN", "destination": "ET"}}


def _lodged(world: World, channel: str | None = None) -> str:
    args = _lodge_args(world)
    world.ok(IMPORTER, C, "lodge", args)
    if channel:
        world.ok(CUSTOMS, C, "screen", {"declaration_id": args["declaration_id"], "channel": channel})
    return str(args["declaration_id"])


@SCENARIOS.add("customs_declarations.lodge")
def lodge(world: World) -> Case:
    # any trader or broker lodges its own declaration (role-checked); a bank, a carrier or a customs office may not
    return Case(_lodge_args(world), callers=TRADERS + BROKERS)


@SCENARIOS.add("customs_declarations.screen")
def screen(world: World) -> Case:
    # only the office the declaration was lodged with: not the declarant, not another country's customs
    return Case({"declaration_id": _lodged(world), "channel": "red", "flags": ["unit value far below the range"]},
                callers=[CUSTOMS])


@SCENARIOS.add("customs_declarations.decide")
def decide(world: World) -> Case:
    return Case({"declaration_id": _lodged(world, "green"), "outcome": "rejected"}, callers=[CUSTOMS])


def _published(world: World) -> None:
    if "et-tariff" not in world.memo:
        world.ok(CUSTOMS, "customs_tariffs", "publish", {"schedule": demo_schedule("ET")})
        world.memo["et-tariff"] = True


def _assessed(world: World) -> str:
    _published(world)
    declaration_id = _lodged(world, "green")
    world.ok(CUSTOMS, C, "assess", {"declaration_id": declaration_id, "exchange_rate": "150"})
    return f"{declaration_id}/duties"


@SCENARIOS.add("customs_declarations.assess")
def assess(world: World) -> Case:
    _published(world)
    return Case({"declaration_id": _lodged(world, "green"), "exchange_rate": "150"}, callers=[CUSTOMS])


@SCENARIOS.add("customs_declarations.payment_settled")
def payment_settled(world: World) -> Case:
    # the declarant pays its duties; the customs (payee) cannot report the payment made
    return Case({"obligation": _assessed(world), "reference": "ET-MOMO-1"}, callers=[IMPORTER])


@SCENARIOS.add("customs_declarations.payment_failed")
def payment_failed(world: World) -> Case:
    return Case({"obligation": _assessed(world), "reason": "4001 payer FSP insufficient liquidity"}, callers=[IMPORTER])


@SCENARIOS.add("customs_declarations.payment")
def payment(world: World) -> Case:
    return Case({"obligation": _assessed(world)}, callers=[IMPORTER, CUSTOMS])


@SCENARIOS.add("customs_declarations.mine")
def mine(world: World) -> Case:
    # every trader or broker reads the declarations it lodged; no one else has any
    return Case({}, callers=TRADERS + BROKERS)


@SCENARIOS.add("customs_declarations.appoint_broker")
def appoint_broker(world: World) -> Case:
    # a trader appoints its own broker; a broker cannot appoint itself for a trader
    return Case({"broker": BROKERS[0]}, callers=TRADERS)


R = "customs_risk"


def _rule(world: World) -> dict[str, Any]:
    return {"id": world.unique("ORIGIN").replace("-", "_"), "kind": "origin", "channel": "yellow", "reason": "watch",
            "match": "CN"}


@SCENARIOS.add("customs_risk.set_rule")
def set_rule(world: World) -> Case:
    # every customs office keeps its own rules; no trader or bank writes them
    return Case({"rule": _rule(world)}, callers=OFFICES)


@SCENARIOS.add("customs_risk.enable_rule")
def enable_rule(world: World) -> Case:
    rule = _rule(world)
    world.ok(CUSTOMS, R, "set_rule", {"rule": rule})
    return Case({"rule_id": rule["id"]}, callers=OFFICES)


@SCENARIOS.add("customs_risk.record_outcome")
def record_outcome(world: World) -> Case:
    # only the office that controlled the declaration records what the control found
    return Case({"declaration_id": _lodged(world, "red"), "found": True}, callers=[CUSTOMS])


@SCENARIOS.add("customs_risk.rules")
def risk_rules(world: World) -> Case:
    return Case({}, callers=OFFICES)


@SCENARIOS.add("customs_risk.outcomes")
def outcomes(world: World) -> Case:
    return Case({}, callers=OFFICES)


@SCENARIOS.add("customs_risk.outcome")
def outcome(world: World) -> Case:
    declaration_id = _lodged(world, "red")
    world.ok(CUSTOMS, R, "record_outcome", {"declaration_id": declaration_id, "found": False})
    return Case({"declaration_id": declaration_id}, callers=[CUSTOMS])


@SCENARIOS.add("customs_tariffs.publish")
def publish(world: World) -> Case:
    # only Ethiopia's customs publishes Ethiopia's schedule
    return Case({"schedule": {**demo_schedule("ET"), "version": world.unique("ET-consent")}}, callers=[CUSTOMS])


@SCENARIOS.add("customs_tariffs.schedule")
def schedule(world: World) -> Case:
    _published(world)
    return Case.any_member({"country": "ET"}, IMPORTER)


KE, EXPORTER = "KE-CUSTOMS", "NAIVASHA"
CERTS = "customs_certificates"


def _issue_args(world: World) -> dict[str, Any]:
    """`issue` arguments of a certificate of origin for roses to Ethiopia, its document anchored by Kenya's customs."""
    certificate_id = world.unique("KE-CO-CONSENT")
    target = hashlib.sha256(certificate_id.encode()).hexdigest()
    world.ok(KE, "documents", "issue", {"target_hash": target, "merkle_root": target, "doc_type": "certificate_of_origin"})
    world.memo[certificate_id] = target
    return {"certificate_id": certificate_id, "kind": "origin", "target_hash": target, "importer": IMPORTER,
            "importing_customs": CUSTOMS, "countries": {"origin": "KE", "destination": "ET"}, "scheme": "AfCFTA",
            "goods": [{"hs_code": "060311", "quantity": 1_000, "unit": "PCE"}]}


def _certificate(world: World, until: str = "issued") -> str:
    """A certificate of origin from Kenya's customs, moved on to `until`."""
    args = _issue_args(world)
    certificate_id, target = args["certificate_id"], args["target_hash"]
    world.ok(KE, CERTS, "issue", args)
    if until in ("sent", "received"):
        world.ok(KE, CERTS, "send", {"certificate_id": certificate_id})
    if until == "received":
        world.ok(CUSTOMS, CERTS, "receive", {"certificate_id": certificate_id, "target_hash": target})
    return certificate_id


@SCENARIOS.add("customs_certificates.issue")
def issue(world: World) -> Case:
    return Case(_issue_args(world), callers=[KE])


@SCENARIOS.add("customs_certificates.send")
def send(world: World) -> Case:
    return Case({"certificate_id": _certificate(world)}, callers=[KE])


@SCENARIOS.add("customs_certificates.receive")
def receive(world: World) -> Case:
    certificate_id = _certificate(world, "sent")
    return Case({"certificate_id": certificate_id, "target_hash": world.memo[certificate_id]}, callers=[CUSTOMS])


@SCENARIOS.add("customs_certificates.utilise")
def utilise(world: World) -> Case:
    certificate_id = _certificate(world, "received")
    args = {**_lodge_args(world), "countries": {"origin": "KE", "destination": "ET"},
            "items": [{"hs_code": "060311", "description": "roses", "origin": "KE", "quantity": 1_000, "unit": "PCE",
                       "value": {"currency": "USD", "minor": 22_000}}]}
    world.ok(IMPORTER, C, "lodge", args)
    return Case({"certificate_id": certificate_id, "declaration_id": args["declaration_id"]}, callers=[CUSTOMS])


@SCENARIOS.add("customs_certificates.reject")
def reject(world: World) -> Case:
    return Case({"certificate_id": _certificate(world, "sent"), "reason": "the exporter is not the producer"},
                callers=[CUSTOMS])


@SCENARIOS.add("customs_certificates.get")
def get_certificate(world: World) -> Case:
    return Case({"certificate_id": _certificate(world)}, callers=[KE, IMPORTER, CUSTOMS])


@SCENARIOS.add("customs_certificates.addressed")
def addressed(world: World) -> Case:
    return Case.any_member({}, CUSTOMS)


@SCENARIOS.add("customs_declarations.get")
def get(world: World) -> Case:
    return Case({"declaration_id": _lodged(world)}, callers=[IMPORTER, CUSTOMS])


@SCENARIOS.add("customs_declarations.queue")
def queue(world: World) -> Case:
    # every customs office reads its own queue; no one else has one
    return Case({}, callers=OFFICES)


@SCENARIOS.add("customs_declarations.share")
def share(world: World) -> Case:
    # only the customs the export was lodged with shares it, with the customs of its destination
    args = {"declaration_id": world.unique("KE-EX-CONSENT"), "customs": "KE-CUSTOMS", "procedure": "export",
            "items": [{**ITEM, "origin": "KE"}], "countries": {"origin": "KE", "destination": "ET"}}
    world.ok(EXPORTER, C, "lodge", args)
    return Case({"declaration_id": args["declaration_id"], "customs": CUSTOMS}, callers=[KE])


@SCENARIOS.add("customs_declarations.shared")
def shared(world: World) -> Case:
    return Case({}, callers=OFFICES)
