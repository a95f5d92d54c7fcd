"""The shapes of FSPIOP messages the switch sends: headers and transfer callback bodies."""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import Decimal
from email.utils import format_datetime
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.money import MINOR_UNITS, Money
from baobab.pay.errors import FSPIOP_ERRORS, FspiopError
from baobab.pay.switch import ABORTED, COMMITTED, Transfer, stamp

HUB_ID = "switch"  # the FSPIOP-Source of what the switch says itself


def content_type(resource: str) -> str:
    return f"application/vnd.interoperability.{resource}+json;version=1.1"


def to_fspiop_amount(currency: str, minor: int) -> dict[str, str]:
    """{currency, amount} with the decimal string FSPIOP wants (no trailing zeros)."""
    text = format(Decimal(minor).scaleb(-MINOR_UNITS[currency]).normalize(), "f")
    return {"currency": currency, "amount": text}


def from_fspiop_amount(amount: dict[str, Any]) -> dict[str, Any]:
    try:
        money = Money.parse(amount["amount"], amount["currency"])
    except BaobabError as exc:
        raise FspiopError("3101", exc.message) from None
    return {"currency": money.currency, "minor": money.minor}


def addressed(headers: dict[str, str], destination: str) -> dict[str, str]:
    """A forwarded message's headers, sent on to `destination` (one FSPIOP-Destination, whatever its case)."""
    return {**{k: v for k, v in headers.items() if k.lower() != "fspiop-destination"}, "FSPIOP-Destination": destination}


def callback_headers(resource: str, source: str, destination: str) -> dict[str, str]:
    """Headers of a callback: RFC 7231 Date, the resource's content type, who sends to whom."""
    return {"Content-Type": content_type(resource), "Date": format_datetime(datetime.now(timezone.utc), usegmt=True),
            "FSPIOP-Source": source, "FSPIOP-Destination": destination}


def transfer_body(t: Transfer) -> dict[str, Any]:
    """PUT /transfers/{ID}: the transfer's state (and fulfilment once committed)."""
    body: dict[str, Any] = {"transferState": t.state,
                            "completedTimestamp": t.completed_at or stamp(datetime.now(timezone.utc))}
    if t.state == COMMITTED and t.fulfilment:
        body["fulfilment"] = t.fulfilment
    if t.state == ABORTED and t.error_code in FSPIOP_ERRORS:
        body["extensionList"] = {"extension": [
            {"key": "cause", "value": f"{t.error_code}: {FSPIOP_ERRORS[t.error_code][0]}"[:128]}]}
    return body
