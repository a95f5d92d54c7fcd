"""Goods declarations on the ledger: lodged by a trader with the customs of the country the
goods enter, screened and decided by that customs alone, statuses only forward, every refusal
with its reason and nothing changed."""

from __future__ import annotations

from typing import Any

import pytest

from baobab.core.errors import BaobabError
from tests.conftest import Net

ITEM = {"hs_code": "090111", "description": "green coffee, not roasted", "origin": "ET", "quantity": 19_200, "unit": "KGM",
        "value": {"currency": "USD", "minor": 8_064_000}}


def lodge(net: Net, declaration_id: str = "KE-IM-0001", **changes: Any) -> Any:
    args = {"declaration_id": declaration_id, "customs": "CUSTOMS", "procedure": "import", "items": [ITEM],
            "countries": {"origin": "ET", "destination": "KE"}, **changes}
    return net.submit("TRADER", "customs_declarations", "lodge", args)


def refused(reason: str, call: Any) -> None:
    with pytest.raises(BaobabError) as caught:
        call()
    assert caught.value.detail.get("reason") == reason, caught.value


def test_lodged_screened_and_rejected_by_the_customs_of_the_destination(net: Net) -> None:
    lodge(net)
    net.submit("CUSTOMS", "customs_declarations", "screen",
               {"declaration_id": "KE-IM-0001", "channel": "red", "flags": ["unit value 0.42 below 3.80-4.60 (40 comparables)"]})
    refused("WRONG_STATE", lambda: net.submit("CUSTOMS", "customs_declarations", "decide",
                                              {"declaration_id": "KE-IM-0001", "outcome": "released"}))  # not assessed
    net.submit("CUSTOMS", "customs_declarations", "decide", {"declaration_id": "KE-IM-0001", "outcome": "rejected",
                                                            "note": "the invoice is not the one the seller issued"})
    record = net.query("TRADER", "customs_declarations", "get", {"declaration_id": "KE-IM-0001"})
    assert [h["status"] for h in record["history"]] == ["lodged", "under control", "rejected"]
    assert record["channel"] == "red" and record["flags"][0].startswith("unit value 0.42")


def test_only_a_trader_lodges_and_only_that_customs_screens_and_decides(net: Net) -> None:
    height = net.node.height()
    refused("NOT_ALLOWED", lambda: net.submit("KEBANK", "customs_declarations", "lodge",
                                              {"declaration_id": "X", "customs": "CUSTOMS", "procedure": "import", "items": [ITEM],
                                               "countries": {"origin": "ET", "destination": "KE"}}))
    lodge(net)
    refused("NOT_ALLOWED", lambda: net.submit("KEBANK", "customs_declarations", "screen",
                                              {"declaration_id": "KE-IM-0001", "channel": "green"}))
    refused("NOT_FOUND", lambda: net.query("MYBANK", "customs_declarations", "get", {"declaration_id": "KE-IM-0001"}))
    assert net.node.height() == height + 1  # only the lodging was ordered


@pytest.mark.parametrize("changes, reason", [
    ({"customs": "KEBANK"}, "WRONG_CUSTOMS"),                                       # not a customs
    ({"countries": {"origin": "ET", "destination": "NL"}}, "WRONG_CUSTOMS"),        # Kenya's customs, goods bound for NL
    ({"items": [{**ITEM, "hs_code": "9011"}]}, "BAD_ITEM"),
    ({"items": [{**ITEM, "quantity": 0}]}, "BAD_ITEM"),
    ({"items": [{**ITEM, "value": {"currency": "USD", "minor": 1.5}}]}, "BAD_ITEM"),
    ({"items": []}, "BAD_ITEM"),
    ({"documents": ["ab" * 32]}, "DOCUMENT_NOT_ON_LEDGER"),                         # not in the registry
    ({"shipment": {"transport": {"mode": "sea", "document": "BL-1", "loading": "Mombasa", "discharge": "ETADD"}}},
     "BAD_SHIPMENT"),                                                                # a place that is not a UN/LOCODE
])
def test_a_bad_declaration_is_refused_with_its_reason(net: Net, changes: dict, reason: str) -> None:  # type: ignore[type-arg]
    refused(reason, lambda: lodge(net, **changes))


def test_statuses_only_move_forward(net: Net) -> None:
    lodge(net)
    refused("WRONG_STATE", lambda: net.submit("CUSTOMS", "customs_declarations", "decide",
                                              {"declaration_id": "KE-IM-0001", "outcome": "released"}))
    net.submit("CUSTOMS", "customs_declarations", "screen", {"declaration_id": "KE-IM-0001", "channel": "green"})
    refused("WRONG_STATE", lambda: net.submit("CUSTOMS", "customs_declarations", "screen",
                                              {"declaration_id": "KE-IM-0001", "channel": "red"}))
    refused("ALREADY_EXISTS", lambda: lodge(net))
