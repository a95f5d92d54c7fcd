"""Membership changes only through governance transactions meeting the governance policy."""

from __future__ import annotations

import pytest

from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey
from baobab.ledger.audit import audit
from baobab.contracts import default_registry
from baobab.ledger.tx import make_proposal, sign_proposal
from tests.conftest import Net

NEW_ORG_KEY = PrivateKey.generate()
NEW_CLIENT_KEY = PrivateKey.generate()
NEW_ORG = {"id": "TZBANK", "name": "Tanzania Trade Bank", "country": "TZ", "roles": ["bank"],
           "peer_key": NEW_ORG_KEY.public.text, "clients": {"app": NEW_CLIENT_KEY.public.text}}


def record(n: int) -> dict:
    """Arguments of an act any member may perform for itself (accounts are kept by banks only)."""
    return {"ref": f"t{n}", "private_hash": f"{n:064x}", "members": ["TRADER"]}


def test_admins_add_an_organisation_which_can_then_transact(net: Net) -> None:
    out = net.submit("KEBANK", "governance", "add_org", {"org": NEW_ORG})
    assert out.valid
    env = net.node.block(out.block)["transactions"][out.index]
    assert len(env["endorsements"]) >= 2  # a majority of the three admins
    signed = sign_proposal(make_proposal(net.node.network, "TZBANK/app", "accounts", "open",
                                         {"account": "tz1", "currency": "TZS"}), NEW_CLIENT_KEY)
    net.node.peer_keys["TZBANK"] = NEW_ORG_KEY  # the new member's peer joins the node
    assert net.node.submit(signed).valid


def test_one_admin_alone_cannot_change_membership(net: Net) -> None:
    env = net.node.endorse(net.identity("KEBANK").proposal("governance", "add_org", {"org": NEW_ORG}))
    env["endorsements"] = [e for e in env["endorsements"] if e["org"] == "KEBANK"]
    assert net.node.order(env).code == "ENDORSEMENT_POLICY_FAILURE"
    with pytest.raises(BaobabError) as e:
        net.query("KEBANK", "governance", "get_org", {"org_id": "TZBANK"})
    assert e.value.code == "CONTRACT_ERROR"


def test_only_admins_may_propose(net: Net) -> None:
    with pytest.raises(BaobabError) as e:
        net.submit("TRADER", "governance", "suspend_org", {"org_id": "CUSTOMS", "reason": "x"})
    assert e.value.code == "CONTRACT_ERROR"


def test_suspended_org_is_refused_but_its_history_stays_verifiable(net: Net) -> None:
    net.submit("KEBANK", "accounts", "open", {"account": "k1", "currency": "KES"})
    pending = net.node.endorse(net.identity("TRADER").proposal("private_records", "record", record(2)))
    net.submit("MYBANK", "governance", "suspend_org", {"org_id": "TRADER", "reason": "sanctions screening"})
    with pytest.raises(BaobabError) as e:
        net.submit("TRADER", "private_records", "record", record(3))
    assert e.value.code == "ORG_SUSPENDED"
    assert net.node.order(pending).code == "ORG_SUSPENDED"  # endorsed before, ordered after
    assert audit(net.node.store, default_registry()).ok
    net.submit("MYBANK", "governance", "reinstate_org", {"org_id": "TRADER", "reason": "cleared"})
    assert net.submit("TRADER", "private_records", "record", record(4)).valid


def test_rekeying_retires_the_old_client_key_without_breaking_history(net: Net) -> None:
    old = net.identity("TRADER")
    assert net.submit("TRADER", "private_records", "record", record(1)).valid
    fresh = PrivateKey.generate()
    net.submit("KEBANK", "governance", "rekey_org", {"org_id": "TRADER", "clients": {"app": fresh.public.text}})
    with pytest.raises(BaobabError) as e:
        net.node.submit(old.proposal("private_records", "record", record(2)))
    assert e.value.code == "BAD_SIGNATURE"
    signed = sign_proposal(make_proposal(net.node.network, "TRADER/app", "private_records", "record", record(2)), fresh)
    assert net.node.submit(signed).valid
    report = audit(net.node.store, default_registry())
    assert report.ok, report.problem


@pytest.mark.parametrize("org, message", [
    ({**NEW_ORG, "country": "XX"}, "country"),
    ({**NEW_ORG, "roles": ["wizard"]}, "roles"),
    ({**NEW_ORG, "peer_key": "AAAA"}, "32 bytes"),
])
def test_bad_organisation_records_are_refused(net: Net, org: dict, message: str) -> None:
    with pytest.raises(BaobabError) as e:
        net.submit("KEBANK", "governance", "add_org", {"org": org})
    assert e.value.code == "CONTRACT_ERROR" and message in e.value.message
