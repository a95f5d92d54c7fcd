"""Open account with a bank payment undertaking (as we.trade offered small firms).

The buyer proposes; the buyer's bank `undertake`s, irrevocably, to pay the seller the amount
on the set date once every agreed condition is met (conditions: `pu_conditions`). From then
on the record needs the bank's endorsement, and nothing the buyer does can withdraw it: only
the seller may `release` the bank. On or after the date, with all conditions met, the
seller `demand`s payment, which records the payment instruction (`payment_instruction.py`);
the bank's payments agent reports it settled (or failed) and the undertaking is paid with it.

    proposed --undertake--> undertaken --demand--> due --payment_settled--> paid
    proposed --withdraw (buyer)--> withdrawn;  undertaken --release (seller)--> released

An undertaking that pays for a shipment may record where the goods go (`countries`, see
`contracts.jurisdiction`), so the customs of those countries supervise it.
"""

from __future__ import annotations

from typing import Any

from baobab.contracts.jurisdiction import check_countries
from baobab.contracts.trade.pu_conditions import check_conditions, unmet
from baobab.contracts.trade.common import (
    bad_argument, check_ref, load_record, org_record, parse_date, reject, tx_date,
)
from baobab.core.money import MINOR_UNITS
from baobab.contracts.payment_instruction import PaymentInstructions, instruct
from baobab.ledger.contract import ANY_MEMBER, PARTIES, Context, Contract, Reason, function

BANKS = {"role": "bank"}


def _key(pu_id: str) -> str:
    return f"pu/{check_ref(pu_id, 'pu_id')}"


# The refusal of a caller who is not the party a step needs, by that party's role.
NOT_ROLE = {"bank": "NOT_BANK", "buyer": "NOT_BUYER", "seller": "NOT_SELLER"}

