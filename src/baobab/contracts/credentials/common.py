"""Checks the credentials contracts share: money, a registered holder, a member, an id."""

from __future__ import annotations

import re
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.keys import PublicKey
from baobab.core.money import check_currency
from baobab.ledger.contract import Context, ContractError

ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_MINOR = 10**15


def check_id(value: Any, name: str) -> str:
    if not isinstance(value, str) or not ID.fullmatch(value):
        raise ContractError(f"{name} is 1-64 of A-Z a-z 0-9 _ . -")
    return value


def money(value: Any, name: str) -> dict[str, Any]:
    """{currency, minor} with a positive whole number of minor units."""
    if not isinstance(value, dict) or set(value) != {"currency", "minor"}:
        raise ContractError(f"{name} is {{currency, minor}}")
    minor = value["minor"]
    if not isinstance(minor, int) or isinstance(minor, bool) or not 0 < minor <= MAX_MINOR:
        raise ContractError(f"{name}.minor is a positive whole number of minor units")
    try:
        check_currency(value["currency"])
    except BaobabError as exc:
        raise ContractError(f"{name}: {exc.message}") from None
    return {"currency": value["currency"], "minor": minor}


def registered_holder(ctx: Context, public_key: Any) -> dict[str, Any]:
    """The holder record of a farmer's or small firm's key (credentials.register_holder)."""
    try:
        text = PublicKey.from_text(public_key).text
    except BaobabError:
        raise ContractError("the person's key is an Ed25519 public key in base64url", reason="UNKNOWN_HOLDER") from None
    record = ctx.read("credentials", f"holder/{text}")
    if record is None:
        raise ContractError("the person's key is not registered with a custodian", reason="UNKNOWN_HOLDER")
    return record  # type: ignore[no-any-return]


def member_with_role(ctx: Context, org: Any, role: str, what: str) -> str:
    record = ctx.read("governance", f"org/{org}") if isinstance(org, str) and org else None
    if record is None or role not in record.get("roles", []):
        raise ContractError(f"{what} {org!r} is not a member with role {role}")
    return org  # type: ignore[no-any-return]


def wallet_account(value: Any) -> str:
    """A mobile-money wallet as the payee account: its E.164 number."""
    if not isinstance(value, str) or not re.fullmatch(r"\+[1-9]\d{6,14}", value):
        raise ContractError("wallet is an E.164 phone number, e.g. +260971234567")
    return value
