"""Where goods go: the one convention for the countries a record about goods concerns.

A record about goods that cross a border carries

    "countries": {"origin": "AR", "destination": "MY", "transit": ["SG"]}

(ISO 3166-1 alpha-2; `transit` may be empty). Customs of any of these countries supervises the
record (`baobab.api.access`). Contracts build the field with `check_countries` (an explicit
argument), `from_ports` (UN/LOCODEs: the first two letters are the country) or, on the
issuer's side, `from_document` (a trade document's own fields, which never reach the ledger).
Pure functions; malformed input raises BAD_ARGUMENT naming the field, and nothing is written.
"""

from __future__ import annotations

import re
from typing import Any

from baobab.core.codes import check_country
from baobab.core.errors import BaobabError

FIELD = "countries"
MAX_TRANSIT = 10
LOCODE = re.compile(r"[A-Z]{2}[A-Z2-9]{3}")


def _bad(message: str) -> BaobabError:
    return BaobabError("BAD_ARGUMENT", message, field=FIELD)


def _country(value: Any, name: str) -> str:
    try:
        return check_country(value)
    except BaobabError:
        raise _bad(f"{name} {value!r} is not an ISO 3166-1 alpha-2 country code") from None


def check_countries(value: Any, name: str = FIELD) -> dict[str, Any]:
    """The normalised {origin, destination, transit} of an explicit argument."""
    if not isinstance(value, dict) or not {"origin", "destination"} <= set(value) \
            or not set(value) <= {"origin", "destination", "transit"}:
        raise _bad(f"{name} is {{origin, destination, transit?}} of ISO 3166-1 alpha-2 codes")
    transit = value.get("transit", [])
    if not isinstance(transit, list) or len(transit) > MAX_TRANSIT:
        raise _bad(f"{name}.transit is a list of at most {MAX_TRANSIT} countries")
    checked = [_country(c, f"{name}.transit[{i}]") for i, c in enumerate(transit)]
    if len(set(checked)) != len(checked):
        raise _bad(f"{name}.transit names a country twice")
    return {"origin": _country(value["origin"], f"{name}.origin"),
            "destination": _country(value["destination"], f"{name}.destination"), "transit": checked}


def locode_country(locode: Any, name: str) -> str:
    """The country of a UN/LOCODE (its first two letters)."""
    if not isinstance(locode, str) or not LOCODE.fullmatch(locode):
        raise _bad(f"{name} {locode!r} is not a UN/LOCODE")
    return _country(locode[:2], f"{name} {locode!r}: country")


def from_ports(loading: str, discharge: str, transit: list[str] | None = None) -> dict[str, Any]:
    """Countries of a voyage from its ports of loading, discharge and transhipment."""
    origin = locode_country(loading, "port_of_loading")
    destination = locode_country(discharge, "port_of_discharge")
    via: list[str] = []
    for i, port in enumerate(transit or []):
        country = locode_country(port, f"transit[{i}]")
        if country not in (origin, destination, *via):
            via.append(country)
    return {"origin": origin, "destination": destination, "transit": via}


def _get(data: dict[str, Any], *path: str) -> Any:
    for step in path:
        data = data.get(step) if isinstance(data, dict) else None  # type: ignore[assignment]
    return data


def _pair(origin: Any, destination: Any) -> dict[str, Any] | None:
    if origin is None or destination is None:
        return None
    return check_countries({"origin": origin, "destination": destination})


def from_document(doc_type: str, data: dict[str, Any]) -> dict[str, Any] | None:
    """The countries a trade document's own fields give (None if the type names none).

    Transport documents by their ports (or places of receipt and delivery, the ports then
    being transit), insurance by its voyage, certificates by their countries of
    origin (or export) and destination, an invoice by its countries of export and destination,
    else its ports, else its seller's and buyer's countries; a packing list by shipper and
    consignee. An inspection certificate names one place only: None.
    """
    if doc_type == "bill_of_lading":  # inland places of receipt/delivery, when given, are the ends
        loading, discharge = data["port_of_loading"], data["port_of_discharge"]
        return from_ports(data.get("place_of_receipt") or loading, data.get("place_of_delivery") or discharge,
                          [loading, discharge])
    if doc_type == "insurance_certificate":
        return from_ports(data["voyage_from"], data["voyage_to"])
    if doc_type == "certificate_of_origin":
        return _pair(data.get("country_of_origin"), data.get("country_of_destination"))
    if doc_type == "phytosanitary_certificate":
        return _pair(data.get("country_of_export"), data.get("country_of_destination"))
    if doc_type == "commercial_invoice":
        if data.get("country_of_export") and data.get("country_of_destination"):
            return _pair(data["country_of_export"], data["country_of_destination"])
        if data.get("port_of_loading") and data.get("port_of_discharge"):
            return from_ports(data["port_of_loading"], data["port_of_discharge"])
        return _pair(_get(data, "seller", "country"), _get(data, "buyer", "country"))
    if doc_type == "packing_list":
        return _pair(_get(data, "shipper", "country"), _get(data, "consignee", "country"))
    return None


def countries_in(value: Any) -> set[str] | None:
    """The countries a stored record's `countries` names, or None if it names none.

    Reads the convention above; a plain list of codes (records written before it) is read as is.
    """
    found = value.get(FIELD) if isinstance(value, dict) else None
    if isinstance(found, dict):
        transit = found.get("transit") if isinstance(found.get("transit"), list) else []
        codes = [found.get("origin"), found.get("destination"), *transit]
    elif isinstance(found, list):
        codes = found
    else:
        return None
    return {c for c in codes if isinstance(c, str)}
