"""Batched endorsement requests (net/endorse.py): proposals queued for one node leave together,
and each is answered on its own, refusals included, as a lone request would have been."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from baobab.core.errors import BaobabError
from baobab.ledger.contract import Refused
from baobab.net.endorse import BATCH_PATH, SENDERS, PeerBatcher, answer_item


class FakeNode:
    org = "KLTB"


class HeldEndorser:
    """Stands for RemoteEndorser: records each batch posted, holds every post until released,
    and answers each item by what its proposal asks for."""

    catch_up_s = 1.0

    def __init__(self, fail: bool = False) -> None:
        self.node, self.fail = FakeNode(), fail
        self.batches: list[list[dict[str, Any]]] = []
        self.release = threading.Event()
        self.lock = threading.Lock()

    def post(self, base: str, path: str, body: dict[str, Any], *, org: str = "") -> dict[str, Any]:
        assert path == BATCH_PATH
        with self.lock:
            self.batches.append(body["items"])
        self.release.wait()
        if self.fail:
            raise BaobabError("ENDORSER_UNAVAILABLE", f"{org}'s node did not answer", org=org)
        return {"answers": [answer_item(self.endorse, item) for item in body["items"]]}

    @staticmethod
    def endorse(signed: Any, height: int, org: str) -> dict[str, Any]:
        if signed == "refuse":
            raise Refused("accounts", "INSUFFICIENT_FUNDS", "conflict", "balance 0 < 5")
        if signed == "stranger":
            raise BaobabError("FORBIDDEN", f"this node does not endorse for {org}")
        return {"org": org, "signature": f"sig-{signed}", "result": {"n": signed}, "height": height}


def gather(batcher: PeerBatcher, bodies: list[dict[str, Any]]) -> list[Any]:
    futures = [batcher.add(body, 100) for body in bodies]
    out = []
    for f in futures:
        try:
            out.append(f.result(timeout=60))
        except BaobabError as exc:
            out.append(exc)
    return out


def test_proposals_queued_behind_a_request_in_flight_leave_together_each_with_its_own_answer() -> None:
    endorser = HeldEndorser()
    batcher = PeerBatcher(endorser, "http://bplata")  # type: ignore[arg-type]
    try:
        bodies = [{"signed": str(n), "height": 3, "org": "BPLATA"} for n in range(40)]
        futures = [batcher.add(body, 100) for body in bodies]
        endorser.release.set()
        answers = [f.result(timeout=60) for f in futures]
    finally:
        batcher.close()
    assert [a["signature"] for a in answers] == [f"sig-{n}" for n in range(40)]  # each its own, none lost
    assert sorted(i["signed"] for b in endorser.batches for i in b) == sorted(str(n) for n in range(40))  # each sent once
    # while SENDERS requests were held, the rest queued up: they left in at most SENDERS more requests
    assert len(endorser.batches) <= 2 * SENDERS < 40


def test_a_refusal_in_a_batch_is_that_proposals_alone_with_the_contracts_reason() -> None:
    endorser = HeldEndorser()
    endorser.release.set()
    batcher = PeerBatcher(endorser, "http://bplata")  # type: ignore[arg-type]
    try:
        good, refused, stranger = gather(batcher, [{"signed": "1", "height": 0, "org": "BPLATA"},
                                                   {"signed": "refuse", "height": 0, "org": "BPLATA"},
                                                   {"signed": "stranger", "height": 0, "org": "KL-FOODS"}])
    finally:
        batcher.close()
    assert good["signature"] == "sig-1"
    assert isinstance(refused, Refused)
    assert (refused.code, refused.contract, refused.reason, refused.kind) == ("CONTRACT_ERROR", "accounts",
                                                                            "INSUFFICIENT_FUNDS", "conflict")
    assert "BPLATA" in refused.message and "balance 0 < 5" in refused.message
    assert (stranger.code, stranger.detail["org"]) == ("FORBIDDEN", "KL-FOODS")


def test_a_batch_that_gets_no_answer_fails_each_of_its_proposals_as_endorser_unavailable() -> None:
    endorser = HeldEndorser(fail=True)
    endorser.release.set()
    batcher = PeerBatcher(endorser, "http://bplata")  # type: ignore[arg-type]
    try:
        answers = gather(batcher, [{"signed": str(n), "height": 0, "org": org}
                                   for n, org in enumerate(["BPLATA", "KLTB", "BPLATA"])])
    finally:
        batcher.close()
    assert [(a.code, a.detail["org"]) for a in answers] == [("ENDORSER_UNAVAILABLE", "BPLATA"),
                                                            ("ENDORSER_UNAVAILABLE", "KLTB"),
                                                            ("ENDORSER_UNAVAILABLE", "BPLATA")]


@pytest.mark.parametrize("item", [None, "x", {"signed": {}}, {"signed": {}, "org": 7}])
def test_a_malformed_batch_item_is_refused_alone(item: Any) -> None:
    assert answer_item(HeldEndorser.endorse, item) == {
        "refused": {"code": "MALFORMED", "detail": "a batch item is {signed, org}"}}
