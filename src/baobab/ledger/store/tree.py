"""The block-hash log as stored tree nodes, so heads and proofs read O(log n) rows.

The log's leaves are the block hashes (leaf n = SHA-256(0x00 || hash of block n)), hashed into
an RFC 9162 tree. The store keeps every complete, aligned subtree: node (level, index) is the
root over leaves [index * 2**level, (index + 1) * 2**level). Each commit adds one leaf and the
parents it completes (at most log2 n rows). Every range the RFC's recursion visits starts on
such a boundary, so its root folds from at most log2 n stored nodes: `plan_*` name the ranges a
root, a path or a consistency proof needs, `covers` the stored nodes behind them, and `fold`
the hashes, so a store can fetch every node of a proof in one query.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from baobab.core import merkle

Node = tuple[int, int]  # (level, index)
Range = tuple[int, int]  # leaves [start, end)


def block_leaf(block_hash_hex: str) -> bytes:
    return merkle.leaf_hash(bytes.fromhex(block_hash_hex))


def new_nodes(number: int, leaf: bytes, node: Callable[[Node], bytes]) -> list[tuple[int, int, bytes]]:
    """The rows committing leaf `number` adds: the leaf and each parent it completes, reading
    the left siblings with `node`."""
    rows = [(0, number, leaf)]
    level, index, current = 0, number, leaf
    while index & 1:
        current = merkle.node_hash(node((level, index - 1)), current)
        level, index = level + 1, index >> 1
        rows.append((level, index, current))
    return rows


def _split(n: int) -> int:
    return 1 << ((n - 1).bit_length() - 1)


def cover(start: int, end: int) -> list[Node]:
    """Stored nodes whose leaves, left to right, are [start, end) in the RFC's split order."""
    out: list[Node] = []
    while end - start > 0:
        size = end - start
        k = size if size & (size - 1) == 0 else _split(size)
        level = k.bit_length() - 1
        out.append((level, start >> level))
        start += k
    return out


def fold(nodes: list[Node], hashes: Mapping[Node, bytes]) -> bytes:
    """Root of a range from its cover: H(c1, H(c2, ... cj))."""
    if not nodes:
        return merkle.EMPTY_ROOT
    root = hashes[nodes[-1]]
    for n in reversed(nodes[:-1]):
        root = merkle.node_hash(hashes[n], root)
    return root


def plan_path(index: int, size: int) -> list[Range]:
    """The ranges whose roots form PATH(index, D[0:size]), in proof order."""
    if not 0 <= index < size:
        raise IndexError("leaf index out of range")
    out: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index < start + k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start += k
    return out[::-1]


def plan_consistency(old: int, size: int) -> list[Range]:
    """The ranges whose roots form PROOF(old, D[0:size]) (RFC 9162 2.1.4.1), in proof order."""
    if not 0 < old <= size:
        raise IndexError("old size must be between 1 and the tree size")
    out: list[Range] = []
    start, end, m, whole = 0, size, old, True
    while True:
        n = end - start
        if m == n:
            if not whole:
                out.append((start, end))
            break
        k = _split(n)
        if m <= k:
            out.append((start + k, end))
            end = start + k
        else:
            out.append((start, start + k))
            start, m, whole = start + k, m - k, False
    return out[::-1]


def needed(ranges: Iterable[Range]) -> set[Node]:
    return {n for a, b in ranges for n in cover(a, b)}


def roots(ranges: list[Range], hashes: Mapping[Node, bytes]) -> list[bytes]:
    return [fold(cover(a, b), hashes) for a, b in ranges]
