"""Consent scenarios of the traceability contracts: a member anchors only the events it captured
itself (it must be among those it shares them with); a batch's root may be read by any member."""

from __future__ import annotations

from typing import Any

from tests.security.consent.framework import Case, Scenarios, World

SCENARIOS = Scenarios()
COOP = "SIDAMA-COOP"


def _anchor_args(world: World) -> dict[str, Any]:
    return {"batch_id": world.unique("SIDAMA-COOP/consent"), "merkle_root": "ab" * 32, "size": 3, "members": [COOP],
            "latest_event_time": "2026-01-05T08:00:00Z"}


@SCENARIOS.add("epcis.anchor")
def anchor(world: World) -> Case:
    return Case.any_member(_anchor_args(world), COOP)


@SCENARIOS.add("epcis.batch")
def batch(world: World) -> Case:
    args = _anchor_args(world)
    world.ok(COOP, "epcis", "anchor", args)
    return Case.any_member({"batch_id": args["batch_id"]}, "ROAST-NL")


@SCENARIOS.add("epcis.shared_with_me")
def shared_with_me(world: World) -> Case:
    return Case.any_member({}, "ROAST-NL")
