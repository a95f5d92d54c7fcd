"""Deliveries paid and goods sold along a traced chain: what each stage was paid, provably.

`pay_delivery` links a farmer's delivery, an EPCIS event anchored by the paying organisation
(contract `epcis`), to its payment: the caller gives the event's hash and its RFC 9162 inclusion
proof, which the contract checks against the anchored batch root, and the payment instruction
goes to the farmer's wallet (payee: the wallet provider, payee_account: the farmer's key), carried
out by the payer's payments agent through the switch; its settlement proof is recorded here with
the delivery (`on_payment_settled`).

`record_sale` is a later stage's price for a lot (the cooperative's export sale, the roaster's
retail price): the seller states what it was paid, for how much of the goods.

Keys: `delivery/<id>`, `sale/<id>`, and `payment/<delivery id>` (the payment instruction).
Quantities are integer grams, money integer minor units. Every member may read them: showing
each stage's share of the price is the point (the farmer appears only as a GS1 party key).
"""

from __future__ import annotations

import re
from typing import Any

from baobab.contracts.payment_instruction import PaymentInstructions, instruct
from baobab.contracts.trade.common import ANY_MEMBER, bad_argument, check_hash, check_ref, reject
from baobab.contracts.trace.epcis_anchors import BATCH_ID
from baobab.core import merkle
from baobab.ledger.contract import ANY_MEMBER as EVERY_MEMBER, PARTIES, Context, Contract, Reason, function

KEY = re.compile(r"https://id\.gs1\.org/[0-9A-Za-z/%._!'()*+,;=:-]{4,180}")
STAGES = ("export", "import", "roasting", "retail")
MAX_PATH = 64


def _key(value: str, name: str) -> str:
    if not KEY.fullmatch(value):
        bad_argument(f"{name} is a GS1 Digital Link URI on id.gs1.org")
    return value


def _positive(value: int, name: str) -> int:
    if value <= 0:
        bad_argument(f"{name} is a positive integer")
    return value


