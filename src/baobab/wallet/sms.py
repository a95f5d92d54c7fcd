"""SMS receipts: every movement of money tells each wallet it touched, in the holder's language,
what moved (the amount with its currency), the balance after it and the transaction's id.

A receipt's facts (amounts in minor units, the balance after, the other party, the movement) are
written to the provider's outbox (`momo_sms`) in the movement's own database transaction, so a
movement is never without its receipt, even across a crash; the text is written in the holder's
language when `deliver` hands it to an `SmsGateway` (the operator's SMS centre, or
`RecordingGateway`, the local simulator the tests and the demo read), off the payment's path, and
each one is marked sent once the gateway took it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Protocol

from baobab.i18n import money, translations

SCHEMA = """
CREATE TABLE IF NOT EXISTS momo_sms (
  seq INTEGER PRIMARY KEY, msisdn TEXT NOT NULL, debited INTEGER NOT NULL, currency TEXT NOT NULL, amount BIGINT NOT NULL,
  fee BIGINT NOT NULL, balance BIGINT NOT NULL, party TEXT NOT NULL, movement TEXT NOT NULL, at TEXT NOT NULL, sent_at TEXT);
CREATE INDEX IF NOT EXISTS momo_sms_unsent ON momo_sms (sent_at, seq);
"""


class SmsGateway(Protocol):
    def send(self, msisdn: str, text: str) -> None:
        """Hand one message to the network; raise if it was not taken (it is tried again)."""


class RecordingGateway:
    """The local SMS simulator: keeps what was sent, per phone number, in order."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str]] = []

    def send(self, msisdn: str, text: str) -> None:
        self.sent.append((msisdn, text))

    def to(self, msisdn: str) -> list[str]:
        return [text for number, text in self.sent if number == msisdn]


def receipt(lang: str, *, debited: bool, amount: dict[str, Any], fee: dict[str, Any], balance: dict[str, Any],
            party: str, movement: str) -> str:
    """The receipt's text in `lang`."""
    _ = translations(lang).gettext
    values = {"amount": money(amount, lang), "party": party, "balance": money(balance, lang), "ref": movement,
              "fee": money(fee, lang)}
    if debited:
        return _("Paid {amount} to {party}. Fee {fee}. Balance {balance}. Transaction {ref}").format(**values)
    return _("Received {amount} from {party}. Balance {balance}. Transaction {ref}").format(**values)


def queue(db: Any, msisdn: str, *, debited: bool, currency: str, amount: int, fee: int, balance: int, party: str,
          movement: str, at: str) -> None:
    """Owe `msisdn` a receipt (inside the movement's transaction)."""
    queue_all(db, [(msisdn, debited, currency, amount, fee, balance, party, movement, at)])


def queue_all(db: Any, receipts: list[tuple[str, bool, str, int, int, int, str, str, str]]) -> None:
    """Owe several receipts at once, each (msisdn, debited, currency, amount, fee, balance, party,
    movement, at) as `queue` takes them: one statement for all (inside the movement's transaction)."""
    db.many("INSERT INTO momo_sms (msisdn, debited, currency, amount, fee, balance, party, movement, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", [(r[0], int(r[1]), *r[2:]) for r in receipts])


def deliver(db: Any, gateway: SmsGateway, *, limit: int = 500) -> int:
    """Send what is due, oldest first, each in its holder's language; how many the gateway took.
    One that fails stays due."""
    sent = 0
    rows = db.all("SELECT s.seq, s.msisdn, s.debited, s.currency, s.amount, s.fee, s.balance, s.party, s.movement, "
                  "COALESCE(w.language, 'en') FROM momo_sms s LEFT JOIN momo_wallets w ON w.msisdn = s.msisdn "
                  "WHERE s.sent_at IS NULL ORDER BY s.seq LIMIT ?", (limit,))
    for seq, msisdn, debited, currency, amount, fee, balance, party, movement, lang in rows:
        money_of = lambda minor: {"currency": currency, "minor": int(minor)}  # noqa: E731
        text = receipt(lang, debited=bool(debited), amount=money_of(amount), fee=money_of(fee), balance=money_of(balance),
                       party=party, movement=movement)
        try:
            gateway.send(msisdn, text)
        except Exception:  # noqa: BLE001 - the gateway's failure is retried on the next call
            break
        db.run("UPDATE momo_sms SET sent_at = ? WHERE seq = ?", (datetime.now(timezone.utc).isoformat(), seq))
        sent += 1
    return sent
