"""Normalisation of financeable documents before fingerprinting.

Two platforms that capture the same invoice must produce the same normalised fields whatever
their formatting habits (case, spacing, punctuation, legal-form suffixes, leading zeros, date
and amount formats), otherwise a keyed fingerprint cannot match. Everything here is pure and
deterministic; rejections are `BaobabError`s with stable codes:

- BAD_INVOICE: missing or malformed fields (party, number, date, lines, kind);
- BAD_MONEY: unknown currency, unreadable or non-positive amounts;
- FLOAT_NOT_ALLOWED: a binary float where money or a quantity is expected.

The rules are written out in docs/DUPLICATE_FINANCING.md so another implementation (the
ledger contract, a platform in another language) can reproduce them exactly.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from baobab.core.errors import BaobabError
from baobab.core.money import MINOR_UNITS
from baobab.risk import legal_forms
from baobab.vocab.trade import DOCUMENT_KINDS, is_currency

MAX_AMOUNT = 10**18  # minor units; bounds the amount-band table (fingerprints.py)
MAX_LINES = 1000

_MONTHS = {
    **{m: i for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split(), 1)},
    **{m: i for i, m in enumerate(
        "january february march april may june july august september october november december".split(), 1)},
    # Spanish (Argentina): abbreviations and full names
    **{m: i for i, m in enumerate("ene feb mar abr may jun jul ago sep oct nov dic".split(), 1)},
    **{m: i for i, m in enumerate(
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre".split(), 1)},
    "sept": 9, "set": 9, "setiembre": 9,
}


@dataclass(frozen=True)
class Document:
    """The normalised fields that fingerprints are computed from."""

    kind: str
    seller: str
    buyer: str
    number: str
    date: dt.date
    currency: str
    amount: int  # minor units, > 0
    lines: tuple[tuple[str, int, int], ...]  # sorted (hs_heading, unit_price, quantity)


def _bad(field: str, message: str) -> BaobabError:
    return BaobabError("BAD_INVOICE", message, field=field)


def _text(value: Any, field: str) -> str:
    if not isinstance(value, str):
        raise _bad(field, f"{field} must be a string")
    # NFKC folds full-width and compatibility forms; dropping combining marks makes
    # "Comercialización" and "Comercializacion" equal.
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", value).casefold())
    return "".join(c for c in folded if not unicodedata.combining(c))


def party(value: Any, field: str = "party") -> str:
    """A seller or buyer: a tax identifier (GSTIN, KRA PIN, CUIT...) or a legal name.

    Case, spacing, punctuation, "&"/"and", a leading "M/s." and legal forms, abbreviated or
    written out (legal_forms.py), are irrelevant: "M/s. Shree Ganesh Textiles Pvt. Ltd." and
    "Shree Ganesh Textiles Private Limited" -> "shreeganeshtextiles".
    """
    tokens = _tokens(_text(value, field))
    tokens = _strip_forms(tokens)
    key = "".join(tokens)
    if not key:
        raise _bad(field, f"{field} has no letters or digits")
    return key


def _tokens(text: str) -> list[str]:
    text = re.sub(r"['\u2019`]", "", text.replace("&", " and "))  # O'Brien -> obrien
    return _join_single_letters(re.findall(r"[^\W_]+", text))


def _strip_forms(tokens: list[str]) -> list[str]:
    """Drop courtesy and legal-form prefixes, then legal-form suffixes, longest first and
    repeatedly ("Co., Ltd." goes in two steps); at least one token always remains."""
    tokens = list(tokens)
    while (n := _match(tokens, _PREFIXES, at_end=False)):
        del tokens[:n]
    stripped = False
    while True:
        n = _match(tokens, _SUFFIXES, at_end=True)
        if n:
            del tokens[-n:]
            stripped = True
        elif stripped and len(tokens) > 1 and tokens[-1] in _CONNECTORS:
            tokens.pop()
        else:
            return tokens


def _match(tokens: list[str], forms: Mapping[str, tuple[tuple[str, ...], ...]], at_end: bool) -> int:
    """Length of the longest form that ends (or starts) `tokens`, leaving a token; else 0."""
    if len(tokens) < 2:
        return 0
    for form in forms.get(tokens[-1] if at_end else tokens[0], ()):
        n = len(form)
        if n < len(tokens) and tuple(tokens[-n:] if at_end else tokens[:n]) == form:
            return n
    return 0


def _join_single_letters(tokens: list[str]) -> list[str]:
    out: list[str] = []
    run = ""
    for tok in tokens:
        if len(tok) == 1 and tok.isalpha():
            run += tok
            continue
        if run:
            out.append(run)
            run = ""
        out.append(tok)
    if run:
        out.append(run)
    return out


# Legal forms and courtesy prefixes as token sequences, tokenised like the names they end or
# start, so "S. A.", "S.A." and "SA" are one form and "Sociedad Anónima" another; indexed by
# the token a name would end (or start) with, longest form first.
def _form_index(spellings: Any, at_end: bool) -> dict[str, tuple[tuple[str, ...], ...]]:
    index: dict[str, list[tuple[str, ...]]] = {}
    for spelling in spellings:
        form = tuple(_tokens(_text(spelling, "form")))
        if form and form not in index.get(form[-1 if at_end else 0], []):
            index.setdefault(form[-1 if at_end else 0], []).append(form)
    return {k: tuple(sorted(v, key=len, reverse=True)) for k, v in index.items()}


_SUFFIXES = _form_index((s for form in legal_forms.SUFFIX_FORMS for s in form), at_end=True)
_PREFIXES = _form_index(legal_forms.PREFIX_FORMS, at_end=False)
_CONNECTORS = frozenset(t for c in legal_forms.CONNECTORS for t in _tokens(c))


def document_number(value: Any, field: str = "number") -> str:
    """An invoice / B/L / receipt number: letter and digit groups, zero padding dropped.

    "INV/2024-25/0042", "inv 2024 25 42" and "INV-2024-25-42" all give "inv-2024-25-42".
    Zero padding is dropped wherever it is: the leading zeros of every digit group, and a
    group of zeros alone ("INV-00-42", "0-INV-42" = "INV-42"). Digit groups stay separate,
    so "1-23" and "12-3" do not collide.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    tokens = re.findall(r"\d+|[^\W\d_]+", _text(value, field))
    if not tokens:
        raise _bad(field, f"{field} has no letters or digits")
    groups = [str(int(t)) if t[0].isdigit() else t for t in tokens]
    return "-".join(g for g in groups if g != "0") or "0"


