"""The customs pages: the officer's queue with the flags explained, screening with the office's
rules, assessment, release once the duties are paid and rejection, all from the page by an
officer with the CSRF token; certificates received by uploading the document (an altered one is
refused) and used on a declaration; statistics as CSV and JSON. The trader sees its own
declarations' statuses and downloads them as WCO XML; it sees nothing of the office."""

from __future__ import annotations

import copy
import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from baobab.client import Identity
from baobab.customs import certificates, regional, wco
from baobab.customs.schedules import demo_schedule
from baobab.demo import DEMO_ORGS
from baobab.stories.trade_kit import party
from baobab.web.customs_pages import customs_router
from baobab.web.pages import Site, web_router
from baobab.web.render import Pages
from baobab.web.sessions import Sessions
from baobab.web.users import Users
from tests.conftest import SMALL_ORGS, Net
from tests.customs.test_declarations import lodge

PASSWORD = "correct horse battery"
ROLES = {o["id"]: o["roles"] for o in SMALL_ORGS + DEMO_ORGS}
DECL = "customs_declarations"


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


def app_for(net: Net, tmp_path: Path, people: list[tuple[str, str, list[str]]]) -> FastAPI:
    users, sessions = Users(tmp_path / "web.sqlite"), Sessions(tmp_path / "web.sqlite")
    for org, name, roles in people:
        users.add(org, name, PASSWORD, roles)
    app = FastAPI()
    app.include_router(web_router(users, sessions, Site(lookup=lambda h: {"issued": False}, org_name=str,
                                                        org_roles=lambda o: ROLES.get(o, []))))
    app.include_router(customs_router(Pages(users, sessions), NodeLedger(net), lambda o: ROLES.get(o, []),
                                      lambda: regional.collect(net.gateway.view)))
    return app


@pytest.fixture
def client(net: Net, tmp_path: Path) -> Iterator[TestClient]:
    app = app_for(net, tmp_path, [("CUSTOMS", "hiwot", ["officer"]), ("TRADER", "juma", ["admin"])])
    lodge(net)
    lodge(net, "KE-IM-0002")
    net.submit("CUSTOMS", DECL, "screen",
               {"declaration_id": "KE-IM-0002", "channel": "red", "flags": ["unit value 0.42 is below the range 3.80-4.60"]})
    with TestClient(app) as c:
        yield c


def sign_in(client: TestClient, org: str, username: str) -> None:
    client.cookies.clear()
    assert client.post("/signin", data={"org": org, "username": username, "password": PASSWORD}, follow_redirects=False).status_code == 303


def csrf_of(page: str) -> str:
    return page.split('name="csrf" value="')[1].split('"')[0]


def status(net: Net, declaration_id: str = "KE-IM-0001") -> str:
    return str(net.query("TRADER", DECL, "get", {"declaration_id": declaration_id})["status"])


def test_screened_assessed_paid_and_released_from_the_page(client: TestClient, net: Net) -> None:
    sign_in(client, "CUSTOMS", "hiwot")
    page = client.get("/customs").text
    assert "below the range 3.80-4.60" in page and "$80,640.00" in page
    csrf = csrf_of(page)
    post = lambda path, **data: client.post(path, data={"csrf": csrf, "declaration_id": "KE-IM-0001", **data},  # noqa: E731
                                            follow_redirects=False)
    assert post("/customs/screen").status_code == 303 and status(net) == "accepted"   # no rule raised: green
    net.submit("CUSTOMS", "customs_tariffs", "publish", {"schedule": demo_schedule("KE")})
    assert post("/customs/assess", exchange_rate="130").status_code == 303 and status(net) == "assessed"
    page = client.get("/customs").text
    assert "awaiting payment" in page and "KES" in page
    assert 'name="outcome" value="released"' not in page                    # no release offered before payment
    net.submit("TRADER", DECL, "payment_settled", {"obligation": "KE-IM-0001/duties", "reference": "KCB-77"})
    assert 'name="outcome" value="released"' in client.get("/customs").text
    assert post("/customs/decide", outcome="released").status_code == 303 and status(net) == "released"
    trade = client.get("/customs/statistics/trade.csv").text.splitlines()
    assert trade[0].startswith("reporter,month,flow,partner,hs_chapter") and any(",import,ET,09,USD,2," in r for r in trade)
    indicators = json.loads(client.get("/customs/statistics/indicators.json").text)
    assert indicators["rows"][0]["released"] == 1 and indicators["rows"][0]["duty_currency"] == "KES"
    assert client.get("/customs/statistics/secrets.csv").status_code == 404
    region = list(csv.DictReader(io.StringIO(client.get("/customs/statistics/regional.csv").text)))
    assert region[0]["country"] == "KE" and region[0]["declarations"] == "2" and region[0]["median_hours_to_release"] != ""


