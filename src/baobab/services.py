"""What a node runs beside its ledger: the reactions of the organisations it serves and, where
the node hosts the payments switch, the payments agent that carries out their payment
instructions.

    services = NodeServices(host, registry, orgs, data, hub=hub)
    services.start(); ...; services.stop()

`host` is the node's Gateway (anything with the `reactors.Host` methods), so the same services
run in the embedded and the network mode. The reactor thread wakes at every commit the host
signals (`wake`) and otherwise polls once a second; its progress survives restarts
(`reactors.json`).
"""

from __future__ import annotations

import os
import secrets
import threading
from pathlib import Path
from typing import Any

from baobab.ledger.runtime import Registry
from baobab.pay.agent import PaymentAgent
from baobab.pay.hub import Hub
from baobab.pay.onboarding import fsp_resolver, onboard
from baobab.pay.store import SQLiteDatabase
from baobab.reactors import Host, Reactor

SWITCH_FILE = "switch.sqlite"
AGENT_SECRET_FILE = "agent.secret"


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


class NodeServices:
    def __init__(self, host: Host, registry: Registry, orgs: list[str], data: Path, *, hub: Hub | None = None) -> None:
        self.reactor = Reactor(host, registry, orgs, data)
        self.hub = hub
        if hub is not None:
            agent = PaymentAgent(hub.switch, network_of(host), agent_secret(data),
                                 serves_payee=host.serves, fsp_of=fsp_resolver(hub))
            self.reactor.on("*", "payment_instructed", agent.handle)
        self.stop_event, self.wake = threading.Event(), threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.reactor.run, args=(self.stop_event, self.wake),
                                        name="baobab-reactor", daemon=True)
        self._thread.start()

    def settle_pending(self) -> list[dict[str, Any]]:
        """Perform now whatever committed blocks call for (the demo waits for this between stories)."""
        return self.reactor.run_once()

    def stop(self) -> None:
        self.stop_event.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)


def network_of(host: Host) -> str:
    return str(getattr(host, "network"))
