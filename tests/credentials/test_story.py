"""Story 7 plays end to end on the demo network: farmers' records issued from paid purchases,
verified by the lender against the ledger, a loan disbursed to and repaid from the farmer's
wallet through the switch."""

from __future__ import annotations

from baobab.stories.zambia_cassava import AGENT, FARMERS, LENDER, PROVIDER, STORY
from tests.conftest import Net
from tests.trace.conftest import wallet_net  # noqa: F401 (the wallet provider's books beside the ledger)


def check_report(net: Net, report) -> None:  # type: ignore[no-untyped-def]
    # 3 IDs, 22 deliveries x (delivery + payment), 3 repayments + 1 loan repaid
    assert report.documents == 3 + 44 + 4
    assert report.payments == 22 + 1 + 3  # purchases, the disbursement, the repayments: all settled
    assert [f.split(":")[0] for f in report.flags] == ["Chanda's mis-weighed delivery record is refused",
                                                      "a replay of Chanda's presentation is refused (its challenge was used)",
                                                      "Esther declined, score 10"]
    assert report.flags[0].endswith("revoked") and report.flags[2].endswith("R03, R02, R05, R01")
    assert report.notes == ["Mwila's score went from 100 to 140 with her repayments"]


def test_story_7_lends_on_verified_records_and_refuses_what_does_not_verify(demo_net: Net) -> None:
    report = STORY.run(demo_net.actors())
    check_report(demo_net, report)
    [loan] = demo_net.query(LENDER, "microloans", "mine", {})
    assert loan["status"] == "repaid" and loan["repaid_minor"] == loan["principal"]["minor"] + loan["fee"]["minor"]
    assert loan["assessment"]["band"] == "B" and loan["principal"] == {"currency": "ZMW", "minor": 300_000}
    assert demo_net.query(PROVIDER, "microloans", "get", {"loan_id": loan["id"]})["custodian"] == AGENT
    [(_, revocations, _)] = demo_net.gateway.view.range(f"credentials:list/{AGENT}/")
    assert len(revocations["set"]) == 1 and revocations["next"] == 3 + 44  # one revoked of the 47 it issued

    again = STORY.run(demo_net.actors())  # played again on the same ledger: new keys, purchases and loan
    assert again.documents == report.documents and again.payments == report.payments
    assert len(demo_net.query(LENDER, "microloans", "mine", {})) == 2


def test_story_7_pays_the_farmers_into_their_wallets_and_the_loan_in_and_out_of_one(wallet_net) -> None:  # type: ignore[no-untyped-def]
    report = STORY.run(wallet_net.actors, services=wallet_net.services())
    check_report(wallet_net.net, report)
    momo = wallet_net.mm.providers[PROVIDER]
    [loan] = wallet_net.net.query(LENDER, "microloans", "mine", {})
    mwila = FARMERS[0][6]
    sales = sum(p["amount"]["minor"] for p in wallet_net.net.query(PROVIDER, "produce", "mine", {})
                if p["wallet"] == mwila)
    # her wallet: every paid sale and the loan in, the three instalments (principal and fee) out
    assert momo.balance(mwila) == sales + loan["principal"]["minor"] - loan["repaid_minor"]
    kinds = [m["kind"] for m in momo.statement(mwila, limit=100)]
    assert kinds.count("send_out") == 3 and kinds.count("receive") == 10 + 1
    for r in loan["repayments"]:  # each repayment left the wallet under the transfer the ledger settled
        line = next(m for m in momo.statement(mwila, limit=100) if m["id"] == f"out-{r['settlement']['reference']}")
        assert line["amount"]["minor"] == r["minor"]
        assert wallet_net.hub.switch.find(r["settlement"]["reference"]).payee == LENDER
    wallet_net.mm.deliver_sms()
    assert len(wallet_net.mm.sms.to(mwila)) == 10 + 1 + 3
