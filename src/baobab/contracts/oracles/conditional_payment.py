"""Payments that follow oracle data: instructed when a condition holds, withheld (with why) when not.

The payer, who bears the risk, records the agreement: whom it pays, how much, the condition
over named oracle answers (see `conditions`), e.g. "the temperature of every leg stayed between
2 and 8 °C", and for each answer its oracle terms (see `terms`): the feed, the oracles or their
minimum number, f, the tolerance, the aggregation and who may open its rounds. Only a round
opened for that answer under those terms counts; any other round, whoever opened it, can
neither release nor withhold the payment.

Once the answers' rounds are decided, the payer's node evaluates the agreement by reaction
(`reactions`, run by `baobab.reactors`; again once it expires), or either party calls `evaluate`; the contract reads
the rounds from the oracle registry itself, so no party can feed it another answer. A satisfied
condition records one payment instruction (`payment_instruction.instruct`), which only the
payer's payments agent carries out; a breached one, or one still undecided at expiry, withholds
the payment with the reasons. A decided agreement is never evaluated again (`WRONG_STATE`).
An agreement that pays for a shipment may record where the goods go (`countries`, see
`contracts.jurisdiction`), so the customs of those countries supervise it.
"""

from __future__ import annotations

from typing import Any

from baobab.contracts.jurisdiction import check_countries
from baobab.contracts.oracles import conditions, terms
from baobab.contracts.oracles.reasons import CONDITION_REASONS, OBSERVATION_REASONS
from baobab.contracts.payment_instruction import OBLIGATION, PaymentInstructions, instruct
from baobab.core.errors import BaobabError
from baobab.core.money import MINOR_UNITS
from baobab.ledger.contract import ANY_MEMBER, PARTIES, Context, Contract, ContractError, Reason, function
from baobab.ledger.reaction import Reaction

EVERY_MEMBER = {"role": "*"}


def answer_rounds(ctx: Context, contract: str, obligation_id: str,
                  answer_terms: dict[str, dict[str, Any]]) -> conditions.RoundLookup:
    """Each answer's round, read from the oracle registry: only the round opened for that answer
    of this obligation, and only if it follows the answer's terms (else: no answer yet)."""
    def lookup(answer: str) -> dict[str, Any] | None:
        bound = ctx.read("oracles", terms.bound_key(contract, obligation_id, answer))
        record = None if bound is None else ctx.read("oracles", f"round/{bound['round']}")
        if record is None or terms.mismatch(answer_terms[answer], record):
            return None
        return record  # type: ignore[no-any-return]
    return lookup


def bound_round(ctx: Context, contract: str, round_id: str) -> dict[str, Any] | None:
    """The obligation of `contract` a decided round was opened for, or None."""
    record = ctx.read("oracles", f"round/{round_id}")
    obligation = None if record is None else record.get("obligation")
    if obligation is None or obligation["contract"] != contract or record["status"] == "open":
        return None
    return obligation  # type: ignore[no-any-return]


