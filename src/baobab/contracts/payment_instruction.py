"""One payment instruction for every contract that orders a payment.

Honouring a credit, reimbursing a nominated bank, paying an undertaking or a payable at
maturity, discounting a claim, releasing a conditional payment, paying an insurance claim: each
records the same typed instruction on the ledger, in its own contract's namespace, at
`payment/<obligation>`:

    {"obligation": "LC-7/drawing/1",          the debt it settles, unique within the contract
     "contract": "letter_of_credit",
     "payer": "BANKA", "payee": "BANKB",      member organisations
     "payer_account": null, "payee_account": null,   optional account references
     "amount": {"currency": "USD", "minor": 125000},
     "due": "2026-12-10",                     the date it is due (ISO 8601)
     "status": "instructed" | "settled" | "failed",
     "instructed_at": "...", "settlement": {"reference", "proof", "at"} | null,
     "failure": {"reason", "at"} | null,
     "parties": ["BANKA", "BANKB"]}

Nothing is paid by an event alone: the instruction is a record with a status, and only the
settlement side advances it. Until the payments backbone runs its own participant on the network,
the settling party is the payer (the bank that sends the money reports the settlement reference
of its own outgoing payment); a contract's hooks `on_payment_settled` / `on_payment_failed` move
its own record on (a credit becomes paid, a claim settled) in the same transaction.

    class LetterOfCredit(PaymentInstructions, Contract):
        def honour(self, ctx, lc_id):
            ...
            instruct(ctx, obligation=f"{lc_id}/payment", payer=bank, payee=beneficiary,
                     amount={"currency": "USD", "minor": 125000}, due="2026-12-10")
"""

from __future__ import annotations

import re
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.money import check_currency
from baobab.contracts.records import PaymentInstruction, stored
from baobab.ledger.contract import ANY_MEMBER, PARTIES, Context, ContractError, Reason, function

INSTRUCTED, SETTLED, FAILED = "instructed", "settled", "failed"
OBLIGATION = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,127}")
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
MAX_TEXT = 200


def _key(obligation: str) -> str:
    return f"payment/{obligation}"


def _check_amount(amount: Any) -> dict[str, Any]:
    if not isinstance(amount, dict) or set(amount) != {"currency", "minor"}:
        raise ContractError("amount is {currency, minor}", reason="BAD_PAYMENT")
    minor = amount["minor"]
    if not isinstance(minor, int) or isinstance(minor, bool) or minor <= 0:
        raise ContractError("amount.minor is a positive integer in minor units", reason="BAD_PAYMENT")
    try:
        check_currency(amount["currency"])
    except BaobabError as exc:
        raise ContractError(exc.message, reason="BAD_PAYMENT") from None
    return {"currency": amount["currency"], "minor": minor}


def _check_text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value or len(value) > MAX_TEXT:
        raise ContractError(f"{name} is 1 to {MAX_TEXT} characters", reason="BAD_PAYMENT")
    return value


def instruct(ctx: Context, *, obligation: str, payer: str, payee: str, amount: dict[str, Any], due: str,
             payer_account: str | None = None, payee_account: str | None = None) -> dict[str, Any]:
    """Record the instruction to pay `obligation` (once: the same obligation is never instructed twice)."""
    if not isinstance(obligation, str) or not OBLIGATION.fullmatch(obligation):
        raise ContractError(f"obligation {obligation!r} is not a reference", reason="BAD_PAYMENT")
    if not isinstance(due, str) or not DATE.fullmatch(due):
        raise ContractError(f"due date {due!r} is not YYYY-MM-DD", reason="BAD_PAYMENT")
    if payer == payee:
        raise ContractError("payer and payee are the same organisation", reason="BAD_PAYMENT")
    if ctx.get(_key(obligation)) is not None:
        raise ContractError(f"obligation {obligation} is already instructed", reason="ALREADY_INSTRUCTED")
    instruction = {
        "obligation": obligation, "contract": ctx.namespace,
        "payer": _check_text(payer, "payer"), "payee": _check_text(payee, "payee"),
        "payer_account": None if payer_account is None else _check_text(payer_account, "payer_account"),
        "payee_account": None if payee_account is None else _check_text(payee_account, "payee_account"),
        "amount": _check_amount(amount), "due": due, "status": INSTRUCTED, "instructed_at": ctx.timestamp,
        "settlement": None, "failure": None, "parties": sorted({payer, payee}),
    }
    ctx.put(_key(obligation), stored(PaymentInstruction, instruction, f"payment {obligation}"))
    ctx.emit("payment_instructed", {k: instruction[k] for k in ("obligation", "contract", "payer", "payee", "amount", "due")})
    return instruction


