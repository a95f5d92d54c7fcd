"""EPCIS over the node API in both modes. In the network mode the capturing organisation's node
keeps the bodies and sends them, with the anchoring transaction, only to the nodes of those it
shares with: an organisation served by another node reads them there; one it did not share with
reads nothing."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from baobab.core.errors import BaobabError
from baobab.trace import service as _codes  # noqa: F401 (registers the EPCIS error codes this client reads)
from tests.api.conftest import node  # noqa: F401 (the API tests' nodes, in both modes)

EXAMPLE = Path(__file__).parent / "epcis_examples" / "Example_9.6.3-AggregationEvent.jsonld"
COOP, FAR_AWAY, NOT_SHARED = "SIDAMA-COOP", "KL-FOODS", "PAMPA-AGRO"  # served by three different nodes in network mode


def events(client) -> list[dict]:
    return client.request("GET", "/v1/epcis/events").json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def test_events_shared_with_an_organisation_on_another_node_reach_it_and_no_one_else(node):  # noqa: F811
    doc = json.loads(EXAMPLE.read_text("utf-8"))
    doc["epcisBody"]["eventList"][0]["eventTime"] = "2026-02-01T10:00:00Z"  # unlike any other test's event
    job = node.client(COOP).request("POST", "/v1/epcis/capture", params={"shareWith": [FAR_AWAY]}, body=doc).json()
    assert job["success"]
    event_id = job["eventIDs"][0]
    far = node.client(FAR_AWAY)
    shown = far.request("GET", "/v1/epcis/events/" + quote(event_id, safe="")).json()
    assert shown["event"] == doc["epcisBody"]["eventList"][0] and shown["verification"]["valid"]
    assert doc["epcisBody"]["eventList"][0] in events(far)
    assert doc["epcisBody"]["eventList"][0] not in events(node.client(NOT_SHARED))
    with pytest.raises(BaobabError) as refused:
        node.client(NOT_SHARED).request("GET", "/v1/epcis/events/" + quote(event_id, safe=""))
    assert refused.value.code == "EPCIS_NOT_FOUND"
