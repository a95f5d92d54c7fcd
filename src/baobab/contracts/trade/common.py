"""Small helpers shared by the trade contracts (documents, credits, payment undertakings).

Rejections carry a stable `reason` in their detail: the node reports every contract
rejection as CONTRACT_ERROR, and `reason` says which rule refused it, so a client can key on
it the way it keys on error codes. Malformed arguments raise BaobabError directly
(BAD_ARGUMENT), like argument type errors do.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, NoReturn

from baobab.core.errors import BaobabError
from baobab.ledger.contract import Context, ContractError
from baobab.vocab.trade import DOCUMENT_TYPES  # noqa: F401 (re-exported to contract modules, which the audit keeps to baobab.contracts)

HEX64 = re.compile(r"[0-9a-f]{64}")
REF = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,63}")
ANY_MEMBER = {"role": "*"}  # endorsed by any one active organisation (the caller's own first)


def reject(reason: str, message: str, **detail: Any) -> NoReturn:
    raise ContractError(message, reason=reason, **detail)


def load_record(ctx: Any, key: str, label: str, not_found: str, *states: str) -> dict[str, Any]:
    """The record at `key`: refused with reason `not_found` if absent, or WRONG_STATE unless
    its status is one of `states` (any status when none are given)."""
    record = ctx.get(key)
    if record is None:
        reject(not_found, f"no {label}")
    if states and record["status"] not in states:
        reject("WRONG_STATE", f"{label} is {record['status']}; this step needs {' or '.join(states)}",
               status=record["status"])
    return record


def bad_argument(message: str) -> NoReturn:
    raise BaobabError("BAD_ARGUMENT", message)


def check_hash(value: str, name: str) -> str:
    if not HEX64.fullmatch(value):
        bad_argument(f"{name} must be 64 lowercase hex digits")
    return value


def check_ref(value: str, name: str) -> str:
    if not REF.fullmatch(value):
        bad_argument(f"{name} {value!r} must be 1-64 of A-Z a-z 0-9 . _ / - starting with a letter or digit")
    return value


def parse_date(value: str, name: str) -> date:
    try:
        if len(value) == 10:
            return date.fromisoformat(value)
    except ValueError:
        pass
    bad_argument(f"{name} {value!r} is not a date YYYY-MM-DD")


def tx_date(ctx: Context) -> date:
    """The transaction's date (UTC): the contract's 'today'."""
    return date.fromisoformat(ctx.timestamp[:10])


def org_record(ctx: Context, org: str) -> dict[str, Any]:
    """The active member organisation `org`, read from governance state, or a rejection."""
    record = ctx.read("governance", f"org/{org}") if isinstance(org, str) and org else None
    if record is None or record.get("status") != "active":
        reject("UNKNOWN_ORG", f"{org!r} is not an active member organisation", org=org)
    return record


def has_role(ctx: Context, org: str, role: str) -> bool:
    return role in org_record(ctx, org)["roles"]
