"""Produce bought from farmers, and what they were paid for it: the ledger facts behind their
delivery and payment records.

    record_purchase  a cooperative or buyer records a delivery from a registered farmer (their key):
                     product, quantity in kilograms, the price per kilogram, where and when; the
                     amount is instructed for payment to the farmer's mobile-money wallet, through
                     the farmer's wallet provider (the switch carries it)      -> delivered
    (payment settled or failed, by the payments agent)                         -> paid | unpaid
    get, mine        the buyer and the wallet provider

Once paid, the buyer issues the farmer a delivery record and a payment-received credential,
each citing this record and the settlement's reference and proof (credentials/records.py).
"""

from __future__ import annotations

from typing import Any

from baobab.contracts.credentials.common import (DATE, check_id, member_with_role, money, registered_holder,
                                                 wallet_account)
from baobab.contracts.payment_instruction import PaymentInstructions, instruct
from baobab.ledger.contract import ANY_MEMBER, PARTIES, Context, Contract, ContractError, Reason, function

EVERY_MEMBER = {"role": "*"}
MAX_KILOGRAMS = 1_000_000


class ProducePurchases(PaymentInstructions, Contract):
    name = "produce"
    reasons = {"UNKNOWN_HOLDER": Reason("invalid", "The farmer's key is not registered with a custodian")}

    @function(policy=EVERY_MEMBER, callers=("cooperative", "trader"))
    def record_purchase(self, ctx: Context, purchase_id: str, farmer: str, product: str, kilograms: int,
                        price_per_kg: dict[str, Any], provider: str, wallet: str, delivered_on: str,
                        place: str = "") -> dict[str, Any]:
        """Called by: the cooperative or trader that bought the produce (it becomes the buyer and
        the payer); `farmer` is the farmer's registered key, paid into `wallet` at `provider`."""
        check_id(purchase_id, "purchase_id")
        registered_holder(ctx, farmer)
        member_with_role(ctx, provider, "payment-provider", "provider")
        if not isinstance(product, str) or not 0 < len(product) <= 80:
            raise ContractError("product is 1 to 80 characters")
        if not isinstance(kilograms, int) or not 0 < kilograms <= MAX_KILOGRAMS:
            raise ContractError(f"kilograms is a whole number from 1 to {MAX_KILOGRAMS}")
        price = money(price_per_kg, "price_per_kg")
        if not DATE.fullmatch(delivered_on) or delivered_on > ctx.timestamp[:10]:
            raise ContractError("delivered_on is a date (YYYY-MM-DD), not after today")
        if ctx.get(f"purchase/{purchase_id}") is not None:
            raise ContractError(f"purchase {purchase_id} exists", reason="ALREADY_EXISTS")
        amount = {"currency": price["currency"], "minor": price["minor"] * kilograms}
        record = {"id": purchase_id, "buyer": ctx.caller.org, "farmer": farmer, "product": product,
                  "kilograms": kilograms, "price_per_kg": price, "amount": amount, "provider": provider,
                  "wallet": wallet_account(wallet), "delivered_on": delivered_on, "place": str(place)[:120],
                  "status": "delivered", "obligation": f"{purchase_id}/payment", "settlement": None,
                  "recorded_at": ctx.timestamp, "parties": sorted({ctx.caller.org, provider})}
        ctx.put(f"purchase/{purchase_id}", record)
        instruct(ctx, obligation=record["obligation"], payer=ctx.caller.org, payee=provider, amount=amount,
                 due=ctx.timestamp[:10], payee_account=record["wallet"])
        ctx.emit("produce_purchased", {"id": purchase_id, "buyer": ctx.caller.org, "amount": amount})
        return record

    def _follow(self, ctx: Context, instruction: dict[str, Any], status: str) -> None:
        purchase_id = instruction["obligation"].rsplit("/", 1)[0]
        record = ctx.get(f"purchase/{purchase_id}")
        if record is not None:
            ctx.put(f"purchase/{purchase_id}", {**record, "status": status, "settlement": instruction["settlement"]})

    def on_payment_settled(self, ctx: Context, instruction: dict[str, Any]) -> None:
        self._follow(ctx, instruction, "paid")

    def on_payment_failed(self, ctx: Context, instruction: dict[str, Any]) -> None:
        self._follow(ctx, instruction, "unpaid")

    @function(query=True, callers=PARTIES)
    def get(self, ctx: Context, purchase_id: str) -> dict[str, Any]:
        """Called by: the buyer or the farmer's wallet provider; to anyone else it does not exist."""
        record = ctx.get(f"purchase/{purchase_id}") if isinstance(purchase_id, str) and purchase_id else None
        if record is None or ctx.caller.org not in record["parties"]:
            raise ContractError(f"no purchase {purchase_id}", reason="NOT_FOUND")
        return record  # type: ignore[no-any-return]

    @function(query=True, callers=ANY_MEMBER)
    def mine(self, ctx: Context, farmer: str = "") -> list[dict[str, Any]]:
        """Called by: any member: the purchases it is party to (of one farmer, if given)."""
        return [r for _, r in ctx.range("purchase/")
                if ctx.caller.org in r["parties"] and (not farmer or r["farmer"] == farmer)]