class PaymentInstructions:
    """Mixin for a Contract that orders payments: the functions that settle or fail them."""

    reasons = {
        "BAD_PAYMENT": Reason("invalid", "The payment instruction is malformed"),
        "ALREADY_INSTRUCTED": Reason("conflict", "The obligation already has a payment instruction"),
        "PAYMENT_NOT_FOUND": Reason("not_found", "No payment instruction for this obligation"),
        "PAYMENT_CLOSED": Reason("conflict", "The payment is already settled or failed"),
        "NOT_PAYER": Reason("forbidden", "Only the paying organisation reports on its payment"),
    }

    def _open_instruction(self, ctx: Context, obligation: str) -> dict[str, Any]:
        instruction = ctx.get(_key(obligation)) if isinstance(obligation, str) and obligation else None
        if instruction is None:
            raise ContractError(f"no payment instruction for {obligation!r}", reason="PAYMENT_NOT_FOUND")
        if ctx.caller.org != instruction["payer"]:
            raise ContractError(f"only the payer {instruction['payer']} reports on this payment", reason="NOT_PAYER")
        if instruction["status"] != INSTRUCTED:
            raise ContractError(f"payment {obligation} is {instruction['status']}", reason="PAYMENT_CLOSED",
                                status=instruction["status"])
        return instruction  # type: ignore[no-any-return]

    @function(policy={"role": "*"}, callers=PARTIES)
    def payment_settled(self, ctx: Context, obligation: str, reference: str, proof: str = "") -> dict[str, Any]:
        """Called by: the payer of the instruction. Records the settlement reference (and proof, e.g.
        the switch's fulfilment) of the payment; the contract's own record moves on with it."""
        instruction = self._open_instruction(ctx, obligation)
        settlement = {"reference": _check_text(reference, "reference"), "proof": proof[:MAX_TEXT] if proof else None,
                      "at": ctx.timestamp}
        instruction = {**instruction, "status": SETTLED, "settlement": settlement}
        ctx.put(_key(obligation), stored(PaymentInstruction, instruction, f"payment {obligation}"))
        ctx.emit("payment_settled", {"obligation": obligation, "contract": ctx.namespace, "reference": reference})
        self.on_payment_settled(ctx, instruction)
        return instruction

    @function(policy={"role": "*"}, callers=PARTIES)
    def payment_failed(self, ctx: Context, obligation: str, reason: str) -> dict[str, Any]:
        """Called by: the payer of the instruction. Records why the payment could not be made."""
        instruction = self._open_instruction(ctx, obligation)
        instruction = {**instruction, "status": FAILED, "failure": {"reason": _check_text(reason, "reason"), "at": ctx.timestamp}}
        ctx.put(_key(obligation), stored(PaymentInstruction, instruction, f"payment {obligation}"))
        ctx.emit("payment_failed", {"obligation": obligation, "contract": ctx.namespace, "reason": reason})
        self.on_payment_failed(ctx, instruction)
        return instruction

    @function(query=True, callers=PARTIES)
    def payment(self, ctx: Context, obligation: str) -> dict[str, Any]:
        """Called by: the payer or the payee (other readers go through the access rules of reads)."""
        instruction = ctx.get(_key(obligation)) if obligation else None
        if instruction is None:
            raise ContractError(f"no payment instruction for {obligation!r}", reason="PAYMENT_NOT_FOUND")
        if ctx.caller.org not in instruction["parties"]:
            raise ContractError(f"{ctx.caller.org} is not a party to payment {obligation}", reason="NOT_A_PARTY")
        return instruction  # type: ignore[no-any-return]

    @function(query=True, callers=ANY_MEMBER)
    def payments(self, ctx: Context) -> list[dict[str, Any]]:
        """Called by: any member, about itself only: the instructions of this contract it pays or
        is paid by, newest first, each with its status and settlement reference."""
        mine = [value for _, value in ctx.range("payment/") if ctx.caller.org in value.get("parties", [])]
        return sorted(mine, key=lambda i: i["instructed_at"], reverse=True)

    def on_payment_settled(self, ctx: Context, instruction: dict[str, Any]) -> None:
        """Hook: the contract's own record follows the settlement (a credit becomes paid)."""

    def on_payment_failed(self, ctx: Context, instruction: dict[str, Any]) -> None:
        """Hook: the contract's own record follows the failure."""