class Deliveries(PaymentInstructions, Contract):
    name = "deliveries"
    reasons = {
        "NOT_ANCHORED": Reason("invalid", "The delivery event is not in the batch anchored on the ledger"),
        "NOT_CAPTURER": Reason("forbidden", "Only the organisation that captured the delivery pays it"),
        "ALREADY_PAID": Reason("conflict", "The delivery already has a payment"),
        "DELIVERY_NOT_FOUND": Reason("not_found", "No such delivery"),
        "SALE_EXISTS": Reason("conflict", "The sale is already recorded"),
        "SALE_NOT_FOUND": Reason("not_found", "No such sale"),
    }

    @function(policy=ANY_MEMBER, callers=PARTIES)
    def pay_delivery(self, ctx: Context, delivery_id: str, lot: str, farmer: str, event_hash: str, batch_id: str,
                     position: int, path: list[str], wallet_provider: str, amount: dict[str, Any], quantity_g: int,
                     due: str) -> dict[str, Any]:
        """Called by: the organisation that captured and anchored the delivery event (the buyer at
        the collection station); it binds only itself to pay."""
        check_ref(delivery_id, "delivery_id")
        _key(lot, "lot")
        _key(farmer, "farmer")
        check_hash(event_hash, "event_hash")
        _positive(quantity_g, "quantity_g")
        if len(path) > MAX_PATH:
            bad_argument(f"an inclusion proof has at most {MAX_PATH} hashes")
        batch = ctx.read("epcis", f"batch/{batch_id}") if BATCH_ID.fullmatch(batch_id) else None
        if batch is None:
            reject("NOT_ANCHORED", f"no batch {batch_id} on the ledger")
        if batch["by"] != ctx.caller.org:
            reject("NOT_CAPTURER", f"the delivery was captured by {batch['by']}, who pays it")
        proof = [bytes.fromhex(check_hash(p, "path")) for p in path]
        if not merkle.verify_inclusion(merkle.leaf_hash(bytes.fromhex(event_hash)), position, batch["size"], proof,
                                       bytes.fromhex(batch["merkle_root"])):
            reject("NOT_ANCHORED", "the inclusion proof does not lead to the batch's root")
        key = f"delivery/{delivery_id}"
        if ctx.get(key) is not None:
            reject("ALREADY_PAID", f"delivery {delivery_id} already has a payment")
        if ctx.read("governance", f"org/{wallet_provider}") is None:
            reject("NOT_FOUND", f"unknown wallet provider {wallet_provider}")
        instruction = instruct(ctx, obligation=delivery_id, payer=ctx.caller.org, payee=wallet_provider,
                               payee_account=farmer, amount=amount, due=due)
        record = {"delivery_id": delivery_id, "lot": lot, "farmer": farmer, "event_hash": event_hash,
                  "batch_id": batch_id, "anchored_root": batch["merkle_root"], "buyer": ctx.caller.org,
                  "wallet_provider": wallet_provider, "amount": instruction["amount"], "quantity_g": quantity_g,
                  "status": "instructed", "settlement": None, "recorded_at": ctx.timestamp}
        ctx.put(key, record)
        ctx.emit("delivery_paid", {"delivery_id": delivery_id, "lot": lot, "buyer": ctx.caller.org,
                                   "amount": instruction["amount"]})
        return record

    def on_payment_settled(self, ctx: Context, instruction: dict[str, Any]) -> None:
        record = ctx.get(f"delivery/{instruction['obligation']}")
        ctx.put(f"delivery/{instruction['obligation']}", {**record, "status": "paid", "settlement": instruction["settlement"]})

    def on_payment_failed(self, ctx: Context, instruction: dict[str, Any]) -> None:
        record = ctx.get(f"delivery/{instruction['obligation']}")
        ctx.put(f"delivery/{instruction['obligation']}", {**record, "status": "failed", "failure": instruction["failure"]})

    @function(policy=ANY_MEMBER, callers=EVERY_MEMBER)
    def record_sale(self, ctx: Context, sale_id: str, lot: str, stage: str, amount: dict[str, Any], quantity_g: int,
                    buyer: str | None = None) -> dict[str, Any]:
        """Called by: any member, as the seller stating what it was paid for a lot; it binds only itself."""
        check_ref(sale_id, "sale_id")
        _key(lot, "lot")
        _positive(quantity_g, "quantity_g")
        if stage not in STAGES:
            bad_argument(f"stage is one of {', '.join(STAGES)}")
        if not isinstance(amount, dict) or set(amount) != {"currency", "minor"} or not isinstance(amount["minor"], int) \
                or amount["minor"] <= 0 or not re.fullmatch(r"[A-Z]{3}", str(amount["currency"])):
            bad_argument("amount is {currency, minor} with a positive integer in minor units")
        if buyer is not None and ctx.read("governance", f"org/{buyer}") is None:
            reject("NOT_FOUND", f"unknown buyer {buyer}")
        key = f"sale/{sale_id}"
        if ctx.get(key) is not None:
            reject("SALE_EXISTS", f"sale {sale_id} is already recorded")
        record = {"sale_id": sale_id, "lot": lot, "stage": stage, "seller": ctx.caller.org, "buyer": buyer,
                  "amount": amount, "quantity_g": quantity_g, "recorded_at": ctx.timestamp, "tx_id": ctx.tx_id}
        ctx.put(key, record)
        ctx.set_key_policy(key, {"org": ctx.caller.org})
        ctx.emit("sale_recorded", {"sale_id": sale_id, "lot": lot, "stage": stage, "seller": ctx.caller.org})
        return record

    @function(query=True, callers=EVERY_MEMBER)
    def delivery(self, ctx: Context, delivery_id: str) -> dict[str, Any]:
        """Called by: any member (what a farmer was paid for a delivery, with its settlement proof)."""
        record = ctx.get(f"delivery/{delivery_id}") if delivery_id else None
        if record is None:
            reject("DELIVERY_NOT_FOUND", f"no delivery {delivery_id}")
        return record  # type: ignore[no-any-return]

    @function(query=True, callers=EVERY_MEMBER)
    def sales(self, ctx: Context, lot: str) -> list[dict[str, Any]]:
        """Called by: any member: the sales recorded for a lot, in id order."""
        return [r for _, r in ctx.range("sale/") if r["lot"] == lot]

    @function(query=True, callers=EVERY_MEMBER)
    def deliveries_of(self, ctx: Context, buyer: str, after: str = "", limit: int = 500) -> list[dict[str, Any]]:
        """Called by: any member: the deliveries a buyer paid, in id order, after `after`."""
        out = []
        for _, r in ctx.range("delivery/"):
            if r["buyer"] == buyer and r["delivery_id"] > after:
                out.append(r)
                if len(out) >= min(limit, 500):
                    break
        return out
