"""Farmers' and small firms' economic records as credentials, made from ledger facts only.

Each claim is built from a record the issuer reads on the ledger as itself, never from what
someone typed in: a delivery from a `produce` purchase or from a delivery traced in EPCIS and
paid through the `deliveries` contract (trace), a payment received from that purchase
once its payment instruction settled through the switch (with the settlement's reference and
proof), a loan repayment from a settled repayment of a `microloans` loan. The evidence names the
ledger record, so a verifier who reads the ledger can check the credential against it.

    RegisteredFarmerCredential   by the cooperative or agent that registered them, after KYC
    DeliveryRecordCredential     by the buyer: product, kilograms, date, place
    PaymentReceivedCredential    by the buyer: amount in minor units, date, settlement
    LoanRepaymentCredential      by the lender: amount, date, whether the loan was then up to date
    LoanRepaidCredential         by the lender: the whole loan repaid, and whether always on time
"""

from __future__ import annotations

from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.keys import PublicKey
from baobab.credentials.did_key import did_of
from baobab.credentials.issuer import Claim

REGISTERED = "RegisteredFarmerCredential"
DELIVERY = "DeliveryRecordCredential"
PAYMENT = "PaymentReceivedCredential"
REPAYMENT = "LoanRepaymentCredential"
REPAID = "LoanRepaidCredential"
RECORD_TYPES = (REGISTERED, DELIVERY, PAYMENT, REPAYMENT, REPAID)


def holder_did(public_key: str) -> str:
    """The DID of a key as the ledger records it (base64url)."""
    return did_of(PublicKey.from_text(public_key))


def _evidence(namespace: str, key: str, **facts: Any) -> list[dict[str, Any]]:
    return [{"type": ["LedgerRecord"], "namespace": namespace, "key": key, **facts}]


def registered_farmer(did: str, *, name: str, gender: str, region: str, district: str, plot: dict[str, Any],
                      kyc: dict[str, str], registered_by: str, custodian: str) -> Claim:
    """The farmer's identity: who they are, where they farm, how they were identified.
    Plot coordinates are a `geo:` URI (text: no floats), the area in whole square metres."""
    if not str(plot.get("location", "")).startswith("geo:") or not isinstance(plot.get("areaSquareMetres"), int):
        raise BaobabError("BAD_CREDENTIAL", "plot is {location: geo URI, areaSquareMetres: whole number, crop}")
    return Claim([REGISTERED], {"id": did, "type": "RegisteredFarmer", "name": name, "gender": gender, "region": region,
                                "district": district, "plot": dict(plot), "kyc": dict(kyc),
                                "registeredBy": registered_by, "custodian": custodian}, name="Registered farmer")


def delivery(purchase: dict[str, Any]) -> Claim:
    subject = {"id": holder_did(purchase["farmer"]), "type": "ProduceDelivery", "product": purchase["product"],
               "kilograms": purchase["kilograms"], "deliveredOn": purchase["delivered_on"], "buyer": purchase["buyer"],
               "place": purchase["place"], "pricePerKilogram": purchase["price_per_kg"]}
    return Claim([DELIVERY], subject, name="Delivery record",
                 evidence=_evidence("produce", f"purchase/{purchase['id']}"))


def payment_received(purchase: dict[str, Any]) -> Claim:
    """Only for a purchase whose payment settled."""
    settlement = purchase.get("settlement")
    if purchase.get("status") != "paid" or not settlement:
        raise BaobabError("WRONG_STATUS", f"purchase {purchase.get('id')} is {purchase.get('status')}, not paid")
    subject = {"id": holder_did(purchase["farmer"]), "type": "PaymentReceived", "amount": purchase["amount"],
               "paidOn": settlement["at"][:10], "payer": purchase["buyer"], "provider": purchase["provider"],
               "for": f"produce:purchase/{purchase['id']}"}
    return Claim([PAYMENT], subject, name="Payment received",
                 evidence=_evidence("produce", f"purchase/{purchase['id']}", obligation=purchase["obligation"],
                                    settlement={"reference": settlement["reference"], "proof": settlement.get("proof")}))


