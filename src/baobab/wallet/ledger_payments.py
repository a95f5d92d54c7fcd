"""Ledger payments into and out of mobile-money wallets: the wallet provider's half, in its books.

A contract pays a person by instructing a payment to their wallet provider with the wallet as
`payee_account` (its phone number, or an alias the provider linked to it: a farmer's GS1 party
key, so the number is not written on the ledger), and takes a payment from a wallet with it as
`payer_account`. The payments agent moves the money between FSPs through the switch; here, at the
node that runs the provider:

- a settled instruction whose payee is the provider: the switch committed the transfer to the
  provider's position, so the wallet is credited (`Provider.credit_incoming`, once per transfer,
  whose id is the instruction's settlement reference; the SMS receipt goes with it, naming it);
- a payment from a wallet: before the contract instructs it, `pay_from_wallet` takes the amount
  out of the wallet (limits and balance checked, `Provider.reserve_outgoing`); once the
  instruction settles it is owed to the switch, if it fails it goes back to the wallet.

The instruction is read as the provider, a party to it. This runs in the node's reactor, so a
block read again after a crash credits nothing twice (credits and reservations are keyed by the
transfer id). A transfer the switch did not carry (both sides at one FSP) is not the wallet's:
it is left to the FSP's own books and logged.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from baobab.core.errors import BaobabError
from baobab.pay.agent import transfer_id_for
from baobab.pay.switch import COMMITTED, Switch
from baobab.reactors import Action, Host, Reactor

log = logging.getLogger("baobab.wallet.ledger_payments")


class LedgerWallets:
    def __init__(self, host: Host, mobile_money: Any, switch: Switch, network: str,
                 clients: tuple[str, ...] = ("reactor", "app")) -> None:
        """`mobile_money`: the node's `baobab.wallet.services.MobileMoney` (its providers' books)."""
        self.host, self.mm, self.switch, self.network, self.clients = host, mobile_money, switch, network, list(clients)

    def attach(self, reactor: Reactor) -> "LedgerWallets":
        reactor.on("*", "payment_settled", self.settled)
        reactor.on("*", "payment_failed", self.failed)
        return self

    def transfer_id(self, contract: str, obligation: str) -> str:
        return transfer_id_for(self.network, contract, obligation)

    # --- paying from a wallet -----------------------------------------------------------

    def pay_from_wallet(self, actor: Any, fsp: str, phone: str, minor: int, *, contract: str, obligation: str,
                        payee: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
        """Take `minor` out of the wallet `phone` at `fsp`, then submit `contract.function(args)`
        as `actor` (the provider), which instructs the payment `obligation`; if the contract
        refuses, the amount goes back to the wallet at once."""
        transfer = self.transfer_id(contract, obligation)
        provider = self.mm.providers[fsp]
        provider.reserve_outgoing(provider.msisdn(phone), minor, transfer, payee=payee)
        try:
            outcome: dict[str, Any] = actor.submit(contract, function, args)
        except BaobabError:
            provider.finish_outgoing(transfer, committed=False)
            raise
        return outcome

    def await_booked(self, actor: Any, fsp: str, phone: str, contract: str, obligation: str,
                     wait_s: float = 30.0) -> dict[str, Any]:
        """The wallet's movement for a ledger payment once the provider has booked it (the credit of
        a payment into it, or the reservation of one from it): its statement line, whose id
        names the transfer the ledger recorded as settlement reference. `actor` is the payer or
        payee, asked about the payment while waiting (so a node's reactor is driven in tests)."""
        transfer = self.transfer_id(contract, obligation)
        provider = self.mm.providers[fsp]
        pause, waited = 0.02, 0.0
        while True:
            actor.query(contract, "payment", {"obligation": obligation})
            line = next((m for m in provider.statement(phone, limit=500) if m["id"] in (f"in-{transfer}", f"out-{transfer}")), None)
            if line is not None:
                return line  # type: ignore[no-any-return]
            if waited >= wait_s:
                raise RuntimeError(f"{fsp} has not booked {contract} payment {obligation} in {phone}'s wallet after {wait_s:.0f} s")
            time.sleep(pause)
            waited, pause = waited + pause, min(pause * 2, 0.5)

    # --- the reactor's handlers ---------------------------------------------------------

    def settled(self, event: dict[str, Any]) -> list[Action]:
        for fsp, instruction in self._concerning(event):
            transfer = self.transfer_id(instruction["contract"], instruction["obligation"])
            provider = self.mm.providers[fsp]
            try:
                if instruction["payer"] == fsp and instruction.get("payer_account"):
                    provider.finish_outgoing(transfer, committed=True)
                if instruction["payee"] == fsp and instruction.get("payee_account"):
                    self._credit(fsp, instruction, transfer)
            except BaobabError as exc:
                log.warning("%s: %s %s not booked: %s %s", fsp, instruction["contract"], instruction["obligation"],
                            exc.code, exc.message)
        return []

    def failed(self, event: dict[str, Any]) -> list[Action]:
        for fsp, instruction in self._concerning(event):
            if instruction["payer"] == fsp and instruction.get("payer_account"):
                self.mm.providers[fsp].finish_outgoing(self.transfer_id(instruction["contract"], instruction["obligation"]),
                                                       committed=False)
        return []

    def _credit(self, fsp: str, instruction: dict[str, Any], transfer: str) -> None:
        provider = self.mm.providers[fsp]
        carried = self.switch.find(transfer)
        if carried is None or carried.state != COMMITTED or carried.payee != fsp:
            log.warning("%s: %s %s was not carried to %s by the switch; its books are the payer FSP's", fsp,
                        instruction["contract"], instruction["obligation"], fsp)
            return
        amount = instruction["amount"]
        if amount["currency"] != provider.scheme.currency:
            log.warning("%s: %s %s is in %s, its wallets in %s", fsp, instruction["contract"], instruction["obligation"],
                        amount["currency"], provider.scheme.currency)
            return
        wallet = provider.account_of(instruction["payee_account"])
        if wallet is None:
            log.warning("%s: no wallet is known as %s", fsp, instruction["payee_account"])
            return
        provider.credit_incoming(wallet, amount["minor"], transfer, payer=instruction["payer"])

    def _concerning(self, event: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """The instruction of a payment event, once for each provider here that pays or is paid by it."""
        payload = event.get("payload") or {}
        found = []
        for fsp in self.mm.providers:
            if not self.host.serves(fsp):
                continue
            try:
                instruction = self.host.evaluate(self.host.signer(fsp, self.clients).proposal(
                    payload["contract"], "payment", {"obligation": payload["obligation"]}))
            except (BaobabError, KeyError):
                continue  # not a party to it
            if fsp in (instruction["payer"], instruction["payee"]):
                found.append((fsp, instruction))
        return found


def wallets_beside_ledger(services: dict[str, Any] | None) -> Any:
    """The mobile money a story's services hold when its providers' books follow the ledger's
    payments (the node's own, as `baobab demo` and `baobab up` run them); None when they run on a
    switch of their own (`baobab demo --url`) or not at all."""
    mm = (services or {}).get("mobile_money")
    return mm if mm is not None and getattr(mm, "ledger", None) is not None else None
