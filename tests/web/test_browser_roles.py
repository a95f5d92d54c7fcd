"""The roles' main flows in a real headless Chromium, in both modes' nodes, beside
test_browser.py (same browser, axe-core checks, weight budget and screenshots):

- the cooperative follows its farmers, deliveries and the payments to their wallets, and the
  roaster the roasted lot's trace with each stage's share of the retail price (story 6 played first);
- a mobile-money agent takes cash in and asks for a cash-out from its page;
- the customs officer screens a declaration from the queue and reads its channel and price flags,
  sees the certificates received and the clearance times (story 8 played first), and exports;
- the organisation's administrator adds a user and issues a token for a script;
- a conditional payment's oracle readings drawn against its thresholds (story 2's first shipment);
- the switch operator's net positions over the settlement window the stories paid in.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from baobab.stories import StoryReport, await_payment
from baobab.stories import soybeans as soy
from baobab.stories import cold_chain, ethiopia_customs, farm_to_cup
from tests.web.browser import severe_violations
from tests.web.live import PASSWORD, Live, presented_credit
from tests.web.test_browser import axe, browser, check_page, shots, sign_in  # noqa: F401 (fixtures)

pytestmark = [pytest.mark.services, pytest.mark.slow]
PHONE = "+254712000555"


def signed_in(live: Live, browser: Any, org: str, name: str, *roles: str) -> Any:  # noqa: F811
    live.add_user(org, name, *roles)
    page = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844}).new_page()
    sign_in(page, live.url_of(org), org, name)
    return page


def shot(live: Live, shots: Path, name: str) -> Path | None:  # noqa: F811
    return shots / name if live.mode == "embedded" else None


def test_the_cooperative_follows_deliveries_payments_and_a_lots_share(live: Live, browser: Any, axe: str,  # noqa: F811
                                                                        shots: Path) -> None:  # noqa: F811
    farm_to_cup.play(live.actors(), StoryReport())
    base, page = live.url_of(farm_to_cup.COOP), signed_in(live, browser, farm_to_cup.COOP, "tigist")
    check_page(page, base, "/trace", axe, shot(live, shots, "cooperative-trace.png"))
    page.goto(base + "/trace")
    assert page.locator("#deliveries").count() == 1 and "paid" in page.locator("table").nth(1).inner_text().lower()
    # the roaster sold the roasted lot at retail: its page draws each stage's share of that price
    base, page = live.url_of(farm_to_cup.ROASTER), signed_in(live, browser, farm_to_cup.ROASTER, "joost")
    page.goto(base + "/trace")
    lots = [a.get_attribute("href") for a in page.locator("a[href^='/trace/lot']").all()]
    shared = None
    for lot in reversed(lots):
        page.goto(base + lot)
        if page.locator("figure svg[role=img]").count():
            shared = lot
            break
    assert shared, lots
    assert "share of the retail price" in page.locator("figure svg[role=img] title").first.text_content()
    check_page(page, base, shared, axe, shot(live, shots, "roaster-lot-share.png"))


def provider_books(live: Live, fsp: str) -> Any:
    """The provider's books as its node keeps them (the agent and the customer are made there:
    agents are the provider's own business, not the ledger's)."""
    from baobab.net.config import NodeConfig
    from baobab.pay.store import SQLiteDatabase
    from baobab.wallet.kyc import scheme
    from baobab.wallet.provider import Provider
    from baobab.wallet.services import DEMO_PROVIDERS

    where = live.where[fsp]
    folder = live.data if where[0] == "--data" else NodeConfig.load(where[1]).api_dir
    config = DEMO_PROVIDERS[fsp]
    return Provider(SQLiteDatabase(folder / "momo" / f"{fsp}.sqlite"), scheme(config.country), config.tariff)


def test_an_agent_takes_cash_in_and_asks_for_a_cash_out(live: Live, browser: Any, axe: str, shots: Path) -> None:  # noqa: F811
    fsp, agent = "KE-MOMO", f"kitale-{live.mode[:3]}"
    books = provider_books(live, fsp)
    if books.db.one("SELECT 1 FROM momo_agents WHERE agent = ?", (agent,)) is None:
        books.add_agent(agent, "Kitale Corner Shop")
        books.issue_float(agent, 100_000_00, reference="float bought at the bank")
    if not books.has_wallet(books.msisdn(PHONE)):
        books.register(PHONE, "Chebet Kiprop", by=agent, pin="2468")
    before = books.balance(books.msisdn(PHONE))
    page = signed_in(live, browser, fsp, agent)
    base = live.url_of(fsp)
    page.goto(base + "/momo")
    page.fill("#in-phone", PHONE)
    page.fill("#in-amount", "1500")
    page.click("form[action='/momo/agent/cash-in'] button")
    page.wait_for_url(base + "/momo")
    assert page.locator("[role=alert]").count() == 0
    assert books.balance(books.msisdn(PHONE)) == before + 1500_00
    page.fill("#out-phone", PHONE)
    page.fill("#out-amount", "500")
    page.click("form[action='/momo/agent/cash-out'] button")
    page.wait_for_url(base + "/momo")
    assert page.locator("[role=alert]").count() == 0 and "cash_in" in page.locator("table").inner_text()
    check_page(page, base, "/momo", axe, shot(live, shots, "agent-momo.png"))


def test_the_customs_officer_screens_reads_the_flags_and_exports(live: Live, browser: Any, axe: str,  # noqa: F811
                                                                 shots: Path) -> None:  # noqa: F811
    ethiopia_customs.play(live.actors(), StoryReport())
    declaration_id = f"ET-BROWSER-{uuid.uuid4().hex[:6]}"
    item = {"hs_code": "841810", "description": "refrigerator-freezers", "origin": "CN", "quantity": 150, "unit": "NAR",
            "value": {"currency": "USD", "minor": 150_000}}  # USD 10 a refrigerator: far under the usual price
    outcome = live.actors()(ethiopia_customs.IMPORTER).submit("customs_declarations", "lodge", {
        "declaration_id": declaration_id, "customs": ethiopia_customs.CUSTOMS, "procedure": "import", "items": [item],
        "countries": {"origin": "CN", "destination": "ET"}})
    assert outcome["code"] == "VALID"
    base, page = live.url_of(ethiopia_customs.CUSTOMS), signed_in(live, browser, ethiopia_customs.CUSTOMS, "hiwot")
    page.goto(base + "/customs")
    section = page.locator(f"section:has(h2:has-text('{declaration_id}'))")
    section.locator("form[action='/customs/screen'] button").click()
    page.wait_for_url(base + "/customs")
    text = page.locator(f"section:has(h2:has-text('{declaration_id}'))").inner_text()
    assert "channel" in text.lower(), text  # screened from the page: its channel is shown
    flagged = page.locator("section:has(h2:has-text('channel red'))").first.inner_text()  # story 8's underpriced ones
    assert "Why it was flagged" in flagged, flagged
    assert page.get_by_role("heading", name="Certificates received").count() == 1
    assert page.get_by_role("heading", name="Clearance times").count() == 1  # story 8's declarations were released
    assert "Hours from lodgement to release" in page.locator("figure svg title").first.text_content()
    with page.expect_download() as download:
        page.click("a[href='/customs/statistics/trade.csv']")
    assert Path(download.value.path()).read_text().splitlines()[0].startswith("reporter")
    check_page(page, base, "/customs", axe, shot(live, shots, "customs-queue.png"))


def test_the_administrator_adds_a_user_and_issues_a_scripts_token(live: Live, browser: Any, axe: str,  # noqa: F811
                                                                  shots: Path) -> None:  # noqa: F811
    org = "KLTB"
    base, page = live.url_of(org), signed_in(live, browser, org, "chief", "admin")
    check_page(page, base, "/admin", axe, shot(live, shots, "admin-users.png"))
    page.goto(base + "/admin")
    name = f"nurul-{uuid.uuid4().hex[:4]}"
    page.fill("#new-username", name)
    page.fill("#new-password", PASSWORD)
    page.check("#new-officer")
    page.click("form[action='/admin/users'] button")
    page.wait_for_url(base + "/admin")
    assert page.get_by_role("heading", name=name).count() == 1
    page.select_option("#token-days", "90")
    page.click("form[action='/admin/tokens'] button")
    assert len(page.locator("#token").inner_text()) > 30 and page.locator("[role=status]").count() == 1
    assert not severe_violations(page, axe)
    if live.mode == "embedded":
        page.screenshot(path=str(shots / "admin-token.png"), full_page=True)


def test_a_conditional_payments_readings_are_drawn_against_its_thresholds(live: Live, browser: Any, axe: str,  # noqa: F811
                                                                          shots: Path) -> None:  # noqa: F811
    actors, report = live.actors(), StoryReport()
    cold_chain._setup(actors, report, None)
    held = {"sea": (3_400, 6_100), "air": (3_900, 7_200)}
    decision = cold_chain._shipment(actors, report, None, "browser", held, liar="AEROTEMP",
                                    lie={"sea": (3_400, 6_100), "air": (4_100, 11_800)})
    base, page = live.url_of(cold_chain.BUYER), signed_in(live, browser, cold_chain.BUYER, "lucia")
    path = f"/conditions?agreement={decision['id']}"
    check_page(page, base, path, axe, shot(live, shots, "trader-conditions.png"))
    page.goto(base + path)
    assert page.locator("figure svg[role=img]").count() == 4  # one per answer: each leg's lowest and highest
    assert "AEROTEMP" in page.locator("section:has(h3:has-text('air-max')) table").inner_text()
    assert page.locator("svg circle[fill='#fff']").count() >= 1  # the liar's reading, drawn as an outlier


def test_the_switch_operator_sees_positions_over_the_window(live: Live, browser: Any, axe: str, shots: Path) -> None:  # noqa: F811
    lc_id, actors = presented_credit(live, "-POSITIONS"), live.actors()  # honoured, then paid through the switch
    for org, act in ((soy.ISSUING, "refuse"), (soy.APPLICANT, "waive"), (soy.ISSUING, "honour")):
        assert actors(org).submit("letter_of_credit", act, {"lc_id": lc_id})["code"] == "VALID"
    lc = actors(soy.ISSUING).query("letter_of_credit", "get", {"lc_id": lc_id})
    obligation = lc["presentations"][-1]["honour"]["obligations"][0]
    assert await_payment(actors(soy.ISSUING), "letter_of_credit", obligation)["status"] == "settled"
    base, page = live.url_of("CBK"), signed_in(live, browser, "CBK", "wanjiru")
    check_page(page, base, "/switch", axe, shot(live, shots, "regulator-switch-positions.png"))
    page.goto(base + "/switch")
    assert page.locator("figure svg title").first.text_content().startswith("Net positions over window")
