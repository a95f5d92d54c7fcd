"""The pages served by `baobab up` and by `baobab node` are the same pages, over each mode's
ledger: people sign in at the node that serves their organisation, see their credits, and the
bank refuses, the applicant waives and the bank honours from the pages; the honour is paid
through the switch. A node signs in only the people of the organisations it serves."""

from __future__ import annotations

import re

import httpx
import pytest

from click.testing import CliRunner

from baobab.cli import cli
from baobab.net.config import NodeConfig
from baobab.services import WEB_FILE
from baobab.stories import await_payment
from baobab.stories import soybeans as soy
from baobab.web.users import Users
from tests.web.live import PASSWORD, STR_ID, Live

pytestmark = [pytest.mark.services, pytest.mark.slow]


def view(client: httpx.Client, path: str) -> str:
    """A page that answered, and without an error."""
    r = client.get(path)
    assert r.status_code == 200 and 'role="alert"' not in r.text, (path, r.status_code, r.text[-2000:])
    return r.text


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_the_public_pages_answer_in_both_modes(live: Live) -> None:
    with live.browser("KLTB") as b:
        assert b.get("/").status_code == 200
        assert b.get("/verify").status_code == 200
        assert b.get("/credits").headers["location"] == "/signin"
        assert b.get("/static/baobab.css").status_code == 200


def test_refuse_waive_and_honour_from_the_pages_in_both_modes(live: Live) -> None:
    desk = live.sign_in(soy.ISSUING, "aziz")
    page = desk.get("/credits").text
    assert live.lc_id in page and "UCP 600 art. 18(b), 30(a)" in page and 'value="refuse"' in page
    assert desk.post("/credits/act", data={"csrf": csrf_of(page), "lc_id": live.lc_id, "act": "refuse"}).status_code == 303

    applicant = live.sign_in(soy.APPLICANT, "mei")
    page = applicant.get("/credits").text
    assert 'value="waive"' in page
    assert applicant.post("/credits/act", data={"csrf": csrf_of(page), "lc_id": live.lc_id, "act": "waive"}).status_code == 303

    page = desk.get("/credits").text
    assert desk.post("/credits/act", data={"csrf": csrf_of(page), "lc_id": live.lc_id, "act": "honour"}).status_code == 303
    lc = live.actors()(soy.ISSUING).query("letter_of_credit", "get", {"lc_id": live.lc_id})
    assert lc["presentations"][-1]["status"] in ("honoured", "paid")
    # the payer's agent pays it through the switch; the exporter's page shows what was received and its reference
    obligation = lc["presentations"][-1]["honour"]["obligations"][0]
    paid = await_payment(live.actors()(soy.ISSUING), "letter_of_credit", obligation)
    assert paid["status"] == "settled"
    page = view(live.sign_in(soy.BENEFICIARY, "ana"), "/payments")
    assert obligation in page and paid["settlement"]["reference"] in page and "Received" in page
    assert "$21,000,000.00" in page  # capped at the credit plus 5%, as people write it, never minor units


def test_the_beneficiary_sees_its_credit_on_its_own_node(live: Live) -> None:
    exporter = live.sign_in(soy.BENEFICIARY, "ana")
    assert live.lc_id in exporter.get("/credits").text
    assert live.lc_id not in view(live.sign_in("PUNE-TOOLS", "ravi"), "/credits")


def test_a_node_signs_in_only_the_people_it_serves(live: Live) -> None:
    if live.mode == "embedded":
        pytest.skip("the embedded node serves every organisation")
    kltb_node = live.where[soy.ISSUING]  # KLTB's node does not serve PAMPA-AGRO (BPLATA's does)
    refused = CliRunner().invoke(cli, ["users", "add", soy.BENEFICIARY, "ana", "--role", "officer",
                                       "--password", PASSWORD, *kltb_node])
    assert refused.exit_code == 2 and "not PAMPA-AGRO" in refused.output
    # even a user planted in that node's users file is not signed in there
    Users(NodeConfig.load(kltb_node[1]).api_dir / WEB_FILE).add(soy.BENEFICIARY, "planted", PASSWORD, ["officer"])
    with live.browser(soy.ISSUING) as elsewhere:
        r = elsewhere.post("/signin", data={"org": soy.BENEFICIARY, "username": "planted", "password": PASSWORD})
        assert r.status_code == 401 and "baobab_session" not in r.headers.get("set-cookie", "")


def test_the_switch_operator_has_its_page_where_it_is_served(live: Live) -> None:
    operator = live.sign_in("CBK", "wanjiru")
    page = operator.get("/switch")
    assert page.status_code == 200 and "KLTB" in page.text


def test_the_trader_sees_the_documents_it_issued_and_received(live: Live) -> None:
    page = view(live.sign_in(soy.BENEFICIARY, "ana"), "/documents")
    issued, received = page.split("Received</h2>")
    assert "commercial invoice" in issued and "bill of lading" not in issued
    assert "bill of lading" in received and soy.CARRIER in received
    # the applicant receives every invoice the exporter issued naming it (the fixture's credit and
    # verifier document, and the browser tests' credit when they ran first): as many as were issued
    invoices = issued.count("commercial invoice")
    assert invoices >= 2
    assert view(live.sign_in(soy.APPLICANT, "mei"), "/documents").split("Received</h2>")[1].count("commercial invoice") == invoices


def test_a_platform_sees_its_flags_and_whom_they_match(live: Live) -> None:
    atreds = view(live.sign_in("ATREDS", "priya"), "/financing")
    assert 'class="flag red"' in atreds and "RXIL" in atreds
    m1x = view(live.sign_in("M1X", "dev"), "/financing")
    assert 'class="flag amber"' in m1x and 'class="flag red"' not in m1x
    rxil = view(live.sign_in("RXIL", "asha"), "/financing")
    assert "financed" in rxil and "no flag" in rxil


def test_the_regulator_reads_and_acknowledges_a_report_and_exports(live: Live) -> None:
    regulator = live.sign_in("CBK", "wanjiru")
    page = regulator.get("/supervision").text
    assert STR_ID in page and "KCBANK" in page and "KES891,000.00" in page and "Kenya Commercial Trade Bank" in page
    assert "<svg" in page  # reports by institution, drawn on the server
    r = regulator.post("/supervision/acknowledge", data={"csrf": csrf_of(page), "report_id": STR_ID, "reference": "CBK-FRC-77"})
    assert r.status_code == 303
    assert "CBK-FRC-77" in regulator.get("/supervision").text
    csv = regulator.get("/supervision/reports.csv")
    assert csv.headers["content-type"].startswith("text/csv") and f"{STR_ID},KCBANK,structuring,KES,891000.00" in csv.text
    assert "KCBANK" in regulator.get("/supervision/institutions.csv").text
    # a bank sees none of it, and nobody acts without the token
    assert live.sign_in("KCBANK", "otieno").get("/supervision").status_code == 403
    assert regulator.post("/supervision/acknowledge", data={"report_id": STR_ID, "reference": "x"}).status_code == 403
