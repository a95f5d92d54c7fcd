"""The cooperative's traceability page and the public "trace this bag" page, after story 6 has
played: farmers, their deliveries and payments, a lot's trace with its proofs and the farmers'
share; the public page shows origin and shares but no farmer's identity or pay."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from baobab.api.app import create_app
from baobab.gateway import gateway_of
from baobab.services import WEB_FILE, mount_pages
from baobab.stories.farm_to_cup import STORY
from baobab.trace.service import TraceService
from baobab.web.users import Users

PASSWORD = "correct horse battery"


@pytest.fixture
def site(demo_net) -> Iterator[tuple[TestClient, TraceService]]:
    gateway = gateway_of(demo_net.node, keys_dir=demo_net.path / "keys")
    service = TraceService.at(gateway, demo_net.path)
    STORY.run(demo_net.actors())
    users = Users(demo_net.path / WEB_FILE)
    users.add("SIDAMA-COOP", "almaz", PASSWORD, ["officer"])
    users.add("KLTB", "aisha", PASSWORD, ["officer"])
    app = create_app(gateway, demo_net.path)
    mount_pages(app, gateway, demo_net.path, reader="SIDAMA-COOP")
    with TestClient(app) as client:
        yield client, service


def sign_in(client: TestClient, org: str, username: str) -> None:
    client.cookies.clear()
    assert client.post("/signin", data={"org": org, "username": username, "password": PASSWORD}, follow_redirects=False).status_code == 303


def made(service: TraceService, product: str) -> str:
    from baobab.trace.coffee import product_of

    rows = service.store.db.all("SELECT DISTINCT key FROM epcis_keys WHERE role = 'output'")
    return next(k for (k,) in rows if product_of(k) == product)


def test_the_cooperative_sees_its_farmers_payments_and_lots(site):
    client, service = site
    sign_in(client, "SIDAMA-COOP", "almaz")
    page = client.get("/trace").text
    assert "Deliveries and payments" in page and "ETB" in page and "paid" in page
    assert page.count("/trace/lot?key=") >= 12 + 3  # every delivery and every lot it made links to its trace
    roasted = client.get("/trace/lot", params={"key": made(service, "roasted")}).text
    assert "Farmers received this share of the retail price" in roasted and "unchanged since" in roasted
    assert "not proven" not in roasted and "In these goods (kg)" in roasted and "Farmers paid below it" in roasted
    # an Ethiopian lot: Fairtrade's minimum, named with its source, and no living-income price invented
    assert "Fairtrade Minimum Price, washed Arabica" in roasted and "2023-08-01" in roasted
    assert "No living-income reference price is published for this origin." in roasted
    bag = client.get("/trace/lot", params={"key": made(service, "bag")}).text  # not sold at retail: no share of it
    assert "farm_gate" in bag and "export" in bag and "Farmers received" not in bag


def test_an_organisation_without_the_role_does_not_get_the_page(site):
    client, _ = site
    sign_in(client, "KLTB", "aisha")
    assert client.get("/trace").status_code == 403


def test_anyone_scanning_the_bag_sees_origin_shares_and_proofs_but_no_farmer(site):
    client, service = site
    client.cookies.clear()
    roasted = made(service, "roasted")
    gtin, lot = roasted.split("/01/")[1].split("/10/")
    page = client.get(f"/01/{gtin}/10/{lot}").text
    assert "Farmers received this share of the retail price" in page and "Chain of custody" in page
    assert "unchanged since" in page and "Collection points" in page and "Farmers paid below it" not in page
    bag = made(service, "bag")
    assert client.get("/01/{}/21/{}".format(*bag.split("/01/")[1].split("/21/"))).status_code == 200
    assert "417/" not in page and "9524321000" not in page.split("Collection points")[0]  # no farmer's key
    french = client.get("/trace/bag", params={"key": roasted}, headers={"Accept-Language": "fr"}).text
    assert "Chaîne de possession" in french


def test_a_code_that_is_not_gs1_or_not_traced_here_is_answered_plainly(site):
    client, _ = site
    assert client.get("/01/09524321000044/21/1").status_code == 400  # wrong check digit
    assert client.get("/trace/bag", params={"key": "https://id.gs1.org/01/09524321000040/21/nothing"}).status_code == 404
