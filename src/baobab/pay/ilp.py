"""The Interledger side of FSPIOP: the ILP packet and the payee's fulfilment and condition.

FSPIOP v1.1 (API Definition 4.5) carries an ILP v1 payment packet: `amount` (UInt64, minor units),
the payee's ILP address (`account`) and `data` (the Transaction object, as JSON, base64url), in
the canonical Octet Encoding Rules; the whole packet travels base64url-encoded in `ilpPacket`.
The payee FSP makes the fulfilment as the HMAC-SHA-256 of the packet under its own secret
(Listing 12), so it can recompute it when the transfer arrives; the condition is its SHA-256
(`switch.condition_of`).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from baobab.pay.errors import FspiopError

PAYMENT_TYPE = 1  # ILP v1 "Interledger Protocol Payment" packet


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def unb64url(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError):
        raise FspiopError("3101", "not base64url") from None


def _length(n: int) -> bytes:
    """OER length determinant: short form below 128, else 0x80 | count, then the big-endian count."""
    if n < 128:
        return bytes([n])
    size = (n.bit_length() + 7) // 8
    return bytes([0x80 | size]) + n.to_bytes(size, "big")


def _read_length(buf: bytes, at: int) -> tuple[int, int]:
    first = buf[at]
    if first < 128:
        return first, at + 1
    size = first & 0x7F
    return int.from_bytes(buf[at + 1:at + 1 + size], "big"), at + 1 + size


def _octets(data: bytes) -> bytes:
    return _length(len(data)) + data


@dataclass(frozen=True)
class IlpPayment:
    amount: int          # minor units of the transfer's currency
    account: str         # the payee's ILP address, e.g. g.payeefsp.msisdn.255700000001
    data: bytes          # the Transaction object, as JSON bytes

    def transaction(self) -> dict[str, Any]:
        try:
            value = json.loads(unb64url(self.data.decode()))
        except (ValueError, UnicodeDecodeError):
            raise FspiopError("3101", "the ILP packet's data is not a base64url JSON transaction") from None
        if not isinstance(value, dict):
            raise FspiopError("3101", "the ILP packet's data is not a transaction object")
        return value


def encode(amount: int, account: str, transaction: dict[str, Any]) -> str:
    """The `ilpPacket` of a quote: amount, the payee's address, the transaction as data."""
    if not isinstance(amount, int) or amount < 0 or amount >= 2**64:
        raise FspiopError("3101", "an ILP amount is a UInt64 in minor units")
    data = b64url(json.dumps(transaction, separators=(",", ":"), sort_keys=True).encode()).encode()
    body = amount.to_bytes(8, "big") + _octets(account.encode("ascii")) + _octets(data) + b"\x00"  # no extensions
    return b64url(bytes([PAYMENT_TYPE]) + _octets(body))


def decode(packet: str) -> IlpPayment:
    raw = unb64url(packet)
    try:
        if raw[0] != PAYMENT_TYPE:
            raise FspiopError("3101", f"ILP packet type {raw[0]} is not a payment (1)")
        length, at = _read_length(raw, 1)
        body = raw[at:at + length]
        if len(body) != length:
            raise FspiopError("3101", "the ILP packet is shorter than its length says")
        amount = int.from_bytes(body[:8], "big")
        n, at = _read_length(body, 8)
        account = body[at:at + n].decode("ascii")
        n, at = _read_length(body, at + n)
        data = body[at:at + n]
    except (IndexError, UnicodeDecodeError):
        raise FspiopError("3101", "the ILP packet is malformed") from None
    return IlpPayment(amount, account, data)


def fulfilment(secret: bytes, packet: str) -> str:
    """Listing 12: HMAC-SHA-256 of the ILP packet under the payee FSP's secret."""
    return b64url(hmac.new(secret, packet.encode("ascii"), hashlib.sha256).digest())
