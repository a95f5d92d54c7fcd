"""EPCIS 2.0 documents against the GS1 JSON schema: the 47 official examples are accepted, and a
malformed document is refused with EPCIS_INVALID naming the failing field."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from baobab.core.errors import BaobabError
from baobab.trace.validation import _validator, capture_events, validate

EXAMPLES = Path(__file__).parent / "epcis_examples"
FILES = sorted(EXAMPLES.rglob("*.jsonld"))


def load(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text("utf-8"))


def refusal(document: dict) -> BaobabError:
    with pytest.raises(BaobabError) as info:
        validate(document)
    assert info.value.code == "EPCIS_INVALID"
    return info.value


def test_all_47_official_examples_are_here():
    assert len(FILES) == 47


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(EXAMPLES)))
def test_official_example_is_accepted(path):
    document = json.loads(path.read_text("utf-8"))
    validate(document)
    assert _validator().is_valid(document)  # the explaining validator agrees with the deciding one


def test_an_unknown_action_is_refused_naming_it():
    doc = load("Example_9.6.1-ObjectEvent.jsonld")
    doc["epcisBody"]["eventList"][0]["action"] = "SHRED"
    error = refusal(doc)
    assert error.detail["field"] == "/epcisBody/eventList/0/action"
    assert "SHRED" in error.message


def test_a_malformed_event_time_is_refused_naming_it():
    doc = load("Example_9.6.1-ObjectEvent.jsonld")
    doc["epcisBody"]["eventList"][1]["eventTime"] = "yesterday at noon"
    assert refusal(doc).detail["field"] == "/epcisBody/eventList/1/eventTime"


def test_an_object_event_without_its_action_is_refused():
    doc = load("Example_9.6.2-ObjectEvent.jsonld")
    del doc["epcisBody"]["eventList"][0]["action"]
    error = refusal(doc)
    assert error.detail["field"].startswith("/epcisBody/eventList/0")
    assert "action" in error.message


def test_a_quantity_that_is_not_a_number_is_refused_naming_it():
    doc = load("Example_9.6.4-TransformationEvent.jsonld")
    event = doc["epcisBody"]["eventList"][0]
    event["inputQuantityList"][0]["quantity"] = "two hundred"
    assert refusal(doc).detail["field"] == "/epcisBody/eventList/0/inputQuantityList/0/quantity"


def test_a_document_without_its_schema_version_is_refused():
    doc = load("Example_9.6.3-AggregationEvent.jsonld")
    del doc["schemaVersion"]
    assert "schemaVersion" in refusal(doc).message


def test_capture_takes_the_events_of_an_epcis_document():
    doc = load("Example_9.6.3-AggregationEvent.jsonld")
    events = capture_events(copy.deepcopy(doc))
    assert [e["type"] for e in events] == [e["type"] for e in doc["epcisBody"]["eventList"]]


def test_capture_refuses_a_query_document():
    with pytest.raises(BaobabError) as info:
        capture_events(load("EPCISQueryDocument.jsonld"))
    assert info.value.code == "EPCIS_NOT_CAPTURE"
    assert info.value.detail["field"] == "/type"
