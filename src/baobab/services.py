"""What a node runs beside its ledger, and what it serves beside its API.

    services = start_node_services(node, data, home_fsp=..., liquidity=...)
        the reactor (every contract's declared reactions, for the organisations this node serves)
        with the payments agent: payment instructions carried out through the switch this node
        hosts (`<data>/switch.sqlite`), settled or failed on the ledger by the payer
    mount_for_people(app, gateway, data, hub=services.hub, operator="CBK")
        on the node's API app: the FSPIOP interface of the switch under /fspiop, its operator's
        administration API (Mojaloop's central-ledger and central-settlement shapes) under /hub, and the pages
        (sign-in, home, document verifier, credits, the switch operator's and the customs officer's pages)

The reactor's progress survives restarts (`reactors.json`); the agent's fulfilment secret is
made once per data folder (`keys/agent.secret`, mode 0600).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from baobab.core.errors import BaobabError
from baobab.pay import jws
from baobab.pay.agent import PaymentAgent
from baobab.pay.errors import FspiopError
from baobab.pay.fsp_host import CALLBACK_PREFIX, HostedFsps, member_keys
from baobab.pay.fspiop_agent import FspiopAgent
from baobab.pay.hub import Hub, HubThread
from baobab.pay.onboarding import fsp_resolver, is_fsp, onboard, parties_of
from baobab.pay.store import SQLiteDatabase
from baobab.reactors import Reactor, ReactorThread, for_node
from baobab.trace.service import TraceService
from baobab.wallet.ledger_payments import LedgerWallets

SWITCH_FILE = "switch.sqlite"
AGENT_SECRET_FILE = "agent.secret"
WEB_FILE = "web.sqlite"


def agent_secret(data: Path) -> bytes:
    """The payments agent's fulfilment secret, made once per data folder and readable by the node's user alone."""
    path = data / "keys" / AGENT_SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    return path.read_bytes()


def open_hub(data: Path, orgs: list[dict[str, Any]], home_fsp: dict[str, str],
             liquidity: dict[str, dict[str, int]], endpoint_base: str) -> Hub:
    """The switch this node hosts (SQLite in the data folder), with the network's FSPs onboarded."""
    hub = Hub(SQLiteDatabase(data / SWITCH_FILE))
    onboard(hub, orgs, home_fsp=home_fsp, liquidity=liquidity, endpoint=lambda fsp: f"{endpoint_base}/{fsp}")
    return hub


def hosted_fsps(node: Any, folder: Path, switch_url: str, secret: bytes, home_fsp: dict[str, str]) -> HostedFsps:
    """The FSPs among the organisations `node` serves (it holds their peer keys), each a participant
    with its callback endpoint on this node (`<folder>/fsp/<FSP>.sqlite`)."""
    orgs = node.genesis["organisations"]
    fsps = {o["id"]: node.peer_keys[o["id"]] for o in orgs if is_fsp(o) and o["id"] in node.peer_keys}
    return HostedFsps(folder / "fsp", fsps, switch_url, secret=secret, keys=member_keys(node.members),
                      parties={fsp: parties_of(fsp, orgs, home_fsp) for fsp in fsps})


def add_fspiop_payments(reactor: Reactor, fsps: HostedFsps, node: Any, data: Path) -> FspiopAgent:
    """The payments agent that meets the switch over FSPIOP HTTP, as the FSPs this node hosts."""
    roles = {o["id"]: o for o in node.genesis["organisations"]}
    agent = FspiopAgent(fsps, node.network, agent_secret(data), serves=reactor.host.serves,
                        is_fsp=lambda org: org in roles and is_fsp(roles[org]))
    reactor.on("*", "payment_instructed", agent.handle)
    return agent


def add_payments(reactor: Reactor, hub: Hub, data: Path, network: str) -> PaymentAgent:
    """The payments agent as the reactor's handler of every `payment_instructed` event."""
    agent = PaymentAgent(hub.switch, network, agent_secret(data), serves=reactor.host.serves, fsp_of=fsp_resolver(hub))
    reactor.on("*", "payment_instructed", agent.handle)
    return agent


