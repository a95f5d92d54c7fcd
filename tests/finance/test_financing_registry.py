"""The on-ledger duplicate-financing registry: flags, statuses, access and bad input."""

from __future__ import annotations

import json
from typing import Any

import pytest

from baobab.demo import DEMO_ADMINS
from baobab.risk.fingerprints import RULES, NetworkKey, fingerprint
from tests.governing import govern

REG = "financing_registry"
KEY = NetworkKey(b"k" * 32)

INVOICE: dict[str, Any] = {
    "seller": "Pune Precision Tools Pvt Ltd", "buyer": "Nashik Auto Components Ltd", "number": "PPT/2024-25/0187",
    "date": "2025-03-05", "currency": "INR", "amount": "12,50,000.00",
    "lines": [{"hs": "8207", "quantity": 500, "unit_price": "2,500.00"}],
}


def fps(changes: dict[str, Any] | None = None, key: NetworkKey = KEY) -> dict[str, Any]:
    return fingerprint({**INVOICE, **(changes or {})}, key).to_json()


def register(net, platform: str, changes: dict[str, Any] | None = None, kind: str = "invoice") -> dict[str, Any]:
    return net.ok(platform, REG, "register", {"kind": kind, "fingerprints": fps(changes)})


def status(net, platform: str, registration: str) -> str:
    return net.query(platform, REG, "registration", {"registration": registration})["status"]


# --- flags --------------------------------------------------------------------------------

def test_first_registration_is_unique(fin):
    r = register(fin, "RXIL")
    assert (r["status"], r["flags"]) == ("registered_unique", [])
    assert status(fin, "RXIL", r["registration"]) == "registered_unique"


def test_the_same_invoice_at_another_platform_is_a_red_flag_naming_the_holder(fin):
    first = register(fin, "RXIL")
    retyped = {"seller": "PUNE PRECISION TOOLS PRIVATE LIMITED", "number": "ppt-2024-25-187", "date": "05/03/2025",
               "amount": "1250000"}
    second = register(fin, "ATREDS", retyped)
    assert second["status"] == "registered_duplicate"
    assert second["flags"] == [{"level": "red", "rule": "exact", "platform": "RXIL",
                                "registration": first["registration"], "rules": list(RULES)}]


@pytest.mark.parametrize("changes, rule", [
    ({"date": "2025-03-08"}, "date_shifted"),
    ({"amount": "12,75,000.00"}, "amount_changed"),
    ({"number": "PPT/2024-25/0188"}, "number_changed"),
    ({"number": "PPT/2024-25/0190", "amount": "12,60,000.00"}, "lines_retotalled"),
])
def test_an_altered_copy_is_an_amber_flag_with_the_rule(fin, changes, rule):
    first = register(fin, "RXIL")
    copy = register(fin, "M1X", changes)
    assert copy["status"] == "registered_unique"
    assert [(f["level"], f["rule"], f["platform"], f["registration"]) for f in copy["flags"]] == [
        ("amber", rule, "RXIL", first["registration"])]


def test_a_genuinely_different_invoice_of_the_same_parties_raises_no_flag(fin):
    register(fin, "RXIL")
    next_month = register(fin, "ATREDS", {"number": "PPT/2024-25/0231", "date": "2025-04-05"})
    assert next_month["flags"] == []


def test_own_documents_are_not_flags_but_cannot_be_registered_twice(fin):
    first = register(fin, "RXIL")
    near = register(fin, "RXIL", {"date": "2025-03-07"})
    assert near["flags"] == []
    err = fin.rejected("RXIL", REG, "register", {"kind": "invoice", "fingerprints": fps()})
    assert err.code == "ALREADY_REGISTERED" and err.detail["registration"] == first["registration"]


def test_other_kinds_of_financeable_document(fin):
    bl = register(fin, "RXIL", kind="bill_of_lading")
    assert bl["status"] == "registered_unique"
    # the fingerprints bind the kind: the same fields as a warehouse receipt are another document
    wr = fin.ok("ATREDS", REG, "register", {"kind": "warehouse_receipt",
                                             "fingerprints": fps({"kind": "warehouse_receipt"})})
    assert wr["flags"] == []


def configure(fin, **value):
    """The registry's settings, changed by a quorum of the demo admins."""
    govern(lambda org, fn, args: fin.ok(org, "governance", fn, args), DEMO_ADMINS, "configure",
           {"setting": REG, "value": value})


