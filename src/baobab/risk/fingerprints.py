"""Keyed fingerprints of a financeable document: one exact fingerprint and four near-match ones.

A fingerprint is HMAC-SHA256 (standard `hmac`), truncated to 16 bytes, over the RFC 8785
canonical JSON array of some normalised fields. It is keyed because the fields have little
entropy: anyone could hash every (seller, buyer, date, amount) they can guess and test it
against a registry of plain hashes. The key is a network secret held only by members; each
rule gets its own subkey derived with HKDF (`cryptography`), bound to the key epoch, so
rotating the network key changes every fingerprint (see docs/DUPLICATE_FINANCING.md).

Near matches are found without revealing fields by fingerprinting combinations of fields and
coarsening the field allowed to move into buckets: a document registers one fingerprint per
rule (its own bucket) and, when screened, looks up its own and the neighbouring buckets.
Registering one and probing a few keeps the registry small.

| rule              | fields (all rules also bind kind, seller, buyer, currency)  | probes        |
|-------------------|-------------------------------------------------------------|---------------|
| exact (red)       | number, amount, date                                        | 1             |
| date_shifted      | number, amount, 30-day bucket of the date                   | bucket +-1: 3 |
| amount_changed    | number, 5% amount band, 30-day bucket                       | 3 x 3 = 9     |
| number_changed    | amount, day                                                  | day +-6: 13   |
| lines_retotalled  | line-item multiset, day (only when there are lines)          | day +-6: 13   |

Rules that keep the invoice number tolerate wide date windows (a seller never reuses a
number within weeks); rules that drop it stay within +-6 days, so monthly, fortnightly and
weekly recurring invoices of equal amount never match each other.
"""

from __future__ import annotations

import bisect
import datetime as dt
import hmac
import secrets
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from baobab.core.errors import BaobabError
from baobab.core.jcs import canonicalize
from baobab.risk import normalise
from baobab.risk.flags import NEAR_RULES, RULES
from baobab.risk.normalise import Document

FP_BYTES = 16  # 128 bits: no accidental collision among billions of fingerprints
NEAR_DAYS = 6  # day window of the rules that drop the invoice number
BUCKET_DAYS = 30  # date bucket of the rules that keep the invoice number
BAND_RATIO = (21, 20)  # amount bands grow by 5%: band(a) = floor(log_1.05 a)
VERSION = 1
_HKDF_SALT = b"baobab/risk/fingerprint/v1"
_EPOCH_DAY = dt.date(1970, 1, 1)


