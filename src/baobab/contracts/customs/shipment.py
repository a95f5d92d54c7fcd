"""What a declaration says about its shipment beyond the items: the parties, the invoice, the
transport and the packages, in the WCO Data Model's terms (exporter, importer, invoice, border
transport means, loading and unloading locations, transport equipment, package quantity, gross
mass). Every field is optional (a declaration lodged by hand may say less); what is given is
checked here, once, for the contract that stores it.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from baobab.ledger.contract import ContractError

MODES = ("sea", "air", "road", "rail", "post", "other")
_TEXT = Field(min_length=1, max_length=200)
_REF = Field(min_length=1, max_length=70)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


class PartyFacts(_Strict):
    name: str = _TEXT
    country: str = Field(pattern=r"^[A-Z]{2}$")
    city: str | None = Field(None, max_length=100)


class InvoiceFacts(_Strict):
    number: str = _REF
    date: str = Field(pattern=r"^\d{4}-\d{2}-\d{2}$")
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    total_minor: int = Field(ge=0)
    incoterms: str = Field(pattern=r"^[A-Z]{3}$")
    incoterms_place: str = _TEXT


class TransportFacts(_Strict):
    mode: Literal[MODES]  # type: ignore[valid-type]
    document: str = _REF                      # bill of lading or waybill number
    means: str | None = Field(None, max_length=100)   # vessel name or flight
    voyage: str | None = Field(None, max_length=35)
    loading: str = Field(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")       # UN/LOCODE
    discharge: str = Field(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")
    containers: list[str] = Field(default_factory=list, max_length=99)


class PackageFacts(_Strict):
    count: int = Field(ge=1)
    type: str = Field(pattern=r"^[A-Z0-9]{2}$")   # UN/ECE Rec 21
    gross_grams: int | None = Field(None, ge=1)
    marks: str | None = Field(None, max_length=200)


class Shipment(_Strict):
    exporter: PartyFacts | None = None
    importer: PartyFacts | None = None
    invoice: InvoiceFacts | None = None
    transport: TransportFacts | None = None
    packages: PackageFacts | None = None


def check_shipment(value: Any) -> dict[str, Any]:
    """The shipment facts as stored (absent fields left out), or BAD_SHIPMENT naming the field."""
    try:
        return Shipment.model_validate(value).model_dump(exclude_none=True)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ContractError(f"shipment.{'.'.join(map(str, first['loc']))}: {first['msg']}", reason="BAD_SHIPMENT") from None
