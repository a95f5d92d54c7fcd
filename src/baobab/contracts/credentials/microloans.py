"""Microloans on a farmer's or small firm's verified record, disbursed to and repaid from their
mobile-money wallet through the switch.

    offer      the lender (a bank or microfinance institution): to a registered holder's key, the
               principal, the fee, the instalments (due date, minor units; they add up to principal
               plus fee), the wallet it pays into, and its assessment (score, band, reason codes,
               the SHA-256 of the presentation it verified)                        -> offered
    accept     the borrower, by a signature of its own key over the offer's terms (submitted by
               its custodian or wallet provider): the lender's disbursement is instructed to the
               wallet provider, for the wallet                                      -> accepted
    (disbursement settled)                                                          -> active
    repay      the wallet provider, paying from the borrower's wallet: one repayment instructed
               to the lender (the borrower authorised it in their wallet)
    (repayment settled) each is kept with its reference; all of it repaid           -> repaid
    get, mine  the lender, the wallet provider and the borrower's key custodian

Nothing binds the borrower but its own signature; nothing moves money but payment instructions
the payments agents carry out.
"""

from __future__ import annotations

from typing import Any

from baobab.contracts.credentials.common import (DATE, check_id, member_with_role, money, registered_holder,
                                                 wallet_account)
from baobab.contracts.payment_instruction import PaymentInstructions, instruct
from baobab.core.keys import PublicKey
from baobab.core.money import format_amount
from baobab.ledger.contract import ANY_MEMBER, PARTIES, Context, Contract, ContractError, Reason, function

EVERY_MEMBER = {"role": "*"}
ACCEPTANCE = "microloan-acceptance"  # the signature purpose of a borrower's acceptance
MAX_INSTALMENTS = 60
_HASH_CHARS = set("0123456789abcdef")


def terms_of(loan: dict[str, Any]) -> dict[str, Any]:
    """What the borrower signs to accept a loan."""
    return {k: loan[k] for k in ("id", "lender", "borrower", "provider", "wallet", "principal", "fee", "instalments")}


