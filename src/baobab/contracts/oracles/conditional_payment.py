"""Payments that follow oracle data: released when a condition holds, withheld (with why) when not.

The payer's bank records an agreement: who pays whom, how much, and the condition over
oracle rounds (see `baobab.contracts.oracles.conditions`), e.g. "the temperature of every leg stayed
between 2 and 8 °C". Once the rounds are decided, anyone may ask the contract to `evaluate`
it, and the payer bank's keeper (`baobab.keeper`) does so as soon as a round it depends on
is decided; the contract reads the rounds from the `oracles` namespace itself, so no party
can feed it a different answer. A satisfied condition releases a payment instruction for the
payments hub; a breached one withholds the payment and records the reasons; a decided
agreement is never evaluated again (`WRONG_STATUS`). Later writes of an agreement need its payer bank's endorsement.
An agreement that pays for a shipment may record where the goods go (`countries`, see
`contracts.jurisdiction`), so the customs of those countries supervise it.
"""

from __future__ import annotations

from typing import Any

from baobab.contracts.oracles import conditions
from baobab.contracts.jurisdiction import check_countries
from baobab.core.errors import BaobabError
from baobab.core.money import MINOR_UNITS
from baobab.ledger.contract import Context, Contract, ContractError, function

BANK = {"role": "bank"}
ANY_MEMBER = {"role": "*"}


def oracle_rounds(ctx: Context) -> conditions.RoundLookup:
    """Read decided rounds straight from the oracle registry's state."""
    return lambda round_id: ctx.read("oracles", f"round/{round_id}")


class ConditionalPayment(Contract):
    name = "conditional_payment"

    def _agreement(self, ctx: Context, agreement_id: str) -> dict[str, Any]:
        record = ctx.get(f"agreement/{agreement_id}")
        if record is None:
            raise ContractError(f"no agreement {agreement_id}", reason="NOT_FOUND")
        return record

    @function(policy=BANK)
    def create(self, ctx: Context, agreement_id: str, payer: str, payee: str, amount: int, currency: str,
               reference: str, condition: dict[str, Any], expires: str,
               countries: dict[str, Any] | None = None) -> dict[str, Any]:
        if "bank" not in ctx.caller.roles:
            raise ContractError("the payer's bank creates a conditional payment")
        if not agreement_id or len(agreement_id) > 128 or "|" in agreement_id:
            raise ContractError("agreement id is 1-128 characters without '|'")
        if ctx.get(f"agreement/{agreement_id}") is not None:
            raise ContractError(f"agreement {agreement_id} already exists")
        if currency not in MINOR_UNITS or amount <= 0:
            raise BaobabError("BAD_MONEY", "amount is a positive integer in minor units of an ISO 4217 currency")
        for party in (payer, payee):
            if ctx.read("governance", f"org/{party}") is None:
                raise ContractError(f"{party} is not a member of the network")
        if not reference or len(reference) > 140:
            raise ContractError("reference is 1-140 characters")
        conditions.check(condition)
        if conditions.utc(expires, "expires") <= conditions.utc(ctx.timestamp):
            raise ContractError("the agreement must expire in the future")
        record = {"id": agreement_id, "payer_bank": ctx.caller.org, "payer": payer, "payee": payee,
                  "parties": {"payer_bank": ctx.caller.org, "payer": payer, "payee": payee},
                  "amount": {"currency": currency, "minor": amount}, "reference": reference,
                  "condition": condition, "rounds": conditions.rounds(condition), "expires": expires,
                  "status": "pending", "created_at": ctx.timestamp, "decided_at": None, "reasons": [],
                  "instruction": None}
        if countries is not None:
            record["countries"] = check_countries(countries)
        ctx.put(f"agreement/{agreement_id}", record)
        ctx.set_key_policy(f"agreement/{agreement_id}", {"orgs": [ctx.caller.org]})
        ctx.emit("conditional_payment_created", {"agreement": agreement_id, "payer_bank": ctx.caller.org,
                                                 "payer": payer, "payee": payee, "rounds": record["rounds"]})
        return record

    @function(policy=ANY_MEMBER)
    def evaluate(self, ctx: Context, agreement_id: str) -> dict[str, Any]:
        """Decide the agreement if its rounds allow it; a pending one changes nothing until it expires."""
        record = self._agreement(ctx, agreement_id)
        if record["status"] != "pending":  # decided once and for all: a stable code, so keepers can tell
            raise BaobabError("WRONG_STATUS", f"agreement {agreement_id} was already {record['status']}",
                              agreement=agreement_id, status=record["status"])
        verdict = conditions.evaluate(record["condition"], oracle_rounds(ctx))
        state, reasons = verdict.state, verdict.reasons
        if state == conditions.PENDING:
            if conditions.utc(ctx.timestamp) < conditions.utc(record["expires"]):
                return {"agreement": agreement_id, "status": "pending", "reasons": reasons}
            state, reasons = conditions.BREACHED, [f"expired at {record['expires']} undecided", *reasons]
        record = {**record, "decided_at": ctx.timestamp, "reasons": reasons}
        if state == conditions.SATISFIED:
            record["status"] = "released"
            record["instruction"] = conditions.payment_instruction(
                source=f"conditional_payment/{agreement_id}", payer=record["payer"], payee=record["payee"],
                amount=record["amount"]["minor"], currency=record["amount"]["currency"],
                reference=record["reference"], issued_at=ctx.timestamp)
            ctx.emit("payment_instruction", record["instruction"])
        else:
            record["status"] = "withheld"
            ctx.emit("payment_withheld", {"agreement": agreement_id, "payer": record["payer"],
                                          "payee": record["payee"], "reasons": reasons})
        ctx.put(f"agreement/{agreement_id}", record)
        return {"agreement": agreement_id, "status": record["status"], "reasons": reasons,
                "instruction": record["instruction"]}

    @function(query=True)
    def get(self, ctx: Context, agreement_id: str) -> dict[str, Any]:
        """The agreement, for its parties only (payer bank, payer, payee)."""
        record = self._agreement(ctx, agreement_id)
        if ctx.caller.org not in (record["payer_bank"], record["payer"], record["payee"]):
            raise ContractError(f"{ctx.caller.org} is not a party to agreement {agreement_id}", reason="NOT_A_PARTY")
        return record
