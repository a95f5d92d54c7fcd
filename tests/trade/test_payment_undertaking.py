"""Open account with a bank payment undertaking."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from baobab.client import Identity
from tests.trade.conftest import rejected

PU = "payment_undertaking"
BUYER, SELLER, BANK, CARRIER = "RTM-FLORA", "NAIVASHA", "KCBANK", "EA-LINES"


def propose(actors, pu_id, pay_on, conditions=None):
    return actors(BUYER).submit(PU, "propose", {
        "pu_id": pu_id, "seller": SELLER, "bank": BANK, "amount": {"currency": "EUR", "minor": 3_000_000},
        "pay_on": pay_on, "reference": "PO-7781",
        "conditions": conditions or [{"kind": "confirmation", "by": BUYER, "what": "delivery"}]})


def test_bank_pays_on_date_once_delivery_is_confirmed(network, actors, node, uid):
    today = datetime.now(timezone.utc).date()
    pu_id = f"PU-{uid}"
    propose(actors, pu_id, (today + timedelta(days=30)).isoformat())
    rejected(lambda: actors(BUYER).submit(PU, "undertake", {"pu_id": pu_id}), reason="NOT_BANK")
    actors(BANK).submit(PU, "undertake", {"pu_id": pu_id})
    rejected(lambda: actors(BUYER).submit(PU, "withdraw", {"pu_id": pu_id}), reason="WRONG_STATE")  # irrevocable
    rejected(lambda: actors(SELLER).submit(PU, "confirm", {"pu_id": pu_id, "condition": 0}), reason="NOT_CONFIRMER")
    rejected(lambda: actors(SELLER).submit(PU, "demand", {"pu_id": pu_id}), reason="NOT_DUE")

    node_, data_dir = network
    later = (datetime.now(timezone.utc) + timedelta(days=31)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
    demand = lambda: node.submit(Identity.load(data_dir, node.network, SELLER).proposal(PU, "demand", {"pu_id": pu_id}, timestamp=later))  # noqa: E731
    rejected(demand, reason="CONDITIONS_NOT_MET")
    actors(BUYER).submit(PU, "confirm", {"pu_id": pu_id, "condition": 0})
    outcome = demand()
    instruction = next(e["payload"] for e in outcome.events if e["name"] == "payment_instructed")
    assert {k: instruction[k] for k in ("obligation", "amount", "payer", "payee")} == {
        "obligation": f"{pu_id}/payment", "amount": {"currency": "EUR", "minor": 3_000_000}, "payer": BANK, "payee": SELLER}
    settle = {"obligation": f"{pu_id}/payment", "reference": "S1"}
    rejected(lambda: actors(SELLER).submit(PU, "payment_settled", settle), reason="NOT_PAYER")
    actors(BANK).submit(PU, "payment_settled", settle)
    assert actors(SELLER).query(PU, "get", {"pu_id": pu_id})["status"] == "paid"
    rejected(lambda: actors("SZ-AUTO").query(PU, "get", {"pu_id": pu_id}), reason="NOT_A_PARTY")


def test_ledger_fact_condition_reads_another_contracts_state(actors, uid):
    # e.g. an oracle's answer, or here: a bill of lading accomplished in the document registry
    from baobab.stories import StoryReport
    from baobab.stories import soybeans as soy
    from baobab.stories.trade_kit import issue_document, target

    data = soy.document_data(f"PU-{uid}", soy.today())["bill_of_lading"]
    bl = target(issue_document(actors(soy.CARRIER), "bill_of_lading", data, [], StoryReport(),
                               transferable=True, holder=BUYER))
    fact = {"kind": "ledger_fact", "contract": "documents", "key": f"doc/{bl}", "field": "status", "equals": "revoked"}
    pu_id = f"PU-{uid}"
    propose(actors, pu_id, soy.today().isoformat(), [fact])
    actors(BANK).submit(PU, "undertake", {"pu_id": pu_id})
    assert actors(BUYER).query(PU, "get", {"pu_id": pu_id})["unmet"] == [0]
    actors(soy.CARRIER).submit("documents", "revoke", {"target_hash": bl, "reason": "switched"})
    assert actors(BUYER).query(PU, "get", {"pu_id": pu_id})["unmet"] == []
    assert actors(SELLER).submit(PU, "demand", {"pu_id": pu_id})["response"]["status"] == "due"


@pytest.mark.parametrize("change", [
    {"amount": {"currency": "EUR", "minor": -1}}, {"amount": {"currency": "ZZZ", "minor": 1}},
    {"pay_on": "2000-01-01"}, {"pay_on": "soon"}, {"conditions": []},
    {"conditions": [{"kind": "astrology"}]}, {"conditions": [{"kind": "confirmation", "by": "NOBODY", "what": "delivery"}]},
    {"seller": BUYER},
])
def test_malformed_proposals_change_nothing(actors, node, uid, change):
    args = {"pu_id": f"PU-{uid}", "seller": SELLER, "bank": BANK, "amount": {"currency": "EUR", "minor": 1},
            "pay_on": "2099-01-01", "reference": "PO-1",
            "conditions": [{"kind": "confirmation", "by": BUYER, "what": "delivery"}], **change}
    height = node.height()
    rejected(lambda: actors(BUYER).submit(PU, "propose", args), "BAD_ARGUMENT")
    assert node.height() == height
    rejected(lambda: actors(BUYER).query(PU, "get", {"pu_id": f"PU-{uid}"}), reason="UNDERTAKING_NOT_FOUND")
