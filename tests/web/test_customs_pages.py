"""The customs officer's page: the declarations lodged with the office, the flags explained, and
a decision taken from the page by an officer, with the CSRF token; a trader sees nothing of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from baobab.client import Identity
from baobab.web.customs_pages import customs_router
from baobab.web.pages import Site, web_router
from baobab.web.render import Pages
from baobab.web.sessions import Sessions
from baobab.web.users import Users
from tests.conftest import SMALL_ORGS, Net
from tests.customs.test_declarations import lodge

PASSWORD = "correct horse battery"
ROLES = {o["id"]: o["roles"] for o in SMALL_ORGS}


class NodeLedger:
    """The pages' ledger over an embedded node, as GatewayLedger is over a Gateway."""

    def __init__(self, net: Net) -> None:
        self.net = net

    def _signed(self, org: str, client: str, contract: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
        return Identity.load(self.net.path, self.net.node.network, org, "app").proposal(contract, function, args)

    def query(self, *a: Any) -> Any:
        return self.net.node.query(self._signed(*a))

    def submit(self, *a: Any) -> Any:
        return self.net.node.submit(self._signed(*a))


@pytest.fixture
def client(net: Net, tmp_path: Path) -> Iterator[TestClient]:
    users, sessions = Users(tmp_path / "web.sqlite"), Sessions(tmp_path / "web.sqlite")
    users.add("CUSTOMS", "hiwot", PASSWORD, ["officer"])
    users.add("TRADER", "juma", PASSWORD, ["admin"])
    app = FastAPI()
    app.include_router(web_router(users, sessions, Site(lookup=lambda h: {"issued": False}, org_name=str,
                                                        org_roles=lambda o: ROLES.get(o, []))))
    app.include_router(customs_router(Pages(users, sessions), NodeLedger(net), lambda o: ROLES.get(o, [])))
    lodge(net)
    net.submit("CUSTOMS", "customs_declarations", "screen",
               {"declaration_id": "KE-IM-0001", "channel": "red", "flags": ["unit value 0.42 is below the range 3.80-4.60"]})
    with TestClient(app) as c:
        yield c


def sign_in(client: TestClient, org: str, username: str) -> None:
    client.cookies.clear()
    assert client.post("/signin", data={"org": org, "username": username, "password": PASSWORD}, follow_redirects=False).status_code == 303


def test_the_officer_sees_the_flag_explained_and_releases_after_control(client: TestClient, net: Net) -> None:
    sign_in(client, "CUSTOMS", "hiwot")
    page = client.get("/customs").text
    assert "KE-IM-0001" in page and "below the range 3.80-4.60" in page and "$80,640.00" in page
    assert "Declarations" in client.get("/home").text
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    r = client.post("/customs/decide", data={"csrf": csrf, "declaration_id": "KE-IM-0001", "outcome": "released",
                                             "note": "value corrected"}, follow_redirects=False)
    assert r.status_code == 303
    assert net.query("TRADER", "customs_declarations", "get", {"declaration_id": "KE-IM-0001"})["status"] == "released"


def test_a_trader_sees_nothing_and_a_decision_without_the_token_changes_nothing(client: TestClient, net: Net) -> None:
    sign_in(client, "TRADER", "juma")
    assert client.get("/customs").status_code == 403
    sign_in(client, "CUSTOMS", "hiwot")
    assert client.post("/customs/decide", data={"declaration_id": "KE-IM-0001", "outcome": "released"}).status_code == 403
    assert net.query("TRADER", "customs_declarations", "get", {"declaration_id": "KE-IM-0001"})["status"] == "under control"


def test_a_refused_decision_is_explained(client: TestClient, net: Net) -> None:
    sign_in(client, "CUSTOMS", "hiwot")
    csrf = client.get("/customs").text.split('name="csrf" value="')[1].split('"')[0]
    r = client.post("/customs/decide", data={"csrf": csrf, "declaration_id": "KE-IM-0001", "outcome": "maybe"})
    assert r.status_code == 422 and 'role="alert"' in r.text