class ConditionalPayment(PaymentInstructions, Contract):
    name = "conditional_payment"
    reasons = {
        "BAD_TERMS": Reason("invalid", "The oracle terms of an answer are malformed"),
        "NOT_PAYER": Reason("forbidden", "Only the payer records or reports on its conditional payment"),
        **CONDITION_REASONS,
        **OBSERVATION_REASONS,
    }
    reactions = (
        Reaction(on=("oracles", "round_decided"), call="evaluate", args={"round_id": "round"},
                 targets="owed_on_round"),
        # still undecided at expiry: the payer's node withholds it (a decided one refuses, as done)
        Reaction(on=("conditional_payment", "conditional_payment_created"), call="evaluate",
                 args={"agreement_id": "agreement"}, actor="payer", at="expires"),
    )

    def _agreement(self, ctx: Context, agreement_id: str) -> dict[str, Any]:
        record = ctx.get(f"agreement/{agreement_id}")
        if record is None:
            raise ContractError(f"no agreement {agreement_id}", reason="NOT_FOUND")
        return record  # type: ignore[no-any-return]

    @function(policy=EVERY_MEMBER, callers=PARTIES)
    def create(self, ctx: Context, agreement_id: str, payer: str, payee: str, amount: int, currency: str,
               reference: str, condition: dict[str, Any], oracle_terms: dict[str, Any], expires: str,
               countries: dict[str, Any] | None = None) -> dict[str, Any]:
        """Called by: the payer itself, who bears the risk: it binds itself to pay when the
        condition holds, on the rounds its oracle terms allow."""
        if payer != ctx.caller.org:
            raise ContractError(f"{ctx.caller.org} cannot bind {payer}: the payer records its own conditional payment",
                                reason="NOT_PAYER")
        if not isinstance(agreement_id, str) or not OBLIGATION.fullmatch(agreement_id):
            raise ContractError("agreement id is 1-128 of A-Z a-z 0-9 . _ / - starting with a letter or digit")
        if ctx.get(f"agreement/{agreement_id}") is not None:
            raise ContractError(f"agreement {agreement_id} already exists", reason="ALREADY_EXISTS")
        if currency not in MINOR_UNITS or amount <= 0:
            raise BaobabError("BAD_MONEY", "amount is a positive integer in minor units of an ISO 4217 currency")
        if payee == payer or ctx.read("governance", f"org/{payee}") is None:
            raise ContractError(f"the payee {payee} is another member of the network")
        if not reference or len(reference) > 140:
            raise ContractError("reference is 1-140 characters")
        conditions.check(condition)
        answers = conditions.rounds(condition)
        fixed = terms.check_all(oracle_terms, answers, payer)
        if conditions.utc(expires, "expires") <= conditions.utc(ctx.timestamp):
            raise ContractError("the agreement must expire in the future")
        record = {"id": agreement_id, "payer": payer, "payee": payee, "parties": {"payer": payer, "payee": payee},
                  "amount": {"currency": currency, "minor": amount}, "reference": reference,
                  "condition": condition, "answers": answers, "oracle_terms": fixed, "expires": expires,
                  "status": "pending", "created_at": ctx.timestamp, "decided_at": None, "reasons": [],
                  "payment": None}
        if countries is not None:
            record["countries"] = check_countries(countries)
        ctx.put(f"agreement/{agreement_id}", record)
        ctx.set_key_policy(f"agreement/{agreement_id}", {"orgs": [payer]})
        ctx.put(terms.terms_key(agreement_id), {"terms": fixed, "parties": [payer, payee]})
        ctx.emit("conditional_payment_created", {"agreement": agreement_id, "payer": payer, "payee": payee,
                                                 "answers": answers, "expires": expires})
        return record

    def _verdict(self, ctx: Context, record: dict[str, Any]) -> conditions.Verdict:
        lookup = answer_rounds(ctx, self.name, record["id"], record["oracle_terms"])
        verdict = conditions.evaluate(record["condition"], lookup)
        if verdict.state == conditions.PENDING and conditions.utc(ctx.timestamp) >= conditions.utc(record["expires"]):
            return conditions.Verdict(conditions.BREACHED, [f"expired at {record['expires']} undecided", *verdict.reasons])
        return verdict

    @function(policy=EVERY_MEMBER, callers=PARTIES)
    def evaluate(self, ctx: Context, agreement_id: str) -> dict[str, Any]:
        """Called by: the payer or the payee (the payer's node does it by reaction when a round of
        the agreement is decided). The outcome follows from the agreement's own rounds alone.
        Decides the agreement if its rounds allow it; a pending one changes nothing until it expires."""
        record = self._agreement(ctx, agreement_id)
        if ctx.caller.org not in (record["payer"], record["payee"]):
            raise ContractError(f"{ctx.caller.org} is not a party to agreement {agreement_id}", reason="NOT_A_PARTY")
        if record["status"] != "pending":  # decided once and for all: a conflict, so reactors count it done
            raise ContractError(f"agreement {agreement_id} was already {record['status']}", reason="WRONG_STATE",
                                agreement=agreement_id, status=record["status"])
        verdict = self._verdict(ctx, record)
        if verdict.state == conditions.PENDING:
            return {"agreement": agreement_id, "status": "pending", "reasons": verdict.reasons, "payment": None}
        record = {**record, "decided_at": ctx.timestamp, "reasons": verdict.reasons}
        if verdict.state == conditions.SATISFIED:
            record["status"] = "released"
            record["payment"] = instruct(ctx, obligation=agreement_id, payer=record["payer"], payee=record["payee"],
                                         amount=record["amount"], due=ctx.timestamp[:10])["obligation"]
        else:
            record["status"] = "withheld"
            ctx.emit("payment_withheld", {"agreement": agreement_id, "payer": record["payer"],
                                          "payee": record["payee"], "reasons": verdict.reasons})
        ctx.put(f"agreement/{agreement_id}", record)
        return {"agreement": agreement_id, "status": record["status"], "reasons": verdict.reasons,
                "payment": record["payment"]}

    def on_payment_settled(self, ctx: Context, instruction: dict[str, Any]) -> None:
        record = self._agreement(ctx, instruction["obligation"])
        ctx.put(f"agreement/{record['id']}", {**record, "status": "paid"})

    def on_payment_failed(self, ctx: Context, instruction: dict[str, Any]) -> None:
        record = self._agreement(ctx, instruction["obligation"])
        ctx.put(f"agreement/{record['id']}", {**record, "status": "payment_failed"})

    @function(query=True, callers=ANY_MEMBER)
    def owed_on_round(self, ctx: Context, round_id: str) -> list[dict[str, Any]]:
        """Called by: any member; answers only what the caller owes: for the payer, the evaluation
        of its agreement that a decided round makes decidable (nothing for anyone else)."""
        obligation = bound_round(ctx, self.name, round_id)
        record = None if obligation is None else ctx.get(f"agreement/{obligation['id']}")
        if record is None or record["payer"] != ctx.caller.org or record["status"] != "pending":
            return []
        if self._verdict(ctx, record).state == conditions.PENDING:
            return []  # still waiting for another of its rounds: no transaction
        return [{"args": {"agreement_id": record["id"]}}]

    @function(query=True, callers=PARTIES)
    def get(self, ctx: Context, agreement_id: str) -> dict[str, Any]:
        """Called by: the agreement's parties (payer, payee). With the round bound to each answer
        so far (`rounds`), where the parties read the oracles' readings."""
        record = self._agreement(ctx, agreement_id)
        ctx.require_party(f"agreement/{agreement_id}", (record["payer"], record["payee"]),
                          f"{ctx.caller.org} is not a party to agreement {agreement_id}")
        bound = {a: ctx.read("oracles", terms.bound_key(self.name, agreement_id, a)) for a in record["answers"]}
        return {**record, "rounds": {a: b["round"] if b else None for a, b in bound.items()}}
