"""Smart oversight over HTTP: supervisors read their jurisdiction, every such read is on the
ledger for the supervised parties to see, and proofs check without trusting the node."""

from __future__ import annotations

import csv
import io

import pytest

from baobab.core.errors import BaobabError
from baobab.core.keys import PublicKey
from baobab.http_client import verify_record

DEALS = [
    ("deal", "cocoa-9", ["NAIVASHA", "RTM-FLORA"], ["KE", "NL"]),     # goods leaving Kenya
    ("deal", "coffee-3", ["SIDAMA-COOP", "ROAST-NL"], ["ET", "NL"]),  # not Kenya's
    ("credit", "lc-ke-1", ["KCBANK", "ESBANK"], ["KE", "ES"]),        # a Kenyan bank's credit
]


@pytest.fixture(scope="module")
def deals(node):  # type: ignore[no-untyped-def]
    for kind, ref, parties, countries in DEALS:
        outcome = node.client(parties[0]).submit("deals", "record", {"kind": kind, "ref": ref, "parties": parties,
                                                                      "countries": countries})
        assert outcome["code"] == "VALID"


def test_customs_reads_goods_of_its_country_and_the_read_is_logged(node, deals):  # type: ignore[no-untyped-def]
    customs = node.client("KE-CUSTOMS")
    record = customs.get("deals", "deal/cocoa-9", purpose="export declaration check")
    assert record["value"]["countries"] == ["KE", "NL"] and len(record["access"]) == 1
    entries = node.client("NAIVASHA").oversight_log()
    entry = next(e for e in entries if e["access"] == record["access"][0])
    assert entry["reader"] == "KE-CUSTOMS/app" and entry["purpose"] == "export declaration check"
    assert entry["records"][0]["key"] == "deals:deal/cocoa-9"
    # the log entry is itself a ledger transaction the party can look up
    assert node.client("NAIVASHA").tx(record["access"][0])["contract"] == "oversight"
    # ...and nobody outside it sees it
    assert record["access"][0] not in [e["access"] for e in node.client("SIDAMA-COOP").oversight_log()]
    with pytest.raises(BaobabError) as err:
        customs.get("deals", "deal/coffee-3")
    assert err.value.code == "FORBIDDEN"


def test_regulator_reads_what_its_institutions_are_party_to(node, deals):  # type: ignore[no-untyped-def]
    assert node.client("CBK").get("deals", "credit/lc-ke-1", purpose="prudential review")["access"]
    for kind, ref in (("deal", "cocoa-9"), ("deal", "coffee-3")):  # no Kenyan institution on these
        with pytest.raises(BaobabError):
            node.client("CBK").get("deals", f"{kind}/{ref}", purpose="prudential review")
    with pytest.raises(BaobabError):
        node.client("MY-REG").get("deals", "credit/lc-ke-1", purpose="prudential review")
    assert any(e["reader"] == "CBK/app" for e in node.client("KCBANK").oversight_log())


def test_exports_filter_jurisdiction_and_log_every_record(node, deals):  # type: ignore[no-untyped-def]
    customs = node.client("KE-CUSTOMS")
    page = customs.oversight_records(namespace="deals", country="KE", purpose="quarterly audit")
    keys = [r["key"] for r in page["records"]]
    assert "deals:deal/cocoa-9" in keys and "deals:deal/coffee-3" not in keys
    assert all("KE" in r["countries"] for r in page["records"])
    logged = {rec["key"] for e in node.client("KE-CUSTOMS").oversight_log() if e["access"] in page["access"]
              for rec in e["records"]}
    assert logged == set(keys)
    text = customs.oversight_records(namespace="deals", party="NAIVASHA", format="csv", purpose="quarterly audit")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert all("NAIVASHA" in r["parties"].split() for r in rows)
    assert next(r for r in rows if r["key"] == "deals:deal/cocoa-9")["parties"] == "NAIVASHA RTM-FLORA"


def test_only_supervisors_use_oversight_exports(node):  # type: ignore[no-untyped-def]
    with pytest.raises(BaobabError) as err:
        node.client("NAIVASHA").oversight_records(purpose="curiosity")
    assert err.value.code == "FORBIDDEN"


def test_supervisor_verifies_a_record_without_trusting_the_node(node, deals):  # type: ignore[no-untyped-def]
    orderer_key = PublicKey.from_text(node.genesis["orderer"]["key"])  # from genesis.json, not the node
    customs = node.client("NL-CUSTOMS")
    record = next(r for r in customs.oversight_records(namespace="deals", country="NL", purpose="transit")["records"]
                  if r["key"] == "deals:deal/coffee-3")
    proof = customs.proof(record["tx_id"], purpose="transit")
    assert verify_record(record, proof, orderer_key)
    forged = {**record, "value": {**record["value"], "countries": ["NL"]}}
    assert not verify_record(forged, proof, orderer_key)
    proof["transaction"]["result"]["writes"][0][1]["countries"] = ["NL"]
    assert not verify_record(forged, proof, orderer_key)
