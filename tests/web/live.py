"""The pages as people reach them, in both modes, for the tests that drive them over HTTP or in a
browser: `live` (session-scoped, parametrized over the modes) is

- embedded: `baobab up --no-stories` in its own process, the command a newcomer runs;
- network: four node processes (`baobab node`, one per region, named by the bank that runs it)
  on a JetStream cluster, each with its own PostgreSQL database, the switch operated by CBK.

Either way users are made with `baobab users add` against the node that serves their
organisation, `live.url_of(org)` is that node's URL, and `live.actors()` are the stories' actors
over HTTP. One soybean credit is opened and presented with discrepancies (`live.lc_id`).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from baobab.cli import cli
from baobab.demo import DEMO_ADMINS, DEMO_ORGS
from baobab.http_client import Causality, http_actors
from baobab.net.process import free_port, stop, wait_healthy
from baobab.stories import StoryReport
from baobab.stories import invoice_platforms
from baobab.stories.trade_kit import issue_document
from baobab.stories import soybeans as soy

PASSWORD = "correct horse battery"
MODES = ["embedded", "network"]
REGIONS = {"KLTB": {"MY", "SG", "CN"}, "BPLATA": {"AR", "ES", "MX"}, "KCBANK": {"KE", "NL", "ET", "ZM", "TZ"},
           "AEBANK": {"AE", "IN"}}


@dataclass
class Live:
    mode: str
    urls: dict[str, str] | str
    data: Path  # where the network's keys are
    where: dict[str, list[str]]  # org -> `baobab users add` options locating its node's users
    causality: Causality = field(default_factory=Causality)
    lc_id: str = ""
    document: dict[str, Any] = field(default_factory=dict)  # a commercial invoice issued by the exporter

    def url_of(self, org: str) -> str:
        return self.urls if isinstance(self.urls, str) else self.urls[org]

    def actors(self) -> Any:
        return http_actors(self.urls, self.data, causality=self.causality)

    def add_user(self, org: str, name: str, *roles: str) -> None:
        args = ["users", "add", org, name, "--password", PASSWORD, *self.where[org]]
        for role in roles or ("officer",):
            args += ["--role", role]
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0 or "USER_EXISTS" in result.output, result.output

    def browser(self, org: str) -> httpx.Client:
        """An HTTP client at `org`'s node, like a browser without JavaScript (cookies kept)."""
        return httpx.Client(base_url=self.url_of(org), timeout=60.0, follow_redirects=False)

    def sign_in(self, org: str, name: str, *roles: str) -> httpx.Client:
        self.add_user(org, name, *roles)
        client = self.browser(org)
        r = client.post("/signin", data={"org": org, "username": name, "password": PASSWORD})
        assert r.status_code == 303 and r.headers["location"] == "/home", r.text
        return client


def _embedded(root: Path) -> Iterator[Live]:
    data, port = root / "data", free_port()
    proc = subprocess.Popen([sys.executable, "-m", "baobab.cli", "up", "--no-stories", "--data", str(data),
                             "--port", str(port)], env={**os.environ, "PYTHONUNBUFFERED": "1"},
                            stdout=open(root / "up.log", "wb"), stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, proc, attempts=1200)
        yield Live("embedded", url, data, {o["id"]: ["--data", str(data)] for o in DEMO_ORGS})
    finally:
        stop(proc)


def _network(root: Path) -> Iterator[Live]:
    from baobab.net.local import LocalNetwork
    from tests.network.conftest import local_network_or_skip

    local_network_or_skip()
    hosting = {bank: [bank] + [o["id"] for o in DEMO_ORGS if o["country"] in countries and o["id"] != bank]
               for bank, countries in REGIONS.items()}
    net = LocalNetwork(root, DEMO_ORGS, DEMO_ADMINS, orderers=2, hosting=hosting, switch_operator="CBK",
                       block={"max_txs": 200, "max_bytes": 8_000_000, "timeout_ms": 10})
    net.create()
    try:
        net.start(timeout=120)
        where = {org: ["--config", str(root / f"{node}.json")] for org, node in net.node_of.items()}
        yield Live("network", dict(net.urls), net.network_dir, where, causality=net.causality)
    finally:
        net.stop()


def presented_credit(live: Live, name: str = "") -> str:
    """A soybean credit whose presentation the issuing bank found discrepant (late shipment, amount over)."""
    actors = live.actors()
    on, lc_id = soy.today(), f"LC-PAGES-{live.mode.upper()}{name}"
    soy.open_credit(actors, StoryReport(), lc_id, soy.credit_terms(on, latest_shipment=on - timedelta(days=5)))
    soy.ship_and_present(actors, StoryReport(), lc_id, on - timedelta(days=3), soy.PRICE_CENTS * 1075 // 1000)
    return lc_id


STR_ID = "STR-PAGES-1"


def records(live: Live) -> None:
    """What the other pages show: story 3's invoice at three financing platforms (a red and an
    amber flag), and a suspicious transaction report filed by a Kenyan bank with its regulator."""
    actors = live.actors()
    invoice_platforms.play(actors, StoryReport(), None)
    fields = soy.document_data("LC-PAGES-VERIFY", soy.today())["commercial_invoice"]
    live.document = issue_document(actors(soy.BENEFICIARY), "commercial_invoice", fields, soy.READERS, StoryReport())
    outcome = actors("KCBANK").submit("suspicious_reports", "file", {
        "report_id": STR_ID, "regulator": "CBK", "subject": {"name": "Juma Otieno", "msisdn": "+254711000111"},
        "activity": "structuring", "narrative": "Nine deposits of KES 99,000 in two days, just under the threshold.",
        "amount": {"currency": "KES", "minor": 89_100_000}})
    assert outcome["code"] == "VALID", outcome


@pytest.fixture(scope="session", params=MODES)
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    root = tmp_path_factory.mktemp(f"pages-{request.param}")
    for site in (_embedded if request.param == "embedded" else _network)(root):
        site.lc_id = presented_credit(site)
        records(site)
        yield site
