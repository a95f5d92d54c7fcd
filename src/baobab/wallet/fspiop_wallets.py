"""A provider's wallets as FSPIOP parties, for payments between providers on different nodes.

In network mode each provider's node hosts the provider as an FSP on its callback endpoint
(`<node>/fspiop-callbacks/<FSP>`, pay/fsp_host.py). `WalletBooks` is what that FSP consults as
payee for the parties of type MSISDN (a wallet's number, without its "+", as FSPIOP writes it):

- a lookup or a quote for a wallet it does not hold: 3204; a quote its tier's limits refuse
  now: 5105 (one movement, a day, a month) or 5200 (the balance would exceed the tier's
  maximum); a wallet held for the provider's sanctions review: 5400;
- an incoming transfer whose originator's name (extension payerName) matches the provider's
  sanctions list: refused with 5400 and held for the provider's review, nothing credited;
- an incoming transfer (POST /transfers forwarded by the switch): the wallet is credited, the
  limits checked again at that moment (a refusal, with the same codes, books nothing and the
  switch gives the payer's provider its money back), and only then does the fulfilment leave.

A credit stays 'fulfilled' until the switch's outcome is read (`settle`): committed, it stands;
aborted (the fulfilment came after the transfer expired, or the node stopped before sending
it), it is taken back. So a crash between the credit and the fulfilment loses nothing: the
switch expires the transfer and the credit is returned.
"""

from __future__ import annotations

import logging
from typing import Any

from baobab.core.errors import BaobabError
from baobab.pay.errors import FspiopError
from baobab.pay.switch import ABORTED, COMMITTED, Switch
from baobab.wallet.provider import Provider

log = logging.getLogger("baobab.wallet.fspiop_wallets")
PARTY_TYPE = "MSISDN"
# the wallet's refusal codes as the FSPIOP error the payee's FSP answers with
FSPIOP_CODES = {"LIMIT_SINGLE": "5105", "LIMIT_DAILY": "5105", "LIMIT_MONTHLY": "5105", "LIMIT_BALANCE": "5200",
                "NO_WALLET": "3204", "BAD_PHONE": "3204", "HELD_FOR_REVIEW": "5400", "BAD_AMOUNT": "3100"}


def party_id(msisdn: str) -> str:
    """A wallet's number as an FSPIOP MSISDN party identifier (digits, no "+")."""
    return msisdn.lstrip("+")


def refused(exc: BaobabError) -> FspiopError:
    return FspiopError(FSPIOP_CODES.get(exc.code, "5000"), f"{exc.code}: {exc.message}")


class WalletBooks:
    """`baobab.pay.participant.PayeeBooks` for a provider's wallets."""

    def __init__(self, provider: Provider, fsp: str) -> None:
        self.provider, self.fsp = provider, fsp

    def _wallet(self, party_type: str, party: str) -> str | None:
        if party_type != PARTY_TYPE or not party.isdigit():
            return None
        msisdn = "+" + party
        try:
            return msisdn if self.provider.has_wallet(msisdn) else None
        except BaobabError:
            return None

    def party(self, party_type: str, party: str) -> dict[str, Any] | None:
        msisdn = self._wallet(party_type, party)
        return None if msisdn is None else {"name": self.provider.wallet(msisdn)["name"]}

    def _checked(self, party_type: str, party: str, amount: dict[str, Any]) -> str:
        msisdn = self._wallet(party_type, party)
        if msisdn is None:
            raise FspiopError("3204", f"{self.fsp} holds no wallet {party}")
        if amount["currency"] != self.provider.scheme.currency:
            raise FspiopError("5100", f"{self.fsp}'s wallets hold {self.provider.scheme.currency}, not {amount['currency']}")
        return msisdn

    def may_receive(self, party_type: str, party: str, amount: dict[str, Any]) -> None:
        msisdn = self._checked(party_type, party, amount)
        try:
            self.provider.can_receive(msisdn, amount["minor"])
            if self.provider.hold_reason(msisdn):
                raise BaobabError("HELD_FOR_REVIEW", f"{msisdn} waits for the provider's sanctions review")
        except BaobabError as exc:
            raise refused(exc) from None

    def book_incoming(self, party_type: str, party: str, amount: dict[str, Any], transfer_id: str, payer_fsp: str,
                      payer_name: str | None = None) -> None:
        msisdn = self._checked(party_type, party, amount)
        match = self.provider.screen(payer_name) if payer_name and self.provider.screen else None
        if match:  # the originator matches the provider's list: nothing credited, held for its review
            hold = self.provider.hold("incoming", None, msisdn, amount["minor"],
                                      f"payer {payer_name} at {payer_fsp} matched {match['listed']} ({match['reference']})",
                                      reference=transfer_id)
            raise FspiopError("5400", f"the payer matched {self.fsp}'s sanctions list: held for review ({hold})")
        try:
            self.provider.accept_incoming(msisdn, amount["minor"], transfer_id, payer=payer_fsp)
        except BaobabError as exc:
            raise refused(exc) from None

    def settle(self, switch: Switch) -> int:
        """Settle the credits whose transfer the switch has since committed or aborted; how many."""
        settled = 0
        for transfer_id in self.provider.fulfilled_incoming():
            t = switch.find(transfer_id)
            if t is None or t.state not in (COMMITTED, ABORTED):
                continue
            self.provider.settle_incoming(transfer_id, committed=t.state == COMMITTED)
            if t.state == ABORTED:
                log.warning("%s: transfer %s was aborted after its credit (%s): credit taken back", self.fsp, transfer_id,
                            t.error_code)
            settled += 1
        return settled