@dataclass
class NodeServices:
    reactor: Reactor
    thread: ReactorThread | None
    hub: Hub
    callbacks: HubThread | None = None
    mobile_money: Any = None  # baobab.wallet.services.MobileMoney, where the node runs providers
    fsps: HostedFsps | None = None  # the FSPs this node hosts, on their callback endpoints
    fsp_outboxes: HubThread | None = None

    def for_stories(self) -> dict[str, Any]:
        """The services handle the stories get beside their Actors (`stories.Story.needs`)."""
        return {"mobile_money": self.mobile_money} if self.mobile_money is not None else {}

    def stop(self) -> None:
        if self.thread is not None:
            self.thread.stop()
        for thread in (self.callbacks, self.fsp_outboxes):
            if thread is not None:
                thread.stop()
        if self.fsps is not None:
            self.fsps.close()
        if self.mobile_money is not None:
            self.mobile_money.close()
        self.hub.db.close()


def node_url(host: str, port: int, *, tls: bool = False) -> str:
    """Where a node listening on host:port is reached (a wildcard address on the loopback); `tls`:
    over https, as every network-mode node serves (the embedded default serves http)."""
    shown = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    return f"{'https' if tls else 'http'}://{'[' + shown + ']' if ':' in shown else shown}:{port}"


def start_node_services(node: Any, data: Path, *, home_fsp: dict[str, str], liquidity: dict[str, dict[str, int]],
                        url: str = "http://127.0.0.1:8700",
                        mobile_money: Callable[[Hub], Any] | None = None) -> NodeServices:
    """`url`: where this node's API is reached; the FSPs it hosts are called back under
    `<url>/fspiop-callbacks/<FSP>` and speak to the switch at `<url>/fspiop`.
    `mobile_money(hub)` opens the providers' books this node runs; their wallets then follow the
    ledger's payments from the first block the reactor reads."""
    orgs = node.genesis["organisations"]
    reactor = for_node(node, data)
    hub = open_hub(data, orgs, home_fsp, liquidity, url + CALLBACK_PREFIX)
    add_payments(reactor, hub, data, node.network)
    TraceService.at(reactor.host, data)  # EPCIS bodies in <data>/trace.sqlite; batches a crash left pending anchored
    providers = None if mobile_money is None else follow_ledger(mobile_money(hub), reactor, hub, node.network)
    thread = ReactorThread(reactor, node).start() if reactor.orgs else None
    fsps = hosted_fsps(node, data, url + "/fspiop", agent_secret(data), home_fsp)
    return NodeServices(reactor, thread, hub, callbacks=HubThread(hub).start(), mobile_money=providers, fsps=fsps,
                        fsp_outboxes=HubThread(fsps).start())


def demo_services(node: Any, data: Path, url: str = "http://127.0.0.1:8700") -> NodeServices:
    """The demo network's services: its banks and mobile-money providers on the switch, funded."""
    from baobab.pay.demo import HOME_FSP, liquidity

    from baobab.wallet.services import open_mobile_money

    fsps = [o["id"] for o in node.genesis["organisations"] if is_fsp(o)]
    return start_node_services(node, data, home_fsp=HOME_FSP, liquidity=liquidity(fsps), url=url,
                               mobile_money=lambda hub: open_mobile_money(data, hub, secret=agent_secret(data)))


def mount_switch(app: Any, hub: Hub, operator: str, key_of: jws.KeyOf) -> None:
    """The switch's FSPIOP interface at /fspiop and its operator's administration API at /hub, on
    the node that runs the switch. An FSP authenticates by its FSPIOP-Signature under its
    member's peer key (`key_of`: so an FSP on any node is known), or as a client of this node,
    as every API client does; the administration API is the operator's client's alone."""
    from baobab.api.deps import caller
    from baobab.pay.admin import admin_router
    from baobab.pay.fspiop import fspiop_router

    async def as_client(request: Any) -> str:
        try:
            return (await caller(request)).org
        except BaobabError as exc:
            raise FspiopError("3000", f"not authenticated: {exc.message}") from None

    async def participant(request: Any) -> str:
        signer = jws.signed_by(key_of, request.headers, await request.body())
        return signer if signer is not None else await as_client(request)

    async def hub_operator(request: Any) -> str:
        who = await as_client(request)
        if who != operator:
            raise FspiopError("3000", f"{who} is not the switch's operator")
        return who

    app.include_router(fspiop_router(hub, participant), prefix="/fspiop")
    app.include_router(admin_router(hub, hub_operator), prefix="/hub")