def parse_date(value: Any, field: str = "date") -> dt.date:
    """A calendar date from a date object or a string in a common format.

    Numeric dates with the year last are read day first (DD/MM/YYYY), the convention of
    India, Kenya, Malaysia and Argentina; year-first forms are ISO order. Two-digit years
    mean 20YY. Anything else, or an impossible date, is rejected.
    """
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str):
        raise _bad(field, f"{field} must be a date string")
    text = _text(value, field).strip()
    text = re.sub(r"t\d{2}:\d{2}.*$", "", text)  # RFC 3339 date-time: keep the date as written
    try:
        return _date_from_text(text)
    except (ValueError, OverflowError) as exc:
        raise _bad(field, f"{value!r} is not a valid date") from exc


def _date_from_text(text: str) -> dt.date:
    if re.fullmatch(r"\d{8}", text):
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    parts = re.findall(r"\d+|[^\W\d_]+", text)
    words = [p for p in parts if not p.isdigit() and p not in ("de", "of", "the")]
    nums = [p for p in parts if p.isdigit()]
    if not words and len(nums) == 3:
        if len(nums[0]) == 4:
            y, m, d = nums
        elif len(nums[2]) in (2, 4):
            d, m, y = nums
        else:
            raise ValueError(text)
        return dt.date(_year(y), int(m), int(d))
    if len(words) == 1 and words[0] in _MONTHS and len(nums) == 2:
        m = _MONTHS[words[0]]
        a, b = nums
        if len(a) == 4:  # 2024 Mar 5
            return dt.date(int(a), m, int(b))
        if len(b) in (2, 4):  # 5 Mar 2024, March 5, 2024
            return dt.date(_year(b), m, int(a))
    raise ValueError(text)


