"""One access decision for every read path: every demo organisation asks about every kind of
record by every path (the record, its history, its namespace's list, the transaction that
wrote it, its inclusion proof, its domain route, its contract's `get` query, the supervisors'
export, events, blocks), in both modes, and the answers agree path by path.

A read allowed only because the reader supervises the record (customs, regulators) states a
purpose and is logged; such records never appear in the reader's event stream or block
envelopes, which carry a party's own transactions only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest

from baobab.core.errors import BaobabError
from baobab.demo import DEMO_ORGS
from baobab.stories import StoryReport
from baobab.stories.soybeans import credit_terms, open_credit, today

PURPOSE = "access matrix check"
SUPERVISORS = {o["id"] for o in DEMO_ORGS if {"customs", "regulator"} & set(o["roles"])}
# (kind, parties, countries): a trader's deal, a bank's credit, a carrier's shipment, a financing
# platform's registration, an insurer's policy in a country without customs of its own.
KINDS = {
    "deal": (["PAMPA-AGRO", "KL-FOODS"], ["AR", "MY"]),
    "credit": (["KCBANK", "ESBANK"], ["KE", "ES"]),
    "shipment": (["EA-LINES", "NAIVASHA"], ["KE", "NL"]),
    "registration": (["RXIL"], ["IN"]),
    "policy": (["MICRO-INS"], ["MX"]),
}


def answer(call: Any) -> tuple[int, Any]:
    """(HTTP status, body or problem code) of one read."""
    try:
        return 200, call()
    except BaobabError as exc:
        return exc.status, exc.code


@pytest.fixture(scope="module")
def records(node):  # type: ignore[no-untyped-def]
    run = uuid.uuid4().hex[:8]
    out = {}
    for kind, (parties, countries) in KINDS.items():
        ref = f"m-{run}/{kind}"  # ids with a slash, as the demo's own
        outcome = node.client(parties[0]).submit("deals", "record", {"kind": kind, "ref": ref, "parties": parties,
                                                                      "countries": countries})
        assert outcome["code"] == "VALID", outcome
        out[kind] = {"ns": "deals", "key": f"{kind}/{ref}", "tx_id": outcome["tx_id"], "block": outcome["block"],
                     "parties": node.client(parties[0]).get("deals", f"{kind}/{ref}")["parties"],
                     "query": ("deals", "get", {"kind": kind, "ref": ref})}
    lc_id = f"LC-M-{run}"
    open_credit(node.actors(), StoryReport(), lc_id, credit_terms(today()))
    lc = node.client("KLTB").get("letter_of_credit", f"lc/{lc_id}")
    tx = node.client("KLTB").history("letter_of_credit", f"lc/{lc_id}")["versions"][-1]["version"]
    block = node.client("KLTB").block(tx[0])
    out["letter_of_credit"] = {"ns": "letter_of_credit", "key": f"lc/{lc_id}", "route": f"/v1/credits/{lc_id}",
                               "tx_id": block["transactions"][tx[1]]["tx_id"], "block": tx[0],
                               "parties": lc["parties"],  # as the access decision names them
                               "query": ("letter_of_credit", "get", {"lc_id": lc_id})}
    out["claim"] = scf_claim(node, run)
    return out


def scf_claim(node, run: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """A supply-chain finance claim passed down a tier: the anchor, the supplier that held it and
    the one that holds it now are its parties, none of them named in a `parties` list."""
    due = (dt.date.today() + dt.timedelta(days=90)).isoformat()
    programme = f"M-{run}"
    opened = node.client("SZ-AUTO").submit("scf", "open_programme", {"programme": programme, "currency": "CNY", "banks": ["SZBANK"],
                                                                       "max_tenor_days": 180, "max_rate_bp": 800})
    assert opened["code"] == "VALID", opened
    root = node.client("SZ-AUTO").submit("scf", "confirm", {"programme": programme, "supplier": "T1-SEATS",
                                                             "invoice_number": f"INV-{run}", "amount": 100_00,
                                                             "currency": "CNY", "due_date": due})["response"]["claim"]
    part = node.client("T1-SEATS").submit("scf", "split", {"claim_id": root, "amounts": [40_00, 60_00]})["response"]["parts"][1]["claim"]
    moved = node.client("T1-SEATS").submit("scf", "transfer", {"claim_id": part, "to": "T2-FOAM"})
    assert moved["code"] == "VALID", moved
    claim = node.client("T2-FOAM").get("scf", f"claim/{part}")["value"]
    return {"ns": "scf", "key": f"claim/{part}", "route": f"/v1/scf/claims/{part}", "tx_id": moved["tx_id"],
            "block": moved["block"], "parties": {claim["anchor"], *claim["holders"]},
            "query": ("scf", "claim", {"claim_id": part})}


def paths(client: Any, rec: dict[str, Any], supervisor: bool) -> dict[str, tuple[int, Any]]:
    """The status of each read path for one reader and one record (200 or the refusal's)."""
    ns, key = rec["ns"], rec["key"]
    got = {
        "state": answer(lambda: client.get(ns, key, purpose=PURPOSE)),
        "history": answer(lambda: client._get(f"/v1/history/{ns}/{key}", purpose=PURPOSE)),
        "transaction": answer(lambda: client._get(f"/v1/transactions/{rec['tx_id']}", purpose=PURPOSE)),
        "proof": answer(lambda: client.proof(rec["tx_id"], purpose=PURPOSE)),
    }
    listed = client._get(f"/v1/state/{ns}", prefix=key, purpose=PURPOSE)["records"]
    got["list"] = (200, None) if any(r["key"] == f"{ns}:{key}" for r in listed) else (403, "FORBIDDEN")
    if "route" in rec:
        got["route"] = answer(lambda: client._get(rec["route"], purpose=PURPOSE))
    got["query"] = answer(lambda: client.ask(*rec["query"], purpose=PURPOSE))
    if supervisor:
        found = client.oversight_records(namespace=ns, prefix=key, purpose=PURPOSE)["records"]
        got["export"] = (200, None) if any(r["key"] == f"{ns}:{key}" for r in found) else (403, "FORBIDDEN")
    return {path: (status, None) for path, (status, _) in got.items()} | {"_state": got["state"], "_query": got["query"]}


def events_of_block(client: Any, number: int) -> set[str]:
    """The tx ids of the events the reader sees in one block (the stream is left after it)."""
    found = set()
    for event in client.events(from_block=number):
        if event["block"] != number:
            break
        found.add(event["tx_id"])
    return found


@pytest.mark.parametrize("org", [o["id"] for o in DEMO_ORGS])
def test_every_read_path_gives_the_same_answer(node, records, org):  # type: ignore[no-untyped-def]
    client = node.client(org)
    for kind, rec in records.items():
        got = paths(client, rec, org in SUPERVISORS)
        status, state = got.pop("_state")
        _, query = got.pop("_query")
        statuses = {path: s for path, (s, _) in got.items()}
        assert set(statuses.values()) == {status} and status in (200, 403), (org, kind, statuses)
        party = status == 200 and "access" not in state
        assert party == (org in rec["parties"]), (org, kind)
        if status == 200 and not party:
            assert org in SUPERVISORS and state["access"], (org, kind)  # logged before it was answered
            assert query["access"], (org, kind)  # the query's read is logged too
        if status == 200:  # the query answers the record as it is, to a party or a supervisor
            assert all(query["response"].get(f) == state["value"].get(f) for f in ("parties", "holders", "id")), (org, kind)
        in_block = any(t["tx_id"] == rec["tx_id"] and "envelope" in t for t in client.block(rec["block"])["transactions"])
        assert in_block == party, (org, kind)
        if rec["ns"] == "deals":  # a deal's record always emits an event
            assert (rec["tx_id"] in events_of_block(client, rec["block"])) == party, (org, kind)


def test_listed_keys_round_trip(node, records):  # type: ignore[no-untyped-def]
    client = node.client("PAMPA-AGRO")
    listed = client._get("/v1/state/deals", prefix=records["deal"]["key"])["records"]
    assert [r["key"] for r in listed] == [f"deals:{records['deal']['key']}"]
    for r in listed:  # a listed key, passed back as it came, reads the same record
        ns, _, key = r["key"].partition(":")
        assert client.get(ns, r["key"])["value"] == r["value"]
        assert client.get(ns, key)["value"] == r["value"]


def test_a_supervisor_must_state_a_purpose(node, records):  # type: ignore[no-untyped-def]
    customs = node.client("KE-CUSTOMS")
    rec = records["shipment"]
    before = len(node.client("EA-LINES").oversight_log())
    for read in (lambda: customs.get(rec["ns"], rec["key"]), lambda: customs.proof(rec["tx_id"]),
                 lambda: customs._get(f"/v1/history/{rec['ns']}/{rec['key']}"), lambda: customs.ask(*rec["query"])):
        assert answer(read) == (400, "PURPOSE_REQUIRED")
    assert len(node.client("EA-LINES").oversight_log()) == before  # nothing read, nothing logged
    assert customs.get(rec["ns"], rec["key"], purpose="transit check")["access"]
