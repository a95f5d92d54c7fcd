"""Story 7 plays end to end on the demo network: farmers' records issued from paid purchases,
verified by the lender against the ledger, a loan disbursed and repaid through the switch."""

from __future__ import annotations

from baobab.stories.zambia_cassava import AGENT, LENDER, PROVIDER, STORY
from tests.conftest import Net


def test_story_7_lends_on_verified_records_and_refuses_what_does_not_verify(demo_net: Net) -> None:
    report = STORY.run(demo_net.actors())
    # 3 IDs, 22 deliveries x (delivery + payment), 3 repayments + 1 loan repaid
    assert report.documents == 3 + 44 + 4
    assert report.payments == 22 + 1 + 3  # purchases, the disbursement, the repayments: all settled
    assert [f.split(":")[0] for f in report.flags] == ["Chanda's mis-weighed delivery record is refused",
                                                      "a replay of Chanda's presentation is refused (its challenge was used)",
                                                      "Esther declined, score 10"]
    assert report.flags[0].endswith("revoked") and report.flags[2].endswith("R03, R02, R05, R01")
    [loan] = demo_net.query(LENDER, "microloans", "mine", {})
    assert loan["status"] == "repaid" and loan["repaid_minor"] == loan["principal"]["minor"] + loan["fee"]["minor"]
    assert loan["assessment"]["band"] == "B" and loan["principal"] == {"currency": "ZMW", "minor": 300_000}
    assert demo_net.query(PROVIDER, "microloans", "get", {"loan_id": loan["id"]})["custodian"] == AGENT
    [(_, revocations, _)] = demo_net.gateway.view.range(f"credentials:list/{AGENT}/")
    assert len(revocations["set"]) == 1 and revocations["next"] == 3 + 44  # one revoked of the 47 it issued
    assert report.notes == ["Mwila's score went from 100 to 140 with her repayments"]

    again = STORY.run(demo_net.actors())  # played again on the same ledger: new keys, purchases and loan
    assert again.documents == report.documents and again.payments == report.payments
    assert len(demo_net.query(LENDER, "microloans", "mine", {})) == 2
