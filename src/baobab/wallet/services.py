"""The mobile-money providers a node runs beside its ledger, joined to the node's switch.

    mm = open_mobile_money(data, hub, secret=..., providers=DEMO_PROVIDERS)
    mm.providers["KE-MOMO"]      the provider's books (wallets, agents, holds), `<data>/momo/<FSP>.sqlite`
    mm.links["KE-MOMO"]          its link to the switch (payments to other providers)
    mm.apis["KE-MOMO"]           its GSMA mmAPI, mounted at /mmapi/<FSP>
    mm.monitors["KE-MOMO"]       its transaction monitoring; `mm.desk(fsp, actor)` files reports
    mm.remittances               inbound international transfers through the FX provider
    mm.sms                       the SMS simulator every receipt is delivered to (`mm.deliver_sms()`)

Each provider screens new customers against the sanctions list the operator loaded (the demo's
fictional list here). This is the off-ledger half of the demo network's mobile money; the stories
reach it through the services handle `baobab demo` and `baobab up` pass them (`stories.Story`).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher

from baobab.compliance.monitoring import Monitor, Rules
from baobab.compliance.reports import ComplianceDesk
from baobab.compliance.sanctions import SanctionsList, demo_list
from baobab.pay.demo import FX_MARGIN_BP, FX_PROVIDER, FX_RATES
from baobab.pay.hub import Hub
from baobab.pay.store import SQLiteDatabase
from baobab.stories import Actor
from baobab.wallet import sms
from baobab.wallet.interop import SwitchLink
from baobab.wallet.kyc import scheme
from baobab.wallet.mmapi import MobileMoneyApi
from baobab.wallet.provider import Provider, Tariff
from baobab.wallet.remittance import Remittances


@dataclass(frozen=True)
class ProviderConfig:
    country: str
    tariff: Tariff
    monitoring: Rules
    regulator: str | None  # where its suspicious transaction reports go
    payments_per_hour: int | None = None  # the velocity limit on payments out of one wallet


_KES, _AED = 100, 100
KE_TARIFF = Tariff(send=((1_000 * _KES, 0), (10_000 * _KES, 25 * _KES), (10**12, 100 * _KES)),
                   cash_out=((2_500 * _KES, 30 * _KES), (10_000 * _KES, 110 * _KES), (10**12, 300 * _KES)), agent_share_bp=6_000)
DEMO_PROVIDERS: dict[str, ProviderConfig] = {
    # the providers' own monitoring threshold (not the regulator's cash-reporting one): 100,000 shillings
    "KE-MOMO": ProviderConfig("KE", KE_TARIFF, Rules(reporting_threshold=100_000 * _KES), "CBK", payments_per_hour=30),
    "KE-PESA": ProviderConfig("KE", KE_TARIFF, Rules(reporting_threshold=100_000 * _KES), "CBK", payments_per_hour=30),
    # the farmers' providers of stories 6 and 7: paid by cooperatives and lenders through the switch
    "ET-MOMO": ProviderConfig("ET", Tariff(send=((10**12, 0),), cash_out=((10**12, 0),)),
                              Rules(reporting_threshold=300_000 * 100), None),
    "ZM-MOMO": ProviderConfig("ZM", Tariff(send=((10**12, 0),), cash_out=((10**12, 0),)),
                              Rules(reporting_threshold=100_000 * 100), None),
    "AE-EXCH": ProviderConfig("AE", Tariff(send=((10**12, 2 * _AED),), cash_out=((10**12, 5 * _AED),)),
                              Rules(reporting_threshold=35_000 * _AED), None),
}
log = logging.getLogger("baobab.wallet.services")
RECOVER_EVERY_S = 15.0  # how often a node books payments between providers whose outcome it did not wait for
SENDER_FEES = {"IN-REMIT": ((10_000_00, 99_00), (10**12, 149_00))}  # rupees: a flat fee by band


@dataclass
class MobileMoney:
    providers: dict[str, Provider]
    links: dict[str, SwitchLink]
    apis: dict[str, MobileMoneyApi]
    monitors: dict[str, Monitor]
    configs: dict[str, ProviderConfig]
    remittances: Remittances
    sanctions: SanctionsList
    sms: sms.RecordingGateway = field(default_factory=sms.RecordingGateway)
    own_hub: bool = False  # the switch was opened for these providers alone (standalone_mobile_money)
    ledger: Any = None  # baobab.wallet.ledger_payments.LedgerWallets, where the books follow the ledger's payments

    def desk(self, fsp: str, actor: Actor) -> ComplianceDesk:
        """`fsp`'s compliance desk, filing as `actor` (the provider's organisation) with its regulator."""
        regulator = self.configs[fsp].regulator
        if regulator is None:
            raise ValueError(f"{fsp} has no regulator on this network")
        return ComplianceDesk(self.monitors[fsp], actor=actor, regulator=regulator)

    def release_hold(self, fsp: str, hold: str, *, by: str, at: datetime | None = None) -> str | None:
        """Release a payment `fsp` held for review: made now, or, to another provider's customer,
        sent through the switch now. The movement's id, or None if it is refused after all."""
        if self.providers[fsp].held_kind(hold) == "send_out":
            sent = self.links[fsp].release(hold, by=by, links=self.links, at=at)
            return None if sent is None else str(sent["movement"])
        return self.providers[fsp].release_hold(hold, by=by, at=at)

    def join_fspiop(self, fsps: Any) -> list[str]:
        """Each provider whose FSP this node hosts on FSPIOP (`baobab.pay.fsp_host.HostedFsps`)
        pays and is paid by providers on other nodes through it (network mode); which joined."""
        joined = [fsp for fsp in self.links if fsp in fsps]
        for fsp in joined:
            self.links[fsp].join(fsps[fsp])
        self.remittances.join(fsps)  # remittance companies hosted here send to wallets on other nodes
        return joined

    def recover(self) -> int:
        """Book the payments between providers whose outcome the switch has decided since: at
        start (what a crash left) and then every RECOVER_EVERY_S while the node runs (`run`)."""
        return sum(link.recover(self.links) for link in self.links.values())

    async def run(self, stop: asyncio.Event) -> None:
        """`recover` until `stop` is set (`baobab.pay.hub.HubThread` runs it beside the server)."""
        while not stop.is_set():
            try:
                await asyncio.to_thread(self.recover)
            except Exception:  # a switch database that is briefly unreachable: try again next time
                log.exception("recovering payments between providers")
            try:
                await asyncio.wait_for(stop.wait(), RECOVER_EVERY_S)
            except asyncio.TimeoutError:
                pass

    def agents(self) -> dict[str, list[str]]:
        """Each provider's agent ids."""
        return {fsp: [r[0] for r in p.db.all("SELECT agent FROM momo_agents ORDER BY agent")] for fsp, p in self.providers.items()}

    def deliver_sms(self) -> int:
        return sum(sms.deliver(p.db, self.sms) for p in self.providers.values())

    def close(self) -> None:
        for p in self.providers.values():
            p.db.close()
        self.remittances.db.close()
        if self.own_hub:
            self.remittances.hub.db.close()


