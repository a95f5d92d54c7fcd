"""EMVCo merchant-presented QR codes: what a shop shows so that any wallet can pay it.

A payload is a string of TLV fields (two-digit tag, two-digit length counted in characters,
value), ending with tag 63, a CRC-16/CCITT-FALSE over the UTF-8 bytes of everything before it
including "6304" (the standard library's `binascii.crc_hqx` with initial value 0xFFFF).

    text = encode(MerchantQR(...))    # what the QR code holds
    qr = decode(text)                 # refused with a stable code if malformed or its CRC is wrong

Tags used: 00 payload format (01), 01 initiation (11 static, 12 dynamic: an amount is set), 26-51
merchant account templates (kept as given), 52 merchant category code, 53 currency (ISO 4217
numeric), 54 amount, 58 country, 59 name, 60 city, 62 additional data (05: reference label), 64
the name and city in another language; others are kept.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass, field

import pycountry

from baobab.core.errors import BaobabError, register_codes
from baobab.core.money import Money

register_codes({"BAD_QR": (422, "Not a valid EMVCo merchant-presented QR payload")})


@dataclass(frozen=True)
class MerchantQR:
    name: str
    city: str
    country: str
    mcc: str
    currency: str
    accounts: dict[str, str]                 # tag (26-51) -> template value
    amount: Money | None = None
    reference: str | None = None
    other: dict[str, str] = field(default_factory=dict)  # tags this module does not interpret


def crc(text: str) -> str:
    return f"{binascii.crc_hqx(text.encode('utf-8'), 0xFFFF):04X}"


def tlv(tag: str, value: str) -> str:
    if not 0 < len(value) <= 99:
        raise BaobabError("BAD_QR", f"field {tag} must hold 1 to 99 characters")
    return f"{tag}{len(value):02d}{value}"


def parse_tlv(text: str) -> list[tuple[str, str]]:
    fields, i = [], 0
    while i < len(text):
        tag, size = text[i:i + 2], text[i + 2:i + 4]
        if len(tag) < 2 or not tag.isdigit() or not size.isdigit() or i + 4 + int(size) > len(text):
            raise BaobabError("BAD_QR", f"malformed field at character {i}")
        fields.append((tag, text[i + 4:i + 4 + int(size)]))
        i += 4 + int(size)
    return fields


def encode(qr: MerchantQR) -> str:
    parts = [tlv("00", "01"), tlv("01", "12" if qr.amount is not None else "11")]
    parts += [tlv(tag, value) for tag, value in sorted(qr.accounts.items())]
    currency = pycountry.currencies.get(alpha_3=qr.currency)
    if currency is None:
        raise BaobabError("BAD_QR", f"{qr.currency!r} is not an ISO 4217 currency")
    parts += [tlv("52", qr.mcc), tlv("53", currency.numeric)]
    if qr.amount is not None:
        if qr.amount.currency != qr.currency:
            raise BaobabError("BAD_QR", "the amount is in another currency than the merchant's")
        parts.append(tlv("54", str(qr.amount.decimal)))
    parts += [tlv("58", qr.country), tlv("59", qr.name[:25]), tlv("60", qr.city[:15])]
    if qr.reference:
        parts.append(tlv("62", tlv("05", qr.reference)))
    parts += [tlv(tag, value) for tag, value in sorted(qr.other.items())]
    body = "".join(parts) + "6304"
    return body + crc(body)


def decode(text: str) -> MerchantQR:
    if not isinstance(text, str) or len(text) < 8 or text[-8:-4] != "6304":
        raise BaobabError("BAD_QR", "the payload must end with its CRC (tag 63)")
    if crc(text[:-4]) != text[-4:].upper():
        raise BaobabError("BAD_QR", "the CRC does not match: the code was misread or altered")
    fields = dict(parse_tlv(text[:-8]))
    if fields.get("00") != "01":
        raise BaobabError("BAD_QR", "payload format indicator must be 01")
    missing = [t for t in ("52", "53", "58", "59", "60") if t not in fields]
    if missing or not any(26 <= int(t) <= 51 for t in fields):
        raise BaobabError("BAD_QR", f"missing fields {missing or ['merchant account (26-51)']}")
    currency = pycountry.currencies.get(numeric=fields["53"])
    if currency is None:
        raise BaobabError("BAD_QR", f"{fields['53']} is not an ISO 4217 numeric currency")
    amount = Money.parse(fields["54"], currency.alpha_3) if "54" in fields else None
    reference = dict(parse_tlv(fields["62"])).get("05") if "62" in fields else None
    known = {"00", "01", "52", "53", "54", "58", "59", "60", "62"}
    return MerchantQR(name=fields["59"], city=fields["60"], country=fields["58"], mcc=fields["52"], currency=currency.alpha_3,
                      accounts={t: v for t, v in fields.items() if 26 <= int(t) <= 51}, amount=amount, reference=reference,
                      other={t: v for t, v in fields.items() if t not in known and not 26 <= int(t) <= 51})
