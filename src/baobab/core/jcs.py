"""RFC 8785 JSON Canonicalization Scheme (JCS).

Everything Baobab hashes or signs is first turned into these bytes, so two independent
implementations always hash the same value to the same digest. Rules (RFC 8785 section 3.2):
no whitespace; object members sorted by the UTF-16 code units of their names; strings in
UTF-8 with only the mandatory escapes; numbers in the ECMAScript Number-to-String form.
"""

from __future__ import annotations

import json
import math
import re
from decimal import Decimal
from typing import Any

from baobab.core.errors import BaobabError

# Python's C string encoder already emits exactly the escapes JCS requires:
# \" \\ \b \f \n \r \t and lowercase \u00xx for the other control characters.
_encode_string = json.encoder.encode_basestring  # type: ignore[attr-defined]
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# I-JSON (RFC 7493) safe integers: beyond these a double, and so JCS, cannot hold them exactly.
MAX_SAFE_INTEGER = 2**53 - 1
_fast_dumps = json.JSONEncoder(ensure_ascii=False, allow_nan=False, sort_keys=True, separators=(",", ":")).encode


class _NotPlain(Exception):
    pass


def _no_float(_: str) -> Any:
    raise _NotPlain


def _safe_int(text: str) -> int:
    value = int(text)
    if len(text) > 15 and abs(value) > MAX_SAFE_INTEGER:
        raise _NotPlain
    return value


def canonicalize(value: Any) -> bytes:
    """Return the RFC 8785 canonical UTF-8 bytes of a JSON-compatible value."""
    # Fast path: for ledger data (string keys, no floats, no astral characters, safe
    # integers) Python's C encoder with sorted keys already produces the JCS form. Parsing
    # the text back proves those conditions at C speed; anything else takes the full path.
    if type(value) is str:  # the common leaf (signatures, ids): no need to prove anything
        try:
            return _encode_string(value).encode("utf-8")
        except UnicodeEncodeError as exc:
            raise BaobabError("MALFORMED", "text contains an unpaired surrogate") from exc
    try:
        text = _fast_dumps(value)
        if not _ASTRAL.search(text) and json.loads(text, parse_float=_no_float, parse_int=_safe_int) == value:
            return text.encode("utf-8")
    except (_NotPlain, ValueError, TypeError, RecursionError, UnicodeEncodeError):
        pass
    parts: list[str] = []
    _encode(value, parts.append)
    try:
        return "".join(parts).encode("utf-8")
    except UnicodeEncodeError as exc:  # lone surrogate: not valid Unicode text
        raise BaobabError("MALFORMED", "text contains an unpaired surrogate") from exc


def proven_plain(value: Any) -> bool:
    """True when the C encoder's output for `value` is its JCS form, and so that of every part
    of it (see `encode_proven`): one proof for a whole block instead of one per part."""
    try:
        text = _fast_dumps(value)
        text.encode("utf-8")  # no lone surrogate
        return not _ASTRAL.search(text) and json.loads(text, parse_float=_no_float, parse_int=_safe_int) == value
    except (_NotPlain, ValueError, TypeError, RecursionError, UnicodeEncodeError):
        return False


def encode_proven(value: Any) -> bytes:
    """The JCS bytes of a part of a value `proven_plain` accepted (the C encoder alone)."""
    return _fast_dumps(value).encode("utf-8")


def _encode(value: Any, out: Any) -> None:
    if isinstance(value, str):
        out(_encode_string(value))
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise BaobabError("MALFORMED", f"integer {value} is outside the I-JSON safe range of ±(2**53-1)")
        out(int.__repr__(value))
    elif isinstance(value, dict):
        keys = list(value)
        for key in keys:
            if not isinstance(key, str):
                raise BaobabError("MALFORMED", f"object member names must be strings, got {type(key).__name__}")
        if any(_ASTRAL.search(k) for k in keys):
            keys.sort(key=lambda k: k.encode("utf-16-be"))
        else:  # without astral characters code-point order equals UTF-16 order
            keys.sort()
        out("{")
        first = True
        for key in keys:
            if not first:
                out(",")
            first = False
            out(_encode_string(key))
            out(":")
            _encode(value[key], out)
        out("}")
    elif isinstance(value, (list, tuple)):
        out("[")
        for i, item in enumerate(value):
            if i:
                out(",")
            _encode(item, out)
        out("]")
    elif isinstance(value, float):
        out(format_number(value))
    else:
        raise BaobabError("MALFORMED", f"value of type {type(value).__name__} is not JSON")


def format_number(x: float) -> str:
    """ECMAScript Number::toString for a finite double (RFC 8785 section 3.2.2.3)."""
    if not math.isfinite(x):
        raise BaobabError("MALFORMED", "NaN and Infinity are not valid JSON numbers")
    if x == 0:
        return "0"  # also for -0
    sign = "-" if x < 0 else ""
    # repr() gives the shortest digit string that round-trips, as ECMAScript requires.
    _, digit_tuple, exponent = Decimal(repr(abs(x))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exponent += len("".join(map(str, digit_tuple))) - len(digits)
    k = len(digits)
    n = exponent + k  # value = 0.digits * 10**n
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        text = "0." + "0" * (-n) + digits
    else:
        e = n - 1
        mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
        text = f"{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"
    return sign + text


def loads_strict(data: bytes | str) -> Any:
    """Parse JSON for the ledger: floats, NaN and duplicate member names are refused."""

    def no_float(text: str) -> Any:
        raise BaobabError("FLOAT_NOT_ALLOWED", f"number {text} is not an integer; use integer minor units")

    def no_constant(text: str) -> Any:
        raise BaobabError("MALFORMED", f"{text} is not valid JSON")

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        obj = dict(pairs)
        if len(obj) != len(pairs):
            raise BaobabError("MALFORMED", "duplicate member name in JSON object")
        return obj

    try:
        return json.loads(data, parse_float=no_float, parse_constant=no_constant, object_pairs_hook=unique)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaobabError("MALFORMED", f"not valid JSON: {exc}") from exc