def _secret(secret: bytes, fsp: str) -> bytes:
    return hmac.new(secret, f"momo/{fsp}".encode(), hashlib.sha256).digest()


def open_mobile_money(data: Path, hub: Hub, *, secret: bytes, providers: dict[str, ProviderConfig] | None = None,
                      hasher: PasswordHasher | None = None, serves: Collection[str] | None = None) -> MobileMoney:
    """The providers (those of `providers` that are participants of `hub`, and among `serves` when
    given: a network node runs only its own organisations' wallets), each with its books in
    `<data>/momo/`, screening against the demo sanctions list."""
    configs = {fsp: c for fsp, c in (providers or DEMO_PROVIDERS).items()
               if hub.endpoint(fsp) is not None and (serves is None or fsp in serves)}
    listed = demo_list()
    made: dict[str, Provider] = {}
    for fsp, config in configs.items():
        made[fsp] = Provider(SQLiteDatabase(data / "momo" / f"{fsp}.sqlite"), scheme(config.country), config.tariff,
                             hasher=hasher, screen=listed.screen, payments_per_hour=config.payments_per_hour)
    links = {fsp: SwitchLink(p, fsp, hub, _secret(secret, fsp)) for fsp, p in made.items()}
    if hub.endpoint(FX_PROVIDER) is not None and (serves is None or FX_PROVIDER in serves):
        # the demo's FX provider prices its exchanges at the switch, from its own node only: nodes
        # starting together on one switch database would otherwise race to replace the same rows
        hub.fx.publish(FX_PROVIDER, FX_RATES, margin_bp=FX_MARGIN_BP)
    remittances = Remittances(hub, fxp_secret=_secret(secret, FX_PROVIDER), links=links, sender_fees=SENDER_FEES,
                              db=SQLiteDatabase(data / "momo" / "remittances.sqlite"))
    apis = {fsp: MobileMoneyApi(p) for fsp, p in made.items()}
    monitors = {fsp: Monitor(p, configs[fsp].monitoring) for fsp, p in made.items()}
    return MobileMoney(made, links, apis, monitors, configs, remittances, listed)


def ensure_wallet(mm: MobileMoney, fsp: str, phone: str, name: str, **kwargs: Any) -> str:
    """Register a wallet (or find the one a previous run registered) and list it on the switch."""
    p = mm.providers[fsp]
    msisdn = p.msisdn(phone)
    if not p.has_wallet(msisdn):
        p.register(msisdn, name, **kwargs)
    mm.links[fsp].publish(msisdn)
    return msisdn


def standalone_mobile_money(folder: Path, orgs: list[dict[str, Any]], *, secret: bytes,
                            hasher: PasswordHasher | None = None) -> MobileMoney:
    """The demo's providers with a switch of their own in `folder`, for stories played against a
    node over HTTP (`baobab demo --url`) and for the tests: the ledger is the node's, the money
    moves here."""
    from baobab.pay.demo import HOME_FSP, liquidity
    from baobab.pay.onboarding import is_fsp, onboard

    hub = Hub(SQLiteDatabase(folder / "switch.sqlite"))
    onboard(hub, orgs, home_fsp=HOME_FSP, liquidity=liquidity([o["id"] for o in orgs if is_fsp(o)]),
            endpoint=lambda fsp: f"http://127.0.0.1:1/{fsp}")
    mm = open_mobile_money(folder, hub, secret=secret, hasher=hasher)
    mm.own_hub = True
    return mm
