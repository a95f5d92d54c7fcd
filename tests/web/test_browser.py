"""The pages in a real headless Chromium (Debian's, driven by Playwright), in both modes' nodes:

- each role signs in through the form and opens each of its pages: every page answers, has no
  serious or critical WCAG 2.1 AA violation found by axe-core, and weighs under 100 KB (HTML,
  stylesheet and anything else it loads; there are no images or scripts);
- the credit desk's main flow runs with JavaScript switched off: the bank refuses, the applicant
  waives, the bank honours, each by pressing the page's button;
- the public verifier accepts the exporter's invoice as a file, shows a selectively disclosed
  copy with its hidden fields counted, and refuses a tampered one;
- an Arabic reader's page is laid out right to left.

Screenshots of each page go to `BAOBAB_SCREENSHOTS` when it is set (docs/screenshots is made
this way, see docs/PAGES.md), else to the test's temporary folder.
"""

from __future__ import annotations

import copy
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from baobab.documents.openattestation import obfuscate
from baobab.stories import soybeans as soy
from tests.web.browser import axe_source, chromium, severe_violations
from tests.web.live import PASSWORD, Live, presented_credit

pytestmark = [pytest.mark.services, pytest.mark.slow]
BUDGET = 100_000  # bytes per page before images (the budget)