def test_the_refuse_rule_records_the_refusal_and_registers_nothing(fin):
    configure(fin, red_flags="refuse", epoch=0)
    assert fin.query("M1X", REG, "config") == {"red_flags": "refuse", "epoch": 0}
    first = register(fin, "RXIL")
    refused = register(fin, "ATREDS")
    assert refused["status"] == "refused" and refused["flags"][0]["platform"] == "RXIL"
    assert fin.query("ATREDS", REG, "registrations") == []
    assert [r["id"] for r in fin.query("ATREDS", REG, "refusals")] == [refused["registration"]]
    assert fin.query("RXIL", REG, "refusals") == []
    # amber flags are not refused
    assert register(fin, "M1X", {"date": "2025-03-06"})["status"] == "registered_unique"
    # and RXIL's registration is untouched
    assert status(fin, "RXIL", first["registration"]) == "registered_unique"


def test_the_key_epoch_is_a_network_setting(fin):
    configure(fin, red_flags="mark", epoch=1)
    err = fin.rejected("RXIL", REG, "register", {"kind": "invoice", "fingerprints": fps()})
    assert err.code == "BAD_ARGUMENT"
    assert fin.ok("RXIL", REG, "register", {"kind": "invoice", "fingerprints": fps(key=NetworkKey(b"k" * 32, 1))})
    for value in ({"red_flags": "mark", "epoch": 0}, {"red_flags": "maybe", "epoch": 2}):
        err = fin.rejected("KLTB", "governance", "propose", {"action": "configure", "args": {"setting": REG, "value": value}})
        assert err.code == "INVALID" and "financing_registry" in err.message


# --- statuses -----------------------------------------------------------------------------

def test_financed_repaid_and_financed_again(fin):
    r = register(fin, "RXIL")["registration"]
    fin.ok("RXIL", REG, "finance", {"registration": r})
    assert status(fin, "RXIL", r) == "financed"
    assert fin.rejected("RXIL", REG, "finance", {"registration": r}).code == "WRONG_STATUS"
    assert fin.rejected("RXIL", REG, "cancel", {"registration": r}).code == "WRONG_STATUS"
    fin.ok("RXIL", REG, "mark_repaid", {"registration": r})
    assert status(fin, "RXIL", r) == "repaid"
    assert fin.rejected("RXIL", REG, "mark_repaid", {"registration": r}).code == "WRONG_STATUS"
    fin.ok("RXIL", REG, "finance", {"registration": r})
    history = fin.query("RXIL", REG, "registration", {"registration": r})["history"]
    assert [h["status"] for h in history] == ["registered_unique", "financed", "repaid", "financed"]


def test_registered_can_be_cancelled_and_then_raises_no_flag(fin):
    r = register(fin, "RXIL")["registration"]
    assert fin.rejected("RXIL", REG, "mark_repaid", {"registration": r}).code == "WRONG_STATUS"
    fin.ok("RXIL", REG, "cancel", {"registration": r})
    assert status(fin, "RXIL", r) == "cancelled"
    for action in ("finance", "cancel", "mark_repaid"):
        assert fin.rejected("RXIL", REG, action, {"registration": r}).code == "WRONG_STATUS"
    assert register(fin, "ATREDS")["flags"] == []


def test_duplicate_of_a_financed_invoice(fin):
    a = register(fin, "RXIL")["registration"]
    b = register(fin, "ATREDS")["registration"]
    assert status(fin, "ATREDS", b) == "registered_duplicate"
    fin.ok("RXIL", REG, "finance", {"registration": a})
    assert status(fin, "ATREDS", b) == "duplicate_of_financed"  # updated when RXIL financed
    c = register(fin, "M1X")
    assert c["status"] == "duplicate_of_financed"  # registered after RXIL financed
    assert [f["platform"] for f in c["flags"]] == ["ATREDS", "RXIL"]
    err = fin.rejected("ATREDS", REG, "finance", {"registration": b})
    assert err.code == "DOUBLE_FINANCING" and err.detail["platforms"] == ["RXIL"]
    assert status(fin, "ATREDS", b) == "duplicate_of_financed"
    # once RXIL's financing is repaid the document can be financed again, elsewhere too
    fin.ok("RXIL", REG, "mark_repaid", {"registration": a})
    fin.ok("ATREDS", REG, "finance", {"registration": b})
    assert fin.rejected("RXIL", REG, "finance", {"registration": a}).code == "DOUBLE_FINANCING"
    fin.ok("M1X", REG, "cancel", {"registration": c["registration"]})
    assert status(fin, "M1X", c["registration"]) == "cancelled"


def test_a_flagged_duplicate_can_be_financed_first(fin):
    a = register(fin, "RXIL")["registration"]
    b = register(fin, "ATREDS")["registration"]
    fin.ok("ATREDS", REG, "finance", {"registration": b})
    assert status(fin, "RXIL", a) == "duplicate_of_financed"
    assert fin.rejected("RXIL", REG, "finance", {"registration": a}).code == "DOUBLE_FINANCING"


