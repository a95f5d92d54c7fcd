"""Helper for tests that need a governance change: propose as one admin, approve as the others
until the quorum executes it (ledger/governance.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

# ok(org, function, args) -> the response of a VALID governance transaction signed by `org`
Ok = Callable[[str, str, dict[str, Any]], Any]


def govern(ok: Ok, admins: Sequence[str], action: str, args: dict[str, Any]) -> dict[str, Any]:
    """Propose `action` as admins[0] and approve it as the next admins until it executes."""
    response = ok(admins[0], "propose", {"action": action, "args": args})
    for admin in admins[1:]:
        if response["status"] == "executed":
            break
        response = ok(admin, "approve", {"proposal": response["proposal"]})
    assert response["status"] == "executed", response
    return response
