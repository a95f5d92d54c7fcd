"""Consent scenarios of the core contracts: accounts, oversight (the access log), private records."""

from __future__ import annotations

import hashlib

from tests.security.consent.framework import Case, Scenarios, World

SCENARIOS = Scenarios()
A = "accounts"


def _account(world: World, bank: str, currency: str = "MYR", funds: int = 0, owner: str | None = None) -> str:
    """An account kept by `bank`, owned by `owner` (default: the bank itself)."""
    account = world.unique(f"{(owner or bank).lower()}-acct")
    world.ok(owner or bank, A, "open", {"account": account, "currency": currency, "bank": bank})
    if funds:
        world.ok(bank, A, "issue", {"account": account, "amount": funds})
    return account


@SCENARIOS.add("accounts.open")
def open_(world: World) -> Case:
    # any member opens an account it owns; naming a bank binds the bank to nothing
    return Case.any_member({"account": world.unique("acct"), "currency": "MYR", "bank": "KLTB"}, "KL-FOODS")


@SCENARIOS.add("accounts.issue")
def issue(world: World) -> Case:
    # not the owner, not another bank: only the bank that keeps the account
    return Case({"account": _account(world, "KLTB", owner="KL-FOODS"), "amount": 10**12}, callers=["KLTB"])


@SCENARIOS.add("accounts.transfer")
def transfer(world: World) -> Case:
    # not even the bank that keeps it moves the owner's money
    src, dst = _account(world, "KLTB", funds=500, owner="KL-FOODS"), _account(world, "BPLATA")
    return Case({"src": src, "dst": dst, "amount": 100}, callers=["KL-FOODS"])


@SCENARIOS.add("accounts.balance")
def balance(world: World) -> Case:
    return Case({"account": _account(world, "KLTB", funds=500, owner="KL-FOODS")}, callers=["KL-FOODS", "KLTB"])


@SCENARIOS.add("private_records.record")
def record(world: World) -> Case:
    digest = hashlib.sha256(world.unique("invoice").encode()).hexdigest()
    return Case({"ref": world.unique("inv"), "private_hash": digest, "members": ["PUNE-TOOLS", "RXIL"]},
                callers=["PUNE-TOOLS", "RXIL"])


@SCENARIOS.add("private_records.get")
def get(world: World) -> Case:
    ref = world.unique("inv")
    world.ok("PUNE-TOOLS", "private_records", "record",
             {"ref": ref, "private_hash": "ab" * 32, "members": ["PUNE-TOOLS", "RXIL"]})
    return Case({"ref": ref}, callers=["PUNE-TOOLS", "RXIL"])


@SCENARIOS.add("oversight.record_access")
def record_access(world: World) -> Case:
    # no application client may write the log: not even the supervisor's own (the node uses `audit`)
    account = _account(world, "KCBANK", "KES")
    version = world.node.get(A, f"acct/{account}")["version"]
    return Case({"reader": "CBK/app", "purpose": "liquidity review", "query": {"get": f"{A}:acct/{account}"},
                 "records": [{"key": f"{A}:acct/{account}", "version": version, "parties": ["KCBANK"]}]},
                callers=["CBK"], client="audit")


@SCENARIOS.add("oversight.accesses")
def accesses(world: World) -> Case:
    return Case({"party": "KCBANK"}, callers=["KCBANK"])
