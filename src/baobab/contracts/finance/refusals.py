"""Why the finance contracts refuse: their declared reasons and the one way to raise them."""

from __future__ import annotations

from typing import Any

from baobab.ledger.contract import ContractError, Reason

FINANCE_REASONS = {
    "FORBIDDEN": Reason("forbidden", "The caller may not act on this record"),
    "BAD_ARGUMENT": Reason("invalid", "An argument breaks a rule of the contract"),
    "MALFORMED": Reason("invalid", "The fingerprint set is not well formed"),
    "BAD_INVOICE": Reason("invalid", "Not a financeable document kind"),
    "BAD_MONEY": Reason("invalid", "An amount or currency breaks a rule of the contract"),
    "UNKNOWN_ORG": Reason("invalid", "An organisation named is not an active member"),
    "WRONG_STATUS": Reason("conflict", "Not allowed in the record's current status"),
    "ALREADY_REGISTERED": Reason("conflict", "The platform has already registered this document"),
    "DOUBLE_FINANCING": Reason("conflict", "Another platform has financed this document"),
    "ALREADY_TRANSFERRED": Reason("conflict", "The caller no longer holds the claim"),
}


def refuse(reason: str, message: str, **detail: Any) -> ContractError:
    """The refusal `reason` (one of FINANCE_REASONS or the common ones) with its message."""
    return ContractError(message, reason=reason, **detail)
