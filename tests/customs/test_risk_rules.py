"""The risk rules a customs office keeps on the ledger: added, changed and disabled by its officers,
each change a new version with who made it, when, and what the rule was before and after; a
screening computed with superseded rules refused; the outcomes of control recorded once, on
declarations sent to control only, and fed back as the trader history and each rule's hit rate."""

from __future__ import annotations

from typing import Any

from baobab.customs import risk
from tests.conftest import Net
from tests.customs.test_declarations import ITEM, lodge, refused

R, D = "customs_risk", "customs_declarations"
ORIGIN_RULE = {"id": "ORIGIN-ET", "kind": "origin", "channel": "yellow", "reason": "coffee origin under watch", "match": "ET"}


def rules(net: Net) -> dict[str, Any]:
    return net.query("CUSTOMS", R, "rules", {})  # type: ignore[no-any-return]


def screen_at_office(net: Net, declaration_id: str) -> dict[str, Any]:
    queue = net.query("CUSTOMS", D, "queue", {})
    record = next(d for d in queue if d["id"] == declaration_id)
    return risk.screen_at_office(queue, record, rules(net), net.query("CUSTOMS", R, "outcomes", {}))


def test_rules_are_versioned_with_who_changed_what_and_when(net: Net) -> None:
    assert rules(net)["version"] == 0 and [r.id for r in risk.office_rules(rules(net))] == ["PRICE", "MIRROR", "HISTORY"]
    net.submit("CUSTOMS", R, "set_rule", {"rule": ORIGIN_RULE, "officer": "hiwot"})
    net.submit("CUSTOMS", R, "set_rule", {"rule": {**ORIGIN_RULE, "channel": "red"}})
    net.submit("CUSTOMS", R, "enable_rule", {"rule_id": "ORIGIN-ET"})
    record = rules(net)
    assert record["version"] == 3 and record["rules"]["ORIGIN-ET"]["enabled"] is False
    assert [(c["version"], c["what"], c["by"]) for c in record["changes"]] == [
        (1, "added", "CUSTOMS/app"), (2, "changed", "CUSTOMS/app"), (3, "disabled", "CUSTOMS/app")]
    assert record["changes"][0]["officer"] == "hiwot" and record["changes"][0]["at"].endswith("Z")
    assert record["changes"][1]["before"]["channel"] == "yellow" and record["changes"][1]["after"]["channel"] == "red"
    net.submit("CUSTOMS", R, "set_rule", {"rule": {**ORIGIN_RULE, "channel": "red", "enabled": False}})
    assert rules(net)["version"] == 3                                          # nothing changed: no new version


def test_a_malformed_rule_or_a_stranger_is_refused_and_nothing_changes(net: Net) -> None:
    for bad in ({**ORIGIN_RULE, "match": "Ethiopia"}, {**ORIGIN_RULE, "kind": "weather"}, {**ORIGIN_RULE, "channel": "green"},
                {"id": "H", "kind": "history", "channel": "red", "reason": "x", "share": "1.5"},
                {"id": "P", "kind": "price", "channel": "red", "reason": "x", "z_limit": "0"},
                {"id": "P", "kind": "price", "channel": "red", "reason": "x", "iqr_factor": 1.5}):
        refused("BAD_RULE", lambda bad=bad: net.submit("CUSTOMS", R, "set_rule", {"rule": bad}))
    refused("NO_RULE", lambda: net.submit("CUSTOMS", R, "enable_rule", {"rule_id": "NEVER"}))
    refused("NOT_ALLOWED", lambda: net.submit("TRADER", R, "set_rule", {"rule": ORIGIN_RULE}))
    assert rules(net)["version"] == 0


def test_a_new_declaration_takes_its_channel_from_the_rules_in_force(net: Net) -> None:
    lodge(net, "KE-IM-R1")
    assert screen_at_office(net, "KE-IM-R1")["channel"] == "green"           # the defaults: nothing to say
    stale = screen_at_office(net, "KE-IM-R1")
    net.submit("CUSTOMS", R, "set_rule", {"rule": ORIGIN_RULE})
    refused("RULES_OUTDATED", lambda: net.submit("CUSTOMS", D, "screen", stale))
    assert net.query("CUSTOMS", D, "get", {"declaration_id": "KE-IM-R1"})["status"] == "lodged"
    fresh = screen_at_office(net, "KE-IM-R1")
    assert fresh["channel"] == "yellow" and fresh["rules_version"] == 1
    assert fresh["flags"] == ["ORIGIN-ET: coffee origin under watch (item 1 from ET)"]
    net.submit("CUSTOMS", D, "screen", fresh)
    assert net.query("TRADER", D, "get", {"declaration_id": "KE-IM-R1"})["rules_version"] == 1


