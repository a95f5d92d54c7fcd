"""The supervisor access log: written only by the node answering a supervisor read, only about
records that exist and name the parties it lists, and shown to each party for its own records only."""

from __future__ import annotations

from typing import Any

import pytest

from baobab.api.oversight_log import OversightLog
from baobab.client import Identity
from baobab.core.errors import BaobabError
from baobab.gateway import gateway_of
from baobab.ledger.membership import Caller
from baobab.ledger.validator import BlockView, membership_over
from tests.conftest import Net

CBK = Caller("CBK", "app", ("regulator",), "KE")  # Central Bank of Kenya, reading as a supervisor


def account(net: Net, keeper: str, name: str) -> dict[str, Any]:
    """Open an account kept by `keeper`; the record as a supervisor's read would list it."""
    assert net.submit(keeper, "accounts", "open", {"account": name, "currency": "KES"}).valid
    row = net.node.get("accounts", f"acct/{name}")
    return {"key": row["key"], "version": row["version"], "parties": [keeper]}


def logged(net: Net, records: list[dict[str, Any]]) -> list[str]:
    """What the node does before answering CBK's read: log it as CBK's audit identity."""
    members = membership_over(BlockView(net.node.state))
    return OversightLog(gateway_of(net.node, keys_dir=net.path / "keys")).record(CBK, members, "liquidity review", {"prefix": "accounts:"}, records)


def entry(records: list[dict[str, Any]]) -> dict[str, Any]:
    return {"reader": "CBK/app", "purpose": "x", "query": {}, "records": records}


def refused(net: Net, identity: str, args: dict[str, Any]) -> BaobabError:
    """Propose an entry as `identity` (ORG/client; the test holds even the node's audit keys)."""
    org, client = identity.split("/")
    height = net.node.height()
    signer = Identity.load(net.path, net.node.network, org, client)
    with pytest.raises(BaobabError) as info:
        net.node.submit(signer.proposal("oversight", "record_access", args))
    assert net.node.height() == height
    return info.value


def test_the_node_logs_a_supervisor_read_with_the_audit_identity(demo_net: Net) -> None:
    record = account(demo_net, "KCBANK", "kc-1")
    (access,) = logged(demo_net, [record])
    entry = demo_net.node.get("oversight", f"access/{access}")["value"]
    assert (entry["reader"], entry["org"], entry["parties"]) == ("CBK/app", "CBK", ["CBK", "KCBANK"])


def test_a_direct_call_by_a_supervisors_application_is_refused(demo_net: Net) -> None:
    record = account(demo_net, "KCBANK", "kc-1")
    assert refused(demo_net, "CBK/app", entry([record])).reason == "NOT_THE_NODE"
    assert refused(demo_net, "KE-CUSTOMS/app", {**entry([record]),
                                                 "reader": "KE-CUSTOMS/app"}).reason == "NOT_THE_NODE"


def test_an_entry_about_a_record_that_does_not_exist_is_refused(demo_net: Net) -> None:
    record = account(demo_net, "KCBANK", "kc-1")
    ghost = {"key": "letter_of_credit:lc/NO-SUCH-CREDIT", "version": [1, 0], "parties": ["KCBANK", "KE-MOMO"]}
    assert refused(demo_net, "CBK/audit", entry([ghost])).reason == "NO_SUCH_RECORD"
    future = {**record, "version": [record["version"][0] + 5, 0]}  # a version not yet written
    assert refused(demo_net, "CBK/audit", entry([future])).reason == "NO_SUCH_RECORD"


def test_an_entry_cannot_name_a_party_the_record_does_not_name(demo_net: Net) -> None:
    record = account(demo_net, "KCBANK", "kc-1")
    smeared = {**record, "parties": ["KCBANK", "KE-MOMO"]}
    err = refused(demo_net, "CBK/audit", entry([smeared]))
    assert (err.reason, err.detail.get("party")) == ("NOT_ON_RECORD", "KE-MOMO")


def test_a_party_sees_only_its_own_records_of_each_read(demo_net: Net) -> None:
    ours, theirs = account(demo_net, "KCBANK", "kc-1"), account(demo_net, "KE-MOMO", "momo-1")
    (access,) = logged(demo_net, [ours, theirs])
    seen = demo_net.query("KCBANK", "oversight", "accesses", {"party": "KCBANK"})
    assert [(e["access"], [r["key"] for r in e["records"]], e["parties"]) for e in seen] == [
        (access, [ours["key"]], ["CBK", "KCBANK"])]
    whole = demo_net.query("CBK", "oversight", "accesses", {"party": "CBK"})
    assert [r["key"] for r in whole[0]["records"]] == [ours["key"], theirs["key"]]
    with pytest.raises(BaobabError):
        demo_net.query("KCBANK", "oversight", "accesses", {"party": "KE-MOMO"})
