"""The switch operator's page: positions against caps written as money, windows closed and
settled from the page by an officer of the operating organisation only, with the CSRF token;
a user of a participant bank sees nothing of it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from baobab.pay.store import SQLiteDatabase
from baobab.pay.switch import Switch, condition_of
from baobab.web.pages import Site, web_router
from baobab.web.render import Pages
from baobab.web.sessions import Sessions
from baobab.web.switch_pages import switch_router
from baobab.web.users import Users

PASSWORD = "correct horse battery"
FULFILMENT = "UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA"


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[TestClient, Switch]]:
    switch = Switch(SQLiteDatabase(tmp_path / "switch.sqlite"))
    switch.add_participant("KEBANK", "Kenya Trade Bank", "http://127.0.0.1:1/k", {"KES": 1_000_000_00})
    switch.add_participant("KE-MOMO", "Rift Valley Mobile Money", "http://127.0.0.1:1/m", {"KES": 1_000_000_00})
    switch.fund("f", "KEBANK", "KES", 600_000_00)
    switch.prepare({"transferId": "t1", "payerFsp": "KEBANK", "payeeFsp": "KE-MOMO", "amount": {"currency": "KES", "minor": 1_250_00},
                    "condition": condition_of(FULFILMENT), "expiration": "2099-01-01T00:00:00.000Z"}, source="KEBANK")
    switch.fulfil("t1", FULFILMENT, source="KE-MOMO")
    users, sessions = Users(tmp_path / "web.sqlite"), Sessions(tmp_path / "web.sqlite")
    users.add("CBK", "wanjiru", PASSWORD, ["officer"])
    users.add("CBK", "otieno", PASSWORD, ["viewer"])
    users.add("KEBANK", "amina", PASSWORD, ["admin"])
    app = FastAPI()
    app.include_router(web_router(users, sessions, Site(lookup=lambda h: {"issued": False}, org_name=str, org_roles=lambda o: [])))
    app.include_router(switch_router(Pages(users, sessions), switch, operator="CBK"))
    with TestClient(app) as client:
        yield client, switch
    switch.db.close()


def sign_in(client: TestClient, org: str, username: str) -> None:
    client.cookies.clear()
    assert client.post("/signin", data={"org": org, "username": username, "password": PASSWORD}, follow_redirects=False).status_code == 303


def csrf(page: str) -> str:
    return page.split('name="csrf" value="')[1].split('"')[0]


def test_the_operator_sees_positions_as_money_and_closes_and_settles_a_window(world) -> None:  # type: ignore[no-untyped-def]
    client, switch = world
    sign_in(client, "CBK", "wanjiru")
    page = client.get("/switch").text
    assert "KES1,250.00" in page and ">125000<" not in page and "Kenya Trade Bank" in page
    for act in ("close", "start", "settled"):
        r = client.post(f"/switch/windows/1/{act}", data={"csrf": csrf(client.get("/switch").text)}, follow_redirects=False)
        assert r.status_code == 303, act
    assert switch.window(1)["state"] == "SETTLED" and switch.position("KEBANK", "KES") == 0
    assert switch.liquidity("KEBANK", "KES") == 600_000_00 - 1_250_00 and switch.reconcile() == []


def test_acts_need_the_token_the_officer_role_and_the_operators_organisation(world) -> None:  # type: ignore[no-untyped-def]
    client, switch = world
    sign_in(client, "CBK", "wanjiru")
    assert client.post("/switch/windows/1/close", data={}).status_code == 403
    sign_in(client, "CBK", "otieno")
    assert client.get("/switch").status_code == 200
    assert client.post("/switch/windows/1/close", data={"csrf": csrf(client.get("/switch").text)}).status_code == 403
    sign_in(client, "KEBANK", "amina")
    assert client.get("/switch").status_code == 403
    assert switch.window(1)["state"] == "OPEN"


def test_an_act_out_of_turn_is_explained_and_changes_nothing(world) -> None:  # type: ignore[no-untyped-def]
    client, switch = world
    sign_in(client, "CBK", "wanjiru")
    r = client.post("/switch/windows/1/settled", data={"csrf": csrf(client.get("/switch").text)})
    assert r.status_code == 409 and 'role="alert"' in r.text and switch.window(1)["state"] == "OPEN"


def test_the_positions_over_the_open_window_are_drawn_against_the_caps(world: tuple[TestClient, Switch]) -> None:
    client, _ = world
    sign_in(client, "CBK", "otieno")
    page = client.get("/switch").text
    assert "<title>Net positions over window 1</title>" in page and "<polyline" in page
    assert page.count('stroke="#9b1c1c"') == 2  # each participant's cap