def test_outcomes_of_control_feed_the_trader_history_and_the_hit_rate_of_each_rule(net: Net) -> None:
    net.submit("CUSTOMS", R, "set_rule", {"rule": ORIGIN_RULE})
    net.submit("CUSTOMS", R, "set_rule", {"rule": {"id": "HISTORY", "kind": "history", "channel": "red",
                                                   "reason": "this trader often fails control", "share": "0.5", "minimum": 2}})
    for n in (1, 2):
        lodge(net, f"KE-IM-O{n}")
        net.submit("CUSTOMS", D, "screen", screen_at_office(net, f"KE-IM-O{n}"))
    lodge(net, "KE-IM-GREEN", items=[{**ITEM, "origin": "BR"}])
    net.submit("CUSTOMS", D, "screen", screen_at_office(net, "KE-IM-GREEN"))
    refused("NOT_CONTROLLED", lambda: net.submit("CUSTOMS", R, "record_outcome", {"declaration_id": "KE-IM-GREEN", "found": True}))
    refused("BAD_OUTCOME", lambda: net.submit("CUSTOMS", R, "record_outcome",
                                              {"declaration_id": "KE-IM-O1", "found": True, "adjusted_values": {"9": 1}}))
    net.submit("CUSTOMS", R, "record_outcome", {"declaration_id": "KE-IM-O1", "found": True,
                                                "adjusted_values": {"1": 12_000_000}, "note": "invoice undervalued"})
    refused("ALREADY_EXISTS", lambda: net.submit("CUSTOMS", R, "record_outcome", {"declaration_id": "KE-IM-O1", "found": False}))
    net.submit("CUSTOMS", R, "record_outcome", {"declaration_id": "KE-IM-O2", "found": True})
    outcomes = net.query("CUSTOMS", R, "outcomes", {})
    assert [(o["declaration"], o["rules"], o["found"]) for o in outcomes] == [
        ("KE-IM-O1", ["ORIGIN-ET"], True), ("KE-IM-O2", ["ORIGIN-ET"], True)]
    assert outcomes[0]["adjusted"]["1"] == {"declared": ITEM["value"], "adjusted": {"currency": "USD", "minor": 12_000_000}}
    assert risk.hit_rates(outcomes) == {"ORIGIN-ET": (2, 2)}
    lodge(net, "KE-IM-O3", items=[{**ITEM, "origin": "BR"}])                 # no origin flag: the history speaks
    screened = screen_at_office(net, "KE-IM-O3")
    assert screened["channel"] == "red"
    assert screened["flags"] == ["HISTORY: this trader often fails control (TRADER: 100% of 2 controls found wrong)"]
    refused("NOT_FOUND", lambda: net.query("TRADER", R, "outcome", {"declaration_id": "KE-IM-O1"}))


ROSES = {"hs_code": "060311", "description": "fresh cut roses", "origin": "KE", "quantity": 1_000, "unit": "KGM",
         "value": {"currency": "USD", "minor": 2_000_000}}
INVOICE = {"number": "NFF-2026-118", "date": "2026-11-20", "currency": "USD", "total_minor": 2_000_000, "incoterms": "FCA",
           "incoterms_place": "Nairobi"}


def test_the_export_declaration_shared_by_the_origin_customs_is_mirrored_against_the_import(demo_net: Net) -> None:
    net = demo_net
    net.submit("NAIVASHA", D, "lodge", {"declaration_id": "KE-EX-M1", "customs": "KE-CUSTOMS", "procedure": "export",
                                         "items": [ROSES], "countries": {"origin": "KE", "destination": "ET"},
                                         "shipment": {"invoice": INVOICE}})
    refused("WRONG_CUSTOMS", lambda: net.submit("KE-CUSTOMS", D, "share", {"declaration_id": "KE-EX-M1", "customs": "NL-CUSTOMS"}))
    refused("NOT_FOUND", lambda: net.query("ET-CUSTOMS", D, "get", {"declaration_id": "KE-EX-M1"}))
    net.submit("KE-CUSTOMS", D, "share", {"declaration_id": "KE-EX-M1", "customs": "ET-CUSTOMS"})
    assert net.query("ET-CUSTOMS", D, "get", {"declaration_id": "KE-EX-M1"})["shared_with"] == ["ET-CUSTOMS"]
    cheap = {**ROSES, "value": {"currency": "USD", "minor": 1_200_000}}         # 40% under what was exported
    for declaration_id, item in (("ET-IM-M1", cheap), ("ET-IM-M2", {**ROSES, "value": {"currency": "USD", "minor": 2_150_000}})):
        net.submit("ADDIS-IMPORT", D, "lodge", {"declaration_id": declaration_id, "customs": "ET-CUSTOMS", "procedure": "import",
                                                 "items": [item], "countries": {"origin": "KE", "destination": "ET"},
                                                 "shipment": {"invoice": INVOICE}})
    exports = net.query("ET-CUSTOMS", D, "shared", {})
    queue = net.query("ET-CUSTOMS", D, "queue", {})
    rules = net.query("ET-CUSTOMS", R, "rules", {})
    under = risk.screen_at_office(queue, queue[0], rules, [], exports)
    assert under["channel"] == "red" and len(under["flags"]) == 1
    assert under["flags"][0].startswith("MIRROR: the export declaration of this shipment says otherwise: item 1 unit value 1")
    assert "export declaration KE-EX-M1" in under["flags"][0]
    assert risk.screen_at_office(queue, queue[1], rules, [], exports)["channel"] == "green"   # freight within 10%
