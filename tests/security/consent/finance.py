"""Consent scenarios of the finance contracts: the duplicate-financing registry and supply-chain finance."""

from __future__ import annotations

import datetime as dt
from typing import Any

from baobab.risk.fingerprints import NetworkKey, fingerprint
from tests.security.consent.framework import Case, Scenarios, World

SCENARIOS = Scenarios()
REG, SCF = "financing_registry", "scf"
KEY = NetworkKey(b"k" * 32)  # epoch 0, the network's epoch unless governance changes it
ANCHOR, SUPPLIER, BANK = "SZ-AUTO", "T1-SEATS", "SZBANK"
BANKS = ["RXIL", "ATREDS", "M1X"]


# --- the registry -------------------------------------------------------------------

def _fingerprints(world: World) -> dict[str, Any]:
    invoice = {"seller": "Pune Precision Tools Pvt Ltd", "buyer": "Nashik Auto Components Ltd",
               "number": world.unique("PPT/2025"), "date": "2025-03-05", "currency": "INR", "amount": "12,50,000.00"}
    return fingerprint(invoice, KEY).to_json()


def _registration(world: World, platform: str = "RXIL") -> str:
    return world.ok(platform, REG, "register", {"kind": "invoice", "fingerprints": _fingerprints(world)})["registration"]  # type: ignore[no-any-return]


@SCENARIOS.add("financing_registry.config")
def config(world: World) -> Case:
    return Case.any_member({}, "PUNE-TOOLS")


@SCENARIOS.add("financing_registry.register")
def register(world: World) -> Case:
    banks = [o for o, r in world.orgs.items() if "bank" in r["roles"]]
    return Case({"kind": "invoice", "fingerprints": _fingerprints(world)}, callers=["RXIL", *banks])


@SCENARIOS.add("financing_registry.finance")
def finance(world: World) -> Case:
    return Case({"registration": _registration(world)}, callers=["RXIL"])


@SCENARIOS.add("financing_registry.mark_repaid")
def mark_repaid(world: World) -> Case:
    registration = _registration(world)
    world.ok("RXIL", REG, "finance", {"registration": registration})
    return Case({"registration": registration}, callers=["RXIL"])


@SCENARIOS.add("financing_registry.cancel")
def cancel(world: World) -> Case:
    return Case({"registration": _registration(world)}, callers=["RXIL"])


@SCENARIOS.add("financing_registry.registration")
def registration(world: World) -> Case:
    return Case({"registration": _registration(world)}, callers=["RXIL"])


@SCENARIOS.add("financing_registry.registrations")
def registrations(world: World) -> Case:
    return Case.any_member({}, "ATREDS")


@SCENARIOS.add("financing_registry.refusals")
def refusals(world: World) -> Case:
    return Case.any_member({}, "M1X")


# --- supply-chain finance -----------------------------------------------------------

def _due(days: int = 60) -> str:
    return (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=days)).isoformat()


def _programme(world: World) -> str:
    if "scf.programme" not in world.memo:
        name = world.unique("SEATS")
        world.ok(ANCHOR, SCF, "open_programme", {"programme": name, "currency": "CNY", "banks": [BANK, "GDBANK"],
                                                 "max_tenor_days": 180, "max_rate_bp": 900})
        world.memo["scf.programme"] = name
    return world.memo["scf.programme"]  # type: ignore[no-any-return]


def _claim(world: World, amount: int = 1_000_000) -> str:
    return world.ok(ANCHOR, SCF, "confirm", {"programme": _programme(world), "supplier": SUPPLIER,  # type: ignore[no-any-return]
                                             "invoice_number": world.unique("GS"), "amount": amount,
                                             "currency": "CNY", "due_date": _due()})["claim"]


def _offered(world: World) -> str:
    claim = _claim(world)
    world.ok(SUPPLIER, SCF, "offer_discount", {"claim_id": claim, "bank": BANK, "rate_bp": 450})
    return claim


@SCENARIOS.add("scf.open_programme")
def open_programme(world: World) -> Case:
    return Case.any_member({"programme": world.unique("P"), "currency": "CNY", "banks": [BANK], "max_tenor_days": 90,
                            "max_rate_bp": 500}, ANCHOR)


@SCENARIOS.add("scf.confirm")
def confirm(world: World) -> Case:
    # any member confirms under its own programme; this programme is SZ-AUTO's
    return Case({"programme": _programme(world), "supplier": SUPPLIER, "invoice_number": world.unique("GS"),
                 "amount": 500, "currency": "CNY", "due_date": _due()}, callers=[ANCHOR])


@SCENARIOS.add("scf.split")
def split(world: World) -> Case:
    return Case({"claim_id": _claim(world), "amounts": [400_000, 600_000]}, callers=[SUPPLIER])


@SCENARIOS.add("scf.transfer")
def transfer(world: World) -> Case:
    return Case({"claim_id": _claim(world), "to": "T2-FOAM"}, callers=[SUPPLIER])


@SCENARIOS.add("scf.offer_discount")
def offer_discount(world: World) -> Case:
    return Case({"claim_id": _claim(world), "bank": BANK, "rate_bp": 450}, callers=[SUPPLIER])


@SCENARIOS.add("scf.accept_discount")
def accept_discount(world: World) -> Case:
    return Case({"claim_id": _offered(world)}, callers=[BANK])


@SCENARIOS.add("scf.withdraw_offer")
def withdraw_offer(world: World) -> Case:
    return Case({"claim_id": _offered(world)}, callers=[SUPPLIER, BANK])


@SCENARIOS.add("scf.pay")
def pay(world: World) -> Case:
    return Case({"claim_id": _claim(world)}, callers=[ANCHOR])


def _maturity(world: World) -> str:
    claim = _claim(world)
    return world.ok(ANCHOR, SCF, "pay", {"claim_id": claim})["instructions"][0]["obligation"]  # type: ignore[no-any-return]


@SCENARIOS.add("scf.payment_settled")
def payment_settled(world: World) -> Case:
    return Case({"obligation": _maturity(world), "reference": "CNAPS-1"}, callers=[ANCHOR])


@SCENARIOS.add("scf.payment_failed")
def payment_failed(world: World) -> Case:
    return Case({"obligation": _maturity(world), "reason": "3100 payee account closed"}, callers=[ANCHOR])


@SCENARIOS.add("scf.payment")
def payment(world: World) -> Case:
    return Case({"obligation": _maturity(world)}, callers=[ANCHOR, SUPPLIER])


@SCENARIOS.add("scf.claim")
def claim(world: World) -> Case:
    return Case({"claim_id": _claim(world)}, callers=[ANCHOR, SUPPLIER])


@SCENARIOS.add("scf.holdings")
def holdings(world: World) -> Case:
    return Case.any_member({}, SUPPLIER)


@SCENARIOS.add("scf.tree")
def tree(world: World) -> Case:
    return Case({"claim_id": _claim(world)}, callers=[ANCHOR])
