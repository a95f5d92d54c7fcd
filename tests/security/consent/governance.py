"""Consent scenarios of the governance contract: admins propose and approve, members rotate their own keys."""

from __future__ import annotations

from baobab.core.keys import PrivateKey
from tests.security.consent.framework import Case, Scenarios, World

SCENARIOS = Scenarios()
G = "governance"
HARMLESS = {"action": "set_governance", "args": {"proposal_ttl_s": 7 * 24 * 3600}}  # the genesis value again


def _proposal(world: World, by: str = "KLTB") -> str:
    return world.ok(by, G, "propose", HARMLESS)["proposal"]  # type: ignore[no-any-return]


@SCENARIOS.add("governance.propose")
def propose(world: World) -> Case:
    return Case({"action": "suspend_org", "args": {"org_id": "PAMPA-AGRO", "reason": "sanctions screening"}},
                callers=list(world.admins))


@SCENARIOS.add("governance.approve")
def approve(world: World) -> Case:
    # the proposer has approved already; only the other admins may
    return Case({"proposal": _proposal(world)}, callers=[a for a in world.admins if a != "KLTB"])


@SCENARIOS.add("governance.withdraw")
def withdraw(world: World) -> Case:
    return Case({"proposal": _proposal(world)}, callers=["KLTB"])


@SCENARIOS.add("governance.rotate_keys")
def rotate_keys(world: World) -> Case:
    # every member rotates its own keys only: the act names no other organisation
    return Case.any_member({"clients": {"spare": PrivateKey.generate().public.text}}, "T3-CHEM")


@SCENARIOS.add("governance.proposal")
def proposal(world: World) -> Case:
    return Case.any_member({"proposal": _proposal(world)}, "PAMPA-AGRO")


@SCENARIOS.add("governance.get_org")
def get_org(world: World) -> Case:
    return Case.any_member({"org_id": "KLTB"}, "PAMPA-AGRO")


@SCENARIOS.add("governance.list_orgs")
def list_orgs(world: World) -> Case:
    return Case.any_member({}, "PAMPA-AGRO")


@SCENARIOS.add("governance.config")
def config(world: World) -> Case:
    return Case.any_member({}, "PAMPA-AGRO")