def mount_for_people(app: Any, gateway: Any, data: Path, *, hub: Hub, operator: str, mobile_money: Any = None,
                     fsps: HostedFsps | None = None) -> None:
    """The switch's FSPIOP interface, the callback endpoints of the FSPs this node hosts and the
    pages, on the node's API app (embedded mode: this node hosts the switch); with
    `mobile_money`, each provider's GSMA mmAPI at /mmapi/<FSP> and its agents' and operator's
    pages at /momo."""
    mount_switch(app, hub, operator, member_keys(gateway.view.members))
    if fsps is not None:
        fsps.mount(app)
    mount_mobile_money(app, mobile_money)
    mount_pages(app, gateway, data, reader=operator, switch=hub.switch, operator=operator, mobile_money=mobile_money)


def mount_mobile_money(app: Any, mobile_money: Any) -> None:
    """Each provider's GSMA mmAPI at /mmapi/<FSP> and its USSD callback at /ussd-gateway/<FSP>/ussd,
    and the remittance companies' /v1/remittances, in either mode (the /momo pages come with `mount_pages`)."""
    if mobile_money is None:
        return
    from baobab.wallet.mmapi_routes import mmapi_router

    from baobab.wallet.ussd import Ussd, ussd_router

    from baobab.wallet.remittance_routes import remittance_router

    app.include_router(remittance_router(mobile_money.remittances))
    for fsp, api in mobile_money.apis.items():
        app.include_router(mmapi_router(api), prefix=f"/mmapi/{fsp}")
        link = mobile_money.links[fsp]
        app.include_router(ussd_router(Ussd(mobile_money.providers[fsp], api=api, opened=link.publish, link=link,
                                            links=mobile_money.links)), prefix=f"/ussd-gateway/{fsp}")


def follow_ledger(mobile_money: Any, reactor: Reactor, hub: Hub, network: str) -> Any:
    """The providers' wallets booked as the ledger's payments to and from them settle (the
    reactor's handlers, `baobab.wallet.ledger_payments`); returns `mobile_money`."""
    if mobile_money is not None:
        mobile_money.ledger = LedgerWallets(reactor.host, mobile_money, hub.switch, network).attach(reactor)
    return mobile_money


def network_mobile_money(data: Path, hub: Hub, serves: list[str]) -> Any:
    """A network node's mobile money: the providers among the organisations it serves, with their
    books in `<data>/momo/` and the network's switch (`baobab node` with `switch`), and the remittances
    sent by the remittance companies it serves; None if it serves neither."""
    from baobab.wallet.services import open_mobile_money

    mm = open_mobile_money(data, hub, secret=agent_secret(data), serves=serves)
    if not mm.providers and not set(serves) & set(mm.remittances.sender_fees):  # neither wallets nor remittances sent
        mm.close()
        return None
    return mm