# (who, organisation, user, the pages it works in)
ROLES = [
    ("trader", soy.BENEFICIARY, "ana", ["/home", "/credits", "/documents", "/payments", "/undertakings", "/financing",
                                       "/oversight", "/declarations"]),
    ("bank", soy.ISSUING, "aziz", ["/home", "/credits", "/undertakings", "/financing", "/lending"]),
    ("platform", "ATREDS", "priya", ["/financing"]),
    ("regulator", "CBK", "wanjiru", ["/home", "/supervision", "/switch"]),
    ("customs", "MY-CUSTOMS", "farid", ["/home", "/customs"]),
    ("cooperative", "SIDAMA-COOP", "tigist", ["/home", "/farmers"]),
]
PUBLIC = ["/", "/signin", "/verify"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    path = chromium()
    with sync_playwright() as p:
        # A network node's certificate chains to its organisation's Ed25519 key in genesis, which
        # browsers do not verify: people reach a node's pages through their organisation's reverse
        # proxy (docs/NETWORK.md), and tests/network/test_tls.py tests the nodes' TLS itself.
        b = p.chromium.launch(executable_path=path, args=["--no-sandbox", "--ignore-certificate-errors"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def axe() -> str:
    return axe_source()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("BAOBAB_SCREENSHOTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def sign_in(page: Any, base: str, org: str, username: str) -> None:
    page.goto(base + "/signin")
    page.fill("#org", org)
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/home")


WEIGHT = """() => [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
    .reduce((total, e) => total + (e.decodedBodySize || 0), 0)"""


def check_page(page: Any, base: str, path: str, axe: str, shot: Path | None) -> int:
    context = page.context.new_page()
    response = context.goto(base + path)
    assert response is not None and response.status == 200, (path, response and response.status)
    assert context.locator("[role=alert]").count() == 0, (path, context.locator("[role=alert]").first.inner_text())
    violations = severe_violations(context, axe)
    assert not violations, (path, violations)
    weight = context.evaluate(WEIGHT)  # the document and everything it loaded, uncompressed
    assert 0 < weight < BUDGET, (path, weight)
    if shot is not None:
        context.screenshot(path=str(shot), full_page=True)
    print(f"PAGE {path} {weight} bytes")
    context.close()
    return weight


@pytest.mark.parametrize("who, org, username, paths", ROLES, ids=[r[0] for r in ROLES])
def test_each_role_signs_in_and_its_pages_are_accessible_and_light(live: Live, browser: Any, axe: str, shots: Path,
                                                                   who: str, org: str, username: str,
                                                                   paths: list[str]) -> None:
    live.add_user(org, username)
    base = live.url_of(org)
    context = browser.new_context(locale="en-GB", viewport={"width": 390, "height": 844})  # a small phone's screen
    page = context.new_page()
    sign_in(page, base, org, username)
    for path in paths:
        name = f"{who}{path.replace('/', '-')}.png" if live.mode == "embedded" else None
        check_page(page, base, path, axe, shots / name if name else None)
    context.close()


def test_public_pages_are_accessible_and_light(live: Live, browser: Any, axe: str, shots: Path) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    for path in PUBLIC:
        check_page(page, live.url_of("KLTB"), path, axe,
                   shots / f"public{path.replace('/', '-') if path != '/' else '-index'}.png" if live.mode == "embedded" else None)
    context.close()


def press(page: Any, base: str, lc_id: str, act: str) -> None:
    page.goto(base + "/credits")
    page.locator(f"section:has(h2:text-is('{lc_id} · issued')), section:has-text('{lc_id}')").locator(
        f"button[value={act}]").first.click()
    page.wait_for_url(base + "/credits")


def test_the_credit_desk_works_without_javascript(live: Live, browser: Any) -> None:
    lc_id = presented_credit(live, "-BROWSER")
    for org, name in ((soy.ISSUING, "aziz"), (soy.APPLICANT, "mei")):
        live.add_user(org, name)
    bank = browser.new_context(java_script_enabled=False).new_page()
    applicant = browser.new_context(java_script_enabled=False).new_page()
    desk, own = live.url_of(soy.ISSUING), live.url_of(soy.APPLICANT)
    sign_in(bank, desk, soy.ISSUING, "aziz")
    sign_in(applicant, own, soy.APPLICANT, "mei")
    press(bank, desk, lc_id, "refuse")
    press(applicant, own, lc_id, "waive")
    press(bank, desk, lc_id, "honour")
    section = bank.locator(f"section:has-text('{lc_id}')")
    assert "honoured" in section.inner_text() or "paid" in section.inner_text()


def test_the_verifier_accepts_the_issued_file_and_refuses_a_tampered_one(live: Live, browser: Any, tmp_path: Path,
                                                                           shots: Path) -> None:
    page = browser.new_page()
    base = live.url_of("KLTB")
    issued = tmp_path / "invoice.tt"
    issued.write_text(json.dumps(live.document))
    page.goto(base + "/verify")
    page.set_input_files("#file", str(issued))
    page.click("form[action='/verify'] button[type=submit]")
    verdict = page.locator("#verdict").inner_text()
    assert verdict == "Valid" and soy.BENEFICIARY in page.locator("section.verdict").inner_text()
    if live.mode == "embedded":
        page.screenshot(path=str(shots / "public-verify-valid.png"), full_page=True)

    hidden = obfuscate(live.document, ["buyer.country", "seller.country"])
    page.goto(base + "/verify")
    page.fill("#text", json.dumps(hidden))
    page.click("form[action='/verify'] button[type=submit]")
    assert page.locator("#verdict").inner_text() == "Valid"
    assert "Fields hidden by the holder" in page.locator("section.verdict").inner_text()

    tampered = copy.deepcopy(live.document)
    tampered["data"]["invoice_number"] = tampered["data"]["invoice_number"][:-1] + "X"
    page.goto(base + "/verify")
    page.fill("#text", json.dumps(tampered))
    page.click("form[action='/verify'] button[type=submit]")
    assert page.locator("#verdict").inner_text() == "Not valid"
    page.close()


def test_an_arabic_reader_gets_a_page_laid_out_right_to_left(live: Live, browser: Any, axe: str, shots: Path) -> None:
    context = browser.new_context(locale="ar-EG", extra_http_headers={"Accept-Language": "ar-EG,ar;q=0.9"},
                                  viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(live.url_of("KLTB") + "/verify")
    assert page.evaluate("() => getComputedStyle(document.documentElement).direction") == "rtl"
    heading = page.locator("h1").bounding_box()
    assert heading is not None and heading["x"] + heading["width"] > 390 - 40  # the heading starts at the right edge
    assert not severe_violations(page, axe)
    if live.mode == "embedded":
        page.screenshot(path=str(shots / "public-verify-ar.png"), full_page=True)
    context.close()
