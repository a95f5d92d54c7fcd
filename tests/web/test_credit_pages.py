"""The credit desk: a bank sees the presentation under way with every discrepancy and its UCP 600
article and the days left to decide, and refuses from the page; the applicant waives from its
own page; the bank then honours. Nobody else's credits appear, and acts need the token."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from baobab.demo import DEMO_ORGS
from baobab.stories import StoryReport
from baobab.stories import soybeans as soy
from baobab.web.credit_pages import credit_router
from baobab.web.pages import Site, web_router
from baobab.web.render import Pages
from baobab.web.sessions import Sessions
from baobab.web.users import Users
from tests.conftest import Net
from tests.web.test_customs_pages import NodeLedger

PASSWORD = "correct horse battery"
ROLES = {o["id"]: o["roles"] for o in DEMO_ORGS}


@pytest.fixture
def world(demo_net: Net, tmp_path: Path) -> Iterator[tuple[TestClient, str]]:
    users, sessions = Users(tmp_path / "web.sqlite"), Sessions(tmp_path / "web.sqlite")
    for org, name in ((soy.ISSUING, "aziz"), (soy.APPLICANT, "mei"), ("PUNE-TOOLS", "ravi")):
        users.add(org, name, PASSWORD, ["officer"])
    app = FastAPI()
    app.include_router(web_router(users, sessions, Site(lookup=lambda h: {"issued": False}, org_name=str,
                                                        org_roles=lambda o: ROLES.get(o, []))))
    app.include_router(credit_router(Pages(users, sessions), NodeLedger(demo_net)))
    actors = demo_net.actors()
    soy.load_calendars(actors)
    on, lc_id = soy.today(), "LC-DESK-1"
    soy.open_credit(actors, StoryReport(), lc_id, soy.credit_terms(on, latest_shipment=on - timedelta(days=5)))
    soy.ship_and_present(actors, StoryReport(), lc_id, on - timedelta(days=3), soy.PRICE_CENTS * 1075 // 1000)
    with TestClient(app) as client:
        yield client, lc_id


def sign_in(client: TestClient, org: str, username: str) -> str:
    client.cookies.clear()
    assert client.post("/signin", data={"org": org, "username": username, "password": PASSWORD}, follow_redirects=False).status_code == 303
    return client.get("/credits").text


def act(client: TestClient, page: str, lc_id: str, what: str) -> int:
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    return client.post("/credits/act", data={"csrf": csrf, "lc_id": lc_id, "act": what}, follow_redirects=False).status_code


def test_refuse_waive_and_honour_from_the_pages(world) -> None:  # type: ignore[no-untyped-def]
    client, lc_id = world
    desk = sign_in(client, soy.ISSUING, "aziz")
    assert lc_id in desk and "UCP 600 art. 20(a)(ii)" in desk and "UCP 600 art. 18(b), 30(a)" in desk
    assert "Days left for the decision" in desk and 'value="refuse"' in desk and "$20,000,000.00" in desk
    assert '<svg role="img"' in desk and "<title>Timeline of the credit</title>" in desk and "issued · KLTB" in desk
    assert act(client, desk, lc_id, "refuse") == 303
    applicant = sign_in(client, soy.APPLICANT, "mei")
    assert "refused" in applicant and 'value="waive"' in applicant and 'value="refuse"' not in applicant
    assert act(client, applicant, lc_id, "waive") == 303
    desk = sign_in(client, soy.ISSUING, "aziz")
    assert act(client, desk, lc_id, "honour") == 303
    assert "honoured" in client.get("/credits").text or "paid" in client.get("/credits").text


def test_others_see_nothing_and_acts_need_the_token(world) -> None:  # type: ignore[no-untyped-def]
    client, lc_id = world
    assert lc_id not in sign_in(client, "PUNE-TOOLS", "ravi")
    sign_in(client, soy.ISSUING, "aziz")
    assert client.post("/credits/act", data={"lc_id": lc_id, "act": "refuse"}).status_code == 403
    assert 'value="refuse"' in client.get("/credits").text  # nothing changed


def test_an_act_the_contract_refuses_is_explained(world) -> None:  # type: ignore[no-untyped-def]
    client, lc_id = world
    applicant = sign_in(client, soy.APPLICANT, "mei")
    r = client.post("/credits/act", data={"csrf": applicant.split('name="csrf" value="')[1].split('"')[0],
                                          "lc_id": lc_id, "act": "honour"})
    assert r.status_code in (403, 409, 422) and 'role="alert"' in r.text