def mount_pages(app: Any, gateway: Any, data: Path, *, reader: str, switch: Any = None, operator: str | None = None,
                mobile_money: Any = None) -> None:
    """The pages, on a node's API app, in either mode: their users and sessions in
    `<data>/web.sqlite`, every ledger read and act through `gateway` as the signed-in person's
    organisation. `reader`: the organisation (served by this node) whose client asks the document
    registry for the public verifier. The switch operator's pages only where this node runs the
    switch's operator (`switch` and `operator` given)."""
    from baobab.api.auth import NODE_CLIENTS
    from baobab.web.admin_pages import admin_router
    from baobab.web.condition_pages import condition_router
    from baobab.web.credential_pages import credential_router
    from baobab.web.credit_pages import credit_router
    from baobab.web.customs_pages import customs_router
    from baobab.web.ledger import GatewayLedger
    from baobab.web.pages import Site, mount_static, web_router
    from baobab.web.records_pages import records_router
    from baobab.web.regulator_pages import regulator_router
    from baobab.web.render import Pages
    from baobab.web.sessions import Sessions
    from baobab.web.switch_pages import switch_router
    from baobab.web.users import Users

    ledger = GatewayLedger(gateway)

    def org_roles(org: str) -> list[str]:  # membership as of the last block: a suspension shows at once
        record = gateway.view.members().org(org)
        return list(record.get("roles", [])) if record else []

    def org_name(org: str) -> str:
        record = gateway.view.members().org(org)
        return str(record.get("name", org)) if record else org

    def org_country(org: str) -> str:
        record = gateway.view.members().org(org)
        return str(record.get("country", "")) if record else ""

    def clients_of(org: str) -> list[str]:  # the identities a user or a script of the organisation may act as
        record = gateway.view.members().org(org)
        return sorted(c for c in (record or {}).get("clients", {}) if c not in NODE_CLIENTS)

    users, sessions = Users(data / WEB_FILE), Sessions(data / WEB_FILE)
    site = Site(lookup=lambda target: ledger.query(reader, "app", "documents", "status", {"target_hash": target}),
                org_name=org_name, org_roles=org_roles, serves=gateway.serves)
    pages = Pages(users, sessions)
    app.include_router(web_router(users, sessions, site))
    app.include_router(admin_router(pages, users, sessions, lambda: app.state.api.auth, clients_of))
    if switch is not None and operator is not None and gateway.serves(operator):
        app.include_router(switch_router(pages, switch, operator=operator))
    def region() -> Any:  # the region's statistics: this node's ledger and the remittances its providers sent
        from baobab.customs import regional
        return regional.collect(gateway.view, mobile_money.remittances.sent() if mobile_money is not None else ())

    app.state.region = region  # the API's open-data route answers from the same sources
    app.include_router(customs_router(pages, ledger, org_roles, region))
    app.include_router(credit_router(pages, ledger))
    app.include_router(condition_router(pages, ledger))
    app.include_router(records_router(pages, ledger))
    app.include_router(regulator_router(pages, ledger, org_roles, org_country))
    app.include_router(credential_router(pages, ledger, org_roles, data, reader))
    if mobile_money is not None:
        from baobab.web.wallet_pages import wallet_router

        app.include_router(wallet_router(pages, mobile_money, ledger))
    from baobab.web.trace_pages import trace_router

    app.include_router(trace_router(pages, TraceService.at(gateway, data), org_roles))
    mount_static(app)


def demo_users(data: Path, orgs: list[dict[str, Any]], agents: dict[str, list[str]] | None = None) -> Path:
    """One officer and one administrator (who manages the organisation's users and API tokens at
    `/admin`) per demo organisation, with passwords made here, listed in `<data>/web-users.txt`
    (mode 0600) for the person running the demo; made once. `agents`: a mobile-money provider's
    agents, each signing in to its agent page as a user of the provider named after the agent."""
    from baobab.web.users import Users

    listing = data / "web-users.txt"
    if listing.exists():
        return listing
    users = Users(data / WEB_FILE)
    lines = ["# Sign in at /signin as these users (made by `baobab up` for the demo; change them)."]
    for org in orgs:
        password = secrets.token_urlsafe(12)
        users.add(org["id"], "officer", password, ["officer"])
        lines.append(f"{org['id']:<14} officer  {password}")
        password = secrets.token_urlsafe(12)
        users.add(org["id"], "admin", password, ["admin"])
        lines.append(f"{org['id']:<14} admin    {password}   (users and API tokens: /admin)")
        for agent in (agents or {}).get(org["id"], []):
            password = secrets.token_urlsafe(12)
            users.add(org["id"], agent, password, ["officer"])
            lines.append(f"{org['id']:<14} {agent}  {password}   (agent page)")
    fd = os.open(listing, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    return listing
