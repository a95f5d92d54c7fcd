"""The credential pages: a public verifier that says who issued a credential and whether it was
revoked; the cooperative's farmers and their credentials, revoked from the page by an officer;
the lender's challenge, the presentation verified and scored, and its loans."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from baobab.credentials.credential import Signer
from baobab.credentials.custody import custody_of
from baobab.credentials.issuer import Issuer
from baobab.credentials.ledger import committed
from baobab.credentials.records import registered_farmer
from baobab.demo import DEMO_ORGS
from baobab.web.credential_pages import credential_router, minor_units
from baobab.web.pages import Site, web_router
from baobab.web.render import Pages
from baobab.web.sessions import Sessions
from baobab.web.users import Users
from tests.conftest import Net
from tests.web.test_customs_pages import NodeLedger

PASSWORD = "correct horse battery"
ROLES = {o["id"]: o["roles"] for o in DEMO_ORGS}
AGENT, LENDER = "ZM-AGRI", "ZM-MFI"


@pytest.fixture
def site(demo_net: Net, tmp_path: Path) -> Iterator[tuple[TestClient, FastAPI, dict[str, Any]]]:
    users, sessions = Users(tmp_path / "web.sqlite"), Sessions(tmp_path / "web.sqlite")
    users.add(AGENT, "mutale", PASSWORD, ["officer"])
    users.add(LENDER, "bwalya", PASSWORD, ["officer"])
    app = FastAPI()
    app.include_router(web_router(users, sessions, Site(lookup=lambda h: {"issued": False}, org_name=str,
                                                        org_roles=lambda o: ROLES.get(o, []))))
    app.include_router(credential_router(Pages(users, sessions), NodeLedger(demo_net), lambda o: ROLES.get(o, []),
                                         tmp_path, "CBK"))
    agent = demo_net.actors()(AGENT)
    issuer = Issuer(agent, Signer.generate())
    issuer.register()
    store = custody_of(app, tmp_path).holders(AGENT)
    consent = {"method": "paper form", "reference": "ZCGA/1", "form_sha256": hashlib.sha256(b"form").hexdigest()}
    farmer = store.create("NRC 100001/10/1", consent=consent)  # the custodian signs for them with it only
    committed(agent, "credentials", "register_holder", {"public_key": farmer.key.public.text, "consent": consent})
    vc = issuer.issue(registered_farmer(farmer.did, name="Mwila Banda", gender="female", region="Central",
                                        district="Kabwe", plot={"location": "geo:-14.4,28.4", "areaSquareMetres": 20_000,
                                                                "crop": "cassava"},
                                        kyc={"level": "tier-1"}, registered_by=AGENT, custodian=AGENT))
    store.keep(vc)
    with TestClient(app) as c:
        yield c, app, {"vc": vc, "farmer": farmer, "store": store}


def sign_in(client: TestClient, org: str, username: str) -> None:
    client.cookies.clear()
    assert client.post("/signin", data={"org": org, "username": username, "password": PASSWORD}, follow_redirects=False).status_code == 303


def csrf_of(page: str) -> str:
    return page.split('name="csrf" value="')[1].split('"')[0]


def test_anyone_verifies_a_credential_and_sees_who_issued_it(site: Any) -> None:
    client, _, world = site
    page = client.post("/credentials/verify", data={"text": json.dumps(world["vc"])})
    assert page.status_code == 200 and "Valid" in page.text and "yes: ZM-AGRI" in page.text and "Mwila Banda" in page.text
    tampered = {**world["vc"], "credentialSubject": {**world["vc"]["credentialSubject"], "name": "Someone Else"}}
    page = client.post("/credentials/verify", data={"text": json.dumps(tampered)})
    assert "Not valid" in page.text and "the signature does not verify" in page.text and "Someone Else" not in page.text
    assert client.post("/credentials/verify", data={"text": "{not json"}).status_code == 400
    french = client.post("/credentials/verify", data={"text": json.dumps(world["vc"])}, headers={"Accept-Language": "fr"})
    assert "Émetteur connu" in french.text


def test_the_cooperative_revokes_from_the_page_and_only_with_its_token(site: Any, demo_net: Net) -> None:
    client, _, world = site
    sign_in(client, LENDER, "bwalya")
    assert client.get("/farmers").status_code == 403
    sign_in(client, AGENT, "mutale")
    page = client.get("/farmers").text
    assert "NRC 100001/10/1" in page and world["farmer"].did in page and "Registered farmer" in page
    form = {"did": world["farmer"].did, "credential_id": world["vc"]["id"], "reason": "registered twice"}
    assert client.post("/farmers/revoke", data=form).status_code == 403  # no CSRF token: nothing changes
    assert client.post("/credentials/verify", data={"text": json.dumps(world["vc"])}).text.count("Not valid") == 0
    r = client.post("/farmers/revoke", data={**form, "csrf": csrf_of(page)}, follow_redirects=False)
    assert r.status_code == 303
    assert "revoked" in client.get("/farmers").text
    assert "Not valid" in client.post("/credentials/verify", data={"text": json.dumps(world["vc"])}).text


def test_the_lender_scores_a_presentation_answering_its_challenge(site: Any) -> None:
    client, _, world = site
    sign_in(client, LENDER, "bwalya")
    page = client.get("/lending").text
    challenge = page.split("<dt>Challenge</dt><dd><code>")[1].split("<")[0]
    vp = world["store"].present(world["farmer"].did, challenge=challenge, domain=LENDER, created="2026-06-01T08:00:00Z")
    form = {"csrf": csrf_of(page), "presentation": json.dumps(vp), "amount": "3,000", "currency": "ZMW", "months": "3"}
    result = client.post("/lending/assess", data=form).text
    assert "Declined" in result and "R00" not in result and "R03 paid sales small beside the amount asked" in result
    replay = client.post("/lending/assess", data=form).text  # the same presentation again: its challenge is spent
    assert "replay" in replay and "Declined" in replay
    assert client.post("/lending/assess", data={**form, "amount": "lots"}).status_code == 400


def test_amounts_typed_on_a_page_become_minor_units_without_floats() -> None:
    assert minor_units("3,000", "ZMW") == 300_000 and minor_units("0.05", "USD") == 5 and minor_units("1250", "JPY") == 1250
    for bad in ("0", "-1", "0.001", "abc"):
        with pytest.raises(Exception):
            minor_units(bad, "USD")
