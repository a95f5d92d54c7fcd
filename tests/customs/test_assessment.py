"""Duties assessed on the ledger from the schedule the customs published, paid by the declarant
through the payments backbone (the payments agent carries out the instruction), and release
recorded only after payment; every status visible to the declarant."""

from __future__ import annotations

from typing import Any

import pytest

from baobab.core.errors import BaobabError
from baobab.customs.schedules import demo_schedule
from baobab.stories import await_payment
from tests.conftest import Net

IMPORTER, CUSTOMS = "ADDIS-IMPORT", "ET-CUSTOMS"
DECL = "customs_declarations"
TV = {"hs_code": "85287200", "description": "colour television receivers", "origin": "CN", "quantity": 400, "unit": "NAR",
      "value": {"currency": "USD", "minor": 7_200_000}}


def lodge(net: Net, declaration_id: str, items: list[dict[str, Any]] | None = None, origin: str = "CN") -> None:
    net.submit(IMPORTER, DECL, "lodge", {"declaration_id": declaration_id, "customs": CUSTOMS, "procedure": "import",
                                         "items": items or [TV], "countries": {"origin": origin, "destination": "ET"}})


def refused(reason: str, call: Any) -> None:
    with pytest.raises(BaobabError) as caught:
        call()
    assert caught.value.detail.get("reason") == reason, caught.value


@pytest.fixture
def published(demo_net: Net) -> Net:
    demo_net.submit(CUSTOMS, "customs_tariffs", "publish", {"schedule": demo_schedule("ET")})
    return demo_net


def test_assessed_paid_through_the_switch_then_released(published: Net) -> None:
    net = published
    lodge(net, "ET-1")
    net.submit(CUSTOMS, DECL, "screen", {"declaration_id": "ET-1", "channel": "green"})
    refused("WRONG_STATE", lambda: net.submit(CUSTOMS, DECL, "decide", {"declaration_id": "ET-1", "outcome": "released"}))
    net.submit(CUSTOMS, DECL, "assess", {"declaration_id": "ET-1", "exchange_rate": "150.00"})
    record = net.query(IMPORTER, DECL, "get", {"declaration_id": "ET-1"})
    # 72,000.00 USD x 150 = 10,800,000.00 ETB; duty 35% (subheading 852872) 3,780,000.00; VAT 15% of 14,580,000.00
    assert record["status"] == "assessed"
    assert [(c["code"], c["minor"]) for c in record["assessment"]["lines"][0]["charges"]] == \
        [("DUTY", 378_000_000), ("VAT", 218_700_000)]
    assert record["assessment"]["total"] == {"currency": "ETB", "minor": 596_700_000}
    refused("DUTIES_UNPAID", lambda: net.submit(CUSTOMS, DECL, "decide", {"declaration_id": "ET-1", "outcome": "released"}))
    payment = await_payment(net.actors()(IMPORTER), DECL, "ET-1/duties")         # the importer's agent pays
    assert payment["status"] == "settled" and payment["payee"] == CUSTOMS and payment["amount"]["minor"] == 596_700_000
    net.submit(CUSTOMS, DECL, "decide", {"declaration_id": "ET-1", "outcome": "released", "note": "duties paid"})
    record = net.query(IMPORTER, DECL, "get", {"declaration_id": "ET-1"})
    assert [h["status"] for h in record["history"]] == ["lodged", "accepted", "assessed", "duties paid", "released"]
    assert record["assessment"]["paid"]["reference"] == payment["settlement"]["reference"]
    assert [d["status"] for d in net.query(IMPORTER, DECL, "mine", {})] == ["released"]


def test_a_red_declaration_is_assessed_on_the_value_customs_determined(published: Net) -> None:
    net = published
    lodge(net, "ET-2", [{**TV, "value": {"currency": "USD", "minor": 1_100_000}}])        # 27.50 a set
    net.submit(CUSTOMS, DECL, "screen", {"declaration_id": "ET-2", "channel": "red", "flags": ["unit value 27.50 below 110-290"]})
    net.submit(CUSTOMS, DECL, "assess", {"declaration_id": "ET-2", "exchange_rate": "150", "values": {"1": 7_200_000}})
    line = net.query(IMPORTER, DECL, "get", {"declaration_id": "ET-2"})["assessment"]["lines"][0]
    assert line["customs_value"]["minor"] == 1_080_000_000 and line["declared_value"]["minor"] == 7_200_000


