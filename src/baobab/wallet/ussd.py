"""The USSD channel: mobile money on any phone, through the operator's USSD gateway.

The gateway posts each step of a session (`sessionId`, `serviceCode`, `phoneNumber`, and `text`:
every answer so far joined by "*"); we answer "CON <screen>" to ask for more or "END <screen>"
to close, each screen at most 182 characters. The dialogue is in `text`, and money moves only at
its last step, in one transaction, so a session dropped half way leaves nothing half done. The
one thing kept between steps is which requests menu 8 listed to a session, so the PIN approves
the request the holder saw even if another arrived meanwhile (kept in memory: a session cut by
a restart is told so and nothing is done).

    *   1 balance · 2 send money · 3 pay merchant · 4 mini statement · 5 change PIN
        6 approve cash-out · 7 language · 8 payment requests (a merchant's collection or a
        reversal asked through the mmAPI: approve with the PIN, or decline) · 9 pay a bill (one
        a biller presented to the holder, then the amount, between its minimum and what is due;
        or 0: biller code, the reference the biller gave, amount, PIN)

A number without a wallet may open one itself at the scheme's first tier (name, then a PIN
twice), screened against the sanctions list as any new customer; higher tiers need an agent
and the evidence they check.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

import phonenumbers
from fastapi import APIRouter, Form
from fastapi.responses import PlainTextResponse
from starlette.concurrency import run_in_threadpool

from baobab.core.errors import BaobabError
from baobab.core.money import Money
from baobab.pay.switch import RESERVED
from baobab.wallet.interop import PARTY_TYPE, SwitchLink
from baobab.wallet.mmapi import MobileMoneyApi
from baobab.wallet.provider import Provider
from baobab.i18n import money, translations

MAX_SCREEN = 182
USSD_LANGUAGES = {"1": "en", "2": "fr", "3": "pt", "4": "sw"}
REQUESTS_SHOWN = 3      # payment requests listed on one screen
BILLS_SHOWN = 3         # presented bills listed on one screen
SESSIONS_KEPT = 10_000  # sessions whose listed requests are remembered (the oldest forgotten first)


class Ussd:
    def __init__(self, provider: Provider, *, api: MobileMoneyApi | None = None, language: Callable[[str], str] | None = None,
                 set_language: Callable[[str, str], None] | None = None, opened: Callable[[str], None] | None = None,
                 link: SwitchLink | None = None, links: Mapping[str, SwitchLink] | None = None) -> None:
        """`api`: the provider's mmAPI, whose requests waiting for a holder's PIN menu 8 lists;
        `opened(msisdn)`: told of a wallet a customer opened here (to list it on the switch);
        `link`: the provider's link to the switch, through which menu 2 pays other providers'
        customers (`links`: the other providers in this process, the rest over FSPIOP)."""
        self.p, self.api, self.opened, self.link, self.links = provider, api, opened, link, links or {}
        self.language = language or provider.language  # kept with the wallet: its SMS receipts use it too
        self.set_language = set_language or provider.set_language
        self._listed: OrderedDict[tuple[str, str], list[dict[str, Any]]] = OrderedDict()  # (session, msisdn) -> shown
        self._lock = threading.Lock()

    def answer(self, phone: str, text: str, session: str = "") -> str:
        try:
            msisdn = self.p.msisdn(phone)
        except BaobabError:
            return "END " + translations("en").gettext("This number has no wallet. Visit an agent to open one.")
        if not self.p.has_wallet(msisdn):
            if phonenumbers.region_code_for_number(phonenumbers.parse(msisdn)) != self.p.scheme.country:  # opened at home only
                return "END " + translations("en").gettext("This number has no wallet. Visit an agent to open one.")
            try:
                return self._open(msisdn, [s for s in text.split("*")] if text else [])[:MAX_SCREEN]
            except BaobabError as exc:
                return ("END " + self._refusal(exc, "en"))[:MAX_SCREEN]
        lang = self.language(msisdn)
        _ = translations(lang).gettext
        steps = [s for s in text.split("*")] if text else []
        try:
            screen = self._step(msisdn, lang, steps, session)
        except BaobabError as exc:
            screen = "END " + self._refusal(exc, lang)
        return screen[:MAX_SCREEN]

    # one function per menu; each returns the next screen

    def _step(self, msisdn: str, lang: str, steps: list[str], session: str) -> str:
        _ = translations(lang).gettext
        if not steps:
            return "CON " + "\n".join([_("Mobile money"), "1 " + _("Balance"), "2 " + _("Send money"), "3 " + _("Pay merchant"),
                                       "4 " + _("Mini statement"), "5 " + _("Change PIN"), "6 " + _("Approve cash-out"),
                                       "7 " + _("Language"), "8 " + _("Payment requests"), "9 " + _("Pay bill")])
        choice, rest = steps[0], steps[1:]
        menus = {"1": self._balance, "2": self._send, "3": self._pay_merchant, "4": self._statement,
                 "5": self._change_pin, "6": self._approve, "7": self._language,
                 "8": lambda m, lg, r: self._requests(m, lg, r, session), "9": self._pay_bill}
        if choice not in menus:
            return "END " + _("Unknown choice.")
        return menus[choice](msisdn, lang, rest)

    def _balance(self, msisdn: str, lang: str, rest: list[str]) -> str:
        _ = translations(lang).gettext
        if not rest:
            return "CON " + _("Enter your PIN")
        self.p.verify_pin(msisdn, rest[0])
        return "END " + _("Balance") + ": " + money(self.p.wallet(msisdn)["balance"], lang)

    def _send(self, msisdn: str, lang: str, rest: list[str]) -> str:
        _ = translations(lang).gettext
        return self._payment(lang, rest, _("Phone number to send to"), self._payee,
                             _("Send {amount} to {name}? Enter your PIN to confirm"), _("Sent {amount} to {name}."),
                             lambda payee, minor, pin: self._send_to(msisdn, payee, minor, pin),
                             pending=_("Sending {amount} to {name}: an SMS confirms it."))

    def _payee(self, phone: str) -> dict[str, Any]:
        """A wallet here, or a customer of another provider on the switch (named by number)."""
        try:
            return self.p.wallet(phone)
        except BaobabError as exc:
            if exc.code != "NO_WALLET" or self.link is None:
                raise
            msisdn = self.p.msisdn(phone)
            if self.link.hub.serving(PARTY_TYPE, msisdn) in (None, self.link.fsp):
                raise
            return {"msisdn": msisdn, "name": msisdn, "elsewhere": True}

    def _send_to(self, msisdn: str, payee: dict[str, Any], minor: int, pin: str) -> bool:
        """Pay; False if the payment left but its outcome is not known yet (the SMS receipt tells)."""
        if not payee.get("elsewhere") or self.link is None:
            self.p.send(msisdn, payee["msisdn"], minor, pin=pin)
            return True
        return bool(self.link.send(msisdn, payee["msisdn"], minor, pin=pin, links=self.links)["state"] != RESERVED)

    def _pay_merchant(self, msisdn: str, lang: str, rest: list[str]) -> str:
        _ = translations(lang).gettext
        return self._payment(lang, rest, _("Till number"), self.p.merchant,
                             _("Pay {amount} to {name}? Enter your PIN to confirm"), _("Paid {amount} to {name}."),
                             lambda merchant, minor, pin: self.p.pay_merchant(msisdn, merchant["till"], minor, pin=pin))

    def _pay_bill(self, msisdn: str, lang: str, rest: list[str]) -> str:
        """The bills billers presented to the holder first (one to pay, then the amount: the
        minimum and what is due shown), or 0: another bill, by biller code and reference."""
        _ = translations(lang).gettext
        presented = self.p.bills(msisdn)[:BILLS_SHOWN]
        if presented and not rest:
            lines = [f"{i} {b['biller_name'][:16]} {money(b['due_amount'], lang)}" for i, b in enumerate(presented, 1)]
            return "CON " + "\n".join([_("Your bills"), *lines, "0 " + _("Other bill")])
        if presented and rest[0] != "0":
            if not rest[0].isdigit() or not 1 <= int(rest[0]) <= len(presented):
                return "END " + _("Unknown choice.")
            bill = presented[int(rest[0]) - 1]
            if len(rest) == 1:
                return "CON " + _("Amount ({due} due, at least {minimum})").format(
                    due=money(bill["due_amount"], lang), minimum=money(bill["minimum_due"], lang))
            return self._pay_biller(msisdn, lang, bill["biller"], [bill["reference"], *rest[1:]])
        rest = rest[1:] if presented else rest
        if not rest:
            return "CON " + _("Biller number")
        return self._pay_biller(msisdn, lang, rest[0], rest[1:])

    def _pay_biller(self, msisdn: str, lang: str, code: str, rest: list[str]) -> str:
        """The biller's customer reference, the amount, the PIN."""
        _ = translations(lang).gettext
        biller = self.p.biller(code)
        return self._payment(lang, rest, _("Account or meter number"),
                             lambda ref: {"name": f"{biller['name']} {ref}"[:40], "ref": ref},
                             _("Pay {amount} to {name}? Enter your PIN to confirm"), _("Paid {amount} to {name}."),
                             lambda bill, minor, pin: self.p.pay_bill(msisdn, biller["code"], bill["ref"], minor, pin=pin))

    def _payment(self, lang: str, rest: list[str], ask_whom: str, find: Callable[[str], dict[str, Any]], confirm: str,
                 done: str, pay: Callable[[dict[str, Any], int, str], object], pending: str = "") -> str:
        """Whom (looked up at once), how much, then the PIN that confirms it: the one dialogue of
        every payment, money moving only at its last step."""
        if not rest:
            return "CON " + ask_whom
        whom = find(rest[0])
        if len(rest) == 1:
            return "CON " + translations(lang).gettext("Amount")
        amount = self._amount(rest[1])
        shown = money(amount.to_json(), lang)
        if len(rest) == 2:
            return "CON " + confirm.format(amount=shown, name=whom["name"])
        finished = pay(whom, amount.minor, rest[2])
        return "END " + (pending if finished is False else done).format(amount=shown, name=whom["name"])

    def _statement(self, msisdn: str, lang: str, rest: list[str]) -> str:
        _ = translations(lang).gettext
        if not rest:
            return "CON " + _("Enter your PIN")
        self.p.verify_pin(msisdn, rest[0])
        lines = []
        for m in self.p.statement(msisdn, limit=5):
            sign = "-" if m["payer"] == msisdn else "+"
            lines.append(f"{m['at'][5:10]} {sign}{money(m['amount'], lang)}")
        return "END " + (("\n".join(lines)) if lines else _("No movements yet."))

    def _change_pin(self, msisdn: str, lang: str, rest: list[str]) -> str:
        _ = translations(lang).gettext
        prompts = [_("Enter your PIN"), _("New PIN"), _("New PIN again")]
        if len(rest) < 3:
            return "CON " + prompts[len(rest)]
        if rest[1] != rest[2]:
            return "END " + _("The two new PINs differ; nothing changed.")
        self.p.change_pin(msisdn, rest[0], rest[1])
        return "END " + _("Your PIN is changed.")

    def _approve(self, msisdn: str, lang: str, rest: list[str]) -> str:
        _ = translations(lang).gettext
        pending = self.p.pending_cash_out(msisdn)
        if pending is None:
            return "END " + _("No cash-out waits for your approval.")
        if not rest:
            return "CON " + _("Take {amount} in cash from {agent}? Enter your PIN to approve").format(
                amount=money(pending["amount"], lang), agent=pending["agent_name"])
        self.p.approve_cash_out(msisdn, pin=rest[0])
        return "END " + _("Approved: collect {amount} from {agent}.").format(
            amount=money(pending["amount"], lang), agent=pending["agent_name"])

    def _open(self, msisdn: str, steps: list[str]) -> str:
        """Open a wallet at the first tier: 1, the holder's name, a PIN, the PIN again."""
        _ = translations("en").gettext
        prompts = ["CON " + "\n".join([_("This number has no wallet."), "1 " + _("Open a wallet")]),
                   "CON " + _("Your full name"), "CON " + _("Choose a PIN (4 to 6 digits)"), "CON " + _("New PIN again")]
        if len(steps) < len(prompts):
            if steps and steps[0] != "1":
                return "END " + _("Unknown choice.")
            if len(steps) >= 2 and not 2 <= len(steps[1].strip()) <= 80:
                return "END " + _("Please give your full name.")
            return prompts[len(steps)]
        if steps[2] != steps[3]:
            return "END " + _("The two new PINs differ; nothing changed.")
        first = min(t.level for t in self.p.scheme.tiers)
        self.p.register(msisdn, steps[1].strip(), tier=first, by="self (USSD)", pin=steps[2])
        if self.opened is not None:
            self.opened(msisdn)
        return "END " + _("Your wallet is open. Dial again to use it.")

    def _requests(self, msisdn: str, lang: str, rest: list[str], session: str) -> str:
        """Payment requests waiting for this holder's PIN: pick one, then approve with the PIN or decline."""
        _ = translations(lang).gettext
        key = (session, msisdn)
        if not rest:
            waiting = self.api.waiting_for(msisdn)[:REQUESTS_SHOWN] if self.api is not None else []
            if not waiting:
                return "END " + _("No payment request waits for you.")
            with self._lock:  # steps of many sessions run at once in the server's threads
                self._listed[key] = waiting
                self._listed.move_to_end(key)
                while len(self._listed) > SESSIONS_KEPT:
                    self._listed.popitem(last=False)
            lines = [f"{i} {money(w['amount'], lang)} {self._name(w['to'])}" for i, w in enumerate(waiting, 1)]
            return "CON " + "\n".join([_("Payment requests"), *lines])
        with self._lock:
            listed = self._listed.get(key)
        if listed is None or self.api is None:
            return "END " + _("This session has ended; nothing was done.")
        if not rest[0].isdigit() or not 1 <= int(rest[0]) <= len(listed):
            return "END " + _("Unknown choice.")
        chosen = listed[int(rest[0]) - 1]
        shown = {"amount": money(chosen["amount"], lang), "name": self._name(chosen["to"])}
        ask = {"reversal": _("Give back {amount} to {name}?"),
               "mandate": _("Let {name} take up to {amount} a payment?") if chosen["amount"]["minor"] else
               _("Let {name} take payments of any amount?")}.get(chosen["kind"], _("Pay {amount} to {name}?"))
        if len(rest) == 1:
            return "CON " + "\n".join([ask.format(**shown), "1 " + _("Approve"), "2 " + _("Decline")])
        if rest[1] == "2":
            self._forget(key)
            self.api.decline(msisdn, chosen["server_id"])
            return "END " + _("Declined; nothing was paid.")
        if rest[1] != "1":
            return "END " + _("Unknown choice.")
        if len(rest) == 2:
            return "CON " + _("Enter your PIN to approve")
        state = self.api.authorise(msisdn, chosen["server_id"], pin=rest[2])
        self._forget(key)
        if state["status"] != "completed":
            return "END " + _("Not done; please try again later.")
        done = _("Mandate given to {name}.") if chosen["kind"] == "mandate" else _("Paid {amount} to {name}.")
        return "END " + done.format(**shown)

    def _forget(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._listed.pop(key, None)

    def _name(self, msisdn: str) -> str:
        try:
            return str(self.p.wallet(msisdn)["name"])
        except BaobabError:
            return msisdn

    def _language(self, msisdn: str, lang: str, rest: list[str]) -> str:
        if not rest:
            return "CON " + "\n".join(["1 English", "2 Français", "3 Português", "4 Kiswahili"])
        chosen = USSD_LANGUAGES.get(rest[0])
        if chosen is None:
            return "END " + translations(lang).gettext("Unknown choice.")
        self.set_language(msisdn, chosen)
        return "END " + translations(chosen).gettext("Language changed.")

    def _amount(self, text: str) -> Money:
        try:
            value = Decimal(text.replace(",", "."))
        except InvalidOperation:
            raise BaobabError("BAD_AMOUNT", f"{text!r} is not an amount") from None
        if value <= 0:
            raise BaobabError("BAD_AMOUNT", "the amount must be more than zero")
        return Money.parse(str(value), self.p.scheme.currency)

    @staticmethod
    def _refusal(exc: BaobabError, lang: str) -> str:
        _ = translations(lang).gettext
        said = {"WRONG_PIN": _("Wrong PIN."), "WALLET_LOCKED": _("Your wallet is locked. Visit an agent."),
                "INSUFFICIENT_FUNDS": _("Not enough money."), "NO_WALLET": _("No wallet or till with that number."),
                "BAD_PHONE": _("Not a valid phone number."), "BAD_AMOUNT": _("Not a valid amount."),
                "BAD_MONEY": _("Not a valid amount."), "BAD_PIN": _("A PIN is 4 to 6 digits."),
                "NO_REQUEST": _("No cash-out waits for your approval."),
                "BAD_BILL_REFERENCE": _("Not a valid bill reference."),
                "BILL_MINIMUM": _("Pay at least the bill's minimum, and no more than is due."),
                "BILL_OVERPAID": _("Pay at least the bill's minimum, and no more than is due."),
                "BILL_PAID": _("This bill is already paid."),
                "HELD_FOR_REVIEW": _("Held for review by your provider; you will get an SMS.")}
        if exc.code.startswith("LIMIT_"):
            return _("This is more than your account's limit allows.")
        return said.get(exc.code, _("Not done; please try again later."))


def ussd_router(ussd: Ussd) -> APIRouter:
    router = APIRouter(tags=["USSD"])

    @router.post("/ussd", response_class=PlainTextResponse,
                 summary="One step of a USSD session (form fields as USSD gateways post them)")
    async def step(sessionId: str = Form(...), phoneNumber: str = Form(...), text: str = Form(""),  # noqa: N803
                   serviceCode: str = Form("")) -> PlainTextResponse:  # noqa: N803
        return PlainTextResponse(await run_in_threadpool(ussd.answer, phoneNumber, text, sessionId))

    return router
