"""Trade vocabularies: Incoterms, UN/LOCODE, HS codes, UN/ECE units and packages, document types
and kinds, currencies.

One definition each, imported by the letter-of-credit terms, the document models, the
duplicate-financing checks and customs: a code accepted by one is accepted by all.
"""

from __future__ import annotations

import re

from baobab.core.codes import COUNTRIES
from baobab.core.money import MINOR_UNITS

# ICC Incoterms 2020: the rules for any mode of transport, then sea and inland waterway only.
INCOTERMS_2020 = ("EXW", "FCA", "CPT", "CIP", "DAP", "DPU", "DDP", "FAS", "FOB", "CFR", "CIF")

# The trade documents Baobab wraps and registers (baobab.documents.types has one model each).
DOCUMENT_TYPES = (
    "commercial_invoice", "packing_list", "bill_of_lading", "certificate_of_origin",
    "phytosanitary_certificate", "inspection_certificate", "insurance_certificate",
)

# Transport documents a bill_of_lading record may be: only the ocean bill is a document of title.
TRANSPORT_DOCUMENT_KINDS = ("ocean_bill_of_lading", "sea_waybill", "air_waybill")

# Financeable documents screened for duplicate financing (baobab.risk and its registry
# contract); a fingerprint binds the kind, so kinds never match each other.
DOCUMENT_KINDS = ("invoice", "purchase_order", "bill_of_lading", "warehouse_receipt")

# UN/LOCODE: the ISO 3166-1 country, then three letters or digits 2-9 for the place.
LOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")
# Harmonized System codes: the six-digit WCO heading, extended nationally to 8 or 10 digits.
HS_CODE = re.compile(r"\d{6,10}")
# ISO 6346 freight container number: owner code, category (U, J, Z), six digits, check digit.
CONTAINER = re.compile(r"[A-Z]{3}[UJZ]\d{7}")
# ISO 17442 Legal Entity Identifier.
LEI = re.compile(r"[A-Z0-9]{18}\d{2}")

# UN/ECE Recommendation 20 units accepted in quantities (a practical subset; CT, BX, BG, PK and
# SA are the Rec 20 "package" units used to count goods). Mass units in grams per unit.
MASS_UNITS = {"GRM": 1, "KGM": 1_000, "TNE": 1_000_000, "LBR": None}
VOLUME_UNITS = frozenset({"LTR", "MLT", "MTQ"})
UNIT_CODES = frozenset(list(MASS_UNITS) + ["LTR", "MLT", "MTQ", "MTR", "MTK", "H87", "C62", "PCE", "NAR", "PR", "DZN",
                                           "SET", "CT", "BX", "BG", "PK", "SA"])
# UN/ECE Recommendation 21 package type codes (subset) for packing lists and bills of lading.
PACKAGE_TYPES = frozenset({"BA", "BE", "BG", "BX", "CR", "CS", "CT", "DR", "NE", "PK", "PX", "SA"})


def is_locode(value: object) -> bool:
    """A UN/LOCODE of a real country."""
    return isinstance(value, str) and LOCODE.fullmatch(value) is not None and value[:2] in COUNTRIES


def locode_country(value: str) -> str:
    """The ISO 3166-1 country of a UN/LOCODE (its first two letters)."""
    return value[:2]


def is_hs_code(value: object) -> bool:
    return isinstance(value, str) and HS_CODE.fullmatch(value) is not None


def is_currency(value: object) -> bool:
    """An ISO 4217 currency code (the table, with minor units, is baobab.core.money's)."""
    return isinstance(value, str) and value in MINOR_UNITS

