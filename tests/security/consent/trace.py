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


# --- deliveries: a delivery is paid only by the organisation that captured it ---------------

MOMO, FARMER = "ET-MOMO", "https://id.gs1.org/417/9524321000019"


def _pay_args(world: World) -> dict[str, Any]:
    from baobab.trace.anchoring import root_of

    n = world.unique("D")
    event_hash = __import__("hashlib").sha256(n.encode()).hexdigest()
    batch = world.unique("SIDAMA-COOP/deliveries")
    world.ok(COOP, "epcis", "anchor", {"batch_id": batch, "merkle_root": root_of([event_hash]), "size": 1,
                                       "members": [COOP], "latest_event_time": "2026-01-05T08:00:00Z"})
    return {"delivery_id": n, "lot": f"https://id.gs1.org/01/09524321000019/10/{n}", "farmer": FARMER,
            "event_hash": event_hash, "batch_id": batch, "position": 0, "path": [], "wallet_provider": MOMO,
            "amount": {"currency": "ETB", "minor": 1_200_000}, "quantity_g": 100_000, "due": "2026-01-06"}


def _paid(world: World) -> str:
    args = _pay_args(world)
    world.ok(COOP, "deliveries", "pay_delivery", args)
    return str(args["delivery_id"])


@SCENARIOS.add("deliveries.pay_delivery")
def pay_delivery(world: World) -> Case:
    # only the capturer of the anchored delivery event pays it: not the roaster, not the wallet provider
    return Case(_pay_args(world), callers=[COOP])


@SCENARIOS.add("deliveries.payment_settled")
def settled(world: World) -> Case:
    return Case({"obligation": _paid(world), "reference": "TRF-6"}, callers=[COOP])


@SCENARIOS.add("deliveries.payment_failed")
def failed(world: World) -> Case:
    return Case({"obligation": _paid(world), "reason": "3204 no FSP"}, callers=[COOP])


@SCENARIOS.add("deliveries.payment")
def payment(world: World) -> Case:
    return Case({"obligation": _paid(world)}, callers=[COOP, MOMO])


@SCENARIOS.add("deliveries.delivery")
def delivery(world: World) -> Case:
    return Case.any_member({"delivery_id": _paid(world)}, "ROAST-NL")


@SCENARIOS.add("deliveries.deliveries_of")
def deliveries_of(world: World) -> Case:
    return Case.any_member({"buyer": COOP}, "ROAST-NL")


@SCENARIOS.add("deliveries.record_sale")
def record_sale(world: World) -> Case:
    return Case.any_member({"sale_id": world.unique("S"), "lot": "https://id.gs1.org/01/09524321000033/10/G1",
                            "stage": "export", "amount": {"currency": "USD", "minor": 600_000}, "quantity_g": 1_000_000,
                            "buyer": "ROAST-NL"}, COOP)


@SCENARIOS.add("deliveries.sales")
def sales(world: World) -> Case:
    return Case.any_member({"lot": "https://id.gs1.org/01/09524321000033/10/G1"}, "ROAST-NL")
