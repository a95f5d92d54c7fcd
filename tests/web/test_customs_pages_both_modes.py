"""The customs pages served by `baobab up` and by `baobab node`: a declaration lodged over the
API is screened by an officer from the office's page, its status is seen by the importer on its
own page, and both download it as WCO XML valid against the WCO schema, in both modes."""

from __future__ import annotations

import re
import uuid

import pytest

from baobab.customs import wco
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