def test_the_trader_sees_its_statuses_and_downloads_the_wco_xml(client: TestClient, net: Net) -> None:
    sign_in(client, "TRADER", "juma")
    page = client.get("/declarations").text
    assert "KE-IM-0002" in page and "under control" in page and "below the range 3.80-4.60" in page
    xml = client.get("/declarations/KE-IM-0002.xml")
    assert xml.status_code == 200 and wco.validate(xml.content) == []
    assert client.get("/customs").status_code == 403
    assert client.get("/customs/statistics/trade.csv").status_code == 403


def test_an_officer_edits_the_rules_and_records_an_outcome_from_the_pages(client: TestClient, net: Net) -> None:
    sign_in(client, "CUSTOMS", "hiwot")
    page = client.get("/customs/rules").text
    assert "PRICE" in page and "HISTORY" in page and "default rules apply" in page
    csrf = csrf_of(page)
    rule = {"csrf": csrf, "id": "ORIGIN-ET", "kind": "origin", "match": "ET", "channel": "red", "reason": "coffee under watch"}
    assert client.post("/customs/rules", data=rule, follow_redirects=False).status_code == 303
    bad = client.post("/customs/rules", data={**rule, "match": "Ethiopia"})
    assert bad.status_code == 422 and 'role="alert"' in bad.text
    record = net.query("CUSTOMS", "customs_risk", "rules", {})
    assert record["version"] == 1 and record["changes"][0]["officer"] == "hiwot"
    assert client.post("/customs/screen", data={"csrf": csrf, "declaration_id": "KE-IM-0001"}).status_code == 200
    assert status(net) == "under control"                                  # the new rule sent it to control
    r = client.post("/customs/outcome", data={"csrf": csrf, "declaration_id": "KE-IM-0001", "found": "yes",
                                              "adjusted-1": "90,000.50", "note": "under-invoiced"}, follow_redirects=False)
    assert r.status_code == 303
    outcome = net.query("CUSTOMS", "customs_risk", "outcomes", {})[0]
    assert outcome["found"] and outcome["adjusted"]["1"]["adjusted"] == {"currency": "USD", "minor": 9_000_050}
    page = client.get("/customs/rules").text
    assert "1 / 1" in page and "hiwot" in page                             # ORIGIN-ET: one control, found wrong
    assert client.post("/customs/rules/enable", data={"csrf": csrf, "rule_id": "ORIGIN-ET", "enabled": "no"},
                       follow_redirects=False).status_code == 303
    assert net.query("CUSTOMS", "customs_risk", "rules", {})["rules"]["ORIGIN-ET"]["enabled"] is False


def test_a_decision_without_the_token_changes_nothing_and_a_refusal_is_explained(client: TestClient, net: Net) -> None:
    sign_in(client, "CUSTOMS", "hiwot")
    assert client.post("/customs/decide", data={"declaration_id": "KE-IM-0002", "outcome": "rejected"}).status_code == 403
    assert status(net, "KE-IM-0002") == "under control"
    csrf = csrf_of(client.get("/customs").text)
    r = client.post("/customs/decide", data={"csrf": csrf, "declaration_id": "KE-IM-0002", "outcome": "released"})
    assert r.status_code == 409 and 'role="alert"' in r.text and status(net, "KE-IM-0002") == "under control"
    r = client.post("/customs/decide", data={"csrf": csrf, "declaration_id": "KE-IM-0002", "outcome": "rejected",
                                             "note": "fake invoice"}, follow_redirects=False)
    assert r.status_code == 303 and status(net, "KE-IM-0002") == "rejected"