def test_nothing_to_pay_is_released_at_once(published: Net) -> None:
    net = published
    lodge(net, "ET-3", [{**TV, "hs_code": "300490", "unit": "KGM"}])                     # medicaments: 0% duty
    net.submit(CUSTOMS, "customs_tariffs", "publish", {"schedule": {**demo_schedule("ET"), "version": "no-vat", "taxes": []}})
    net.submit(CUSTOMS, DECL, "screen", {"declaration_id": "ET-3", "channel": "green"})
    net.submit(CUSTOMS, DECL, "assess", {"declaration_id": "ET-3"})
    refused("PAYMENT_NOT_FOUND", lambda: net.query(IMPORTER, DECL, "payment", {"obligation": "ET-3/duties"}))
    net.submit(CUSTOMS, DECL, "decide", {"declaration_id": "ET-3", "outcome": "released"})


@pytest.mark.parametrize("args, reason", [
    ({"exchange_rate": "150.0.0"}, "BAD_ASSESSMENT"),
    ({"values": {"7": 100}}, "BAD_ASSESSMENT"),                       # no item 7
    ({"values": {"1": -5}}, "BAD_ASSESSMENT"),
    ({"certificates": ["CO-NONE"]}, "CERTIFICATE_NOT_UTILISED"),
])
def test_a_bad_assessment_is_refused_and_changes_nothing(published: Net, args: dict[str, Any], reason: str) -> None:
    net = published
    lodge(net, "ET-4")
    net.submit(CUSTOMS, DECL, "screen", {"declaration_id": "ET-4", "channel": "green"})
    height = net.node.height()
    refused(reason, lambda: net.submit(CUSTOMS, DECL, "assess", {"declaration_id": "ET-4", **args}))
    assert net.node.height() == height
    assert net.query(IMPORTER, DECL, "get", {"declaration_id": "ET-4"})["status"] == "accepted"


def test_goods_missing_from_the_schedule_or_no_schedule_are_refused(demo_net: Net) -> None:
    lodge(demo_net, "ET-5", [{**TV, "hs_code": "940161"}])
    demo_net.submit(CUSTOMS, DECL, "screen", {"declaration_id": "ET-5", "channel": "green"})
    refused("NO_SCHEDULE", lambda: demo_net.submit(CUSTOMS, DECL, "assess", {"declaration_id": "ET-5"}))
    demo_net.submit(CUSTOMS, "customs_tariffs", "publish", {"schedule": demo_schedule("ET")})
    refused("TARIFF_UNKNOWN", lambda: demo_net.submit(CUSTOMS, DECL, "assess", {"declaration_id": "ET-5"}))


def test_only_the_customs_of_the_country_publishes_its_schedule(demo_net: Net) -> None:
    refused("NOT_THIS_COUNTRY", lambda: demo_net.submit("KE-CUSTOMS", "customs_tariffs", "publish",
                                                         {"schedule": demo_schedule("ET")}))
    refused("NOT_ALLOWED", lambda: demo_net.submit(IMPORTER, "customs_tariffs", "publish", {"schedule": demo_schedule("ET")}))
    refused("BAD_SCHEDULE", lambda: demo_net.submit(CUSTOMS, "customs_tariffs", "publish",
                                                     {"schedule": {**demo_schedule("ET"), "duty": {"8528": "thirty"}}}))
    demo_net.submit(CUSTOMS, "customs_tariffs", "publish", {"schedule": demo_schedule("ET")})
    refused("ALREADY_EXISTS", lambda: demo_net.submit(CUSTOMS, "customs_tariffs", "publish", {"schedule": demo_schedule("ET")}))
    assert demo_net.query(IMPORTER, "customs_tariffs", "schedule", {"country": "ET"})["duty"]["8528"] == "30"


def test_a_failed_payment_is_shown_to_the_declarant_and_the_goods_stay_held(published: Net) -> None:
    net = published
    lodge(net, "ET-6")
    net.submit(CUSTOMS, DECL, "screen", {"declaration_id": "ET-6", "channel": "green"})
    net.submit(CUSTOMS, DECL, "assess", {"declaration_id": "ET-6", "exchange_rate": "150"})
    net.submit(IMPORTER, DECL, "payment_failed", {"obligation": "ET-6/duties", "reason": "4001 payer FSP insufficient liquidity"})
    record = net.query(IMPORTER, DECL, "get", {"declaration_id": "ET-6"})
    assert record["assessment"]["payment_failed"]["reason"].startswith("4001") and record["assessment"]["paid"] is None
    refused("DUTIES_UNPAID", lambda: net.submit(CUSTOMS, DECL, "decide", {"declaration_id": "ET-6", "outcome": "released"}))
