"""One payment instruction for every contract that orders a payment: typed, recorded once, and
advanced only by its payer's report of settlement or failure (never by an event alone)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from baobab import embedded
from baobab.contracts import default_registry
from baobab.core.errors import BaobabError
from tests.conftest import FAST_BLOCKS, SMALL_ORGS, Net
from tests.payments.sample_payables import Bills

PAYER, PAYEE, OTHER = "KEBANK", "MYBANK", "ARBANK"


@pytest.fixture
def bills(tmp_path: Path) -> Iterator[Net]:
    path = tmp_path / "net"
    embedded.create(path, "test-net", SMALL_ORGS, ["KEBANK", "MYBANK", "ARBANK"], block=FAST_BLOCKS)
    registry = default_registry()
    registry.install(Bills())
    n = Net(path, embedded.open_node(path, registry))
    yield n
    n.node.close()


def refused(call) -> BaobabError:  # type: ignore[no-untyped-def]
    with pytest.raises(BaobabError) as err:
        call()
    return err.value


def test_an_instruction_is_a_typed_record_with_status_instructed(bills: Net) -> None:
    out = bills.submit(PAYEE, "bills", "bill", {"bill_id": "B1", "payer": PAYER, "minor": 150_00})
    assert out.valid
    instruction = bills.query(PAYER, "bills", "payment", {"obligation": "B1/payment"})
    assert instruction["status"] == "instructed" and instruction["contract"] == "bills"
    assert (instruction["payer"], instruction["payee"], instruction["amount"]) == (PAYER, PAYEE, {"currency": "KES", "minor": 15000})
    assert instruction["settlement"] is None and instruction["due"] == "2026-12-31"
    assert [e["name"] for e in out.events] == ["payment_instructed"]


def test_only_the_payer_settles_and_the_obligation_follows(bills: Net) -> None:
    bills.submit(PAYEE, "bills", "bill", {"bill_id": "B2", "payer": PAYER, "minor": 10})
    for org in (PAYEE, OTHER):
        e = refused(lambda: bills.submit(org, "bills", "payment_settled", {"obligation": "B2/payment", "reference": "X"}))
        assert (e.code, e.status, e.detail["reason"]) == ("CONTRACT_ERROR", 403, "NOT_PAYER")
    assert bills.submit(PAYER, "bills", "payment_settled", {"obligation": "B2/payment", "reference": "SW-1"}).valid
    assert bills.node.get("bills", "bill/B2")["value"]["status"] == "paid"
    settled = bills.query(PAYEE, "bills", "payment", {"obligation": "B2/payment"})
    assert settled["status"] == "settled" and settled["settlement"]["reference"] == "SW-1"
    again = refused(lambda: bills.submit(PAYER, "bills", "payment_failed", {"obligation": "B2/payment", "reason": "late"}))
    assert (again.status, again.detail["reason"]) == (409, "PAYMENT_CLOSED")


def test_a_failed_payment_records_why(bills: Net) -> None:
    bills.submit(PAYEE, "bills", "bill", {"bill_id": "B3", "payer": PAYER, "minor": 10})
    failed = bills.submit(PAYER, "bills", "payment_failed", {"obligation": "B3/payment", "reason": "account closed"})
    assert failed.valid and failed.response["failure"]["reason"] == "account closed"
    assert bills.node.get("bills", "bill/B3")["value"]["status"] == "open"


@pytest.mark.parametrize("args, reason", [
    ({"minor": 0}, "BAD_PAYMENT"),
    ({"minor": -5}, "BAD_PAYMENT"),
    ({"currency": "XXY"}, "BAD_PAYMENT"),
    ({"payer": PAYEE}, "BAD_PAYMENT"),
    ({"bill_id": "B 4"}, "BAD_PAYMENT"),
])
def test_a_malformed_instruction_is_refused_and_changes_nothing(bills: Net, args: dict, reason: str) -> None:  # type: ignore[type-arg]
    height = bills.node.height()
    e = refused(lambda: bills.submit(PAYEE, "bills", "bill", {"bill_id": "B4", "payer": PAYER, "minor": 10, **args}))
    assert (e.code, e.detail["reason"]) == ("CONTRACT_ERROR", reason)
    assert bills.node.height() == height


def test_an_obligation_is_instructed_once_and_read_by_its_parties_only(bills: Net) -> None:
    bills.submit(PAYEE, "bills", "bill", {"bill_id": "B5", "payer": PAYER, "minor": 10})
    twice = refused(lambda: bills.submit(PAYEE, "bills", "bill", {"bill_id": "B5", "payer": PAYER, "minor": 10}))
    assert (twice.status, twice.detail["reason"]) == (409, "ALREADY_INSTRUCTED")
    stranger = refused(lambda: bills.query(OTHER, "bills", "payment", {"obligation": "B5/payment"}))
    assert (stranger.status, stranger.detail["reason"]) == (403, "NOT_A_PARTY")
    missing = refused(lambda: bills.query(PAYER, "bills", "payment", {"obligation": "B9/payment"}))
    assert missing.status == 404