def traced_delivery(record: dict[str, Any], holder: str) -> Claim:
    """A delivery traced in EPCIS and paid through `deliveries.pay_delivery` (trace): the farmer
    appears there as a GS1 party key, so the buyer, who knows whose key it holds, names the
    holder's DID. The evidence names the anchored event (its hash and batch root)."""
    subject = {"id": holder, "type": "ProduceDelivery", "lot": record["lot"], "farmerKey": record["farmer"],
               "grams": record["quantity_g"], "kilograms": record["quantity_g"] // 1000,
               "deliveredOn": record["recorded_at"][:10], "buyer": record["buyer"]}
    return Claim([DELIVERY], subject, name="Delivery record",
                 evidence=_evidence("deliveries", f"delivery/{record['delivery_id']}", eventHash=record["event_hash"],
                                    anchoredRoot=record["anchored_root"]))


def traced_payment(record: dict[str, Any], holder: str) -> Claim:
    """The payment of a traced delivery, once settled through the switch."""
    settlement = record.get("settlement")
    if record.get("status") != "paid" or not settlement:
        raise BaobabError("WRONG_STATUS", f"delivery {record.get('delivery_id')} is {record.get('status')}, not paid")
    subject = {"id": holder, "type": "PaymentReceived", "amount": record["amount"], "paidOn": settlement["at"][:10],
               "payer": record["buyer"], "provider": record["wallet_provider"],
               "for": f"deliveries:delivery/{record['delivery_id']}"}
    return Claim([PAYMENT], subject, name="Payment received",
                 evidence=_evidence("deliveries", f"delivery/{record['delivery_id']}", obligation=record["delivery_id"],
                                    settlement={"reference": settlement["reference"], "proof": settlement.get("proof")}))


def _on_time(loan: dict[str, Any], repaid_before: int, day: str) -> bool:
    """Paid no later than the due date of the first instalment not yet covered by earlier repayments."""
    cumulative = 0
    for instalment in loan["instalments"]:
        cumulative += instalment["minor"]
        if cumulative > repaid_before:
            return day <= instalment["due"]
    return True


def repayments(loan: dict[str, Any]) -> list[Claim]:
    """One claim per settled repayment, on time or late against the loan's instalments."""
    claims, repaid = [], 0
    for r in loan["repayments"]:
        if r["status"] != "settled":
            continue
        day = r["settlement"]["at"][:10]
        on_time = _on_time(loan, repaid, day)
        repaid += r["minor"]
        subject = {"id": holder_did(loan["borrower"]), "type": "LoanRepayment", "loan": loan["id"],
                   "lender": loan["lender"], "amount": {"currency": loan["principal"]["currency"], "minor": r["minor"]},
                   "paidOn": day, "onTime": on_time}
        claims.append(Claim([REPAYMENT], subject, name="Loan repayment",
                            evidence=_evidence("microloans", f"loan/{loan['id']}", repayment=r["n"],
                                               settlement={"reference": r["settlement"]["reference"]})))
    return claims


def loan_repaid(loan: dict[str, Any]) -> Claim:
    if loan.get("status") != "repaid":
        raise BaobabError("WRONG_STATUS", f"loan {loan.get('id')} is {loan.get('status')}, not repaid")
    on_time = all(c.subject["onTime"] for c in repayments(loan))
    subject = {"id": holder_did(loan["borrower"]), "type": "LoanRepaid", "loan": loan["id"], "lender": loan["lender"],
               "principal": loan["principal"], "fee": loan["fee"], "repaidOn": loan["repaid_at"][:10],
               "alwaysOnTime": on_time}
    return Claim([REPAID], subject, name="Loan repaid", evidence=_evidence("microloans", f"loan/{loan['id']}"))
