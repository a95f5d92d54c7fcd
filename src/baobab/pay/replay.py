"""Freshness of signed FSPIOP requests: a captured request cannot be sent again.

An FSPIOP-Signature (pay/jws.py) covers the body and a protected header with the request's
`FSPIOP-Date`, but no nonce. The switch therefore admits a signed request only when

  - its signed date (the protected header's FSPIOP-Date, else the `Date` header) lies within
    `window` of the switch's clock (either side: the sender's clock may run ahead), and
  - the same signature has not been admitted before: every admitted signature is kept, by its
    SHA-256, in the switch's database (`switch_seen_signatures`) until its date is older than
    the window, when freshness alone refuses it.

Either refusal is FSPIOP 3105 (Invalid signature: the definition's code for a signature that
cannot vouch for the message). A legitimate resend is a new message: Mojaloop FSPs sign it again
under a new Date, so it is admitted and the switch's idempotency rules answer it (an identical
transfer resend gets the earlier outcome). GETs and the answers of an account lookup (PUT
/parties) change nothing at the switch and are not kept: two identical lookups signed in the
same second are both answered.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

from baobab.pay.errors import FspiopError
from baobab.pay.jws import SIGNATURE
from baobab.pay.store import Database

DEFAULT_WINDOW = timedelta(minutes=5)
SCHEMA = """
CREATE TABLE IF NOT EXISTS switch_seen_signatures (digest TEXT PRIMARY KEY, signed_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS switch_seen_signatures_at ON switch_seen_signatures (signed_at);
"""


def signed_date(headers: Mapping[str, str]) -> datetime:
    """The date a signed request was signed at: its protected header's FSPIOP-Date, else `Date`."""
    lower = {k.lower(): v for k, v in headers.items()}
    text = lower.get("date")
    try:
        protected = json.loads(lower[SIGNATURE.lower()])["protectedHeader"]
        text = json.loads(base64.urlsafe_b64decode(protected + "=" * (-len(protected) % 4))).get("FSPIOP-Date", text)
    except (KeyError, ValueError, TypeError, AttributeError):
        pass
    try:
        at = parsedate_to_datetime(text or "")
    except (TypeError, ValueError):
        raise FspiopError("3105", "a signed request carries its signing date (FSPIOP-Date / Date)") from None
    return at if at.tzinfo else at.replace(tzinfo=timezone.utc)


def _stamp(at: datetime) -> str:
    return at.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")  # fixed width: text order is time order


class ReplayGuard:
    def __init__(self, db: Database, window: timedelta = DEFAULT_WINDOW) -> None:
        if window <= timedelta(0):
            raise ValueError("the replay window must be positive")
        self.db, self.window = db, window
        db.script(SCHEMA)

    def admit(self, headers: Mapping[str, str], remember: bool = True, *, now: datetime | None = None) -> None:
        """Refuse (3105) a signed request signed outside the window, or (`remember`: a request that
        changes something) one whose signature was admitted before, and keep its signature.
        Unsigned requests pass (authentication is the caller's business)."""
        lower = {k.lower(): v for k, v in headers.items()}
        signature = lower.get(SIGNATURE.lower())
        if not signature:
            return
        now = now or datetime.now(timezone.utc)
        at = signed_date(headers)
        if abs(now - at) > self.window:
            raise FspiopError("3105", f"the request was signed at {_stamp(at)}, outside the switch's "
                                      f"{int(self.window.total_seconds())} s window: sign it again with a current Date")
        if not remember:
            return
        digest = hashlib.sha256(signature.encode()).hexdigest()
        with self.db.atomic():
            self.db.run("DELETE FROM switch_seen_signatures WHERE signed_at < ?", (_stamp(now - self.window),))
            fresh = self.db.one("INSERT INTO switch_seen_signatures (digest, signed_at) VALUES (?, ?) "
                                "ON CONFLICT (digest) DO NOTHING RETURNING digest", (digest, _stamp(at)))
        if fresh is None:
            raise FspiopError("3105", "this signed request was already received: a resend is signed again under a new Date")
