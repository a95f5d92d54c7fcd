"""Continuous feeds: one Merkle root per batch on the ledger proves every single reading."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from baobab.core import merkle
from baobab.core.jcs import canonicalize
from baobab.oracles.feed import Device, MerkleBatch, PublishRule, Reading, read_csv, verify_reading
from tests.oracles.conftest import OracleNet, key_of, utc

import pytest

from baobab.core.errors import BaobabError


def readings(n: int, start: int = -7200, step: int = 5) -> list[Reading]:
    return [Reading(utc(start + i * step), 4000 + (i * 7) % 300) for i in range(n)]


def test_leaf_is_the_canonical_json_of_the_reading() -> None:
    r = Reading("2026-06-01T10:00:00Z", -1250)
    assert r.leaf() == canonicalize({"at": r.at, "value": r.value})


@settings(max_examples=60, deadline=None)
@given(st.integers(min_value=1, max_value=70), st.data())
def test_batch_proofs_are_rfc9162_inclusion_proofs(n: int, data: st.DataObject) -> None:
    batch = MerkleBatch([Reading("2026-06-01T10:00:00Z", i) for i in range(n)])
    hashes = [merkle.leaf_hash(r.leaf()) for r in batch.readings]
    assert batch.root == merkle.root_from_leaf_hashes(hashes)
    i = data.draw(st.integers(min_value=0, max_value=n - 1))
    assert batch.proof(i) == merkle.inclusion_proof(i, hashes)


def test_single_reading_proven_against_the_committed_root(onet: OracleNet) -> None:
    feed = "reefer/MSKU3/temp"
    onet.serve(feed, ["ORACLE1"])
    device = Device("ORACLE1", "probe", key_of("ORACLE1"), feed, batch_size=100)
    headers = list(device.ingest(readings(250)))
    headers.append(device.seal())
    for h in headers:
        onet.ok("ORACLE1", "oracles", "commit_batch", {"batch": h})
    on_ledger = onet.query("IBERJUS", "oracles", "batch", {"feed": feed, "oracle": "ORACLE1", "seq": 2})["body"]
    p = device.proof(2, 37)
    reading = Reading(p["reading"]["at"], p["reading"]["value"])
    proof = [bytes.fromhex(h) for h in p["proof"]]
    assert verify_reading(reading, 37, on_ledger["count"], proof, on_ledger["root"])
    assert not verify_reading(Reading(reading.at, reading.value + 1), 37, on_ledger["count"], proof, on_ledger["root"])
    assert onet.query("IBERJUS", "oracles", "stream", {"feed": feed, "oracle": "ORACLE1"})["seq"] == 3


def test_batches_cannot_be_replayed_or_forged(onet: OracleNet) -> None:
    feed = "reefer/MSKU4/temp"
    onet.serve(feed, ["ORACLE1"])
    device = Device("ORACLE1", "probe", key_of("ORACLE1"), feed, batch_size=10)
    first, second = list(device.ingest(readings(20)))
    onet.ok("ORACLE1", "oracles", "commit_batch", {"batch": first})
    assert onet.rejected("ORACLE1", "oracles", "commit_batch", {"batch": first}).detail.get("reason") == "OBSERVATION_REPLAYED"
    forged = {**second, "body": {**second["body"], "max": 1000, "min": 0}}
    assert onet.rejected("ORACLE1", "oracles", "commit_batch", {"batch": forged}).detail.get("reason") == "BAD_SIGNATURE"
    onet.ok("ORACLE1", "oracles", "commit_batch", {"batch": second})


def test_publish_on_deviation_or_heartbeat() -> None:
    rule = PublishRule(deviation_bp=100, heartbeat_s=600)  # 1 % or ten minutes
    assert rule.due(Reading("2026-06-01T10:00:00Z", 5000))
    rule.last = Reading("2026-06-01T10:00:00Z", 5000)
    assert not rule.due(Reading("2026-06-01T10:01:00Z", 5049))
    assert rule.due(Reading("2026-06-01T10:01:00Z", 5050))
    assert rule.due(Reading("2026-06-01T10:10:00Z", 5000))


def test_csv_feed_rejects_decimals_and_bad_times() -> None:
    assert [r.value for r in read_csv("observed_at,value\n2026-06-01T10:00:00Z,4150\n")] == [4150]
    for bad in ("observed_at,value\n2026-06-01T10:00:00Z,4.15\n", "observed_at,value\nnoon,4150\n", "a,b\n1,2\n"):
        with pytest.raises(BaobabError) as info:
            list(read_csv(bad))
        assert info.value.code == "BAD_OBSERVATION"  # a feed service check: the code itself
