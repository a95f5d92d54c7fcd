"""Ordering nodes on one JetStream server started by the test: two nodes racing for one block
number never fork the chain, and the loser's envelopes are ordered in the next block, once."""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from baobab.core.keys import PrivateKey
from baobab.ledger.block import block_hash
from baobab.ledger.orderer.jetstream import OrderingService, StreamSettings, connect, ensure_streams
from baobab.net.local import NATS_SERVER
from baobab.net.process import free_port, stop

pytestmark = [pytest.mark.services]
GENESIS = {"network": "race-net", "created": "2026-01-01T00:00:00Z",
           "block": {"max_txs": 10, "max_bytes": 1_000_000, "timeout_ms": 5}}


@pytest.fixture
def nats_url(tmp_path: Path) -> Iterator[str]:
    if not Path(NATS_SERVER).exists() and not shutil.which(NATS_SERVER):
        pytest.skip(f"nats-server not found at {NATS_SERVER}; set BAOBAB_NATS_SERVER")
    port = free_port()
    proc = subprocess.Popen([NATS_SERVER, "-js", "-sd", str(tmp_path / "js"), "-a", "127.0.0.1", "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_listening(port, proc)
        yield f"nats://127.0.0.1:{port}"
    finally:
        stop(proc)


def wait_listening(port: int, proc: subprocess.Popen[bytes]) -> None:
    """Until the server accepts connections (or has exited)."""
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            try:
                proc.wait(timeout=0.05)
                raise RuntimeError(f"nats-server exited with {proc.returncode}")
            except subprocess.TimeoutExpired:
                continue
    raise RuntimeError("nats-server did not start listening")


class Delivered:
    """An envelope as an ordering node holds it after a fetch: acknowledged once its block is stored."""

    def __init__(self) -> None:
        self.acked = False

    async def ack(self) -> None:
        self.acked = True


def envelope(tx_id: str) -> dict[str, Any]:
    return {"result": {"tx_id": tx_id}}


def held(*tx_ids: str) -> list[tuple[dict[str, Any], int, Delivered, str, float]]:
    return [(envelope(t), 100, Delivered(), t, time.monotonic()) for t in tx_ids]


async def chain(js: Any, s: StreamSettings, blocks: int) -> list[dict[str, Any]]:
    """The first `blocks` blocks of the stream, waiting for them to be published."""
    sub = await js.subscribe(s.block_subject, stream=s.block_stream, ordered_consumer=True)
    try:
        return [json.loads((await sub.next_msg(timeout=60)).data) for _ in range(blocks)]
    finally:
        await sub.unsubscribe()


def assert_one_chain(blocks: list[dict[str, Any]]) -> None:
    assert [b["header"]["number"] for b in blocks] == list(range(len(blocks)))
    for previous, block in zip(blocks, blocks[1:]):
        assert block["header"]["previous_hash"] == block_hash(previous["header"])
    ordered = [e["result"]["tx_id"] for b in blocks[1:] for e in b["transactions"]]
    assert len(ordered) == len(set(ordered)), ordered


def test_two_ordering_nodes_racing_for_one_block_number_leave_one_chain(nats_url: str) -> None:
    s = StreamSettings(GENESIS["network"], replicas=1)
    key = PrivateKey.generate()

    async def race() -> None:
        nc = await connect([nats_url], "test")
        js = nc.jetstream(timeout=5)
        await ensure_streams(js, s)
        a, b = (OrderingService([nats_url], s, key, GENESIS, name=n) for n in ("orderer-a", "orderer-b"))
        await a._publish_genesis(js)
        await b._reload(js)
        # Both hold a batch for block 1 and publish it at the same moment: one is stored.
        batch_a, batch_b = held("tx-a1", "tx-a2"), held("tx-b1")
        outcomes = await asyncio.gather(a._publish(js, batch_a), b._publish(js, batch_b), return_exceptions=True)
        winner, loser = (a, b) if a.blocks_published else (b, a)
        assert (winner.blocks_published, loser.blocks_published) == (1, 0), outcomes
        assert not any(i[2].acked for i in loser._pending)  # the loser keeps its batch, unacknowledged
        assert all(i[2].acked for i in (batch_a if winner is a else batch_b))
        # The loser's own loop takes it from there: it continues from the winner's block, and a
        # later envelope that reaches it through the stream follows in the next block.
        stopping = asyncio.Event()
        running = asyncio.ensure_future(loser.run(stopping))
        await js.publish(s.tx_subject, json.dumps(envelope("tx-c1")).encode(), stream=s.tx_stream,
                         headers={"Nats-Msg-Id": "tx-c1"})
        blocks = await chain(js, s, 4)
        stopping.set()
        await running
        await nc.close()
        assert_one_chain(blocks)
        first, second = (batch_a, batch_b) if winner is a else (batch_b, batch_a)
        assert [[e["result"]["tx_id"] for e in b["transactions"]] for b in blocks[1:]] == [
            [i[3] for i in first], [i[3] for i in second], ["tx-c1"]]

    asyncio.run(race())
