"""Checking proofs from a node without trusting it: only the orderer's public key is needed."""

from __future__ import annotations

from typing import Any

from baobab.core import merkle
from baobab.core.jcs import canonicalize
from baobab.core.keys import PublicKey
from baobab.ledger.block import block_hash
from baobab.ledger.tx import tx_id_of


def verify_inclusion_proof(proof: dict[str, Any], orderer_key: PublicKey) -> bool:
    """True if the transaction is at `index` of block `block`, whose header chains to a
    header signed by the orderer."""
    try:
        headers = proof["headers"]
        first = headers[0]
        if first["number"] != proof["block"] or tx_id_of(proof["transaction"]) != proof["tx_id"]:
            return False
        leaf = merkle.leaf_hash(canonicalize(proof["transaction"]))
        path = [bytes.fromhex(h) for h in proof["path"]]
        if not merkle.verify_inclusion(leaf, proof["index"], first["tx_count"], path, bytes.fromhex(first["tx_root"])):
            return False
        for prev, nxt in zip(headers, headers[1:]):
            if nxt["previous_hash"] != block_hash(prev) or nxt["number"] != prev["number"] + 1:
                return False
        return orderer_key.verify("block", headers[-1], proof["head_signature"])
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