def _year(digits: str) -> int:
    if len(digits) == 2:
        return 2000 + int(digits)
    if len(digits) != 4:
        raise ValueError(digits)
    return int(digits)


def currency(value: Any) -> str:
    code = value.strip().upper() if isinstance(value, str) else value
    if not is_currency(code):
        raise BaobabError("BAD_MONEY", f"{value!r} is not an ISO 4217 currency code", field="currency")
    return code


def parse_amount(value: Any, ccy: str, field: str = "amount") -> int:
    """Money as a positive integer of minor units.

    An int is already minor units (as everywhere in Baobab). A string is a decimal in major
    units as printed: "1,25,000.50", "INR 125000.5", "1.234.567,89", "125 000,50". When both
    "," and "." appear the rightmost is the decimal mark; a lone separator followed by exactly
    three digits groups thousands unless the currency has three decimals.
    """
    if isinstance(value, float):
        raise BaobabError("FLOAT_NOT_ALLOWED", f"{field} is a float; use integer minor units or a decimal string", field=field)
    if isinstance(value, int) and not isinstance(value, bool):
        minor = value
    elif isinstance(value, str):
        minor = _minor_from_text(value, ccy, field)
    else:
        raise BaobabError("BAD_MONEY", f"{field} must be integer minor units or a decimal string", field=field)
    if not 0 < minor < MAX_AMOUNT:
        raise BaobabError("BAD_MONEY", f"{field} must be positive and below 10^18 minor units", field=field)
    return minor


def _minor_from_text(value: str, ccy: str, field: str) -> int:
    text = unicodedata.normalize("NFKC", value).strip()
    text = re.sub(r"/-$", "", text)  # Indian "Rs. 1,25,000/-"
    m = re.fullmatch(r"([^\d]*?)\s*(\d[\d\s,.'_]*)\s*([^\d]*)", text)
    if not m:
        raise BaobabError("BAD_MONEY", f"{value!r} is not an amount", field=field)
    if re.search(r"[-+\u2212]", m.group(1) + m.group(3)):
        raise BaobabError("BAD_MONEY", f"{value!r}: amounts are positive, without a sign", field=field)
    for label in (m.group(1), m.group(3)):
        code = re.sub(r"[^A-Za-z]", "", label).upper()
        if len(code) == 3 and code in MINOR_UNITS and code != ccy:
            raise BaobabError("BAD_MONEY", f"{value!r} is in {code}, the document is in {ccy}", field=field)
    digits = re.sub(r"[\s'_]", "", m.group(2))
    decimals = MINOR_UNITS[ccy]
    mark = _decimal_mark(digits, decimals)
    if mark:
        whole, _, frac = digits.rpartition(mark)
        if mark in whole:  # two decimal marks: "1,2.3,4"
            raise BaobabError("BAD_MONEY", f"{value!r} is not an amount", field=field)
        digits = whole.replace(",", "").replace(".", "") + "." + frac
    else:
        digits = digits.replace(",", "").replace(".", "")
    try:
        scaled = Decimal(digits).scaleb(decimals)
    except InvalidOperation as exc:
        raise BaobabError("BAD_MONEY", f"{value!r} is not an amount", field=field) from exc
    if scaled != scaled.to_integral_value():
        raise BaobabError("BAD_MONEY", f"{value!r} has more decimals than {ccy} allows", field=field)
    return int(scaled)


