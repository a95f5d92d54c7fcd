"""Reactors perform what committed events call for, as the acting organisation, for the
organisations their node serves, once: after a crash nothing is missed and nothing repeated."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from baobab import embedded
from baobab.client import Identity
from baobab.contracts import default_registry
from baobab.core.errors import BaobabError
from baobab.ledger.node import Node
from baobab.reactors import Action, Reactor
from tests.conftest import FAST_BLOCKS, SMALL_ORGS, Net
from tests.reactors.sample_contracts import Answers, Asks


class NodeHost:
    """The reactor's view of an embedded node (what the Gateway offers), limited to `orgs`."""

    def __init__(self, node: Node, data: Path, orgs: set[str]) -> None:
        self.node, self.data, self.orgs = node, data, orgs
        self.fail_next_submit = 0

    def serves(self, org: str) -> bool:
        return org in self.orgs

    def signer(self, org: str, names: list[str]) -> Identity:
        return Identity.load(self.data, self.node.network, org, "app")

    def submit(self, signed: dict[str, Any], *, wait: bool = True, timeout: float = 30.0) -> Any:
        if self.fail_next_submit:
            self.fail_next_submit -= 1
            raise BaobabError("ENDORSER_UNAVAILABLE", "a peer is down")
        return self.node.submit(signed, wait=wait, timeout=timeout)

    def evaluate(self, signed: dict[str, Any]) -> Any:
        return self.node.query(signed)

    def events(self, from_block: int = 0) -> Iterator[dict[str, Any]]:
        return self.node.events(from_block)


@pytest.fixture
def net(tmp_path: Path) -> Iterator[Net]:
    path = tmp_path / "net"
    embedded.create(path, "test-net", SMALL_ORGS, ["KEBANK", "MYBANK", "ARBANK"], block=FAST_BLOCKS)
    registry = default_registry()
    registry.install(Asks())
    registry.install(Answers())
    n = Net(path, embedded.open_node(path, registry))
    n.registry = registry  # type: ignore[attr-defined]
    yield n
    n.node.close()


def reactor(net: Net, orgs: set[str], data: Path) -> tuple[Reactor, NodeHost]:
    host = NodeHost(net.node, net.path, orgs)
    return Reactor(host, net.registry, sorted(o["id"] for o in SMALL_ORGS), data), host  # type: ignore[attr-defined]


def answered(net: Net, question: str) -> Any:
    row = net.node.store.get(f"answers:a/{question}")
    return None if row is None else row[0]


def test_the_actor_named_in_the_event_answers_and_only_its_own_node_acts(net: Net, tmp_path: Path) -> None:
    net.submit("TRADER", "asks", "ask", {"question": "q1", "responder": "KEBANK"})
    net.submit("TRADER", "asks", "ask", {"question": "q2", "responder": "MYBANK"})
    for folder in ("ke", "my"):  # two nodes, each with its own data folder
        (tmp_path / folder).mkdir()
    kenya, _ = reactor(net, {"KEBANK"}, tmp_path / "ke")
    done = kenya.run_once()
    assert [(d["org"], d["outcome"]) for d in done] == [("KEBANK", "performed")]
    assert answered(net, "q1")["by"] == "KEBANK" and answered(net, "q2") is None
    malaysia, _ = reactor(net, {"MYBANK"}, tmp_path / "my")
    malaysia.run_once()
    assert answered(net, "q2")["by"] == "MYBANK"


def test_targets_are_asked_of_each_served_organisation(net: Net, tmp_path: Path) -> None:
    net.submit("KEBANK", "answers", "subscribe", {"topic": "rates"})
    net.submit("ARBANK", "answers", "subscribe", {"topic": "rates"})
    net.submit("TRADER", "asks", "broadcast", {"topic": "rates"})
    r, _ = reactor(net, {"KEBANK", "MYBANK", "ARBANK"}, tmp_path)
    r.run_once()
    acked = {o for o in ("KEBANK", "MYBANK", "ARBANK") if net.node.store.get(f"answers:ack/rates/{o}")}
    assert acked == {"KEBANK", "ARBANK"}


def test_after_a_crash_the_block_is_read_again_and_nothing_is_done_twice(net: Net, tmp_path: Path) -> None:
    net.submit("TRADER", "asks", "ask", {"question": "q1", "responder": "KEBANK"})
    r, _ = reactor(net, {"KEBANK"}, tmp_path)
    r.run_once()
    first = answered(net, "q1")
    r.state["next_block"] = 0  # as if the process died before saving its place
    again = r.run_once()
    assert [d["outcome"] for d in again] == ["done"] and answered(net, "q1") == first
    fresh, _ = reactor(net, {"KEBANK"}, tmp_path)  # a restarted process resumes from its file
    assert fresh.state["next_block"] == r.state["next_block"] and fresh.run_once() == []


def test_a_transient_failure_stays_due_and_is_retried(net: Net, tmp_path: Path) -> None:
    net.submit("TRADER", "asks", "ask", {"question": "q1", "responder": "KEBANK"})
    r, host = reactor(net, {"KEBANK"}, tmp_path)
    host.fail_next_submit = 1
    assert [d["outcome"] for d in r.run_once()] == ["retry"] and answered(net, "q1") is None
    assert r.state["due"] and [d["outcome"] for d in r.run_once()] == ["performed"]
    assert answered(net, "q1") is not None and r.state["due"] == []


def test_a_handler_for_a_service_turns_events_into_actions(net: Net, tmp_path: Path) -> None:
    r, _ = reactor(net, {"KEBANK"}, tmp_path)
    seen: list[str] = []
    r.on("asks", "asked", lambda event: seen.append(event["payload"]["question"]) or [])
    r.on("*", "asked", lambda event: [Action("MYBANK", "answers", "answer", {"question": "q1"})])  # not served here
    net.submit("TRADER", "asks", "ask", {"question": "q1", "responder": "MYBANK"})
    assert r.run_once() == [] and seen == ["q1"] and answered(net, "q1") is None
