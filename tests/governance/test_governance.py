"""Governance by a quorum of admins' signed approvals (ledger/governance.py), not by endorsements."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from baobab.contracts import default_registry
from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey
from baobab.ledger.audit import audit
from baobab.ledger.tx import make_proposal, sign_proposal
from tests.conftest import Net
from tests.governing import govern

NEW_ORG_KEY = PrivateKey.generate()
NEW_CLIENT_KEY = PrivateKey.generate()
NEW_ORG = {"id": "TZBANK", "name": "Tanzania Trade Bank", "country": "TZ", "roles": ["bank"],
           "peer_key": NEW_ORG_KEY.public.text, "clients": {"app": NEW_CLIENT_KEY.public.text}}
ADMINS = ["KEBANK", "MYBANK", "ARBANK"]  # tests.conftest's network; its quorum is the default majority, 2
G = "governance"


def ok(net: Net, org: str, function: str, args: dict[str, Any]) -> Any:
    outcome = net.submit(org, G, function, args)
    assert outcome.valid, outcome
    return outcome.response


def refused(net: Net, org: str, function: str, args: dict[str, Any], at: datetime | None = None) -> BaobabError:
    """Submit and insist on a refusal that leaves the height where it was."""
    height = net.node.height()
    signed = net.identity(org).proposal(G, function, args) if at is None else sign_proposal(
        make_proposal(net.node.network, f"{org}/app", G, function, args, timestamp=stamp(at)), net.identity(org).key)
    with pytest.raises(BaobabError) as info:
        net.node.submit(signed)
    assert net.node.height() == height
    return info.value


def stamp(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def record(n: int) -> dict[str, Any]:
    """Arguments of an act any member may perform for itself."""
    return {"ref": f"t{n}", "private_hash": f"{n:064x}", "members": ["TRADER"]}


def org(net: Net, org_id: str) -> dict[str, Any]:
    return net.query("KEBANK", G, "get_org", {"org_id": org_id})  # type: ignore[no-any-return]


def test_genesis_sets_the_admins_and_their_quorum(net: Net) -> None:
    config = net.query("TRADER", G, "config", {})
    assert (config["admins"], config["quorum"]) == (ADMINS, 2)


def test_a_quorum_of_admins_adds_an_organisation_which_can_then_transact(net: Net) -> None:
    proposed = ok(net, "KEBANK", "propose", {"action": "add_org", "args": {"org": NEW_ORG}})
    assert proposed["status"] == "open"
    with pytest.raises(BaobabError):
        org(net, "TZBANK")  # one admin's proposal is not a decision
    approved = ok(net, "MYBANK", "approve", {"proposal": proposed["proposal"]})
    assert approved == {"proposal": proposed["proposal"], "status": "executed", "approvals": ["KEBANK", "MYBANK"]}
    assert org(net, "TZBANK")["status"] == "active"
    net.node.peer_keys["TZBANK"] = NEW_ORG_KEY  # the new member's peer joins the node
    signed = sign_proposal(make_proposal(net.node.network, "TZBANK/app", "accounts", "open",
                                         {"account": "tz1", "currency": "TZS"}), NEW_CLIENT_KEY)
    assert net.node.submit(signed).valid


def test_one_admin_alone_cannot_rekey_another_organisation(net: Net) -> None:
    before = org(net, "TRADER")
    thief = PrivateKey.generate()
    proposed = ok(net, "KEBANK", "propose", {"action": "rekey_org",
                                             "args": {"org_id": "TRADER", "clients": {"app": thief.public.text}}})
    assert refused(net, "KEBANK", "approve", {"proposal": proposed["proposal"]}).reason == "ALREADY_APPROVED"
    assert org(net, "TRADER") == before
    stolen = sign_proposal(make_proposal(net.node.network, "TRADER/app", "private_records", "record", record(1)), thief)
    with pytest.raises(BaobabError) as e:
        net.node.submit(stolen)
    assert e.value.code == "BAD_SIGNATURE"


def test_one_admin_alone_cannot_reconfigure_the_financing_registry(net: Net) -> None:
    ok(net, "KEBANK", "propose", {"action": "configure",
                                  "args": {"setting": "financing_registry", "value": {"red_flags": "refuse", "epoch": 5}}})
    assert net.query("TRADER", "financing_registry", "config", {}) == {"red_flags": "mark", "epoch": 0}


def test_one_admin_alone_cannot_suspend_another_admin(net: Net) -> None:
    ok(net, "KEBANK", "propose", {"action": "suspend_org", "args": {"org_id": "MYBANK", "reason": "rivalry"}})
    assert org(net, "MYBANK")["status"] == "active"


def test_a_replayed_approval_counts_once(net: Net) -> None:
    govern(lambda o, fn, a: ok(net, o, fn, a), ADMINS, "set_governance", {"quorum": 3})
    proposal = ok(net, "KEBANK", "propose", {"action": "add_org", "args": {"org": NEW_ORG}})["proposal"]
    approval = net.identity("MYBANK").proposal(G, "approve", {"proposal": proposal})
    first = net.node.submit(approval)
    again = net.node.submit(approval)  # the same signed approval, sent again
    assert (again.tx_id, again.block, again.index) == (first.tx_id, first.block, first.index)
    assert refused(net, "MYBANK", "approve", {"proposal": proposal}).reason == "ALREADY_APPROVED"
    state = net.query("KEBANK", G, "proposal", {"proposal": proposal})
    assert (state["status"], state["approvals"]) == ("open", ["KEBANK", "MYBANK"])
    assert ok(net, "ARBANK", "approve", {"proposal": proposal})["status"] == "executed"


def test_an_approval_by_a_suspended_admin_is_refused_and_an_earlier_one_no_longer_counts(net: Net) -> None:
    early = ok(net, "ARBANK", "propose", {"action": "add_org", "args": {"org": NEW_ORG}})["proposal"]
    later = ok(net, "KEBANK", "propose", {"action": "suspend_org", "args": {"org_id": "TRADER", "reason": "x"}})["proposal"]
    govern(lambda o, fn, a: ok(net, o, fn, a), ["KEBANK", "MYBANK"], "suspend_org", {"org_id": "ARBANK", "reason": "licence"})
    assert refused(net, "ARBANK", "approve", {"proposal": later}).code == "ORG_SUSPENDED"
    assert ok(net, "MYBANK", "approve", {"proposal": early})["status"] == "open"  # ARBANK's approval lapsed with it
    with pytest.raises(BaobabError):
        org(net, "TZBANK")


def test_a_proposal_expires_at_its_deadline(net: Net) -> None:
    proposal = ok(net, "KEBANK", "propose", {"action": "suspend_org", "args": {"org_id": "TRADER", "reason": "x"},
                                             "ttl_s": 60})["proposal"]
    late = datetime.now(timezone.utc) + timedelta(seconds=120)  # inside the network's time window, past the deadline
    assert refused(net, "MYBANK", "approve", {"proposal": proposal}, at=late).reason == "PROPOSAL_EXPIRED"
    shown = net.node.query(sign_proposal(make_proposal(net.node.network, "MYBANK/app", G, "proposal",
                                                       {"proposal": proposal}, timestamp=stamp(late)),
                                         net.identity("MYBANK").key))
    assert shown["status"] == "expired"
    assert org(net, "TRADER")["status"] == "active"


def test_only_admins_propose_or_approve(net: Net) -> None:
    assert refused(net, "TRADER", "propose", {"action": "suspend_org",
                                              "args": {"org_id": "CUSTOMS", "reason": "x"}}).reason == "NOT_ADMIN"
    proposal = ok(net, "KEBANK", "propose", {"action": "suspend_org", "args": {"org_id": "CUSTOMS", "reason": "x"}})
    assert refused(net, "CUSTOMS", "approve", {"proposal": proposal["proposal"]}).reason == "NOT_ADMIN"


def test_suspending_admins_below_the_quorum_is_refused(net: Net) -> None:
    govern(lambda o, fn, a: ok(net, o, fn, a), ["MYBANK", "ARBANK"], "suspend_org", {"org_id": "KEBANK", "reason": "x"})
    err = refused(net, "MYBANK", "propose", {"action": "suspend_org", "args": {"org_id": "ARBANK", "reason": "x"}})
    assert err.reason == "QUORUM_UNREACHABLE"


def test_an_organisation_rotates_its_own_keys_and_history_stays_verifiable(net: Net) -> None:
    old = net.identity("TRADER")
    assert net.submit("TRADER", "private_records", "record", record(1)).valid
    fresh = PrivateKey.generate()
    ok(net, "TRADER", "rotate_keys", {"clients": {"app": fresh.public.text}})
    with pytest.raises(BaobabError) as e:
        net.node.submit(old.proposal("private_records", "record", record(2)))
    assert e.value.code == "BAD_SIGNATURE"
    signed = sign_proposal(make_proposal(net.node.network, "TRADER/app", "private_records", "record", record(2)), fresh)
    assert net.node.submit(signed).valid
    report = audit(net.node.store, default_registry())
    assert report.ok, report.problem


def test_a_suspended_org_is_refused_but_its_history_stays_verifiable(net: Net) -> None:
    pending = net.node.endorse(net.identity("TRADER").proposal("private_records", "record", record(2)))
    govern(lambda o, fn, a: ok(net, o, fn, a), ADMINS, "suspend_org", {"org_id": "TRADER", "reason": "sanctions screening"})
    with pytest.raises(BaobabError) as e:
        net.submit("TRADER", "private_records", "record", record(3))
    assert e.value.code == "ORG_SUSPENDED"
    assert net.node.order(pending).code == "ORG_SUSPENDED"  # endorsed before, ordered after
    assert audit(net.node.store, default_registry()).ok
    govern(lambda o, fn, a: ok(net, o, fn, a), ADMINS, "reinstate_org", {"org_id": "TRADER", "reason": "cleared"})
    assert net.submit("TRADER", "private_records", "record", record(4)).valid


@pytest.mark.parametrize("bad, message", [
    ({**NEW_ORG, "country": "XX"}, "country"),
    ({**NEW_ORG, "roles": ["wizard"]}, "roles"),
    ({**NEW_ORG, "peer_key": "AAAA"}, "32 bytes"),
])
def test_bad_organisation_records_are_refused_when_proposed(net: Net, bad: dict[str, Any], message: str) -> None:
    err = refused(net, "KEBANK", "propose", {"action": "add_org", "args": {"org": bad}})
    assert err.reason == "BAD_ORG" and message in err.message


def test_an_organisation_cannot_take_over_the_audit_identity_its_node_logs_reads_with(net: Net) -> None:
    before = org(net, "CUSTOMS")
    err = refused(net, "CUSTOMS", "rotate_keys", {"clients": {"audit": PrivateKey.generate().public.text}})
    assert err.reason == "NOT_ALLOWED" and org(net, "CUSTOMS") == before


def test_the_roles_a_member_may_hold_are_the_networks_genesis_data(net: Net) -> None:
    """The ledger defines no roles: genesis lists them, and a network may list its own."""
    from baobab.ledger.membership import check_genesis

    genesis = net.node.genesis
    assert net.query("TRADER", G, "config", {})["roles"] == genesis["roles"]
    growers = {**genesis, "roles": ["grower", "buyer"],
               "organisations": [{**o, "roles": ["grower"]} for o in genesis["organisations"]]}
    assert check_genesis(growers)["roles"] == ["buyer", "grower"]
    with pytest.raises(BaobabError, match="drawn from the network's"):
        check_genesis({**growers, "roles": ["buyer"]})
