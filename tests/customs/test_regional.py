"""The region's statistics by country and month: time to release and digital share of
declarations, time from issuance to honour and fees of letters of credit, the share of small
exporters among active traders, the cost of payments and of remittances (RPW total cost), each
column defined, as CSV and JSON; and read from a real ledger through its view."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from baobab.customs import regional
from baobab.customs.regional import Sources
from tests.conftest import Net
from tests.customs.test_declarations import lodge


def declaration(n: int, declarant: str, procedure: str, lodged: str, released: str | None = None,
                documents: bool = False) -> dict[str, Any]:
    history = [{"status": "lodged", "at": lodged}] + ([{"status": "released", "at": released}] if released else [])
    return {"id": f"D{n}", "declarant": declarant, "procedure": procedure, "history": history,
            "countries": {"origin": "KE", "destination": "ET"}, "documents": [{"target_hash": "ab"}] if documents else []}


def credit(n: int, beneficiary: str, issued: str, honoured: str | None, fees: int = 0) -> dict[str, Any]:
    presentations = [{"honour": {"at": honoured}}] if honoured else [{"status": "presenting"}]
    return {"id": f"LC{n}", "issued_at": issued, "presentations": presentations,
            "parties": {"applicant": "BUYER", "beneficiary": beneficiary, "issuing_bank": "ETBANK"},
            **({"fees": [{"currency": "USD", "minor": fees}]} if fees else {})}


SOURCES = Sources(
    declarations=[declaration(1, "BUYER", "import", "2026-11-02T08:00:00Z", "2026-11-02T14:00:00Z", documents=True),
                  declaration(2, "BUYER", "import", "2026-11-03T08:00:00Z", "2026-11-03T10:00:00Z"),
                  *[declaration(10 + n, "BIGEXP", "export", f"2026-11-{n + 1:02d}T09:00:00Z") for n in range(11)]],
    credits=[credit(1, "SMALLEXP", "2026-11-05T09:00:00Z", "2026-11-05T21:00:00Z", fees=12_500),
             credit(2, "SMALLEXP", "2026-11-06T09:00:00Z", None)],
    payments=[{"payer": "ETBANK", "status": "settled", "instructed_at": "2026-11-05T21:00:00Z",
               "amount": {"currency": "USD", "minor": 1_000_000}, "settlement": {"reference": "x", "fee": 2_000}},
              {"payer": "ETBANK", "status": "instructed", "instructed_at": "2026-11-06T21:00:00Z",
               "amount": {"currency": "USD", "minor": 9_000_000}}],
    remittances=[{"sender_fsp": "IN-REMIT", "expires": "2026-11-07T10:15:00.000000Z",
                  "cost": {"sent": {"currency": "INR", "minor": 5_000_000}, "total_cost": {"currency": "INR", "minor": 160_000}}}],
    country_of={"BUYER": "ET", "BIGEXP": "KE", "SMALLEXP": "KE", "ETBANK": "ET", "IN-REMIT": "IN"})


def test_each_indicator_by_country_and_month_with_its_definition() -> None:
    rows = {(r["country"], r["currency"]): r for r in regional.indicators(SOURCES)}
    et = rows[("ET", "USD")]
    assert (et["declarations"], et["median_hours_to_release"], et["digital_share"]) == (2, "4.00", "0.5000")
    assert (et["credits_issued"], et["credits_honoured"], et["median_hours_issue_to_honour"]) == (2, 1, "12.00")
    assert et["credit_fees_minor"] == 12_500 and et["traders"] == 1 and et["small_exporters"] == 0  # the buyer exports nothing
    assert (et["payments_settled"], et["payments_value_minor"], et["payment_fees_minor"], et["payment_cost_percent"]) == \
        (1, 1_000_000, 2_000, "0.20")
    ke = rows[("KE", "")]
    assert (ke["traders"], ke["small_exporters"], ke["small_exporter_share"]) == (2, 1, "0.5000")  # 11 shipments: not small
    remit = rows[("IN", "INR")]
    assert (remit["remittances"], remit["remittance_cost_percent"]) == (1, "3.20")
    out = json.loads(regional.export(SOURCES, "json"))
    assert all(set(row) == set(out["definitions"]) for row in out["rows"])
    table = list(csv.DictReader(io.StringIO(regional.export(SOURCES, "csv"))))
    assert list(table[0]) == list(regional.DEFINITIONS) and len(table) == len(out["rows"])


def test_read_from_the_ledger_through_its_view(net: Net) -> None:
    lodge(net, "KE-IM-REG1", documents=[])
    sources = regional.collect(net.gateway.view)
    assert [d["id"] for d in sources.declarations] == ["KE-IM-REG1"] and sources.country_of["TRADER"] == "KE"
    row = regional.indicators(sources)[0]
    assert (row["country"], row["declarations"], row["traders"]) == ("KE", 1, 1)


def test_remittances_sent_are_counted_with_their_quoted_cost(tmp_path: Path) -> None:
    from baobab.core.money import Money
    from baobab.demo import DEMO_ORGS
    from baobab.wallet.services import ensure_wallet, standalone_mobile_money
    from tests.wallet.test_provider import FAST

    mm = standalone_mobile_money(tmp_path, DEMO_ORGS, secret=b"k" * 32, hasher=FAST)
    try:
        mm.providers["AE-EXCH"].add_agent("deira-03", "Deira counter")
        ensure_wallet(mm, "AE-EXCH", "+971501234567", "Priya Kumar", by="deira-03", pin="3690")
        sent = mm.remittances.quote("IN-REMIT", Money("INR", 20_000_00), "+971501234567")
        mm.remittances.quote("IN-REMIT", Money("INR", 2_000_00), "+971501234567")      # quoted, never sent
        mm.remittances.send(sent["id"], sender_name="Ravi Kumar")
        quotes = mm.remittances.sent()
        assert [q["id"] for q in quotes] == [sent["id"]]
        row = regional.indicators(Sources(remittances=quotes, country_of={"IN-REMIT": "IN"}))[0]
        assert (row["country"], row["remittances"], row["remittance_cost_percent"]) == ("IN", 1, sent["cost"]["total_cost_percent"])
    finally:
        mm.close()
