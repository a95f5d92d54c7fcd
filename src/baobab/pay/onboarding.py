"""Joining the network's organisations to the switch.

A financial service provider (an organisation with an FSP role) becomes a participant with a net
debit cap per currency and the liquidity it places at the settlement bank; every other
organisation is a party (type BUSINESS, its organisation id) served by the FSP that keeps its
account, so the switch can tell which FSP pays or receives for it. Onboarding is idempotent:
running it again on an onboarded switch changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from baobab.pay.errors import FspiopError
from baobab.pay.hub import Hub

FSP_ROLES = frozenset({"bank", "payment-provider"})
PARTY_TYPE = "BUSINESS"  # FSPIOP party id type for an organisation, identified by its network id


def is_fsp(org: dict[str, Any]) -> bool:
    return bool(FSP_ROLES & set(org.get("roles", [])))


def onboard(hub: Hub, orgs: Iterable[dict[str, Any]], *, home_fsp: dict[str, str],
            liquidity: dict[str, dict[str, int]], endpoint: Callable[[str], str]) -> None:
    """Participants for the FSPs among `orgs` (caps and funds from `liquidity`: FSP -> currency ->
    minor units), parties for the others at their `home_fsp`. A participant's callback endpoint
    follows `endpoint` (a node restarted on another port is called back there). Each FSP is also
    a party of its own (BUSINESS, its id), so an account lookup finds an FSP that is itself payee."""
    orgs = list(orgs)
    for org in filter(is_fsp, orgs):
        funds = liquidity.get(org["id"], {})
        known = hub.endpoint(org["id"])
        if known is not None and known != endpoint(org["id"]):
            hub.switch.set_endpoint(org["id"], endpoint(org["id"]))
        if known is None:
            hub.switch.add_participant(org["id"], org["name"], endpoint(org["id"]), dict(funds) or {"USD": 0})
            for currency, amount in funds.items():
                if amount:
                    hub.switch.fund(f"onboarding/{org['id']}/{currency}", org["id"], currency, amount)
    for org in orgs:
        fsp = org["id"] if is_fsp(org) else home_fsp.get(org["id"])
        if fsp is not None and hub.serving(PARTY_TYPE, org["id"]) != fsp:
            hub.add_party(PARTY_TYPE, org["id"], fsp)


def parties_of(fsp: str, orgs: Iterable[dict[str, Any]], home_fsp: dict[str, str]) -> list[str]:
    """The organisations (BUSINESS parties) `fsp` keeps accounts for: itself and its customers."""
    return [o["id"] for o in orgs if o["id"] == fsp or (not is_fsp(o) and home_fsp.get(o["id"]) == fsp)]


def fsp_resolver(hub: Hub) -> Callable[[str], str]:
    """The FSP that pays or receives for an organisation: itself if it is a participant, else the
    FSP that registered it (3204 when none does)."""
    def fsp_of(org: str) -> str:
        if hub.endpoint(org) is not None:
            return org
        fsp = hub.serving(PARTY_TYPE, org)
        if fsp is None:
            raise FspiopError("3204", f"no FSP serves {org}")
        return fsp
    return fsp_of
