"""The key trade documents as strict, structured models.

Field choices follow the ICC DSI Key Trade Documents and Data Elements (KTDDE) and the
UN/CEFACT data elements where practical, simplified to what a contract or a checker reads.
Every money amount is integer minor units (ISO 4217), every quantity an integer with a
UN/ECE Rec 20 unit, every date RFC 3339. Cross-field rules (totals, currencies, the flags of
a bill of lading) are checked here too, and each failure names the field path to fix.

`validate_document(doc_type, data)` is the entry point; it raises BAD_DOCUMENT listing all
failures at once, so a sender fixes a document in one round trip.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError, model_validator
from pydantic_core import InitErrorDetails, PydanticCustomError

from baobab.core.errors import BaobabError
from baobab.core.money import format_amount
from baobab.documents.fields import (
    ContainerNumber,
    Count,
    Country,
    Currency,
    Date,
    HSCode,
    Model,
    Money,
    PackageType,
    Party,
    Quantity,
    Reference,
    Text,
    UNLocode,
    Volume,
    Weight,
    grams,
)
from baobab.vocab import trade
from baobab.vocab.trade import INCOTERMS_2020, TRANSPORT_DOCUMENT_KINDS


def _raise(model: Model, problems: list[tuple[tuple[str | int, ...], str]]) -> None:
    """Report cross-field problems at their own paths (pydantic prefixes the outer path)."""
    if problems:
        raise ValidationError.from_exception_data(
            type(model).__name__,
            [InitErrorDetails(type=PydanticCustomError("rule", message), loc=loc, input=None)
             for loc, message in problems],
        )


def _check_currency(problems: list, loc: tuple, money: Money | None, currency: str) -> None:
    if money is not None and money.currency != currency:
        problems.append(((*loc, "currency"), f"must be the document currency {currency}, not {money.currency}"))


# --- commercial invoice -------------------------------------------------------------------



def shown(money: Any) -> str:
    """A Money field as people read it ("12500.00 USD"): messages never show minor units."""
    return format_amount({"currency": money.currency, "minor": money.minor})

class Incoterms(Model):
    rule: Literal[INCOTERMS_2020]  # type: ignore[valid-type]
    place: Text


class InvoiceLine(Model):
    line_number: Count
    description: Text
    hs_code: HSCode
    country_of_origin: Country
    quantity: Quantity
    unit_price: Money
    line_amount: Money
    product_id: Reference | None = None  # GTIN or seller's item number

    @model_validator(mode="after")
    def _amount_matches_price(self) -> "InvoiceLine":
        # unit_price is the line amount per unit rounded to a minor unit, so the two may
        # differ by at most half a minor unit per unit of quantity.
        q, price, amount = self.quantity.value, self.unit_price.minor, self.line_amount.minor
        if abs(amount - price * q) * 2 > q or (q == 0 and amount != 0):
            _raise(self, [(("line_amount", "minor"),
                           f"{shown(self.line_amount)} does not match unit_price {shown(self.unit_price)} x quantity {q}")])
        return self


class Charge(Model):
    kind: Literal["freight", "insurance", "packing", "handling", "tax", "other"]
    description: Text | None = None
    amount: Money


class Allowance(Model):
    kind: Literal["discount", "rebate", "other"]
    description: Text | None = None
    amount: Money


class CommercialInvoice(Model):
    invoice_number: Reference
    issue_date: Date
    seller: Party
    buyer: Party
    currency: Currency
    incoterms: Incoterms
    lines: list[InvoiceLine] = Field(min_length=1)
    charges: list[Charge] = Field(default_factory=list)
    allowances: list[Allowance] = Field(default_factory=list)
    total_amount: Money
    payment_terms: Text | None = None
    due_date: Date | None = None
    purchase_order_number: Reference | None = None
    letter_of_credit_number: Reference | None = None
    country_of_export: Country | None = None
    country_of_destination: Country | None = None
    port_of_loading: UNLocode | None = None
    port_of_discharge: UNLocode | None = None

    @model_validator(mode="after")
    def _totals(self) -> "CommercialInvoice":
        problems: list = []
        for i, line in enumerate(self.lines):
            _check_currency(problems, ("lines", i, "unit_price"), line.unit_price, self.currency)
            _check_currency(problems, ("lines", i, "line_amount"), line.line_amount, self.currency)
        for name in ("charges", "allowances"):
            for i, item in enumerate(getattr(self, name)):
                _check_currency(problems, (name, i, "amount"), item.amount, self.currency)
        _check_currency(problems, ("total_amount",), self.total_amount, self.currency)
        numbers = [line.line_number for line in self.lines]
        if len(set(numbers)) != len(numbers):
            problems.append((("lines",), "line_number values must be unique"))
        expected = (sum(x.line_amount.minor for x in self.lines) + sum(c.amount.minor for c in self.charges)
                    - sum(a.amount.minor for a in self.allowances))
        if self.total_amount.minor != expected:
            problems.append((("total_amount", "minor"),
                             f"{shown(self.total_amount)} is not lines + charges - allowances = "
                             f"{format_amount({'currency': self.total_amount.currency, 'minor': expected})}"))
        if self.due_date is not None and self.due_date < self.issue_date:
            problems.append((("due_date",), "must not be before issue_date"))
        _raise(self, problems)
        return self


# --- packing list -------------------------------------------------------------------------


class PackedItem(Model):
    description: Text
    quantity: Quantity
    hs_code: HSCode | None = None
    invoice_line_number: Count | None = None


class Package(Model):
    """One line of packages: `count` packages of one type; weights cover the whole line."""

    marks: Text  # shipping marks and numbers
    package_type: PackageType
    count: Count
    contents: list[PackedItem] = Field(min_length=1)
    gross_weight: Weight
    net_weight: Weight | None = None
    volume: Volume | None = None

    @model_validator(mode="after")
    def _net_not_above_gross(self) -> "Package":
        if self.net_weight is not None:
            gross, net = grams(self.gross_weight), grams(self.net_weight)
            if gross is not None and net is not None and net > gross:
                _raise(self, [(("net_weight",), "must not exceed gross_weight")])
        return self


class PackingList(Model):
    packing_list_number: Reference
    issue_date: Date
    shipper: Party
    consignee: Party
    packages: list[Package] = Field(min_length=1)
    total_packages: Count
    total_gross_weight: Weight
    invoice_number: Reference | None = None

    @model_validator(mode="after")
    def _totals(self) -> "PackingList":
        problems: list = []
        counted = sum(p.count for p in self.packages)
        if self.total_packages != counted:
            problems.append((("total_packages",), f"{self.total_packages} is not the sum of package counts {counted}"))
        weights = [grams(p.gross_weight) for p in self.packages]
        total = grams(self.total_gross_weight)
        if total is not None and None not in weights and total != sum(weights):  # type: ignore[arg-type]
            problems.append((("total_gross_weight",), f"is not the sum of package gross weights ({sum(weights)} GRM)"))  # type: ignore[arg-type]
        _raise(self, problems)
        return self


# --- bill of lading / sea waybill / air waybill --------------------------------------------


class Container(Model):
    number: ContainerNumber
    seal_number: Reference | None = None
    size_type: Reference | None = None  # ISO 6346 size/type code, e.g. 22G1


class GoodsItem(Model):
    description: Text
    package_type: PackageType
    package_count: Count
    gross_weight: Weight
    hs_code: HSCode | None = None
    marks: Text | None = None


class BillOfLading(Model):
    """Transport document. Only an ocean bill of lading can be transferable (a document of
    title, MLETR "transferable record"); sea and air waybills are receipts naming a consignee."""

    kind: Literal[TRANSPORT_DOCUMENT_KINDS]  # type: ignore[valid-type]
    document_number: Reference
    issue_date: Date
    carrier: Party
    shipper: Party
    port_of_loading: UNLocode  # airports have UN/LOCODEs too
    port_of_discharge: UNLocode
    goods: list[GoodsItem] = Field(min_length=1)
    freight: Literal["prepaid", "collect"]
    clean: bool  # no clause declaring a defective condition of the goods or packaging
    shipped_on_board: bool
    transferable: bool
    consignee: Party | None = None
    to_order_of: Text | None = None  # "order", or "order of <bank>"; transferable only
    notify_party: Party | None = None
    place_of_issue: Text | None = None
    place_of_receipt: UNLocode | None = None
    place_of_delivery: UNLocode | None = None
    shipped_on_board_date: Date | None = None
    vessel_name: Text | None = None
    voyage_number: Reference | None = None
    flight_number: Reference | None = None
    containers: list[Container] = Field(default_factory=list)
    number_of_originals: Count | None = None

    @model_validator(mode="after")
    def _flags(self) -> "BillOfLading":
        p: list = []
        air = self.kind == "air_waybill"
        if self.transferable and self.kind != "ocean_bill_of_lading":
            p.append((("transferable",), f"a {self.kind} is not transferable"))
        if self.transferable:
            if self.consignee is None and self.to_order_of is None:
                p.append((("to_order_of",), "a transferable bill names a consignee or is made out to order"))
            if self.number_of_originals is None:
                p.append((("number_of_originals",), "required for a transferable bill"))
        else:
            if self.consignee is None:
                p.append((("consignee",), "required unless the document is transferable"))
            if self.to_order_of is not None:
                p.append((("to_order_of",), "only a transferable bill can be made out to order"))
        if self.shipped_on_board != (self.shipped_on_board_date is not None):
            p.append((("shipped_on_board_date",), "required exactly when shipped_on_board is true"))
        if air:
            if self.shipped_on_board:
                p.append((("shipped_on_board",), "does not apply to an air waybill"))
            for name in ("vessel_name", "voyage_number"):
                if getattr(self, name) is not None:
                    p.append(((name,), "does not apply to an air waybill"))
        else:
            if self.flight_number is not None:
                p.append((("flight_number",), f"does not apply to a {self.kind}"))
            if self.shipped_on_board and self.vessel_name is None:
                p.append((("vessel_name",), "required when shipped on board"))
        _raise(self, p)
        return self


# --- certificate of origin ----------------------------------------------------------------


class OriginGoods(Model):
    item_number: Count
    description: Text
    hs_code: HSCode
    quantity: Quantity
    origin_criterion: Reference | None = None  # e.g. WO (wholly obtained), CTH, RVC40
    marks: Text | None = None


class CertificateOfOrigin(Model):
    certificate_number: Reference
    issue_date: Date
    issuing_authority: Party
    exporter: Party
    consignee: Party
    country_of_origin: Country
    country_of_destination: Country
    preferential: bool
    goods: list[OriginGoods] = Field(min_length=1)
    trade_agreement: Text | None = None  # e.g. "AfCFTA"; required for a preferential certificate
    producer: Party | None = None
    invoice_number: Reference | None = None
    transport_details: Text | None = None

    @model_validator(mode="after")
    def _agreement(self) -> "CertificateOfOrigin":
        if self.preferential != (self.trade_agreement is not None):
            _raise(self, [(("trade_agreement",), "required exactly when preferential is true")])
        return self


# --- phytosanitary certificate ------------------------------------------------------------


class PlantCommodity(Model):
    description: Text
    botanical_name: Text
    quantity: Quantity
    hs_code: HSCode | None = None
    distinguishing_marks: Text | None = None


class Treatment(Model):
    method: Text  # e.g. fumigation, cold treatment
    date: Date
    chemical: Text | None = None
    duration: Text | None = None
    temperature: Text | None = None  # free text: units and ranges vary, and no floats
    concentration: Text | None = None


class PhytosanitaryCertificate(Model):
    """IPPC ISPM 12 model certificate, as exchanged through the ePhyto hub."""

    certificate_number: Reference
    issue_date: Date
    issuing_nppo: Party  # National Plant Protection Organization of the exporting country
    country_of_export: Country
    country_of_destination: Country
    exporter: Party
    consignee: Party
    place_of_origin: Country
    commodities: list[PlantCommodity] = Field(min_length=1)
    inspection_date: Date
    means_of_conveyance: Literal["sea", "air", "road", "rail", "post", "other"] | None = None
    point_of_entry: UNLocode | None = None
    treatment: Treatment | None = None
    additional_declaration: Text | None = None
    re_export: bool = False

    @model_validator(mode="after")
    def _issuer(self) -> "PhytosanitaryCertificate":
        p: list = []
        if self.issuing_nppo.country != self.country_of_export:
            p.append((("issuing_nppo", "country"), "must be the country of export"))
        if self.inspection_date > self.issue_date:
            p.append((("inspection_date",), "must not be after issue_date"))
        _raise(self, p)
        return self


# --- inspection certificate ---------------------------------------------------------------


class InspectedGoods(Model):
    description: Text
    quantity: Quantity
    hs_code: HSCode | None = None


class InspectionCertificate(Model):
    certificate_number: Reference
    issue_date: Date
    inspection_body: Party
    applicant: Party
    inspection_type: Literal["quality", "quantity", "quality_and_quantity", "weight", "pre_shipment",
                             "sanitary", "packing"]
    inspection_date: Date
    place_of_inspection: UNLocode
    goods: list[InspectedGoods] = Field(min_length=1)
    result: Literal["pass", "fail", "conditional"]
    findings: Text | None = None
    invoice_number: Reference | None = None
    bill_of_lading_number: Reference | None = None
    letter_of_credit_number: Reference | None = None

    @model_validator(mode="after")
    def _findings(self) -> "InspectionCertificate":
        p: list = []
        if self.result != "pass" and self.findings is None:
            p.append((("findings",), f"required when the result is {self.result}"))
        if self.inspection_date > self.issue_date:
            p.append((("inspection_date",), "must not be after issue_date"))
        _raise(self, p)
        return self


# --- insurance certificate ----------------------------------------------------------------


class InsuranceCertificate(Model):
    certificate_number: Reference
    issue_date: Date
    insurer: Party
    insured: Party
    insured_amount: Money
    coverage: Literal["ICC_A", "ICC_B", "ICC_C", "ICC_AIR"]  # Institute Cargo Clauses
    voyage_from: UNLocode
    voyage_to: UNLocode
    goods_description: Text
    claims_payable_at: Text
    effective_date: Date  # UCP 600 art. 28(e): no later than the date of shipment
    policy_number: Reference | None = None
    claims_payable_to: Party | None = None
    additional_risks: list[Literal["war", "strikes", "theft_pilferage", "temperature"]] = Field(default_factory=list)
    premium: Money | None = None
    conveyance: Text | None = None
    invoice_number: Reference | None = None
    bill_of_lading_number: Reference | None = None
    letter_of_credit_number: Reference | None = None

    @model_validator(mode="after")
    def _amount(self) -> "InsuranceCertificate":
        if self.insured_amount.minor == 0:
            _raise(self, [(("insured_amount", "minor"), "must be greater than zero")])
        return self


# The model of each document type of the shared vocabulary (a test keeps the two in step).
DOCUMENT_TYPES: dict[str, type[Model]] = {
    "commercial_invoice": CommercialInvoice,
    "packing_list": PackingList,
    "bill_of_lading": BillOfLading,
    "certificate_of_origin": CertificateOfOrigin,
    "phytosanitary_certificate": PhytosanitaryCertificate,
    "inspection_certificate": InspectionCertificate,
    "insurance_certificate": InsuranceCertificate,
}


def validate_document(doc_type: str, data: Any) -> Model:
    """Parse `data` as a `doc_type`; BAD_DOCUMENT lists every failing field path and why."""
    if doc_type not in trade.DOCUMENT_TYPES:
        raise BaobabError("UNKNOWN_DOCUMENT_TYPE", f"unknown document type {doc_type!r}",
                          known=sorted(trade.DOCUMENT_TYPES))
    model = DOCUMENT_TYPES[doc_type]
    if not isinstance(data, dict):
        errors = [{"path": "", "message": "a document is a JSON object"}]
    else:
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            errors = [{"path": field_path(e["loc"]), "message": _message(e)} for e in exc.errors()]
    summary = "; ".join(f"{e['path'] or '(document)'}: {e['message']}" for e in errors)
    raise BaobabError("BAD_DOCUMENT", f"invalid {doc_type}: {summary}", doc_type=doc_type, errors=errors)


def field_path(loc: tuple[str | int, ...]) -> str:
    """('lines', 0, 'unit_price') -> 'lines[0].unit_price'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _message(error: dict[str, Any]) -> str:
    kind, value = error["type"], error.get("input")
    if kind == "missing":
        return "required field is missing"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "int_type" and isinstance(value, float):
        return "must be an integer; floats are not allowed (money is integer minor units)"
    return str(error["msg"])
