"""Bitstring Status List v1.0: revocation and suspension of credentials, published as one
compressed bitstring per list.

A credential names its place in a list (`credentialStatus`, a BitstringStatusListEntry: the
list credential's URL, the purpose, the index). The issuer publishes the list as a credential
of its own (BitstringStatusListCredential) whose `encodedList` is the bitstring GZIP-compressed
and written as multibase base64url ('u', no padding). Bit 0 is the most significant bit of the
first byte; a set bit means revoked (or suspended, for a suspension list). A list has at least
131,072 bits (16 KiB), so that one credential's status does not single out its holder; all but a
few bits are zero, so it compresses to some tens of bytes.

Which bits are set is recorded on the ledger (contracts/credentials/registry.py): the signed list
is a convenience for offline verifiers, and anyone can rebuild it from the ledger to compare.
"""

from __future__ import annotations

import base64
import gzip
import zlib
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from baobab.core.errors import BaobabError
from baobab.credentials import errors as _errors  # noqa: F401  (registers the codes)

MIN_BITS = 131_072
PURPOSES = ("revocation", "suspension")
ENTRY_TYPE = "BitstringStatusListEntry"
LIST_TYPE = "BitstringStatusList"
LIST_CREDENTIAL_TYPE = "BitstringStatusListCredential"
V2 = "https://www.w3.org/ns/credentials/v2"
MAX_DECOMPRESSED = 16 * 1024 * 1024  # a list credential may not unpack into more than this


def encode(set_bits: Iterable[int], size: int = MIN_BITS) -> str:
    """The `encodedList` of a list of `size` bits with `set_bits` set."""
    if size < MIN_BITS or size % 8:
        raise BaobabError("BAD_CREDENTIAL", f"a status list has at least {MIN_BITS} bits, a whole number of bytes")
    bits = bytearray(size // 8)
    for index in set_bits:
        if not 0 <= index < size:
            raise BaobabError("BAD_CREDENTIAL", f"status index {index} is outside the list of {size} bits")
        bits[index // 8] |= 0x80 >> (index % 8)
    # mtime=0: the same bits always give the same text (the list's hash is stable).
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).decode("ascii").rstrip("=")


@lru_cache(maxsize=64)
def decode(encoded: str) -> bytes:
    """The bitstring of an `encodedList` (bounded: a hostile list cannot exhaust memory).
    Remembered for the last lists seen: a verifier checks many credentials against one list."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise BaobabError("BAD_CREDENTIAL", "encodedList is multibase base64url (starting with 'u')")
    try:
        packed = base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))
        inflater = zlib.decompressobj(wbits=31)  # gzip framing
        bits = inflater.decompress(packed, MAX_DECOMPRESSED)
        if inflater.unconsumed_tail:
            raise BaobabError("BAD_CREDENTIAL", "the status list unpacks into more than 16 MiB")
    except (ValueError, zlib.error) as exc:
        raise BaobabError("BAD_CREDENTIAL", f"encodedList is not a GZIP-compressed bitstring: {exc}") from None
    if len(bits) * 8 < MIN_BITS:
        raise BaobabError("BAD_CREDENTIAL", f"a status list has at least {MIN_BITS} bits")
    return bits


def bit(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise BaobabError("BAD_CREDENTIAL", f"status index {index} is outside the list of {len(bits) * 8} bits")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def entry(list_url: str, index: int, purpose: str = "revocation") -> dict[str, Any]:
    """The `credentialStatus` of a credential at `index` of the list published at `list_url`."""
    if purpose not in PURPOSES:
        raise BaobabError("BAD_CREDENTIAL", f"status purpose is one of {PURPOSES}")
    return {"id": f"{list_url}#{index}", "type": ENTRY_TYPE, "statusPurpose": purpose,
            "statusListIndex": str(index), "statusListCredential": list_url}


def read_entry(value: Any) -> tuple[str, int, str]:
    """(list URL, index, purpose) of a BitstringStatusListEntry."""
    if not isinstance(value, dict) or value.get("type") != ENTRY_TYPE:
        raise BaobabError("BAD_CREDENTIAL", f"credentialStatus is a {ENTRY_TYPE}")
    index, url, purpose = value.get("statusListIndex"), value.get("statusListCredential"), value.get("statusPurpose")
    if not isinstance(index, str) or not index.isdigit() or not isinstance(url, str) or not url:
        raise BaobabError("BAD_CREDENTIAL", "a status entry has statusListIndex (digits) and statusListCredential")
    if purpose not in PURPOSES:
        raise BaobabError("BAD_CREDENTIAL", f"statusPurpose is one of {PURPOSES}")
    return url, int(index), purpose


def list_credential(list_url: str, issuer: str, purpose: str, set_bits: Iterable[int], valid_from: str,
                    size: int = MIN_BITS) -> dict[str, Any]:
    """The unsigned BitstringStatusListCredential of a list (sign it with data_integrity.sign)."""
    if purpose not in PURPOSES:
        raise BaobabError("BAD_CREDENTIAL", f"status purpose is one of {PURPOSES}")
    return {"@context": [V2], "id": list_url, "type": ["VerifiableCredential", LIST_CREDENTIAL_TYPE],
            "issuer": issuer, "validFrom": valid_from,
            "credentialSubject": {"id": f"{list_url}#list", "type": LIST_TYPE, "statusPurpose": purpose,
                                  "encodedList": encode(set_bits, size)}}


def is_set(list_vc: dict[str, Any], index: int, purpose: str) -> bool:
    """Whether `index` is set in a (verified) status list credential for `purpose`."""
    subject = list_vc.get("credentialSubject")
    if LIST_CREDENTIAL_TYPE not in (list_vc.get("type") or []) or not isinstance(subject, dict):
        raise BaobabError("BAD_CREDENTIAL", f"not a {LIST_CREDENTIAL_TYPE}")
    if subject.get("statusPurpose") != purpose:
        raise BaobabError("BAD_CREDENTIAL", f"the list is for {subject.get('statusPurpose')}, not {purpose}")
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise BaobabError("BAD_CREDENTIAL", "encodedList is multibase base64url text")
    return bit(decode(encoded), index)
