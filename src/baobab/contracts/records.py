"""The typed schema of each ledger record the API shows: one place, used by the contracts that
write the records (they validate what they store against it) and by the API's responses (so the
OpenAPI document describes them field by field).

Money is always `{currency, minor}`. A record model lists the fields every record of its kind
carries; fields a contract adds later (a history entry, a note) are kept and shown as they are.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from baobab.ledger.contract import ContractError

ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"
CURRENCY = r"^[A-Z]{3}$"


class Money(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    currency: str = Field(pattern=CURRENCY, description="ISO 4217 code")
    minor: int = Field(description="amount in the currency's minor units (cents, kobo, fen...)")


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow", strict=True)


# --- letters of credit (contracts/trade/letter_of_credit.py) ---------------------------------

class Quantity(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    value: int = Field(ge=1)
    unit: str = Field(description="UN/ECE Recommendation 20 code, e.g. TNE")


class Instalment(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    until: str = Field(pattern=ISO_DATE)
    minor: int = Field(ge=1)


class CreditTerms(BaseModel):
    """The terms of a documentary credit, as stored after the contract's checks (lc_terms.py)."""
    model_config = ConfigDict(extra="forbid", strict=True)
    amount: Money
    amount_tolerance_pct: int = Field(0, ge=0, le=10, description="UCP 600 art. 30(b)")
    about: bool = Field(False, description="'about' the amount or quantity: +-10% (art. 30(a))")
    quantity_counted: bool = False
    quantity: Quantity
    expiry_date: str = Field(pattern=ISO_DATE)
    expiry_place: str
    latest_shipment_date: str = Field(pattern=ISO_DATE)
    presentation_days: int = Field(21, ge=1, le=180, description="art. 14(c)")
    port_of_loading: str = Field(description="UN/LOCODE")
    port_of_discharge: str = Field(description="UN/LOCODE")
    goods_description: str
    hs_code: str = Field(pattern=r"^\d{6,10}$")
    incoterm: str = Field(description="Incoterms 2020 rule")
    partial_shipments: bool = True
    available_with: Literal["issuing_bank", "advising_bank"] = "issuing_bank"
    transhipment: bool = True
    title_to: Literal["applicant", "issuing_bank"] = "applicant"
    required_documents: list[str]
    instalments: list[Instalment] | None = None


class Drawn(BaseModel):
    """What the credit has been drawn for so far: amount, quantity, and per instalment."""
    model_config = ConfigDict(extra="forbid", strict=True)
    currency: str = Field(pattern=CURRENCY)
    minor: int
    quantity: int | None = None
    instalments: list[Any] = []


class Presentation(_Record):
    number: int
    status: str
    examination: dict[str, Any] | None = None


# What a bank charges for its part in a credit; UCP 600 art. 37(c) makes them the instructing party's.
ChargeKind = Literal["issuance", "advising", "confirmation", "amendment", "examination", "discrepancy", "payment", "other"]


class Charge(BaseModel):
    """A charge a bank on the credit recorded for its part in it (letter_of_credit.charge)."""
    model_config = ConfigDict(extra="forbid", strict=True)
    bank: str
    kind: ChargeKind
    currency: str = Field(pattern=CURRENCY)
    minor: int = Field(ge=1)
    at: str


class Credit(_Record):
    id: str
    status: Literal["applied", "issued", "advised", "drawn", "paid", "expired", "cancelled"]
    terms: CreditTerms
    parties: dict[str, str | None] = Field(description="role -> organisation: applicant, beneficiary, issuing_bank, "
                                                       "advising_bank, confirming_bank (null when none)")
    presentations: list[Presentation] = []
    drawn: Drawn | None = None
    available: Money | None = None
    amendments: list[dict[str, Any]] = []
    titles: list[str] = []
    fees: list[Charge] = Field([], description="charges the banks recorded for their part (UCP 600 art. 37)")
    history: list[dict[str, Any]] = []


# --- payment instructions (contracts/payment_instruction.py) ----------------------------------

class PaymentInstruction(_Record):
    obligation: str
    contract: str
    payer: str
    payee: str
    amount: Money
    due: str | None = None
    status: Literal["instructed", "settled", "failed"]
    settlement: dict[str, Any] | None = None
    failure: dict[str, Any] | None = None


# --- supply-chain finance, conditional payments, customs, documents ----------------------------

class Claim(_Record):
    id: str
    programme: str
    anchor: str
    supplier: str
    holder: str
    amount: int = Field(description="minor units of `currency`")
    currency: str = Field(pattern=CURRENCY)
    due_date: str = Field(pattern=ISO_DATE)
    status: str


class Agreement(_Record):
    id: str
    payer: str
    payee: str
    amount: Money | int
    status: str
    condition: dict[str, Any]
    oracle_terms: dict[str, Any]
    expires: str


class DeclarationItem(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)
    n: int
    hs_code: str = Field(pattern=r"^\d{6,10}$")
    description: str
    origin: str = Field(pattern=r"^[A-Z]{2}$")
    quantity: int = Field(ge=1)
    unit: str
    value: Money


class Declaration(_Record):
    id: str
    declarant: str
    customs: str
    procedure: Literal["import", "export"]
    items: list[DeclarationItem]
    status: Literal["lodged", "accepted", "under control", "assessed", "released", "rejected"]
    channel: Literal["green", "yellow", "red"] | None = None
    flags: list[str] = []


class DocumentRecord(_Record):
    target_hash: str
    issued: bool | None = None
    doc_type: str | None = None
    issuer: str | None = None
    status: str | None = None


def stored(model: type[BaseModel], value: dict[str, Any], what: str) -> dict[str, Any]:
    """`value` if it satisfies `model` (a contract calls this before it writes a record); else a
    refusal naming the first field that does not."""
    try:
        model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ContractError(f"{what}: {'.'.join(map(str, first['loc']))}: {first['msg']}", reason="INVALID") from None
    return value
