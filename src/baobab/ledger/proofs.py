"""Proofs over the ledger, built from the store's tree nodes and checked without trusting a node.

Building (`log_root`, `log_path`, `log_consistency`) reads only the O(log n) stored subtree
roots a proof needs (see store/tree.py), never every block. Checking needs only the orderer's
public key and the proof: every block header is signed by the orderer, a transaction's Merkle
path leads to its block's `tx_root`, and a block's hash is a leaf of the block-hash log whose
root a head carries. docs/PROTOCOL.md gives the JSON shapes.
"""

from __future__ import annotations

import json
from typing import Any

from baobab.core import merkle
from baobab.core.errors import BaobabError
from baobab.core.jcs import canonicalize
from baobab.core.keys import PublicKey
from baobab.ledger.block import block_hash
from baobab.ledger.store import tree
from baobab.ledger.store.base import Store
from baobab.ledger.tx import tx_id_of


_TXS = ',"transactions":['


def split_block(data: bytes) -> tuple[dict[str, Any], str, list[str]]:
    """A stored block's header, signature and each transaction's JCS text, read from its
    canonical bytes without re-encoding: a transaction's leaf is the SHA-256 of its slice, so
    a proof costs one parse of one block, not a canonicalisation of all its transactions.
    (In JCS text a quote inside a string is escaped, so the first `,"transactions":[` is the
    member's own.)"""
    text = data.decode("utf-8")
    decoder = json.JSONDecoder()
    cut = text.index(_TXS)
    head = json.loads(text[:cut] + "}")
    slices: list[str] = []
    pos = cut + len(_TXS)
    while text[pos] != "]":
        _, end = decoder.raw_decode(text, pos)
        slices.append(text[pos:end])
        pos = end + (text[end] == ",")
    return head["header"], head["signature"], slices


def slice_leaves(slices: list[str]) -> list[bytes]:
    return [merkle.leaf_hash(s.encode("utf-8")) for s in slices]


def _roots(store: Store, ranges: list[tree.Range]) -> list[bytes]:
    hashes = store.tree_nodes(tree.needed(ranges))
    try:
        return tree.roots(ranges, hashes)
    except KeyError as exc:
        raise BaobabError("CORRUPT", f"block-hash tree node {exc.args[0]} is missing", table="tree") from None


def log_root(store: Store, size: int) -> str:
    """Root of the block-hash log of the first `size` blocks."""
    return _roots(store, [(0, size)])[0].hex()


def log_path(store: Store, number: int, size: int) -> dict[str, Any]:
    """Where block `number` sits in the log of `size` blocks: {size, root, path}."""
    plan = tree.plan_path(number, size)
    found = _roots(store, [(0, size), *plan])
    return {"size": size, "root": found[0].hex(), "path": [h.hex() for h in found[1:]]}


def log_consistency(store: Store, old_size: int, new_size: int) -> dict[str, Any]:
    """RFC 9162 proof that the log of `old_size` blocks is a prefix of the log of `new_size`."""
    plan = tree.plan_consistency(old_size, new_size)
    found = _roots(store, [(0, old_size), (0, new_size), *plan])
    return {"old_size": old_size, "new_size": new_size, "old_root": found[0].hex(), "new_root": found[1].hex(),
            "proof": [h.hex() for h in found[2:]]}


def verify_block_leaves(header: dict[str, Any], signature: str, leaves: list[str], orderer_key: PublicKey) -> bool:
    """True if `leaves` (hex leaf hashes, in order) are exactly the transactions of the block
    whose header the orderer signed: a member who holds only some envelopes checks its root."""
    try:
        hashes = [bytes.fromhex(h) for h in leaves]
        return (len(hashes) == header["tx_count"]
                and merkle.root_from_leaf_hashes(hashes).hex() == header["tx_root"]
                and orderer_key.verify("block", header, signature))
    except (KeyError, TypeError, ValueError):
        return False


def verify_inclusion_proof(proof: dict[str, Any], orderer_key: PublicKey, head: dict[str, Any] | None = None) -> bool:
    """True if the transaction is at `index` of block `block`, whose header the orderer signed
    and whose hash is leaf `block` of the log in `proof["log"]`. With `head` (a head the
    caller already trusts, e.g. one it compared with other members' nodes), the log must be
    that head's."""
    try:
        header, log = proof["header"], proof["log"]
        if header["number"] != proof["block"] or tx_id_of(proof["transaction"]) != proof["tx_id"]:
            return False
        leaf = merkle.leaf_hash(canonicalize(proof["transaction"]))
        path = [bytes.fromhex(h) for h in proof["path"]]
        if not merkle.verify_inclusion(leaf, proof["index"], header["tx_count"], path, bytes.fromhex(header["tx_root"])):
            return False
        if not orderer_key.verify("block", header, proof["signature"]):
            return False
        if head is not None and (head["size"], head["root"]) != (log["size"], log["root"]):
            return False
        return merkle.verify_inclusion(tree.block_leaf(block_hash(header)), proof["block"], log["size"],
                                       [bytes.fromhex(h) for h in log["path"]], bytes.fromhex(log["root"]))
    except (KeyError, IndexError, TypeError, ValueError):
        return False


def verify_head(head: dict[str, Any], orderer_key: PublicKey) -> bool:
    """True if the head's latest header is signed by the orderer and is the last block of its log
    (`head["path"]`, the latest block's path in the log)."""
    try:
        header = head["header"]
        if header["number"] != head["size"] - 1 or not orderer_key.verify("block", header, head["signature"]):
            return False
        return merkle.verify_inclusion(tree.block_leaf(block_hash(header)), header["number"], head["size"],
                                       [bytes.fromhex(h) for h in head["path"]], bytes.fromhex(head["root"]))
    except (KeyError, IndexError, TypeError, ValueError):
        return False


def verify_consistency_proof(proof: dict[str, Any]) -> bool:
    """True if the log of `old_size` block hashes with `old_root` is a prefix of the new one."""
    try:
        return merkle.verify_consistency(
            proof["old_size"], proof["new_size"], bytes.fromhex(proof["old_root"]),
            bytes.fromhex(proof["new_root"]), [bytes.fromhex(h) for h in proof["proof"]],
        )
    except (KeyError, TypeError, ValueError):
        return False
