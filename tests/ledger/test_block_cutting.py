"""The orderer cuts a block by transaction count, by size, or (otherwise) by time."""

from __future__ import annotations

from collections import deque

from hypothesis import given, strategies as st

from baobab.ledger.orderer.embedded import take_batch


@given(st.lists(st.integers(1, 5_000), max_size=60), st.integers(1, 20), st.integers(1, 20_000))
def test_blocks_respect_count_and_size_and_keep_order(sizes: list[int], max_txs: int, max_bytes: int) -> None:
    queue = deque((f"tx{i}", n) for i, n in enumerate(sizes))
    blocks = []
    while queue:
        blocks.append(take_batch(queue, max_txs, max_bytes))
    assert [tx for block in blocks for tx, _ in block] == [f"tx{i}" for i in range(len(sizes))]  # nothing lost or reordered
    for block in blocks:
        assert 1 <= len(block) <= max_txs
        total = sum(n for _, n in block)
        assert total <= max_bytes or len(block) == 1  # only a single oversized transaction may exceed the size
    for block, following in zip(blocks, blocks[1:]):  # a block is cut only when the next one would not fit
        assert len(block) == max_txs or sum(n for _, n in block) + following[0][1] > max_bytes