def test_a_certificate_is_received_by_upload_and_an_altered_one_refused(demo_net: Net, tmp_path: Path) -> None:
    app = app_for(demo_net, tmp_path, [("ET-CUSTOMS", "hiwot", ["officer"])])
    data = certificates.origin_document("KE-CO-9", "2026-11-20", authority=party("KE-CUSTOMS"), exporter=party("NAIVASHA"),
                                        consignee=party("ADDIS-IMPORT"), destination="ET", agreement="AfCFTA",
                                        goods=[{"hs_code": "060311", "description": "roses", "quantity": {"value": 900, "unit": "PCE"}}])
    wrapped = certificates.issue(demo_net.actors()("KE-CUSTOMS"), "origin", "KE-CO-9", data, importer="ADDIS-IMPORT",
                                 importing_customs="ET-CUSTOMS", countries={"origin": "KE", "destination": "ET"},
                                 scheme="AfCFTA", readers=["ET-CUSTOMS"])
    forged = copy.deepcopy(wrapped)
    forged["data"]["goods"][0]["quantity"]["value"] = forged["data"]["goods"][0]["quantity"]["value"].replace("900", "9000")
    with TestClient(app) as c:
        sign_in(c, "ET-CUSTOMS", "hiwot")
        page = c.get("/customs").text
        assert "KE-CO-9" in page and "AfCFTA" in page
        upload = lambda doc: c.post("/customs/certificates/receive",  # noqa: E731
                                    data={"csrf": csrf_of(page), "certificate_id": "KE-CO-9"},
                                    files={"document": ("co.json", json.dumps(doc).encode(), "application/json")},
                                    follow_redirects=False)
        r = upload(forged)
        assert r.status_code == 409 and "anchored" in r.text
        assert demo_net.query("ET-CUSTOMS", "customs_certificates", "get", {"certificate_id": "KE-CO-9"})["status"] == "sent"
        assert upload(wrapped).status_code == 303
        assert demo_net.query("ET-CUSTOMS", "customs_certificates", "get", {"certificate_id": "KE-CO-9"})["status"] == "received"


def test_a_certificate_sent_as_a_verifiable_credential_is_received_by_upload(demo_net: Net, tmp_path: Path) -> None:
    from baobab.credentials import Signer
    from baobab.credentials.issuer import Issuer

    app = app_for(demo_net, tmp_path, [("ET-CUSTOMS", "hiwot", ["officer"])])
    issuer = Issuer(demo_net.actors()("KE-CUSTOMS"), Signer.generate())
    issuer.register()
    data = certificates.origin_document("KE-VC-9", "2026-11-20", authority=party("KE-CUSTOMS"), exporter=party("NAIVASHA"),
                                        consignee=party("ADDIS-IMPORT"), destination="ET", agreement="AfCFTA",
                                        goods=[{"hs_code": "060311", "description": "roses", "quantity": {"value": 900, "unit": "PCE"}}])
    vc = certificates.issue_credential(issuer, "origin", "KE-VC-9", data, importer="ADDIS-IMPORT", importing_customs="ET-CUSTOMS",
                                       countries={"origin": "KE", "destination": "ET"}, scheme="AfCFTA")
    forged = copy.deepcopy(vc)
    forged["credentialSubject"]["consignee"]["name"] = "Someone Else PLC"
    with TestClient(app) as c:
        sign_in(c, "ET-CUSTOMS", "hiwot")
        csrf = csrf_of(c.get("/customs").text)
        upload = lambda doc: c.post("/customs/certificates/receive",  # noqa: E731
                                    data={"csrf": csrf, "certificate_id": "KE-VC-9"},
                                    files={"document": ("co.json", json.dumps(doc).encode(), "application/json")},
                                    follow_redirects=False)
        assert upload(forged).status_code == 409
        assert upload(vc).status_code == 303
        assert demo_net.query("ET-CUSTOMS", "customs_certificates", "get", {"certificate_id": "KE-VC-9"})["status"] == "received"
