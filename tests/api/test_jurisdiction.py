"""Jurisdiction over HTTP against a real node process: a credit and its bill of lading record
where the goods go (Argentina -> Malaysia), so the customs of both ends read them and each
such read is on the ledger's access log for the parties; customs elsewhere cannot read them.
Regulators read the records of the banks of their own country only."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from baobab.core.errors import BaobabError
from baobab.stories import StoryReport
from baobab.stories.soybeans import (
    ADVISING, APPLICANT, BENEFICIARY, CARRIER, ISSUING, credit_terms, document_data, open_credit, today,
)
from baobab.stories.trade_kit import issue_document, submit, target

GOODS_PARTIES = [APPLICANT, BENEFICIARY, ISSUING, ADVISING]  # no customs among the readers


@pytest.fixture(scope="module")
def shipment(node) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    actors, report = node.actors(), StoryReport()
    lc_id = f"LC-J-{uuid.uuid4().hex[:8].upper()}"
    open_credit(actors, report, lc_id, credit_terms(today()))
    bl = issue_document(actors(CARRIER), "bill_of_lading", document_data(lc_id, today())["bill_of_lading"],
                        GOODS_PARTIES, report, transferable=True, holder=BENEFICIARY)
    submit(actors(BENEFICIARY), "letter_of_credit", "ship", {"lc_id": lc_id, "bill_of_lading": target(bl)})
    rerouted = f"LC-K-{uuid.uuid4().hex[:8].upper()}"  # the same traders buy Kenyan goods shipped Mombasa -> Rotterdam
    open_credit(actors, report, rerouted, {**credit_terms(today()), "port_of_loading": "KEMBA",
                                           "port_of_discharge": "NLRTM"})
    pu_id = f"PU-J-{uuid.uuid4().hex[:8].upper()}"  # a Kenyan bank's undertaking for flowers to Rotterdam
    submit(actors("RTM-FLORA"), "payment_undertaking", "propose", {
        "pu_id": pu_id, "seller": "NAIVASHA", "bank": "KCBANK", "amount": {"currency": "EUR", "minor": 1_250_000},
        "pay_on": today().isoformat(), "reference": f"INV-{pu_id}", "countries": {"origin": "KE", "destination": "NL"},
        "conditions": [{"kind": "confirmation", "by": "RTM-FLORA", "what": "delivery"}]})
    return {"credit": ("letter_of_credit", f"lc/{lc_id}"), "bill": ("documents", f"doc/{target(bl)}"),
            "rerouted": ("letter_of_credit", f"lc/{rerouted}"),
            "undertaking": ("payment_undertaking", f"pu/{pu_id}")}


def logged_for(node, party: str, access: list[str], key: str, reader: str) -> bool:  # type: ignore[no-untyped-def]
    """The access-log entry, read by a party to the record, names the reader and the record."""
    entry = node.client(party).get("oversight", f"access/{access[0]}")["value"]
    return entry["reader"] == reader and key in [r["key"] for r in entry["records"]]


def test_records_carry_where_the_goods_go(node, shipment):  # type: ignore[no-untyped-def]
    for name in ("credit", "bill"):
        value = node.client(ISSUING).get(*shipment[name])["value"]
        assert value["countries"] == {"origin": "AR", "destination": "MY", "transit": []}


PURPOSE = "clearance check"  # a supervisor states why it reads


@pytest.mark.parametrize("customs", ["MY-CUSTOMS", "AR-CUSTOMS"])  # destination, origin
@pytest.mark.parametrize("name, party", [("credit", ISSUING), ("bill", CARRIER)])
def test_customs_of_both_ends_read_and_every_read_is_logged(node, shipment, customs, name, party):  # type: ignore[no-untyped-def]
    namespace, key = shipment[name]
    record = node.client(customs).get(namespace, key, purpose="import clearance")
    assert record["access"], "a supervisor read comes back with its access-log transaction"
    assert logged_for(node, party, record["access"], f"{namespace}:{key}", f"{customs}/app")
    assert node.client(party).tx(record["access"][0])["contract"] == "oversight"


def test_customs_exports_of_its_country_log_every_record(node, shipment):  # type: ignore[no-untyped-def]
    customs = node.client("MY-CUSTOMS")
    page = customs.oversight_records(namespace="letter_of_credit", prefix=shipment["credit"][1], country="MY",
                              purpose=PURPOSE)
    assert [r["key"] for r in page["records"]] == [":".join(shipment["credit"])]
    assert page["records"][0]["countries"] == ["AR", "MY"]
    assert logged_for(node, ISSUING, page["access"], ":".join(shipment["credit"]), "MY-CUSTOMS/app")


@pytest.mark.parametrize("customs", ["KE-CUSTOMS", "NL-CUSTOMS", "ET-CUSTOMS"])
def test_customs_of_other_countries_cannot_read(node, shipment, customs):  # type: ignore[no-untyped-def]
    client = node.client(customs)
    for name in ("credit", "bill"):
        for read in (lambda: client.get(*shipment[name], purpose=PURPOSE),
                     lambda: client.history(*shipment[name], purpose=PURPOSE)):
            with pytest.raises(BaobabError) as err:
                read()
            assert err.value.code == "FORBIDDEN"
    page = client.oversight_records(namespace="letter_of_credit", prefix=shipment["credit"][1], purpose=PURPOSE)
    assert page["records"] == [] and page["access"] == []


def test_the_route_not_the_traders_countries_decides(node, shipment):  # type: ignore[no-untyped-def]
    assert node.client("KE-CUSTOMS").get(*shipment["rerouted"], purpose=PURPOSE)["access"]
    for customs in ("AR-CUSTOMS", "MY-CUSTOMS"):  # the traders' countries, off the goods' route
        with pytest.raises(BaobabError) as err:
            node.client(customs).get(*shipment["rerouted"], purpose=PURPOSE)
        assert err.value.code == "FORBIDDEN"


def test_customs_reads_an_undertaking_for_goods_of_its_country(node, shipment):  # type: ignore[no-untyped-def]
    for customs in ("KE-CUSTOMS", "NL-CUSTOMS"):
        assert node.client(customs).get(*shipment["undertaking"], purpose=PURPOSE)["access"]
    with pytest.raises(BaobabError) as err:
        node.client("MY-CUSTOMS").get(*shipment["undertaking"], purpose=PURPOSE)
    assert err.value.code == "FORBIDDEN"


def test_regulators_see_the_banks_they_supervise_and_not_foreign_banks(node, shipment):  # type: ignore[no-untyped-def]
    record = node.client("MY-REG").get(*shipment["credit"], purpose=PURPOSE)  # KLTB, a Malaysian bank, issued it
    assert logged_for(node, ISSUING, record["access"], ":".join(shipment["credit"]), "MY-REG/app")
    assert node.client("CBK").get(*shipment["undertaking"], purpose=PURPOSE)["access"]  # KCBANK, a Kenyan bank
    for regulator, name in (("CBK", "credit"), ("MY-REG", "undertaking")):  # foreign banks only
        with pytest.raises(BaobabError) as err:
            node.client(regulator).get(*shipment[name], purpose=PURPOSE)
        assert err.value.code == "FORBIDDEN"


def test_malformed_countries_are_refused_and_change_nothing(node):  # type: ignore[no-untyped-def]
    fresh = uuid.uuid4().hex + uuid.uuid4().hex
    args = {"target_hash": fresh, "merkle_root": fresh, "doc_type": "certificate_of_origin",
            "countries": {"origin": "AR", "destination": "ZZ"}}
    with pytest.raises(BaobabError) as err:
        node.client("AR-CUSTOMS").submit("documents", "issue", args)
    assert err.value.code == "BAD_ARGUMENT"
    assert node.client("AR-CUSTOMS").query("documents", "status", {"target_hash": fresh})["issued"] is False