# --- access -------------------------------------------------------------------------------

def test_a_platform_cannot_read_or_change_another_platforms_registrations(fin):
    r = register(fin, "RXIL")["registration"]
    before = fin.query("RXIL", REG, "registration", {"registration": r})
    for other in ("ATREDS", "M1X", "PUNE-TOOLS", "KLTB"):
        assert fin.rejected_query(other, REG, "registration", {"registration": r}).code == "FORBIDDEN"
        assert fin.query(other, REG, "registrations") == []
    for action in ("finance", "cancel", "mark_repaid"):
        assert fin.rejected("ATREDS", REG, action, {"registration": r}).code == "FORBIDDEN"
    assert fin.query("RXIL", REG, "registration", {"registration": r}) == before


def test_only_financing_platforms_register(fin):
    err = fin.rejected("PUNE-TOOLS", REG, "register", {"kind": "invoice", "fingerprints": fps()})
    assert err.code == "NOT_ALLOWED"


def test_no_invoice_field_reaches_the_ledger(fin):
    out = fin.actors("RXIL").submit(REG, "register", {"kind": "invoice", "fingerprints": fps()})
    block = json.dumps(fin.node.block(out["block"])).lower()
    for field in ("pune", "nashik", "ppt", "0187", "1250000", "125000000", "2025-03-05", "8207"):
        assert field not in block, field


# --- bad input ----------------------------------------------------------------------------

def _broken(change) -> dict[str, Any]:
    data = fps()
    change(data)
    return data


@pytest.mark.parametrize("args, code", [
    ({"kind": "cheque", "fingerprints": fps()}, "BAD_INVOICE"),
    ({"kind": "invoice", "fingerprints": _broken(lambda d: d.update(version=2))}, "MALFORMED"),
    ({"kind": "invoice", "fingerprints": _broken(lambda d: d.update(exact="ZZ" * 16))}, "MALFORMED"),
    ({"kind": "invoice", "fingerprints": _broken(lambda d: d["probes"].pop("date_shifted"))}, "MALFORMED"),
    ({"kind": "invoice", "fingerprints": _broken(lambda d: d["probes"].update(exact=["0" * 32]))}, "MALFORMED"),
    ({"kind": "invoice", "fingerprints": _broken(lambda d: d["probes"].update(number_changed=["a" * 32] * 17))}, "MALFORMED"),
    ({"kind": "invoice", "fingerprints": _broken(lambda d: d["near"].update(invented="a" * 32))}, "MALFORMED"),
    ({"kind": "invoice", "fingerprints": _broken(lambda d: d.update(invoice={"amount": 1}))}, "MALFORMED"),
    ({"kind": "invoice", "fingerprints": _broken(lambda d: d.update(epoch=3))}, "BAD_ARGUMENT"),
    ({"kind": "invoice"}, "BAD_ARGUMENT"),
    ({"kind": "invoice", "fingerprints": "975d2723"}, "BAD_ARGUMENT"),
])
def test_bad_registrations_change_nothing(fin, args, code):
    assert fin.rejected("RXIL", REG, "register", args).code == code
    assert fin.query("RXIL", REG, "registrations") == []


def test_bad_registration_ids(fin):
    assert fin.rejected("RXIL", REG, "finance", {"registration": "nope"}).code == "BAD_ARGUMENT"
    assert fin.rejected("RXIL", REG, "finance", {"registration": "0" * 24}).code == "NOT_FOUND"
    assert fin.rejected("RXIL", REG, "finance", {"registration": 7}).code == "BAD_ARGUMENT"


def test_two_platforms_registering_the_same_document_in_one_block_cannot_both_be_unique(tmp_path):
    """Both screen an empty index at endorsement; validation keeps only the first (read conflict).

    Blocks of two transactions with a long timeout put both in one block whatever the speed."""
    from tests.finance.conftest import _open

    for net in _open(tmp_path / "net", {"max_txs": 2, "max_bytes": 8_000_000, "timeout_ms": 5_000}):
        signed = [net.actors(p).identity.proposal(REG, "register", {"kind": "invoice", "fingerprints": fps()})
                  for p in ("RXIL", "ATREDS")]
        for s in signed:
            net.node.submit(s, wait=False)
        outcomes = [net.node.submit(s) for s in signed]
        assert outcomes[0].block == outcomes[1].block
        assert sorted(o.code for o in outcomes) == ["MVCC_READ_CONFLICT", "VALID"]
        assert len(net.query("RXIL", REG, "registrations")) + len(net.query("ATREDS", REG, "registrations")) == 1
