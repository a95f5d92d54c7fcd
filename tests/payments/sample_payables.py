"""A contract used only by the payment-instruction tests: a bill that orders its payment."""

from __future__ import annotations

from typing import Any

from baobab.contracts.payment_instruction import PaymentInstructions, instruct
from baobab.ledger.contract import Context, Contract, function


class Bills(PaymentInstructions, Contract):
    name = "bills"

    @function(policy={"role": "*"})
    def bill(self, ctx: Context, bill_id: str, payer: str, minor: int, currency: str = "KES") -> dict[str, Any]:
        """Called by: the payee, who bills `payer` (a test contract: no consent rule of its own)."""
        ctx.put(f"bill/{bill_id}", {"status": "open", "parties": [payer, ctx.caller.org]})
        return instruct(ctx, obligation=f"{bill_id}/payment", payer=payer, payee=ctx.caller.org,
                        amount={"currency": currency, "minor": minor}, due="2026-12-31")

    def on_payment_settled(self, ctx: Context, instruction: dict[str, Any]) -> None:
        bill_id = instruction["obligation"].split("/")[0]
        ctx.put(f"bill/{bill_id}", {**ctx.get(f"bill/{bill_id}"), "status": "paid"})
