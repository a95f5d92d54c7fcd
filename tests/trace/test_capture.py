"""EPCIS capture and query through the node's API: events kept by the capturing organisation and
those it shares with, anchored by batch on the ledger, each provable unchanged and timely."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from urllib.parse import quote

import pytest

from baobab.core.errors import BaobabError
from baobab.gateway import gateway_of
from baobab.trace.service import TraceService
from baobab.trace.validation import validate

EXAMPLES = Path(__file__).parent / "epcis_examples"
COOP, ROASTER, OUTSIDER = "SIDAMA-COOP", "ROAST-NL", "KL-FOODS"


def example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text("utf-8"))


def capture(api, org: str, doc: dict, share_with: list[str] = ()) -> dict:
    params = {"shareWith": list(share_with)} if share_with else None
    response = api.client(org).request("POST", "/v1/epcis/capture", params=params, body=doc)
    assert response.status_code == 202
    assert response.headers["location"] == f"/v1/epcis/capture/{response.json()['captureID']}"
    return response.json()


def event_url(event_id: str) -> str:
    return "/v1/epcis/events/" + quote(event_id, safe="")


def problem(call) -> BaobabError:
    with pytest.raises(BaobabError) as info:
        call()
    return info.value


def test_a_capture_is_anchored_and_each_event_comes_back_with_its_proof(api):
    doc = example("Example_9.6.1-ObjectEvent.jsonld")
    job = capture(api, COOP, doc, [ROASTER])
    assert job["success"] and job["anchor"]["size"] == 2 and job["anchor"]["members"] == sorted([COOP, ROASTER])
    on_ledger = api.client(COOP).query("epcis", "batch", {"batch_id": job["captureID"]})
    assert on_ledger["merkle_root"] == job["anchor"]["merkle_root"]
    for i, event_id in enumerate(job["eventIDs"]):
        shown = api.client(ROASTER).request("GET", event_url(event_id)).json()
        assert shown["event"] == doc["epcisBody"]["eventList"][i]
        assert shown["verification"] == {**shown["verification"], "valid": True, "intact": True, "timely": True}


def test_the_query_answers_an_epcis_query_document_of_what_the_caller_may_read(api):
    capture(api, COOP, example("Example_9.6.1-ObjectEvent.jsonld"), [ROASTER])
    capture(api, COOP, example("Example_9.6.3-AggregationEvent.jsonld"))  # kept to itself
    mine = api.client(COOP).request("GET", "/v1/epcis/events").json()
    validate(mine)
    assert mine["type"] == "EPCISQueryDocument"
    assert len(mine["epcisBody"]["queryResults"]["resultsBody"]["eventList"]) == 2 + 1
    theirs = api.client(ROASTER).request("GET", "/v1/epcis/events").json()["epcisBody"]["queryResults"]["resultsBody"]
    assert {e["type"] for e in theirs["eventList"]} == {"ObjectEvent"}
    outsider = api.client(OUTSIDER).request("GET", "/v1/epcis/events").json()["epcisBody"]["queryResults"]["resultsBody"]
    assert outsider["eventList"] == []


def test_query_filters_by_type_step_key_and_time(api):
    capture(api, COOP, example("Example_9.6.1-ObjectEvent.jsonld"))
    capture(api, COOP, example("Example_9.6.3-AggregationEvent.jsonld"))
    client = api.client(COOP)

    def found(**params) -> list[dict]:
        return client.request("GET", "/v1/epcis/events", params=params).json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]

    assert {e["type"] for e in found(eventType="AggregationEvent")} == {"AggregationEvent"}
    assert [e["type"] for e in found(EQ_bizStep="receiving")] == ["ObjectEvent", "AggregationEvent"]
    # a key in its Digital Link form finds the events that named it as an EPC URN (shipped,
    # then packed into a pallet), and not the receiving of other items
    urn_named = found(MATCH_anyEPC="https://id.gs1.org/01/10614141073464/21/2017")
    assert [(e["type"], e["bizStep"]) for e in urn_named] == [("ObjectEvent", "shipping"), ("AggregationEvent", "receiving")]
    assert found(MATCH_anyEPC="https://id.gs1.org/01/10614141073464/21/9999") == []
    # the first event was at 2005-04-04T02:33:31Z (20:33:31 at -06:00 the day before)
    assert len(found(GE_eventTime="2005-04-04T03:00:00Z")) == 1 + 1
    assert len(found(LT_eventTime="2005-04-04T03:00:00+00:00")) == 1


def test_an_outsider_cannot_read_an_event_or_its_capture(api):
    job = capture(api, COOP, example("Example_9.6.1-ObjectEvent.jsonld"), [ROASTER])
    error = problem(lambda: api.client(OUTSIDER).request("GET", event_url(job["eventIDs"][0])))
    assert error.code == "EPCIS_NOT_FOUND"
    assert problem(lambda: api.client(OUTSIDER).request("GET", f"/v1/epcis/capture/{job['captureID']}")).code == "EPCIS_NOT_FOUND"


def test_a_tampered_event_is_shown_changed_and_an_untimely_one_late(api):
    job = capture(api, COOP, example("Example_9.6.1-ObjectEvent.jsonld"), [ROASTER])
    shown = api.client(COOP).request("GET", event_url(job["eventIDs"][0])).json()
    verify = lambda event, proof: api.client(ROASTER).request("POST", "/v1/epcis/verify", body={"event": event, "proof": proof}).json()  # noqa: E731
    assert verify(shown["event"], shown["proof"])["valid"]
    changed = copy.deepcopy(shown["event"])
    changed["epcList"].append("urn:epc:id:sgtin:0614141.107346.2019")
    verdict = verify(changed, shown["proof"])
    assert not verdict["valid"] and not verdict["intact"]
    later = {**shown["event"], "eventTime": "2099-01-01T00:00:00Z"}
    forged_proof = {**shown["proof"], "event_hash": __import__("baobab.core.hashing", fromlist=["digest_hex"]).digest_hex(later)}
    verdict = verify(later, forged_proof)
    assert not verdict["intact"] and not verdict["timely"] and not verdict["valid"]
    wrong_place = {**shown["proof"], "position": 1}
    assert not verify(shown["event"], wrong_place)["intact"]


def test_a_malformed_document_is_refused_naming_the_field_and_nothing_is_kept(api):
    doc = example("Example_9.6.2-ObjectEvent.jsonld")
    doc["epcisBody"]["eventList"][0]["action"] = "MAYBE"
    error = problem(lambda: api.client(COOP).request("POST", "/v1/epcis/capture", body=doc))
    assert error.code == "EPCIS_INVALID" and error.detail["field"] == "/epcisBody/eventList/0/action"
    assert error.detail["status"] == 400
    empty = api.client(COOP).request("GET", "/v1/epcis/events").json()["epcisBody"]["queryResults"]["resultsBody"]
    assert empty["eventList"] == []
    assert api.client(COOP).query("epcis", "shared_with_me", {}) == []


def test_an_event_is_captured_once(api):
    doc = example("Example_9.6.1-ObjectEvent.jsonld")
    capture(api, COOP, doc)
    error = problem(lambda: api.client(COOP).request("POST", "/v1/epcis/capture", body=doc))
    assert error.code == "EPCIS_DUPLICATE" and error.detail["field"] == "/epcisBody/eventList/0"


def test_a_capture_kept_but_not_anchored_before_a_crash_is_anchored_on_reopening(api, tmp_path):
    service = TraceService.at(gateway_of(api.net.node, keys_dir=api.net.path / "keys"), api.net.path)
    doc = example("Example_9.6.3-AggregationEvent.jsonld")
    from baobab.trace import anchoring
    from baobab.trace.store import event_hash
    events = doc["epcisBody"]["eventList"]
    hashes = [event_hash(e) for e in events]
    # the crash: kept (acknowledged to nobody yet) but the anchoring never submitted
    service.store.add_batch("SIDAMA-COOP/crashed", COOP, [COOP], doc["@context"], anchoring.root_of(hashes),
                            events, hashes, "2026-01-01T00:00:00Z")
    assert service.store.pending_batches() == ["SIDAMA-COOP/crashed"]
    assert service.anchor_pending() == 1
    assert service.store.pending_batches() == []
    assert api.client(COOP).query("epcis", "batch", {"batch_id": "SIDAMA-COOP/crashed"})["size"] == len(events)
    # anchoring again finds it on the ledger and does not anchor twice
    assert service.anchor("SIDAMA-COOP/crashed")["anchor"]["tx_id"] == api.client(COOP).query(
        "epcis", "batch", {"batch_id": "SIDAMA-COOP/crashed"})["tx_id"]


def test_the_ledger_refuses_a_batch_of_events_from_the_future(api):
    error = problem(lambda: api.client(COOP).submit("epcis", "anchor", {
        "batch_id": "SIDAMA-COOP/future", "merkle_root": "0" * 64, "size": 1, "members": [COOP],
        "latest_event_time": "2999-01-01T00:00:00Z"}))
    assert error.detail.get("reason") == "EVENT_IN_FUTURE" or "EVENT_IN_FUTURE" in str(error.detail)


def test_an_event_from_the_future_is_refused_before_anything_is_kept(api):
    doc = example("Example_9.6.1-ObjectEvent.jsonld")
    doc["epcisBody"]["eventList"][1]["eventTime"] = "2999-01-01T00:00:00+03:00"
    error = problem(lambda: api.client(COOP).request("POST", "/v1/epcis/capture", body=doc))
    assert error.code == "EPCIS_EVENT_IN_FUTURE" and error.detail["field"] == "/epcisBody/eventList/1/eventTime"
    assert api.client(COOP).request("GET", "/v1/epcis/events").json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []


def test_the_api_document_describes_a_capture_with_the_gs1_schema(api):
    doc = api.http.get("/openapi.json").json()
    body = doc["paths"]["/v1/epcis/capture"]["post"]["requestBody"]["content"]["application/ld+json"]["schema"]
    assert body["allOf"][0] == {"$ref": "#/components/schemas/EPCIS_epcisDocument"}
    assert "EPCIS_ObjectEvent" in doc["components"]["schemas"]


def test_sharing_with_an_unknown_organisation_is_refused_before_anything_is_kept(api):
    doc = example("Example_9.6.1-ObjectEvent.jsonld")
    error = problem(lambda: api.client(COOP).request("POST", "/v1/epcis/capture", params={"shareWith": ["NOBODY-HERE"]}, body=doc))
    assert error.code == "UNKNOWN_ORG"
    assert api.client(COOP).request("GET", "/v1/epcis/events").json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []
