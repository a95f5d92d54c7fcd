"""A farmer's payment is linked on the ledger to the delivery event it pays for: the contract
checks the event's inclusion proof against the batch the payer anchored, and records the
settlement proof that comes back from the switch."""

from __future__ import annotations

import hashlib

import pytest

from baobab.core.errors import BaobabError
from baobab.trace.anchoring import proof_for, root_of

COOP, ROASTER, MOMO = "SIDAMA-COOP", "ROAST-NL", "ET-MOMO"
FARMER = "https://id.gs1.org/417/9524321000019"


def anchored(net, n: int = 4) -> tuple[str, list[str]]:
    hashes = [hashlib.sha256(f"delivery {i}".encode()).hexdigest() for i in range(n)]
    batch = "SIDAMA-COOP/test-batch"
    assert net.submit(COOP, "epcis", "anchor", {"batch_id": batch, "merkle_root": root_of(hashes), "size": n,
                                                "members": [COOP], "latest_event_time": "2026-01-05T08:00:00Z"}).valid
    return batch, hashes


def pay_args(batch: str, hashes: list[str], i: int, **changes) -> dict:
    return {"delivery_id": f"D-{i}", "lot": f"https://id.gs1.org/01/09524321000019/10/D-{i}", "farmer": FARMER,
            "event_hash": hashes[i], "batch_id": batch, "position": i, "path": proof_for(hashes, i),
            "wallet_provider": MOMO, "amount": {"currency": "ETB", "minor": 1_440_000}, "quantity_g": 120_000,
            "due": "2026-01-06", **changes}


def refused(call) -> str:
    with pytest.raises(BaobabError) as info:
        call()
    return str(info.value.detail.get("reason"))


def test_a_delivery_is_paid_through_the_switch_and_its_settlement_recorded(demo_net):
    from baobab.stories import await_payment

    batch, hashes = anchored(demo_net)
    actors = demo_net.actors()
    actors(COOP).submit("deliveries", "pay_delivery", pay_args(batch, hashes, 2))
    payment = await_payment(actors(COOP), "deliveries", "D-2")
    assert payment["status"] == "settled" and payment["payee"] == MOMO and payment["payee_account"] == FARMER
    record = actors(ROASTER).query("deliveries", "delivery", {"delivery_id": "D-2"})
    assert record["status"] == "paid" and record["settlement"]["proof"] == payment["settlement"]["proof"]
    assert record["event_hash"] == hashes[2] and record["anchored_root"] == root_of(hashes)


def test_a_payment_for_an_event_not_in_the_anchored_batch_is_refused(demo_net):
    batch, hashes = anchored(demo_net)
    other = hashlib.sha256(b"never delivered").hexdigest()
    assert refused(lambda: demo_net.submit(COOP, "deliveries", "pay_delivery", pay_args(batch, hashes, 1, event_hash=other))) == "NOT_ANCHORED"
    assert refused(lambda: demo_net.submit(COOP, "deliveries", "pay_delivery", pay_args(batch, hashes, 1, position=3))) == "NOT_ANCHORED"


def test_only_the_capturer_pays_and_only_once(demo_net):
    batch, hashes = anchored(demo_net)
    assert refused(lambda: demo_net.submit(ROASTER, "deliveries", "pay_delivery", pay_args(batch, hashes, 0))) == "NOT_CAPTURER"
    assert demo_net.submit(COOP, "deliveries", "pay_delivery", pay_args(batch, hashes, 0)).valid
    assert refused(lambda: demo_net.submit(COOP, "deliveries", "pay_delivery", pay_args(batch, hashes, 0))) == "ALREADY_PAID"
