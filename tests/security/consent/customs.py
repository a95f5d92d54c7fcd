"""Consent scenarios of the customs contracts: a declaration is lodged by a trader, screened and
decided only by the customs it was lodged with, read by those two alone."""

from __future__ import annotations

from typing import Any

from baobab.demo import DEMO_ORGS
from tests.security.consent.framework import Case, Scenarios, World

SCENARIOS = Scenarios()
C = "customs_declarations"
IMPORTER, CUSTOMS = "ADDIS-IMPORT", "ET-CUSTOMS"
TRADERS = [IMPORTER] + [o["id"] for o in DEMO_ORGS if "trader" in o["roles"] and o["id"] != IMPORTER]
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
    # any trader lodges its own declaration (role-checked); a bank, a carrier or a customs office may not
    return Case(_lodge_args(world), callers=TRADERS)


@SCENARIOS.add("customs_declarations.screen")
def screen(world: World) -> Case:
    # only the office the declaration was lodged with: not the declarant, not another country's customs
    return Case({"declaration_id": _lodged(world), "channel": "red", "flags": ["unit value far below the range"]},
                callers=[CUSTOMS])


@SCENARIOS.add("customs_declarations.decide")
def decide(world: World) -> Case:
    return Case({"declaration_id": _lodged(world, "green"), "outcome": "released"}, callers=[CUSTOMS])


@SCENARIOS.add("customs_declarations.get")
def get(world: World) -> Case:
    return Case({"declaration_id": _lodged(world)}, callers=[IMPORTER, CUSTOMS])


@SCENARIOS.add("customs_declarations.queue")
def queue(world: World) -> Case:
    # every customs office reads its own queue; no one else has one
    return Case({}, callers=OFFICES)
