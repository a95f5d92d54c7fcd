"""Key-level endorsement ("the parties recorded on this key") and phantom protection."""

from __future__ import annotations

import pytest

from baobab.core.errors import BaobabError
from tests.conftest import Net
from tests.governing import govern


def test_a_record_needs_its_own_banks_not_any_bank(deals_net: Net) -> None:
    net = deals_net
    net.submit("KEBANK", "deals", "open", {"deal": "d1", "banks": ["KEBANK", "MYBANK"]})
    # the node chooses endorsers from the recorded policy: both recorded banks sign
    out = net.submit("ARBANK", "deals", "close", {"deal": "d1"})
    assert out.valid
    envelope = net.node.block(out.block)["transactions"][out.index]
    assert {e["org"] for e in envelope["endorsements"]} >= {"KEBANK", "MYBANK"}


def test_endorsements_from_other_banks_do_not_satisfy_a_recorded_policy(deals_net: Net) -> None:
    net = deals_net
    net.submit("KEBANK", "deals", "open", {"deal": "d1", "banks": ["KEBANK", "MYBANK"]})
    env = net.node.endorse(net.identity("ARBANK").proposal("deals", "close", {"deal": "d1"}))
    env["endorsements"] = [{"org": "ARBANK", "signature": net.node.peer_keys["ARBANK"].sign("endorsement", env["result"])}]
    assert net.node.order(env).code == "ENDORSEMENT_POLICY_FAILURE"
    assert net.node.get("deals", "deal/d1")["value"]["status"] == "open"


def test_recorded_parties_that_are_all_suspended_make_endorsement_impossible(deals_net: Net) -> None:
    net = deals_net
    net.submit("KEBANK", "deals", "open", {"deal": "d2", "banks": ["MYBANK"]})
    govern(lambda org, fn, args: net.submit(org, "governance", fn, args).response, ["KEBANK", "ARBANK"],
           "suspend_org", {"org_id": "MYBANK", "reason": "licence withdrawn"})
    with pytest.raises(BaobabError) as e:
        net.submit("KEBANK", "deals", "close", {"deal": "d2"})
    assert e.value.code == "ENDORSEMENT_POLICY_FAILURE"


def test_range_read_is_invalidated_by_a_new_key(deals_net: Net) -> None:
    net = deals_net
    net.submit("KEBANK", "deals", "note", {"name": "n1"})
    counting = net.node.endorse(net.identity("KEBANK").proposal("deals", "count_notes", {}))
    net.submit("KEBANK", "deals", "note", {"name": "n2"})
    assert net.node.order(counting).code == "PHANTOM_READ_CONFLICT"
    assert net.submit("KEBANK", "deals", "count_notes", {}).response == 2


def test_floats_cannot_be_stored(deals_net: Net) -> None:
    with pytest.raises(BaobabError) as e:
        deals_net.submit("KEBANK", "deals", "note", {"name": "n", "value": {"price": 1.5}})
    assert e.value.code == "FLOAT_NOT_ALLOWED"
