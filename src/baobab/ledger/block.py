"""Blocks: an orderer-signed header committing to an ordered list of transaction envelopes.

    header  {network, number, previous_hash, tx_root, tx_count, timestamp}
    block   {header, signature, transactions}       signature purpose "block" over header
    hash    SHA-256 hex of JCS(header)
    tx_root RFC 9162 Merkle root whose leaves are the JCS bytes of each envelope

Block 0 holds one transaction, {"genesis": <genesis document>}. Validation codes are not
in the block (peers compute them after ordering); each peer chains them into a commit hash,
SHA-256 of JCS({previous, block, codes}), which two nodes compare to prove they agree.
"""

from __future__ import annotations

from typing import Any

from baobab.core import merkle
from baobab.core.errors import BaobabError
from baobab.core.hashing import digest_hex
from baobab.core.jcs import canonicalize
from baobab.core.keys import PrivateKey

ZERO_HASH = "0" * 64
HEADER_FIELDS = {"network", "number", "previous_hash", "tx_root", "tx_count", "timestamp"}


def leaf_hashes(transactions: list[Any]) -> list[bytes]:
    return [merkle.leaf_hash(canonicalize(tx)) for tx in transactions]


def make_block(network: str, number: int, previous_hash: str, transactions: list[Any],
               timestamp: str, orderer_key: PrivateKey, leaves: list[bytes] | None = None) -> dict[str, Any]:
    """A signed block; `leaves` may carry the transactions' canonical bytes already computed."""
    hashes = leaf_hashes(transactions) if leaves is None else [merkle.leaf_hash(x) for x in leaves]
    header = {
        "network": network,
        "number": number,
        "previous_hash": previous_hash,
        "tx_root": merkle.root_from_leaf_hashes(hashes).hex(),
        "tx_count": len(transactions),
        "timestamp": timestamp,
    }
    return {"header": header, "signature": orderer_key.sign("block", header), "transactions": transactions}


def genesis_block(genesis: dict[str, Any], orderer_key: PrivateKey) -> dict[str, Any]:
    return make_block(genesis["network"], 0, ZERO_HASH, [{"genesis": genesis}], genesis["created"], orderer_key)


def block_bytes(block: dict[str, Any], leaves: list[bytes]) -> bytes:
    """JCS of the whole block, assembled from its transactions' JCS bytes (member names
    header < signature < transactions are already in JCS order)."""
    return b"".join([
        b'{"header":', canonicalize(block["header"]), b',"signature":', canonicalize(block["signature"]),
        b',"transactions":[', b",".join(leaves), b"]}",
    ])


def block_hash(header: dict[str, Any]) -> str:
    return digest_hex(header)


def commit_hash(previous: str, block_hash_: str, codes: list[str]) -> str:
    return digest_hex({"previous": previous, "block": block_hash_, "codes": codes})


def check_block(block: Any) -> dict[str, Any]:
    if not isinstance(block, dict) or set(block) != {"header", "signature", "transactions"}:
        raise BaobabError("MALFORMED", "a block is {header, signature, transactions}")
    header = block["header"]
    if not isinstance(header, dict) or set(header) != HEADER_FIELDS:
        raise BaobabError("MALFORMED", f"a block header has exactly {sorted(HEADER_FIELDS)}")
    if not isinstance(block["transactions"], list) or header["tx_count"] != len(block["transactions"]):
        raise BaobabError("MALFORMED", "tx_count does not match the transactions")
    return block