class Microloans(PaymentInstructions, Contract):
    name = "microloans"
    reasons = {
        "UNKNOWN_HOLDER": Reason("invalid", "The borrower's key is not registered with a custodian"),
        "BAD_TERMS": Reason("invalid", "The instalments do not add up, or are not in date order"),
        "NOT_ACCEPTED_BY_BORROWER": Reason("forbidden", "The acceptance is not the borrower's signature over the terms"),
        "OVERPAID": Reason("invalid", "The repayment is more than what is still owed"),
    }

    @function(policy=EVERY_MEMBER, callers=("bank",))
    def offer(self, ctx: Context, loan_id: str, borrower: str, provider: str, wallet: str, principal: dict[str, Any],
              fee_minor: int, instalments: list[dict[str, Any]], assessment: dict[str, Any]) -> dict[str, Any]:
        """Called by: a bank or microfinance institution, which becomes the lender."""
        check_id(loan_id, "loan_id")
        custodian = registered_holder(ctx, borrower)["custodian"]
        member_with_role(ctx, provider, "payment-provider", "provider")
        amount = money(principal, "principal")
        if not isinstance(fee_minor, int) or not 0 <= fee_minor <= amount["minor"]:
            raise ContractError("fee_minor is a whole number of minor units, at most the principal", reason="BAD_TERMS")
        schedule = self._schedule(instalments, amount["minor"] + fee_minor, ctx.timestamp[:10], amount["currency"])
        if not isinstance(assessment, dict) or not isinstance(assessment.get("score"), int) \
                or not isinstance(assessment.get("reasons"), list) \
                or not set(str(assessment.get("presentation_sha256", ""))) <= _HASH_CHARS \
                or len(str(assessment.get("presentation_sha256", ""))) != 64:
            raise ContractError("assessment is {score, band, reasons, presentation_sha256}")
        if ctx.get(f"loan/{loan_id}") is not None:
            raise ContractError(f"loan {loan_id} exists", reason="ALREADY_EXISTS")
        loan = {"id": loan_id, "lender": ctx.caller.org, "borrower": borrower, "provider": provider,
                "wallet": wallet_account(wallet), "principal": amount, "fee": {"currency": amount["currency"], "minor": fee_minor},
                "instalments": schedule, "assessment": {k: assessment.get(k) for k in ("score", "band", "reasons", "presentation_sha256")},
                "status": "offered", "offered_at": ctx.timestamp, "repaid_minor": 0, "repayments": [],
                "custodian": custodian, "parties": sorted({ctx.caller.org, provider, custodian})}
        ctx.put(f"loan/{loan_id}", loan)
        ctx.emit("loan_offered", {"id": loan_id, "lender": ctx.caller.org, "principal": amount})
        return loan

    @staticmethod
    def _schedule(instalments: Any, total: int, today: str, currency: str) -> list[dict[str, Any]]:
        if not isinstance(instalments, list) or not 0 < len(instalments) <= MAX_INSTALMENTS:
            raise ContractError(f"instalments is a list of 1 to {MAX_INSTALMENTS}", reason="BAD_TERMS")
        schedule, last = [], today
        for n, item in enumerate(instalments, start=1):
            due, minor = (item.get("due"), item.get("minor")) if isinstance(item, dict) else (None, None)
            if not isinstance(due, str) or not DATE.fullmatch(due) or due <= last \
                    or not isinstance(minor, int) or isinstance(minor, bool) or minor <= 0:
                raise ContractError(f"instalment {n} is {{due (a later date), minor (positive)}}", reason="BAD_TERMS")
            schedule.append({"n": n, "due": due, "minor": minor})
            last = due
        if sum(i["minor"] for i in schedule) != total:
            raise ContractError(f"the instalments add up to {format_amount({'currency': currency, 'minor': sum(i['minor'] for i in schedule)})}, "
                                f"not principal plus fee {format_amount({'currency': currency, 'minor': total})}", reason="BAD_TERMS")
        return schedule

    @function(policy=EVERY_MEMBER, callers=PARTIES)
    def accept(self, ctx: Context, loan_id: str, signature: str) -> dict[str, Any]:
        """Called by: a party to the loan carrying the borrower's acceptance (its key custodian,
        its wallet provider): `signature` is the borrower's key's signature (purpose microloan-acceptance)
        over the offer's terms; the disbursement to the wallet is instructed."""
        loan = self._loan(ctx, loan_id)
        if loan["status"] != "offered":
            raise ContractError(f"loan {loan_id} is {loan['status']}", reason="WRONG_STATE")
        if not PublicKey.from_text(loan["borrower"]).verify(ACCEPTANCE, terms_of(loan), signature):
            raise ContractError("the signature is not the borrower's over these terms", reason="NOT_ACCEPTED_BY_BORROWER")
        loan = {**loan, "status": "accepted", "accepted_at": ctx.timestamp}
        ctx.put(f"loan/{loan_id}", loan)
        instruct(ctx, obligation=f"{loan_id}/disbursement", payer=loan["lender"], payee=loan["provider"],
                 amount=loan["principal"], due=ctx.timestamp[:10], payee_account=loan["wallet"])
        return loan

    @function(policy=EVERY_MEMBER, callers=("payment-provider",))
    def repay(self, ctx: Context, loan_id: str, minor: int) -> dict[str, Any]:
        """Called by: the borrower's wallet provider named on the loan, paying `minor` from the
        borrower's wallet to the lender (the borrower authorised it with its wallet PIN)."""
        loan = self._loan(ctx, loan_id)
        if ctx.caller.org != loan["provider"]:
            raise ContractError(f"repayments of {loan_id} come through {loan['provider']}", reason="NOT_A_PARTY")
        if loan["status"] != "active":
            raise ContractError(f"loan {loan_id} is {loan['status']}", reason="WRONG_STATE")
        pending = sum(r["minor"] for r in loan["repayments"] if r["status"] == "instructed")
        owed = loan["principal"]["minor"] + loan["fee"]["minor"] - loan["repaid_minor"] - pending
        if not isinstance(minor, int) or not 0 < minor <= owed:
            raise ContractError(f"the repayment is 1 to {owed} minor units (what is still owed)", reason="OVERPAID")
        n = len(loan["repayments"]) + 1
        repayment = {"n": n, "minor": minor, "status": "instructed", "instructed_at": ctx.timestamp, "settlement": None}
        loan = {**loan, "repayments": [*loan["repayments"], repayment]}
        ctx.put(f"loan/{loan_id}", loan)
        instruct(ctx, obligation=f"{loan_id}/repayment/{n}", payer=loan["provider"], payee=loan["lender"],
                 amount={"currency": loan["principal"]["currency"], "minor": minor}, due=ctx.timestamp[:10],
                 payer_account=loan["wallet"])
        return loan

    def _follow(self, ctx: Context, instruction: dict[str, Any], settled: bool) -> None:
        loan_id, _, what = instruction["obligation"].partition("/")
        loan = ctx.get(f"loan/{loan_id}")
        if loan is None:
            return
        if what == "disbursement":
            loan = {**loan, "status": "active" if settled else "disbursement failed",
                    "disbursement": instruction["settlement"] if settled else instruction["failure"]}
        else:
            n = int(what.rsplit("/", 1)[1])
            repayments = [{**r, "status": "settled" if settled else "failed",
                           "settlement": instruction["settlement"] if settled else instruction["failure"]}
                          if r["n"] == n else r for r in loan["repayments"]]
            repaid = loan["repaid_minor"] + (instruction["amount"]["minor"] if settled else 0)
            done = repaid == loan["principal"]["minor"] + loan["fee"]["minor"]
            loan = {**loan, "repayments": repayments, "repaid_minor": repaid,
                    **({"status": "repaid", "repaid_at": ctx.timestamp} if done else {})}
        ctx.put(f"loan/{loan_id}", loan)
        ctx.emit("loan_" + ("disbursed" if what == "disbursement" else "repayment") + ("" if settled else "_failed"),
                 {"id": loan_id, "lender": loan["lender"], "status": loan["status"]})

    def on_payment_settled(self, ctx: Context, instruction: dict[str, Any]) -> None:
        self._follow(ctx, instruction, True)

    def on_payment_failed(self, ctx: Context, instruction: dict[str, Any]) -> None:
        self._follow(ctx, instruction, False)

    @function(query=True, callers=PARTIES)
    def get(self, ctx: Context, loan_id: str) -> dict[str, Any]:
        """Called by: the lender, the borrower's wallet provider or key custodian; to anyone else it does not exist."""
        return self._loan(ctx, loan_id)

    @function(query=True, callers=ANY_MEMBER)
    def mine(self, ctx: Context, borrower: str = "") -> list[dict[str, Any]]:
        """Called by: any member: the loans it is party to (of one borrower, if given)."""
        return [r for _, r in ctx.range("loan/") if ctx.caller.org in r["parties"] and (not borrower or r["borrower"] == borrower)]

    @staticmethod
    def _loan(ctx: Context, loan_id: str) -> dict[str, Any]:
        if not isinstance(loan_id, str) or not loan_id:
            raise ContractError(f"no loan {loan_id}", reason="NOT_FOUND")
        return ctx.party_record(f"loan/{loan_id}", f"no loan {loan_id}")  # type: ignore[no-any-return]