class PaymentUndertaking(PaymentInstructions, Contract):
    name = "payment_undertaking"
    reasons = {
        "ALREADY_CONFIRMED": Reason("conflict", "Already confirmed"),
        "CONDITIONS_NOT_MET": Reason("conflict", "The undertaking's conditions are not all met"),
        "NOT_A_BANK": Reason("forbidden", "The organisation is not a bank"),
        "NOT_BANK": Reason("forbidden", "Only the undertaking's bank may do this"),
        "NOT_BUYER": Reason("forbidden", "Only the buyer may do this"),
        "NOT_SELLER": Reason("forbidden", "Only the seller may do this"),
        "NOT_CONFIRMER": Reason("forbidden", "Only the confirming bank may do this"),
        "NOT_DUE": Reason("conflict", "Payment is not yet due"),
        "NO_SUCH_CONDITION": Reason("not_found", "No such condition"),
        "UNDERTAKING_EXISTS": Reason("conflict", "The payment undertaking already exists"),
        "UNDERTAKING_NOT_FOUND": Reason("not_found", "No such payment undertaking"),
        "UNKNOWN_ORG": Reason("invalid", "The organisation named is not an active member"),
    }

    def _load(self, ctx: Context, pu_id: str, *states: str) -> dict[str, Any]:
        return load_record(ctx, _key(pu_id), f"payment undertaking {pu_id}", "UNDERTAKING_NOT_FOUND", *states)

    def _only(self, ctx: Context, pu: dict[str, Any], role: str) -> None:
        if pu[role] != ctx.caller.org:
            reject(NOT_ROLE[role], f"only the {role} {pu[role]} may do this", caller=ctx.caller.org)

    def _save(self, ctx: Context, pu: dict[str, Any], event: str, **payload: Any) -> dict[str, Any]:
        pu = {**pu, "history": pu["history"] + [{"event": event, "by": ctx.caller.org, "at": ctx.timestamp, "tx": ctx.tx_id}]}
        ctx.put(_key(pu["id"]), pu)
        ctx.emit(event, {"pu_id": pu["id"], "status": pu["status"], **payload})
        return pu

    @function(policy=BANKS, callers=ANY_MEMBER)
    def propose(self, ctx: Context, pu_id: str, seller: str, bank: str, amount: dict[str, Any], pay_on: str,
                conditions: list[dict[str, Any]], reference: str,
                countries: dict[str, Any] | None = None) -> dict[str, Any]:
        """Called by: any member, which becomes the buyer (it binds only itself; the bank decides whether
        to undertake)."""
        key = _key(pu_id)
        if set(amount) != {"currency", "minor"} or amount["currency"] not in MINOR_UNITS \
                or isinstance(amount["minor"], bool) or not isinstance(amount["minor"], int) or amount["minor"] < 1:
            bad_argument("amount must be {currency: ISO 4217 code, minor: positive integer minor units}")
        if parse_date(pay_on, "pay_on") < tx_date(ctx):
            bad_argument("pay_on must not be in the past")
        check_ref(reference, "reference")
        org_record(ctx, seller)
        if "bank" not in org_record(ctx, bank)["roles"]:
            reject("NOT_A_BANK", f"{bank} is not a bank")
        if len({ctx.caller.org, seller, bank}) < 3:
            bad_argument("buyer, seller and bank must be different organisations")
        if ctx.get(key) is not None:
            reject("UNDERTAKING_EXISTS", f"payment undertaking {pu_id} already exists")
        pu = {"id": pu_id, "status": "proposed", "buyer": ctx.caller.org, "seller": seller, "bank": bank,
              "parties": {"buyer": ctx.caller.org, "seller": seller, "bank": bank}, "amount": amount, "pay_on": pay_on, "reference": reference,
              "conditions": check_conditions(ctx, conditions), "confirmations": [], "history": []}
        if countries is not None:
            pu["countries"] = check_countries(countries)
        ctx.set_key_policy(key, {"orgs": [bank]})
        return self._save(ctx, pu, "pu_proposed", bank=bank, seller=seller)

    @function(policy=BANKS, callers=PARTIES)
    def undertake(self, ctx: Context, pu_id: str) -> dict[str, Any]:
        """Called by: the bank named in the proposal."""
        pu = self._load(ctx, pu_id, "proposed")
        self._only(ctx, pu, "bank")
        return self._save(ctx, {**pu, "status": "undertaken", "undertaken_at": ctx.timestamp}, "pu_undertaken",
                          seller=pu["seller"], amount=pu["amount"], pay_on=pu["pay_on"])

    @function(policy=BANKS, callers=PARTIES)
    def withdraw(self, ctx: Context, pu_id: str) -> dict[str, Any]:
        """Called by: the buyer, before the bank undertakes."""
        pu = self._load(ctx, pu_id, "proposed")
        self._only(ctx, pu, "buyer")
        return self._save(ctx, {**pu, "status": "withdrawn"}, "pu_withdrawn")

    @function(policy=BANKS, callers=PARTIES)
    def confirm(self, ctx: Context, pu_id: str, condition: int) -> dict[str, Any]:
        """Called by: the organisation named in a confirmation condition, which confirms it (e.g. delivery)."""
        pu = self._load(ctx, pu_id, "proposed", "undertaken")
        if not 0 <= condition < len(pu["conditions"]) or pu["conditions"][condition]["kind"] != "confirmation":
            reject("NO_SUCH_CONDITION", f"condition {condition} is not a confirmation condition")
        spec = pu["conditions"][condition]
        if spec["by"] != ctx.caller.org:
            reject("NOT_CONFIRMER", f"only {spec['by']} may confirm {spec['what']}")
        if condition in [c["condition"] for c in pu["confirmations"]]:
            reject("ALREADY_CONFIRMED", "the condition is already confirmed")
        entry = {"condition": condition, "by": spec["by"], "what": spec["what"], "at": ctx.timestamp}
        return self._save(ctx, {**pu, "confirmations": pu["confirmations"] + [entry]}, "pu_condition_confirmed",
                          condition=condition, what=spec["what"])

    @function(policy=BANKS, callers=PARTIES)
    def demand(self, ctx: Context, pu_id: str) -> dict[str, Any]:
        """Called by: the seller, on or after the payment date with every condition met. Records the
        payment instruction from the bank to the seller."""
        pu = self._load(ctx, pu_id, "undertaken")
        self._only(ctx, pu, "seller")
        if tx_date(ctx).isoformat() < pu["pay_on"]:
            reject("NOT_DUE", f"payment is due on {pu['pay_on']}")
        missing = unmet(ctx, pu)
        if missing:
            reject("CONDITIONS_NOT_MET", f"conditions {missing} are not met", unmet=missing)
        obligation = f"{pu['id']}/payment"
        instruct(ctx, obligation=obligation, payer=pu["bank"], payee=pu["seller"], amount=pu["amount"],
                 due=tx_date(ctx).isoformat())
        return self._save(ctx, {**pu, "status": "due", "obligation": obligation}, "pu_due", obligation=obligation)

    def on_payment_settled(self, ctx: Context, instruction: dict[str, Any]) -> None:
        """The bank paid: the undertaking is paid in the same transaction."""
        pu = self._load(ctx, instruction["obligation"].rpartition("/payment")[0], "due")
        self._save(ctx, {**pu, "status": "paid", "settlement": instruction["settlement"]}, "pu_paid",
                   settlement_ref=instruction["settlement"]["reference"])

    @function(policy=BANKS, callers=PARTIES)
    def release(self, ctx: Context, pu_id: str) -> dict[str, Any]:
        """Called by: the seller alone, which frees the bank from its irrevocable undertaking."""
        pu = self._load(ctx, pu_id, "undertaken")
        self._only(ctx, pu, "seller")
        return self._save(ctx, {**pu, "status": "released"}, "pu_released")

    @function(query=True, callers=ANY_MEMBER)
    def mine(self, ctx: Context) -> list[dict[str, Any]]:
        """Called by: any member, about itself only: the undertakings it is buyer, seller or bank of,
        each with its unmet conditions."""
        return [{**pu, "unmet": unmet(ctx, pu)} for _, pu in ctx.range("pu/")
                if isinstance(pu, dict) and ctx.caller.org in (pu["buyer"], pu["seller"], pu["bank"])]

    @function(query=True, callers=PARTIES)
    def get(self, ctx: Context, pu_id: str) -> dict[str, Any]:
        """Called by: the buyer, the seller or the bank of the undertaking."""
        pu = self._load(ctx, pu_id)
        ctx.require_party(_key(pu_id), (pu["buyer"], pu["seller"], pu["bank"]),
                          f"{ctx.caller.org} is not a party to undertaking {pu_id}")
        return {**pu, "unmet": unmet(ctx, pu)}
