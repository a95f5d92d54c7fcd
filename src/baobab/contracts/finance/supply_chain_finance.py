"""Supply-chain finance: an anchor buyer's confirmed payable, split and passed down the tiers.

A large buyer (the anchor) runs a *programme*: the banks that may buy its claims, the currency,
the longest tenor a confirmed payable may have and the highest discount rate a bank may charge
(`open_programme`). Under it the anchor confirms an invoice of its tier-1 supplier; the invoice
becomes a payable *claim* on the anchor: amount, currency, due date, holder. The holder of a claim can
split it into parts (which always add up to it) and transfer a part to its own supplier,
who can do the same, down any number of tiers. Any holder can sell its claim to a bank at a
discount (annual rate in basis points, ACT/360, integer arithmetic) to a bank of the
programme, at no more than the programme's rate; the bank becomes the holder and is instructed
to pay the price. A sale whose price would be zero or negative is refused. The discount is
rounded down to the minor unit, so the odd minor unit stays with the seller (the price is
rounded up). Every payment (a discount's price, each holder's face value at maturity) is a
payment instruction of the PaymentInstructions mixin (`payment/<obligation>`), reported settled
or failed by its payer; a maturity payment settled marks the claim paid, a failed one reopens
it so the anchor can pay again.

A claim's id says where it sits in its tree: the root is 24 hex digits taken from the
confirming transaction's id, and part i of claim X is "X.i". A claim that has been split is
closed; only its parts (the leaves) are held, transferred, discounted and paid, so the
leaves of a tree always sum to the confirmed amount.

State (namespace "scf"):
    programme/<anchor>/<id>  a programme's terms
    payment/<obligation>     a payment instruction ("<claim>/discount/<n>", "<claim>/maturity/<n>")
    claim/<id>               the claim record
    held/<org>/<id>          index of the claims an organisation holds now
    invoice/<anchor>/<supplier>/<number>   the claim an invoice became (confirmed once)

Each claim's key records the endorsement policy {"orgs": [anchor, holder], "n": 1}, so only
the anchor or the current holder can endorse a change to it: a third party cannot forge a
transfer with its own peer's signature.

A payable for goods shipped across a border may record where they go (`countries`, see
`contracts.jurisdiction`); every part split from it inherits the field, so the customs of
those countries supervise the whole tree.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from baobab.contracts.finance.refusals import FINANCE_REASONS, refuse
from baobab.contracts.jurisdiction import check_countries
from baobab.contracts.payment_instruction import PaymentInstructions, instruct
from baobab.core.money import MINOR_UNITS, Money
from baobab.ledger.contract import ANY_MEMBER, PARTIES, Context, Contract, ContractError, function

EVERY_MEMBER = {"role": "*"}
MAX_AMOUNT = 10**18  # minor units
MAX_PARTS = 100  # parts of one split
MAX_RATE_BP = 10_000  # 100% a year: the ceiling of any programme's rate
MAX_TENOR_DAYS = 720  # the ceiling of any programme's tenor
PROGRAMME_ID = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"
DAY_COUNT = 360  # ACT/360, the money-market convention for discounting
OPEN, OFFERED, SPLIT, INSTRUCTED, PAID = "open", "offered", "split", "instructed", "paid"
INVOICE_NUMBER = r"^[A-Za-z0-9][A-Za-z0-9/._-]{0,63}$"


def _bad(message: str, **detail: Any) -> ContractError:
    return refuse("BAD_ARGUMENT", message, **detail)


def _today(ctx: Context) -> dt.date:
    return dt.date.fromisoformat(ctx.timestamp[:10])


def _parse_date(value: str, name: str) -> dt.date:
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise _bad(f"{name} must be a date YYYY-MM-DD", field=name)
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _bad(f"{name} {value!r} is not a calendar date", field=name) from None


def _check_amount(amount: int, name: str = "amount") -> None:
    if not 0 < amount < MAX_AMOUNT:
        raise refuse("BAD_MONEY", f"{name} must be a positive number of minor units below 10^18", field=name)


def discount_price(amount: int, rate_bp: int, days: int) -> tuple[int, int]:
    """(discount, price) for selling `amount` due in `days` at `rate_bp` a year, ACT/360.

    The discount is rounded down to the minor unit, so the odd minor unit stays with the seller,
    who never receives less than the exact figure; price + discount == amount always.
    """
    discount = amount * rate_bp * days // (10_000 * DAY_COUNT)
    return discount, amount - discount


class SupplyChainFinance(PaymentInstructions, Contract):
    name = "scf"
    reasons = FINANCE_REASONS

    # --- helpers --------------------------------------------------------------------

    def _member(self, ctx: Context, org: str) -> dict[str, Any]:
        record = ctx.read("governance", f"org/{org}") if isinstance(org, str) and org else None
        if record is None or record.get("status") != "active":
            raise refuse("UNKNOWN_ORG", f"{org!r} is not an active organisation", org=org)
        return record

    def _claim(self, ctx: Context, claim_id: str) -> dict[str, Any]:
        if not re.fullmatch(r"[0-9a-f]{24}(\.[0-9]{1,3})*", claim_id):
            raise _bad(f"{claim_id!r} is not a claim id", field="claim_id")
        claim = ctx.get(f"claim/{claim_id}")
        if claim is None:
            raise refuse("NOT_FOUND", f"no claim {claim_id}")
        return claim

    def _held(self, ctx: Context, claim_id: str) -> dict[str, Any]:
        """The claim, if the caller holds it and it is open for transfer, split or offer."""
        claim = self._claim(ctx, claim_id)
        caller = ctx.caller.org
        if claim["holder"] != caller:
            if caller in claim["holders"]:
                raise refuse("ALREADY_TRANSFERRED", f"{caller} no longer holds claim {claim_id}",
                                  claim=claim_id)
            raise refuse("FORBIDDEN", f"only the holder of claim {claim_id} may do this", claim=claim_id)
        if claim["status"] != OPEN:
            raise refuse("WRONG_STATUS", f"claim {claim_id} is {claim['status']}", claim=claim_id,
                              status=claim["status"])
        return claim

    def _save(self, ctx: Context, claim: dict[str, Any], previous_holder: str | None = None) -> None:
        ctx.put(f"claim/{claim['id']}", claim)
        ctx.set_key_policy(f"claim/{claim['id']}", {"orgs": sorted({claim["anchor"], claim["holder"]}), "n": 1})
        if previous_holder is not None and previous_holder != claim["holder"]:
            ctx.delete(f"held/{previous_holder}/{claim['id']}")
        if claim["status"] in (OPEN, OFFERED):
            ctx.put(f"held/{claim['holder']}/{claim['id']}", {"amount": claim["amount"]})
        else:
            ctx.delete(f"held/{claim['holder']}/{claim['id']}")

    def _log(self, ctx: Context, claim: dict[str, Any], event: str, **detail: Any) -> dict[str, Any]:
        entry = {"event": event, "at": ctx.timestamp, "tx": ctx.tx_id, **detail}
        return {**claim, "log": [*claim["log"], entry]}

    # --- programme ------------------------------------------------------------------

    def _programme(self, ctx: Context, anchor: str, programme: str) -> dict[str, Any]:
        terms = ctx.get(f"programme/{anchor}/{programme}") if isinstance(programme, str) and programme else None
        if terms is None:
            raise refuse("NOT_FOUND", f"{anchor} runs no programme {programme!r}", field="programme")
        return terms  # type: ignore[no-any-return]

    @function(policy=EVERY_MEMBER, callers=ANY_MEMBER)
    def open_programme(self, ctx: Context, programme: str, currency: str, banks: list[str], max_tenor_days: int,
                       max_rate_bp: int) -> dict[str, Any]:
        """Called by: any member, as the anchor of its own programme: the banks that may buy its
        suppliers' claims, the currency, the longest tenor of a payable it confirms and the
        highest annual discount rate (basis points) a bank may charge."""
        anchor = ctx.caller.org
        if not re.fullmatch(PROGRAMME_ID, programme):
            raise _bad("programme: 1-64 of letters, digits and . _ -", field="programme")
        if ctx.get(f"programme/{anchor}/{programme}") is not None:
            raise refuse("WRONG_STATUS", f"{anchor} already runs programme {programme}")
        if currency not in MINOR_UNITS:
            raise refuse("BAD_MONEY", f"{currency!r} is not an ISO 4217 currency", field="currency")
        if not 1 <= max_tenor_days <= MAX_TENOR_DAYS:
            raise _bad(f"max_tenor_days must be 1 to {MAX_TENOR_DAYS}", field="max_tenor_days")
        if not 1 <= max_rate_bp <= MAX_RATE_BP:
            raise _bad(f"max_rate_bp must be 1 to {MAX_RATE_BP}", field="max_rate_bp")
        if not banks or len(set(banks)) != len(banks):
            raise _bad("banks is a non-empty list of distinct banks", field="banks")
        for bank in banks:
            if "bank" not in self._member(ctx, bank)["roles"] or bank == anchor:
                raise _bad(f"{bank} is not a bank that may finance {anchor}'s payables", field="banks")
        terms = {"anchor": anchor, "programme": programme, "currency": currency, "banks": sorted(banks),
                 "max_tenor_days": max_tenor_days, "max_rate_bp": max_rate_bp, "opened_at": ctx.timestamp}
        ctx.put(f"programme/{anchor}/{programme}", terms)
        ctx.set_key_policy(f"programme/{anchor}/{programme}", {"orgs": [anchor]})
        ctx.emit("programme_opened", {k: v for k, v in terms.items() if k != "opened_at"})
        return terms

    # --- confirm --------------------------------------------------------------------

    @function(policy=EVERY_MEMBER, callers=ANY_MEMBER)
    def confirm(self, ctx: Context, programme: str, supplier: str, invoice_number: str, amount: int, currency: str,
                due_date: str, countries: dict[str, Any] | None = None) -> dict[str, Any]:
        """Called by: any member, as the anchor: it confirms its own supplier's invoice under one of
        its programmes, a payable claim on itself held by the supplier. It binds only the caller."""
        anchor = ctx.caller.org
        terms = self._programme(ctx, anchor, programme)
        if currency not in MINOR_UNITS:
            raise refuse("BAD_MONEY", f"{currency!r} is not an ISO 4217 currency", field="currency")
        _check_amount(amount)
        if not re.fullmatch(INVOICE_NUMBER, invoice_number):
            raise _bad("invoice_number: 1-64 of letters, digits and / . _ -", field="invoice_number")
        due = _parse_date(due_date, "due_date")
        if due < _today(ctx):
            raise _bad(f"due date {due_date} is in the past", field="due_date")
        if currency != terms["currency"]:
            raise refuse("BAD_MONEY", f"programme {programme} is in {terms['currency']}", field="currency")
        if (due - _today(ctx)).days > terms["max_tenor_days"]:
            raise _bad(f"programme {programme} confirms payables due within {terms['max_tenor_days']} days",
                       field="due_date", max_tenor_days=terms["max_tenor_days"])
        if supplier == anchor:
            raise _bad("an anchor cannot confirm its own invoice", field="supplier")
        self._member(ctx, supplier)
        invoice_key = f"invoice/{anchor}/{supplier}/{invoice_number.upper()}"
        if ctx.get(invoice_key) is not None:
            raise refuse("WRONG_STATUS", f"invoice {invoice_number} of {supplier} is already confirmed",
                              claim=ctx.get(invoice_key)["claim"])
        claim_id = ctx.tx_id[:24]
        claim = {
            "id": claim_id, "root": claim_id, "parent": "", "anchor": anchor, "programme": programme, "supplier": supplier,
            "invoice_number": invoice_number, "amount": amount, "currency": currency, "due_date": due_date,
            "holder": supplier, "holders": [supplier], "status": OPEN, "parts": [], "log": [],
        }
        if countries is not None:
            claim["countries"] = check_countries(countries)
        claim = self._log(ctx, claim, "confirmed", holder=supplier)
        ctx.put(invoice_key, {"claim": claim_id})
        self._save(ctx, claim)
        ctx.emit("payable_confirmed", {"claim": claim_id, "anchor": anchor, "supplier": supplier,
                                       "amount": amount, "currency": currency, "due_date": due_date})
        return {"claim": claim_id, "holder": supplier, "amount": amount, "currency": currency, "due_date": due_date}

    # --- split and transfer ---------------------------------------------------------

    @function(policy=EVERY_MEMBER, callers=PARTIES)
    def split(self, ctx: Context, claim_id: str, amounts: list[int]) -> dict[str, Any]:
        """Called by: the holder of the open claim. Splits it into parts that add up to it; the
        caller holds them."""
        claim = self._held(ctx, claim_id)
        if not 2 <= len(amounts) <= MAX_PARTS:
            raise _bad(f"a split has 2 to {MAX_PARTS} parts", field="amounts")
        for a in amounts:
            _check_amount(a, "amounts")
        if sum(amounts) != claim["amount"]:
            raise refuse("BAD_MONEY", f"parts add up to {Money(claim['currency'], sum(amounts))}, "
                              f"the claim is {Money(claim['currency'], claim['amount'])}",
                              field="amounts", total=sum(amounts), amount=claim["amount"])
        parts = []
        for i, amount in enumerate(amounts, 1):
            part = {**claim, "id": f"{claim_id}.{i}", "parent": claim_id, "amount": amount, "parts": [],
                    "holders": [claim["holder"]], "log": []}
            part = self._log(ctx, part, "split_from", parent=claim_id)
            self._save(ctx, part)
            parts.append({"claim": part["id"], "amount": amount})
        closed = self._log(ctx, {**claim, "status": SPLIT, "parts": [p["claim"] for p in parts]}, "split",
                           parts=[p["claim"] for p in parts])
        self._save(ctx, closed)
        ctx.emit("claim_split", {"claim": claim_id, "parts": parts})
        return {"claim": claim_id, "parts": parts}

    @function(policy=EVERY_MEMBER, callers=PARTIES)
    def transfer(self, ctx: Context, claim_id: str, to: str) -> dict[str, Any]:
        """Called by: the holder of the open claim. Transfers it whole to another organisation (its supplier)."""
        claim = self._held(ctx, claim_id)
        if to == claim["holder"]:
            raise _bad("cannot transfer a claim to its holder", field="to")
        self._member(ctx, to)
        moved = self._log(ctx, {**claim, "holder": to, "holders": [*claim["holders"], to]}, "transferred",
                          holder=to, **{"from": claim["holder"]})
        self._save(ctx, moved, previous_holder=claim["holder"])
        ctx.emit("claim_transferred", {"claim": claim_id, "from": claim["holder"], "to": to,
                                       "amount": claim["amount"], "currency": claim["currency"]})
        return {"claim": claim_id, "holder": to, "amount": claim["amount"]}

    # --- discounting ----------------------------------------------------------------

    @function(policy=EVERY_MEMBER, callers=PARTIES)
    def offer_discount(self, ctx: Context, claim_id: str, bank: str, rate_bp: int) -> dict[str, Any]:
        """Called by: the holder of the open claim. Offers it to a bank at an annual discount rate
        in basis points."""
        claim = self._held(ctx, claim_id)
        terms = self._programme(ctx, claim["anchor"], claim["programme"])
        if not 1 <= rate_bp <= terms["max_rate_bp"]:
            raise _bad(f"rate_bp must be 1 to {terms['max_rate_bp']}, the programme's highest rate", field="rate_bp")
        if bank not in terms["banks"]:
            raise _bad(f"{bank} is not a bank of programme {claim['programme']}", field="bank")
        if bank == claim["holder"]:
            raise _bad("a bank cannot discount a claim it holds", field="bank")
        self._price(ctx, claim, rate_bp)
        offered = self._log(ctx, {**claim, "status": OFFERED, "offer": {"bank": bank, "rate_bp": rate_bp}},
                            "discount_offered", bank=bank, rate_bp=rate_bp)
        self._save(ctx, offered)
        ctx.emit("discount_offered", {"claim": claim_id, "holder": claim["holder"], "bank": bank, "rate_bp": rate_bp})
        return {"claim": claim_id, "bank": bank, "rate_bp": rate_bp}

    def _price(self, ctx: Context, claim: dict[str, Any], rate_bp: int) -> tuple[int, int, int]:
        """(days, discount, price) of selling the claim today; a price of zero or less is refused."""
        days = max(0, (dt.date.fromisoformat(claim["due_date"]) - _today(ctx)).days)
        discount, price = discount_price(claim["amount"], rate_bp, days)
        if price <= 0:
            raise refuse("BAD_MONEY", f"at {rate_bp} bp for {days} days the purchase price would be "
                              f"{Money(claim['currency'], price)}", field="rate_bp", price=price)
        return days, discount, price

    def _offered(self, ctx: Context, claim_id: str) -> dict[str, Any]:
        claim = self._claim(ctx, claim_id)
        if claim["status"] != OFFERED:
            raise refuse("WRONG_STATUS", f"claim {claim_id} is {claim['status']}, not offered",
                              claim=claim_id, status=claim["status"])
        return claim

    @function(policy=EVERY_MEMBER, callers=PARTIES)
    def accept_discount(self, ctx: Context, claim_id: str) -> dict[str, Any]:
        """Called by: the bank the claim is offered to. It buys the claim: it is instructed to pay
        the price and becomes the holder."""
        claim = self._offered(ctx, claim_id)
        bank, rate_bp = claim["offer"]["bank"], claim["offer"]["rate_bp"]
        if ctx.caller.org != bank:
            raise refuse("FORBIDDEN", f"claim {claim_id} is offered to {bank}", claim=claim_id)
        days, discount, price = self._price(ctx, claim, rate_bp)
        seller = claim["holder"]
        obligation = f"{claim_id}/discount/{len(claim.get('discounts', [])) + 1}"
        instruct(ctx, obligation=obligation, payer=bank, payee=seller, due=_today(ctx).isoformat(),
                 amount={"currency": claim["currency"], "minor": price})
        sale = {"bank": bank, "seller": seller, "rate_bp": rate_bp, "days": days, "discount": discount,
                "price": price, "at": ctx.timestamp, "obligation": obligation}
        bought = {k: v for k, v in claim.items() if k != "offer"}
        bought = self._log(ctx, {**bought, "status": OPEN, "holder": bank, "holders": [*claim["holders"], bank],
                                 "discounts": [*claim.get("discounts", []), sale]},
                           "discounted", holder=bank, price=price, **{"from": seller})
        self._save(ctx, bought, previous_holder=seller)
        ctx.emit("claim_discounted", {"claim": claim_id, "seller": seller, "bank": bank, "amount": claim["amount"],
                                      "price": price, "currency": claim["currency"]})
        return {"claim": claim_id, **sale}

    @function(policy=EVERY_MEMBER, callers=PARTIES)
    def withdraw_offer(self, ctx: Context, claim_id: str) -> dict[str, Any]:
        """Called by: the holder (withdraws) or the bank offered (declines) a discount offer: the
        claim is open again."""
        claim = self._offered(ctx, claim_id)
        if ctx.caller.org not in (claim["holder"], claim["offer"]["bank"]):
            raise refuse("FORBIDDEN", "only the holder or the bank offered may withdraw", claim=claim_id)
        reopened = {k: v for k, v in claim.items() if k != "offer"}
        reopened = self._log(ctx, {**reopened, "status": OPEN}, "offer_withdrawn", by=ctx.caller.org)
        self._save(ctx, reopened)
        return {"claim": claim_id, "status": OPEN}

    # --- maturity -------------------------------------------------------------------

    @function(policy=EVERY_MEMBER, callers=PARTIES)
    def pay(self, ctx: Context, claim_id: str) -> dict[str, Any]:
        """Called by: the anchor. It pays a confirmed payable: one payment instruction per holder of record.

        `claim_id` is the root (the confirmed invoice). Every leaf of its tree gets an
        instruction to its holder of record now; an offer still pending lapses.
        """
        root = self._claim(ctx, claim_id)
        if root["parent"]:
            raise _bad("pay the confirmed payable (the root claim), not a part", field="claim_id")
        if root["anchor"] != ctx.caller.org:
            raise refuse("FORBIDDEN", f"only the anchor {root['anchor']} pays claim {claim_id}", claim=claim_id)
        leaves = [c for k, c in ctx.range(f"claim/{claim_id}") if c["root"] == claim_id and c["status"] in (OPEN, OFFERED)]
        if not leaves:
            raise refuse("WRONG_STATUS", f"claim {claim_id} has nothing left to pay", claim=claim_id)
        instructions = []
        for leaf in leaves:
            pending = {k: v for k, v in leaf.items() if k != "offer"}
            if leaf["holder"] == leaf["anchor"]:  # the anchor holds its own debt: nothing to pay
                self._save(ctx, self._log(ctx, {**pending, "status": PAID}, "extinguished"))
                continue
            attempt = sum(1 for e in leaf["log"] if e["event"] == "payment_instructed") + 1
            obligation = f"{leaf['id']}/maturity/{attempt}"
            instruct(ctx, obligation=obligation, payer=leaf["anchor"], payee=leaf["holder"], due=root["due_date"],
                     amount={"currency": leaf["currency"], "minor": leaf["amount"]})
            self._save(ctx, self._log(ctx, {**pending, "status": INSTRUCTED, "obligation": obligation},
                                      "payment_instructed", obligation=obligation))
            instructions.append({"claim": leaf["id"], "obligation": obligation, "payer": leaf["anchor"],
                                 "payee": leaf["holder"], "amount": leaf["amount"], "currency": leaf["currency"]})
        return {"claim": claim_id, "instructions": instructions,
                "total": sum(i["amount"] for i in instructions), "early": _today(ctx) < dt.date.fromisoformat(root["due_date"])}

    # --- payments reported by their payer (PaymentInstructions) ---------------------

    def _maturity_claim(self, ctx: Context, instruction: dict[str, Any]) -> dict[str, Any] | None:
        """The claim a maturity payment pays, still waiting for it (None for a discount's price)."""
        claim_id, _, kind = instruction["obligation"].partition("/")
        claim = ctx.get(f"claim/{claim_id}")
        if not kind.startswith("maturity/") or claim is None or claim.get("obligation") != instruction["obligation"]:
            return None
        return claim  # type: ignore[no-any-return]

    def on_payment_settled(self, ctx: Context, instruction: dict[str, Any]) -> None:
        claim = self._maturity_claim(ctx, instruction)
        if claim is None:
            return
        reference = instruction["settlement"]["reference"]
        self._save(ctx, self._log(ctx, {**claim, "status": PAID, "settlement_ref": reference}, "settled",
                                  settlement_ref=reference))
        ctx.emit("claim_settled", {"claim": claim["id"], "payee": claim["holder"], "amount": claim["amount"],
                                   "currency": claim["currency"], "settlement_ref": reference})

    def on_payment_failed(self, ctx: Context, instruction: dict[str, Any]) -> None:
        """A maturity payment that failed leaves the claim open, for the anchor to pay again."""
        claim = self._maturity_claim(ctx, instruction)
        if claim is not None:
            reopened = {k: v for k, v in claim.items() if k != "obligation"}
            self._save(ctx, self._log(ctx, {**reopened, "status": OPEN}, "payment_failed",
                                      reason=instruction["failure"]["reason"]))

    # --- queries --------------------------------------------------------------------

    @function(query=True, callers=PARTIES)
    def claim(self, ctx: Context, claim_id: str) -> dict[str, Any]:
        """Called by: the claim's anchor and the organisations that hold or held it."""
        claim = self._claim(ctx, claim_id)
        ctx.require_party(f"claim/{claim_id}", [claim["anchor"], *claim["holders"]],
                          f"{ctx.caller.org} is not a party to claim {claim_id}", reason="FORBIDDEN")
        return claim

    @function(query=True, callers=ANY_MEMBER)
    def holdings(self, ctx: Context) -> list[dict[str, Any]]:
        """Called by: any member, about itself: the open claims it holds now."""
        prefix = f"held/{ctx.caller.org}/"
        out = []
        for key, _ in ctx.range(prefix):
            c = ctx.get(f"claim/{key[len(prefix):]}")
            out.append({"claim": c["id"], "anchor": c["anchor"], "amount": c["amount"], "currency": c["currency"],
                        "due_date": c["due_date"], "status": c["status"]})
        return out

    @function(query=True, callers=PARTIES)
    def tree(self, ctx: Context, claim_id: str) -> dict[str, Any]:
        """Called by: the anchor only: every part of a confirmed payable and who holds it."""
        root = self._claim(ctx, claim_id)
        if root["parent"]:
            raise refuse("FORBIDDEN", "only the anchor may see the whole tree of a confirmed payable")
        rows = [c for _, c in ctx.range(f"claim/{claim_id}") if c["root"] == claim_id]
        for c in [root, *rows]:  # each part shown (a supervisor must supervise every one)
            ctx.require_party(f"claim/{c['id']}", [root["anchor"]],
                              "only the anchor may see the whole tree of a confirmed payable", reason="FORBIDDEN")
        leaves = [c for c in rows if c["status"] != SPLIT]
        return {"claim": claim_id, "amount": root["amount"], "currency": root["currency"],
                "parts": [{"claim": c["id"], "holder": c["holder"], "amount": c["amount"], "status": c["status"],
                           "depth": c["id"].count(".")} for c in leaves],
                "total": sum(c["amount"] for c in leaves)}