def _decimal_mark(digits: str, decimals: int) -> str:
    has_comma, has_dot = "," in digits, "." in digits
    if has_comma and has_dot:
        return "," if digits.rfind(",") > digits.rfind(".") else "."
    sep = "," if has_comma else "." if has_dot else ""
    if not sep or digits.count(sep) > 1:
        return ""
    after = len(digits) - digits.index(sep) - 1
    return "" if after == 3 and decimals != 3 else sep


def quantity(value: Any, field: str = "quantity") -> int:
    if isinstance(value, float):
        raise BaobabError("FLOAT_NOT_ALLOWED", f"{field} is a float; quantities are integers", field=field)
    if isinstance(value, str) and re.fullmatch(r"\d{1,3}([,\s']?\d{3})*|\d+", value.strip()):
        value = int(re.sub(r"[,\s']", "", value))
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise _bad(field, f"{field} must be a positive integer")
    return value


def hs_heading(value: Any, field: str = "hs") -> str:
    """The 4-digit HS heading of a line's HS/HSN code.

    Headings, not 6-digit subheadings: Indian GST lets smaller sellers print 4-digit HSN
    codes, and national 8-10 digit extensions differ between countries. A code that lost
    its leading zero in a spreadsheet ("90111" for 0901.11) gets it back (odd length -> pad).
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise _bad(field, f"{field} must be a string of digits")
    digits = re.sub(r"[\s.\-]", "", value)
    if not digits.isdigit() or not digits.isascii():
        raise _bad(field, f"{value!r} is not an HS code")
    if len(digits) % 2:
        digits = "0" + digits
    if not 4 <= len(digits) <= 10:
        raise _bad(field, f"{value!r} is not an HS code (4 to 10 digits)")
    return digits[:4]


def lines(value: Any, ccy: str) -> tuple[tuple[str, int, int], ...]:
    """The line items as a multiset: order and splitting of equal lines do not matter."""
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise _bad("lines", "lines must be a list")
    if len(value) > MAX_LINES:
        raise _bad("lines", f"at most {MAX_LINES} lines")
    merged: dict[tuple[str, int], int] = {}
    for i, line in enumerate(value):
        if not isinstance(line, Mapping):
            raise _bad(f"lines[{i}]", "each line is an object {hs, quantity, unit_price}")
        for name in ("hs", "quantity", "unit_price"):
            if name not in line:
                raise _bad(f"lines[{i}].{name}", f"line {i} has no {name}")
        hs = hs_heading(line["hs"], f"lines[{i}].hs")
        qty = quantity(line["quantity"], f"lines[{i}].quantity")
        price = parse_amount(line["unit_price"], ccy, f"lines[{i}].unit_price")
        merged[(hs, price)] = merged.get((hs, price), 0) + qty
    return tuple(sorted((hs, price, qty) for (hs, price), qty in merged.items()))


_REQUIRED = ("seller", "buyer", "number", "date", "currency", "amount")


def document(data: Any) -> Document:
    """Validate and normalise a financeable document given as a JSON-like mapping.

    Fields: kind (default "invoice"), seller, buyer, number, date, currency, amount and
    optional lines [{hs, quantity, unit_price}]. For a bill of lading seller/buyer are the
    shipper and consignee; for a warehouse receipt the depositor and the warehouse operator;
    amount is the value being financed. Other fields are ignored.
    """
    if isinstance(data, Document):
        return data
    if not isinstance(data, Mapping):
        raise _bad("document", "a document is an object")
    for name in _REQUIRED:
        if data.get(name) is None:
            raise _bad(name, f"missing field {name!r}")
    kind = data.get("kind", "invoice")
    if kind not in DOCUMENT_KINDS:
        raise _bad("kind", f"kind must be one of {', '.join(DOCUMENT_KINDS)}")
    ccy = currency(data["currency"])
    return Document(
        kind=kind,
        seller=party(data["seller"], "seller"),
        buyer=party(data["buyer"], "buyer"),
        number=document_number(data["number"]),
        date=parse_date(data["date"]),
        currency=ccy,
        amount=parse_amount(data["amount"], ccy),
        lines=lines(data.get("lines"), ccy),
    )
