"""The mobile-money pages: an agent takes cash in and asks for a cash-out from its page and reads
its day; the provider's operator upgrades a customer's tier with the evidence, clears a sanctions
match, releases a held payment and files a suspicious transaction report that the regulator reads
on the ledger. Acts need an officer and the CSRF token; a refused act changes nothing; nobody
outside the provider sees the pages."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from baobab.demo import DEMO_ORGS
from baobab.web.pages import Site, web_router
from baobab.web.render import Pages
from baobab.web.sessions import Sessions
from baobab.web.users import Users
from baobab.web.wallet_pages import wallet_router
from baobab.wallet.services import MobileMoney, ensure_wallet, standalone_mobile_money
from tests.conftest import Net
from tests.wallet.test_provider import FAST
from tests.web.test_customs_pages import NodeLedger

PASSWORD = "correct horse battery"
ROLES = {o["id"]: o["roles"] for o in DEMO_ORGS}
AMINA, SUSPECT = "+254712345678", "+254701234567"
KES = 100


@pytest.fixture
def world(demo_net: Net, tmp_path: Path) -> Iterator[tuple[TestClient, MobileMoney]]:
    mm = standalone_mobile_money(tmp_path, DEMO_ORGS, secret=b"k" * 32, hasher=FAST)
    momo = mm.providers["KE-MOMO"]
    momo.add_agent("eldoret-07", "Mama Njeri Shop")
    momo.issue_float("eldoret-07", 500_000 * KES, reference="slip")
    ensure_wallet(mm, "KE-MOMO", AMINA, "Amina Chebet", by="eldoret-07", pin="2580")
    ensure_wallet(mm, "KE-MOMO", SUSPECT, "Fatuma Omondi", by="eldoret-07", pin="1470")  # on the (fictional) demo list
    users, sessions = Users(tmp_path / "web.sqlite"), Sessions(tmp_path / "web.sqlite")
    users.add("KE-MOMO", "eldoret-07", PASSWORD, ["officer"])
    users.add("KE-MOMO", "wanjiru", PASSWORD, ["officer"])
    users.add("KE-MOMO", "otieno", PASSWORD, ["viewer"])
    users.add("KCBANK", "amina", PASSWORD, ["admin"])
    app = FastAPI()
    app.include_router(web_router(users, sessions, Site(lookup=lambda h: {"issued": False}, org_name=str,
                                                        org_roles=lambda o: ROLES.get(o, []))))
    app.include_router(wallet_router(Pages(users, sessions), mm, NodeLedger(demo_net)))
    with TestClient(app) as client:
        yield client, mm
    mm.close()


def sign_in(client: TestClient, org: str, username: str, lang: str = "en") -> str:
    client.cookies.clear()
    client.headers["Accept-Language"] = lang
    assert client.post("/signin", data={"org": org, "username": username, "password": PASSWORD}, follow_redirects=False).status_code == 303
    page = client.get("/momo").text
    return page.split('name="csrf" value="')[1].split('"')[0] if 'name="csrf"' in page else ""


def post(client: TestClient, path: str, data: dict[str, Any]) -> int:
    return client.post(path, data=data, follow_redirects=False).status_code


def test_an_agent_takes_cash_in_asks_for_a_cash_out_and_reads_its_day(world: tuple[TestClient, MobileMoney]) -> None:
    client, mm = world
    momo = mm.providers["KE-MOMO"]
    csrf = sign_in(client, "KE-MOMO", "eldoret-07")
    page = client.get("/momo").text
    assert "Agent eldoret-07" in page and "KES500,000.00" in page
    assert post(client, "/momo/agent/cash-in", {"csrf": csrf, "phone": "0712 345678", "amount": "2500"}) == 303
    assert momo.balance(AMINA) == 2_500 * KES
    assert post(client, "/momo/agent/cash-out", {"csrf": csrf, "phone": AMINA, "amount": "1000"}) == 303
    assert momo.pending_cash_out(AMINA)["amount"]["minor"] == 1_000 * KES and momo.balance(AMINA) == 2_500 * KES
    day = client.get("/momo").text
    assert "cash_in" in day and "2,500.00" in day
    refused = client.post("/momo/agent/cash-in", data={"csrf": csrf, "phone": AMINA, "amount": "12.345"})
    assert refused.status_code == 422 and "BAD_MONEY" in refused.text and momo.balance(AMINA) == 2_500 * KES
    assert post(client, "/momo/agent/cash-in", {"phone": AMINA, "amount": "100"}) == 403           # no CSRF token
    assert post(client, "/momo/customers/upgrade", {"csrf": csrf, "phone": AMINA, "tier": "1"}) == 403  # not the operator
    assert momo.balance(AMINA) == 2_500 * KES


def test_the_operator_upgrades_with_evidence_clears_a_match_and_releases_the_held_payment(world: tuple[TestClient, MobileMoney]) -> None:
    client, mm = world
    momo = mm.providers["KE-MOMO"]
    momo.cash_in("eldoret-07", AMINA, 3_000 * KES)
    with pytest.raises(Exception):
        momo.send(AMINA, SUSPECT, 500 * KES, pin="2580")                     # held: the payee matched the list
    csrf = sign_in(client, "KE-MOMO", "wanjiru")
    page = client.get("/momo").text
    assert "Fatuma Omondi" in page and "DEMO.003" in page and "Held payments" in page and "Amina Chebet" in page
    bad = client.post("/momo/customers/upgrade", data={"csrf": csrf, "phone": AMINA, "tier": "1", "evidence_kind_0": "phone",
                                                       "evidence_0": AMINA})
    assert bad.status_code == 422 and "MISSING_EVIDENCE" in bad.text
    evidence = {"evidence_kind_0": "phone", "evidence_0": AMINA, "evidence_kind_1": "name", "evidence_1": "Amina Chebet",
                "evidence_kind_2": "identity document", "evidence_2": "national ID 23456789"}
    assert post(client, "/momo/customers/upgrade", {"csrf": csrf, "phone": AMINA, "tier": "1", **evidence}) == 303
    assert momo.db.one("SELECT by FROM momo_tier_changes WHERE msisdn = ?", (AMINA,))[0] == "KE-MOMO/wanjiru"
    assert post(client, "/momo/screening", {"csrf": csrf, "phone": SUSPECT, "decision": "clear"}) == 303
    [held] = momo.holds()
    assert post(client, "/momo/holds", {"csrf": csrf, "hold": held["id"], "decision": "release"}) == 303
    assert momo.balance(SUSPECT) == 500 * KES and momo.holds() == []
    assert post(client, "/momo/holds", {"csrf": csrf, "hold": held["id"], "decision": "release"}) == 404  # once


def test_the_operator_files_a_report_the_regulator_reads(world: tuple[TestClient, MobileMoney], demo_net: Net) -> None:
    client, mm = world
    momo = mm.providers["KE-MOMO"]
    for _ in range(3):
        momo.cash_in("eldoret-07", AMINA, 90_000 * KES)
    [case] = mm.monitors["KE-MOMO"].scan(momo.statement(AMINA, 1)[0]["at"][:10])
    csrf = sign_in(client, "KE-MOMO", "otieno")                               # a viewer sees, does not act
    assert "File a report with" not in client.get("/momo").text
    assert post(client, "/momo/cases", {"csrf": csrf, "case": case, "decision": "file", "narrative": "x"}) == 403
    csrf = sign_in(client, "KE-MOMO", "wanjiru", lang="fr")
    page = client.get("/momo").text
    assert "Activité suspecte" in page and "Déclarer à CBK" in page
    assert post(client, "/momo/cases", {"csrf": csrf, "case": case, "decision": "file",
                                        "narrative": "Three deposits just under the threshold in minutes."}) == 303
    [report] = demo_net.query("CBK", "suspicious_reports", "received", {})
    assert report["filer"] == "KE-MOMO" and report["officer"] == "wanjiru" and report["subject"]["name"] == "Amina Chebet"
    assert mm.monitors["KE-MOMO"].case(case)["state"] == "filed"


def test_nobody_outside_the_provider_sees_its_pages(world: tuple[TestClient, MobileMoney]) -> None:
    client, _ = world
    sign_in(client, "KCBANK", "amina")
    assert client.get("/momo").status_code == 403
    client.cookies.clear()
    assert client.get("/momo", follow_redirects=False).status_code == 303


def test_a_super_agent_passes_e_float_to_its_own_agents_only(world: tuple[TestClient, MobileMoney]) -> None:
    client, mm = world
    momo = mm.providers["KE-MOMO"]
    momo.add_agent("kitale-02", "Kitale Corner Shop", super_agent="eldoret-07")
    momo.add_agent("nakuru-11", "Nakuru Stage Kiosk")                   # someone else's agent
    csrf = sign_in(client, "KE-MOMO", "eldoret-07")
    page = client.get("/momo").text
    assert "Your agents" in page and "kitale-02" in page and "nakuru-11" not in page
    assert post(client, "/momo/agent/rebalance", {"csrf": csrf, "agent": "kitale-02", "amount": "20000"}) == 303
    floats = lambda: (momo.journal.balance("agent/eldoret-07/float").net_credit,  # noqa: E731
                      momo.journal.balance("agent/kitale-02/float").net_credit)
    assert floats() == (480_000 * KES, 20_000 * KES)
    refused = client.post("/momo/agent/rebalance", data={"csrf": csrf, "agent": "nakuru-11", "amount": "100"})
    assert refused.status_code == 404 and "NO_AGENT" in refused.text and floats() == (480_000 * KES, 20_000 * KES)
    assert "KES20,000.00" in client.get("/momo").text
    french = sign_in(client, "KE-MOMO", "eldoret-07", "fr")
    assert french and "Vos agents" in client.get("/momo").text


def test_the_operator_presents_a_bill_for_a_biller_and_sees_what_is_still_due(world: tuple[TestClient, MobileMoney]) -> None:
    client, mm = world
    momo = mm.providers["KE-MOMO"]
    ensure_wallet(mm, "KE-MOMO", "+254720000999", "Kenya Power", by="eldoret-07", pin="9999")
    momo.add_biller("888880", "+254720000999", "Kenya Power")
    csrf = sign_in(client, "KE-MOMO", "wanjiru")
    assert "No bill waits for payment." in client.get("/momo").text
    form = {"csrf": csrf, "biller": "888880", "phone": "0712 345678", "reference": "KPLC-2026-12", "amount": "2400",
            "minimum": "800", "due": "2026-12-24", "description": "December power"}
    assert post(client, "/momo/bills", form) == 303
    page = client.get("/momo").text
    assert "KPLC-2026-12" in page and "KES2,400.00" in page and "KES800.00" in page and "unpaid" in page
    again = client.post("/momo/bills", data=form)
    assert again.status_code == 409 and "BILL_EXISTS" in again.text                      # presented once
    bad = client.post("/momo/bills", data={**form, "reference": "KPLC-X", "due": "24/12/2026"})
    assert bad.status_code == 422 and "BAD_DATE" in bad.text and len(momo.bills(AMINA)) == 1
    viewer_csrf = sign_in(client, "KE-MOMO", "otieno")
    assert post(client, "/momo/bills", {**form, "csrf": viewer_csrf, "reference": "KPLC-Y"}) == 403  # not an officer
    assert [b["reference"] for b in momo.bills()] == ["KPLC-2026-12"]


def test_the_operator_sees_the_customers_debit_mandates_and_inactivates_one_the_customer_asks_to_stop(world: tuple[TestClient, MobileMoney]) -> None:
    client, mm = world
    momo, mandates = mm.providers["KE-MOMO"], mm.apis["KE-MOMO"].mandates
    ensure_wallet(mm, "KE-MOMO", "+254720000999", "Kenya Power", by="eldoret-07", pin="9999")
    ref = mandates.create(AMINA, "+254720000999", by="KPLC", start="2026-12-01", amount_limit=3_000 * KES, payments=12,
                          frequency="monthspecificdate")
    csrf = sign_in(client, "KE-MOMO", "wanjiru")
    page = client.get("/momo").text
    assert "Debit mandates" in page and "+254720000999" in page and "KES3,000.00" in page and "0 / 12" in page
    assert post(client, "/momo/mandates", {"csrf": csrf, "mandate": ref}) == 303
    assert mandates.mandate(ref)["status"] == "inactive" and momo.balance(AMINA) == 0
    assert client.post("/momo/mandates", data={"csrf": csrf, "mandate": "mandate-nope"}).status_code == 404
