"""The customs pages served by `baobab up` and by `baobab node`: a declaration lodged over the
API is screened by an officer from the office's page, its status is seen by the importer on its
own page, and both download it as WCO XML valid against the WCO schema, in both modes."""

from __future__ import annotations

import re
import uuid

import httpx
import pytest
from lxml import etree

from baobab.client import Identity
from baobab.core.errors import BaobabError
from baobab.customs import wco
from baobab.http_client import BaobabClient, health
from tests.web.live import Live

pytestmark = [pytest.mark.services, pytest.mark.slow]
IMPORTER, CUSTOMS = "ADDIS-IMPORT", "ET-CUSTOMS"


def test_screened_from_the_page_and_seen_by_the_importer_in_both_modes(live: Live) -> None:
    declaration_id = f"ET-LIVE-{uuid.uuid4().hex[:6]}"
    item = {"hs_code": "841810", "description": "refrigerator-freezers", "origin": "CN", "quantity": 150, "unit": "NAR",
            "value": {"currency": "USD", "minor": 4_470_000}}
    outcome = live.actors()(IMPORTER).submit("customs_declarations", "lodge", {
        "declaration_id": declaration_id, "customs": CUSTOMS, "procedure": "import", "items": [item],
        "countries": {"origin": "CN", "destination": "ET"}})
    assert outcome["code"] == "VALID"
    officer = live.sign_in(CUSTOMS, "hiwot")
    page = officer.get("/customs").text
    assert declaration_id in page
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    assert officer.post("/customs/screen", data={"csrf": csrf, "declaration_id": declaration_id}).status_code == 303
    importer = live.sign_in(IMPORTER, "abebe", "admin")
    mine = importer.get("/declarations").text
    assert declaration_id in mine and "accepted" in mine
    for browser in (importer, officer):
        xml = browser.get(f"/declarations/{declaration_id}.xml")
        assert xml.status_code == 200 and wco.validate(xml.content) == []
    assert live.sign_in("KE-CUSTOMS", "wanjiru").get(f"/declarations/{declaration_id}.xml").status_code == 404


BROKER = "ADDIS-CLEAR"


def api(live: Live, org: str) -> BaobabClient:
    network = health(live.url_of(org))["network"]
    return BaobabClient(live.url_of(org), Identity.load(live.data, network, org, "app"), causality=live.causality)


def test_the_api_exports_a_declaration_as_wco_xml_to_the_declarant_its_broker_and_the_office(live: Live) -> None:
    declaration_id = f"ET-API-{uuid.uuid4().hex[:6]}"
    item = {"hs_code": "852872", "description": "television receivers", "origin": "CN", "quantity": 40, "unit": "NAR",
            "value": {"currency": "USD", "minor": 720_000}}
    actors = live.actors()
    assert actors(IMPORTER).submit("customs_declarations", "appoint_broker", {"broker": BROKER})["code"] == "VALID"
    assert actors(BROKER).submit("customs_declarations", "lodge", {
        "declaration_id": declaration_id, "customs": CUSTOMS, "procedure": "import", "items": [item],
        "countries": {"origin": "CN", "destination": "ET"}, "represents": IMPORTER})["code"] == "VALID"
    path = f"/v1/customs/declarations/{declaration_id}.xml"
    for org in (IMPORTER, BROKER, CUSTOMS):
        answer = api(live, org).request("GET", path)
        assert answer.headers["content-type"].startswith("application/xml") and wco.validate(answer.content) == []
        agent = etree.fromstring(answer.content).find(f"{{{wco.NS}}}Agent")
        assert agent is not None and agent.findtext(f"{{{wco.NS}}}ID") == BROKER
    for stranger in ("KE-CUSTOMS", "NAIVASHA"):
        with pytest.raises(BaobabError) as refused:
            api(live, stranger).request("GET", path)
        assert refused.value.detail.get("reason") == "NOT_FOUND"
    document = httpx.get(live.url_of(CUSTOMS) + "/openapi.json", timeout=120).json()
    route = document["paths"]["/v1/customs/declarations/{declaration_id}.xml"]["get"]
    assert "application/xml" in route["responses"]["200"]["content"]
    screening = api(live, CUSTOMS).request("GET", f"/v1/customs/declarations/{declaration_id}/screening").json()
    assert screening["declaration_id"] == declaration_id and screening["channel"] in ("green", "yellow", "red")
    assert actors(CUSTOMS).submit("customs_declarations", "screen", screening)["code"] == "VALID"
    mine = live.sign_in(BROKER, "selam", "admin").get("/declarations").text
    assert declaration_id in mine and path in mine


def test_the_regions_statistics_are_open_data_for_customs_and_regulators(live: Live) -> None:
    path = "/v1/customs/statistics/regional"
    as_json = api(live, CUSTOMS).request("GET", path + ".json").json()
    assert set(as_json["definitions"]) >= {"country", "month", "currency", "credits_issued", "credit_fees_minor"}
    assert all(set(row) == set(as_json["definitions"]) for row in as_json["rows"])
    as_csv = api(live, CUSTOMS).request("GET", path + ".csv")
    assert as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.text.splitlines()[0].split(",") == list(as_json["definitions"])
    with pytest.raises(BaobabError) as refused:
        api(live, IMPORTER).request("GET", path + ".json")
    assert refused.value.code == "FORBIDDEN"