def _band_thresholds() -> list[int]:
    # t[k] = ceil(21^k / 20^k), the least integer a with 21^k <= a * 20^k; exact, no floats.
    out, num, den = [], 1, 1
    while not out or out[-1] < normalise.MAX_AMOUNT:
        out.append(-(-num // den))
        num, den = num * BAND_RATIO[0], den * BAND_RATIO[1]
    return out


_BAND_T = _band_thresholds()


def amount_band(minor: int) -> int:
    """floor(log_1.05(minor)): amounts within 5% are at most one band apart, 10.25% always two."""
    return bisect.bisect_right(_BAND_T, minor) - 1


def day_number(date: dt.date) -> int:
    return (date - _EPOCH_DAY).days


class NetworkKey:
    """The members' shared fingerprint secret for one key epoch, as per-rule HKDF subkeys."""

    __slots__ = ("epoch", "_subkeys")

    def __init__(self, secret: bytes, epoch: int = 0) -> None:
        if not isinstance(secret, (bytes, bytearray)) or len(secret) < 32:
            raise BaobabError("BAD_ARGUMENT", "the network fingerprint key is at least 32 random bytes")
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise BaobabError("BAD_ARGUMENT", "the key epoch is a non-negative integer")
        self.epoch = epoch
        self._subkeys = {
            rule: HKDF(
                algorithm=hashes.SHA256(),
                length=32,
                salt=_HKDF_SALT,
                info=f"baobab duplicate-financing fingerprint v{VERSION} epoch={epoch} rule={rule}".encode(),
            ).derive(bytes(secret))
            for rule in RULES
        }

    @classmethod
    def generate(cls, epoch: int = 0) -> "NetworkKey":
        return cls(secrets.token_bytes(32), epoch)

    def subkey(self, rule: str) -> bytes:
        return self._subkeys[rule]

    def __repr__(self) -> str:
        return f"NetworkKey(epoch={self.epoch}, secret=<hidden>)"


@dataclass(frozen=True)
class FingerprintSet:
    """What a platform sends to the registry for one document (no invoice data).

    `exact` and `near` are the fingerprints registered for the document; `probes` are the
    fingerprints to look up when screening it (its own and the neighbouring buckets).
    """

    epoch: int
    exact: bytes
    near: Mapping[str, bytes]
    probes: Mapping[str, tuple[bytes, ...]]
    probe_rules: dict[bytes, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # fingerprint -> rule, for one C-level set intersection against the registry
        object.__setattr__(self, "probe_rules", {fp: r for r, fps in self.probes.items() for fp in fps})

    def registered(self) -> dict[str, bytes]:
        return {"exact": self.exact, **self.near}

    def to_json(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "epoch": self.epoch,
            "exact": self.exact.hex(),
            "near": {r: fp.hex() for r, fp in self.near.items()},
            "probes": {r: [fp.hex() for fp in fps] for r, fps in self.probes.items()},
        }

    @classmethod
    def from_json(cls, data: Any) -> "FingerprintSet":
        if not isinstance(data, Mapping) or data.get("version") != VERSION:
            raise BaobabError("MALFORMED", f"a fingerprint set is an object with version {VERSION}")
        epoch = data.get("epoch")
        if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
            raise BaobabError("MALFORMED", "epoch must be a non-negative integer")
        near, probes = data.get("near"), data.get("probes")
        if not isinstance(near, Mapping) or not isinstance(probes, Mapping):
            raise BaobabError("MALFORMED", "near and probes must be objects")
        if not set(near) <= set(NEAR_RULES) or not set(probes) <= set(RULES) or "exact" not in probes:
            raise BaobabError("MALFORMED", f"rules must be among {', '.join(RULES)}")
        if any(not isinstance(v, list) or not v for v in probes.values()):
            raise BaobabError("MALFORMED", "probes are non-empty lists")
        if not set(near) <= set(probes) or probes["exact"][0] != data.get("exact") or any(
            probes[r][0] != near[r] for r in near
        ):  # what a document registers is the first probe of each rule (its own bucket)
            raise BaobabError("MALFORMED", "each registered fingerprint must be the first probe of its rule")
        return cls(
            epoch=epoch,
            exact=_unhex(data.get("exact")),
            near={r: _unhex(near[r]) for r in NEAR_RULES if r in near},
            probes={r: tuple(_unhex(x) for x in probes[r]) for r in RULES if r in probes},
        )


def _unhex(value: Any) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * FP_BYTES:
        raise BaobabError("MALFORMED", f"a fingerprint is {2 * FP_BYTES} lowercase hex digits")
    try:
        raw = bytes.fromhex(value)
    except ValueError as exc:
        raise BaobabError("MALFORMED", "a fingerprint is lowercase hex") from exc
    if raw.hex() != value:
        raise BaobabError("MALFORMED", "a fingerprint is lowercase hex")
    return raw


def _family(subkey: bytes, fixed: Sequence[Any], variants: Iterable[Sequence[Any]]) -> tuple[bytes, ...]:
    """HMAC(subkey, JCS(fixed + variant))[:16] for each variant, hashing the shared head once."""
    head = canonicalize(list(fixed))[:-1]  # "[a,b,c" without the closing bracket
    base = hmac.new(subkey, head, "sha256")
    out = []
    for tail in variants:
        h = base.copy()
        h.update(b"," + b",".join(map(canonicalize, tail)) + b"]")  # JCS(fixed + tail) minus head
        out.append(h.digest()[:FP_BYTES])
    return tuple(out)


def fingerprint(data: Mapping[str, Any] | Document, key: NetworkKey) -> FingerprintSet:
    """Normalise a document (raising BaobabError on bad input) and fingerprint it under `key`."""
    doc = normalise.document(data)
    day = day_number(doc.date)
    bucket = day // BUCKET_DAYS
    band = amount_band(doc.amount)
    amount = str(doc.amount)
    parties = [doc.kind, doc.seller, doc.buyer, doc.currency]
    buckets = [str(bucket + i) for i in (0, -1, 1)]  # own bucket first: it is the one registered
    days = [_iso(day + i) for i in (0, *(s * d for d in range(1, NEAR_DAYS + 1) for s in (-1, 1)))]

    probes: dict[str, tuple[bytes, ...]] = {
        "exact": _family(key.subkey("exact"), [*parties, doc.number, amount], [[doc.date.isoformat()]]),
        "date_shifted": _family(key.subkey("date_shifted"), [*parties, doc.number, amount], [[b] for b in buckets]),
        "amount_changed": _family(
            key.subkey("amount_changed"),
            [*parties, doc.number],
            [[str(band + j), b] for j in (0, -1, 1) for b in buckets],
        ),
        "number_changed": _family(key.subkey("number_changed"), [*parties, amount], [[d] for d in days]),
    }
    if doc.lines:
        lines = [[hs, str(price), str(qty)] for hs, price, qty in doc.lines]
        probes["lines_retotalled"] = _family(key.subkey("lines_retotalled"), [*parties, lines], [[d] for d in days])
    return FingerprintSet(
        epoch=key.epoch,
        exact=probes["exact"][0],
        near={rule: fps[0] for rule, fps in probes.items() if rule != "exact"},
        probes=probes,
    )


def _iso(day: int) -> str:
    return (_EPOCH_DAY + dt.timedelta(days=day)).isoformat()
