"""GS1 keys as EPCIS names them: SGTIN (a numbered item), SSCC (a logistic unit), SGLN (a
location) and LGTIN (a lot of a trade item), written as GS1 Digital Link URIs or as EPC URNs.

    key = parse("urn:epc:id:sgtin:9521234.054321.12345")
    key.digital_link()        # https://id.gs1.org/01/09521234543213/21/12345
    key.epc_urn()             # the URN again (the company prefix length is kept)
    canonical("https://example.com/01/09521234543213/21/12345")   # the id.gs1.org form

Check digits are verified by `biip` (GS1 General Specifications 7.9.1); the URN layout
(company prefix, indicator, reference) follows the GS1 Tag Data Standard. Two spellings of one
key compare equal through `canonical`, which is what lineage queries match on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote, unquote

from biip import ParseError
from biip.checksums import gs1_standard_check_digit
from biip.gs1_digital_link_uris import GS1DigitalLinkURI
from biip.gln import Gln
from biip.gs1_prefixes import GS1CompanyPrefix
from biip.gtin import Gtin
from biip.sscc import Sscc

from baobab.core.errors import BaobabError, register_codes

register_codes({"GS1_INVALID": (400, "Not a valid GS1 key")})

DL_BASE = "https://id.gs1.org"
KINDS = ("sgtin", "lgtin", "sscc", "sgln")
_URN = re.compile(r"urn:epc:(id|class):(sgtin|sscc|sgln|lgtin):(\d+)\.(\d*)(?:\.(.+))?")
# The characters GS1 allows in a serial or lot (AI 21, 10: the 82-character set), URN-encoded.
_SAFE = "!'()*+,-.:;=_"


def _invalid(identifier: str, why: str) -> BaobabError:
    return BaobabError("GS1_INVALID", f"{identifier!r}: {why}", identifier=identifier)


def _checked(kind: str, digits: str, identifier: str) -> str:
    """`digits` with a verified GS1 check digit, or GS1_INVALID."""
    parser = {"gtin": Gtin.parse, "sscc": Sscc.parse, "gln": Gln.parse}[kind]
    try:
        parser(digits)
    except ParseError as exc:
        raise _invalid(identifier, str(exc)) from None
    return digits


@dataclass(frozen=True)
class Key:
    """One GS1 key. `number` is the GTIN-14, SSCC-18 or GLN-13 with its check digit; `extra`
    the serial (SGTIN), lot (LGTIN) or GLN extension (SGLN, "" for none); `prefix_length` the
    GS1 company prefix length, which an EPC URN needs and a Digital Link URI does not carry."""

    kind: str
    number: str
    extra: str = ""
    prefix_length: int | None = None

    def digital_link(self, base: str = DL_BASE) -> str:
        base = base.rstrip("/")
        extra = quote(self.extra, safe=_SAFE)
        if self.kind == "sgtin":
            return f"{base}/01/{self.number}/21/{extra}"
        if self.kind == "lgtin":
            return f"{base}/01/{self.number}/10/{extra}"
        if self.kind == "sscc":
            return f"{base}/00/{self.number}"
        return f"{base}/414/{self.number}" + (f"/254/{extra}" if self.extra else "")

    def epc_urn(self, prefix_length: int | None = None) -> str:
        length = prefix_length or self.prefix_length
        if length is None or not 6 <= length <= 12:
            raise _invalid(self.number, "an EPC URN needs the GS1 company prefix length (6 to 12 digits)")
        extra = quote(self.extra, safe=_SAFE)
        if self.kind in ("sgtin", "lgtin"):  # indicator digit moves behind the company prefix
            n = self.number
            reference = n[0] + n[1 + length:13]
            space = "class" if self.kind == "lgtin" else "id"
            return f"urn:epc:{space}:{self.kind}:{n[1:1 + length]}.{reference}.{extra}"
        if self.kind == "sscc":
            n = self.number
            return f"urn:epc:id:sscc:{n[1:1 + length]}.{n[0] + n[1 + length:17]}"
        n = self.number
        return f"urn:epc:id:sgln:{n[:length]}.{n[length:12]}.{extra or '0'}"


def _from_urn(identifier: str) -> Key:
    m = _URN.fullmatch(identifier)
    if m is None:
        raise _invalid(identifier, "not an EPC URN of an SGTIN, LGTIN, SSCC or SGLN")
    space, kind, prefix, reference, extra = m.groups()
    if (space == "class") != (kind == "lgtin"):
        raise _invalid(identifier, f"{kind} is written urn:epc:{'class' if kind == 'lgtin' else 'id'}:{kind}:")
    extra = unquote(extra or "")
    length = len(prefix)
    if kind in ("sgtin", "lgtin"):
        if len(prefix) + len(reference) != 13 or not reference or not extra:
            raise _invalid(identifier, "company prefix and indicator/item reference make 13 digits, then a serial or lot")
        body = reference[0] + prefix + reference[1:]
        return Key(kind, body + str(gs1_standard_check_digit(body)), extra, length)
    if kind == "sscc":
        if len(prefix) + len(reference) != 17 or extra:
            raise _invalid(identifier, "company prefix and extension/serial reference make 17 digits")
        body = reference[0] + prefix + reference[1:]
        return Key(kind, body + str(gs1_standard_check_digit(body)), "", length)
    if len(prefix) + len(reference) != 12:
        raise _invalid(identifier, "company prefix and location reference make 12 digits")
    body = prefix + reference
    return Key(kind, body + str(gs1_standard_check_digit(body)), "" if extra == "0" else extra, length)


# The canonical forms this module writes, read without a full Digital Link parse (the lineage
# queries canonicalise every key they meet); anything else takes biip's parser.
_CANONICAL = re.compile(r"https://id\.gs1\.org/(?:(01)/(\d{14})/(21|10)/([A-Za-z0-9!'()*+,.:;=_-]{1,20})|(00)/(\d{18})"
                        r"|(414)/(\d{13})(?:/254/([A-Za-z0-9!'()*+,.:;=_-]{1,20}))?)")


def _quick(identifier: str) -> Key | None:
    m = _CANONICAL.fullmatch(identifier)
    if m is None:
        return None
    number = m.group(2) or m.group(6) or m.group(8)
    if gs1_standard_check_digit(number[:-1]) != int(number[-1]):
        return None  # the full parse names the wrong check digit
    if m.group(1):
        return Key("sgtin" if m.group(3) == "21" else "lgtin", number, m.group(4), _prefix_length(number[1:]))
    if m.group(5):
        return Key("sscc", number, "", _prefix_length(number[1:]))
    return Key("sgln", number, m.group(9) or "", _prefix_length(number))


def _from_digital_link(identifier: str) -> Key:
    quick = _quick(identifier)
    if quick is not None:
        return quick
    try:
        uri = GS1DigitalLinkURI.parse(identifier)
    except ParseError as exc:
        raise _invalid(identifier, str(exc)) from None
    values = {e.ai.ai: e.value for e in uri.element_strings}
    if "01" in values and ("21" in values or "10" in values):
        kind, extra = ("sgtin", values["21"]) if "21" in values else ("lgtin", values["10"])
        gtin = _checked("gtin", values["01"], identifier)
        return Key(kind, gtin, extra, _prefix_length(gtin[1:]))
    if "00" in values:
        sscc = _checked("sscc", values["00"], identifier)
        return Key("sscc", sscc, "", _prefix_length(sscc[1:]))
    if "414" in values:
        gln = _checked("gln", values["414"], identifier)
        return Key("sgln", gln, values.get("254", ""), _prefix_length(gln))
    raise _invalid(identifier, "a Digital Link URI of an SGTIN (01+21), LGTIN (01+10), SSCC (00) or SGLN (414)")


@lru_cache(maxsize=1024)
def _prefix_length(digits: str) -> int | None:
    """The company prefix length where GS1's published prefix list knows it (biip's table)."""
    company = GS1CompanyPrefix.extract(digits)
    return len(company.value) if company is not None else None


def parse(identifier: str) -> Key:
    """A GS1 key from a Digital Link URI (any domain) or an EPC URN; GS1_INVALID otherwise."""
    if not isinstance(identifier, str) or not identifier:
        raise _invalid(str(identifier), "an identifier is a non-empty string")
    if identifier.startswith("urn:epc:"):
        return _from_urn(identifier)
    if identifier.startswith(("http://", "https://")):
        return _from_digital_link(identifier)
    raise _invalid(identifier, "neither a GS1 Digital Link URI nor an EPC URN")


@lru_cache(maxsize=1 << 16)
def canonical(identifier: str) -> str:
    """The id.gs1.org Digital Link form of a GS1 key in either spelling; any other identifier
    (a party's PGLN, a private URI) unchanged."""
    try:
        return parse(identifier).digital_link()
    except BaobabError:
        return identifier


def sgtin(gtin: str, serial: str) -> Key:
    return Key("sgtin", _checked("gtin", gtin, gtin), serial, _prefix_length(gtin[1:]))


def lgtin(gtin: str, lot: str) -> Key:
    return Key("lgtin", _checked("gtin", gtin, gtin), lot, _prefix_length(gtin[1:]))


def sscc(number: str) -> Key:
    return Key("sscc", _checked("sscc", number, number), "", _prefix_length(number[1:]))


def sgln(gln: str, extension: str = "") -> Key:
    return Key("sgln", _checked("gln", gln, gln), extension, _prefix_length(gln))


def with_check_digit(body: str) -> str:
    """`body` followed by its GS1 check digit (for numbering new keys)."""
    return body + str(gs1_standard_check_digit(body))
