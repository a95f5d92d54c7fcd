"""A member who is party to only some transactions of a block still checks the block's Merkle
root: the node gives the orderer-signed header and every leaf hash, in both modes."""

from __future__ import annotations

import pytest

from baobab.core.errors import BaobabError
from baobab.core.keys import PublicKey
from baobab.ledger.proofs import verify_block_leaves


def test_block_leaves_check_against_the_orderers_signature(node) -> None:  # type: ignore[no-untyped-def]
    client = node.client("KLTB")
    height = client.request("GET", "/v1/head").json()["header"]["number"]
    orderer = PublicKey.from_text(node.genesis["orderer"]["key"])  # from genesis.json, not from the node
    leaves = client.request("GET", f"/v1/blocks/{height}/leaves").json()
    assert leaves["number"] == height and verify_block_leaves(leaves["header"], leaves["signature"], leaves["leaves"], orderer)
    assert not verify_block_leaves(leaves["header"], leaves["signature"], leaves["leaves"][:-1] or ["00" * 32], orderer)


def test_a_block_not_yet_cut_is_not_found(node) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(BaobabError) as missing:
        node.client("KLTB").request("GET", "/v1/blocks/9999999/leaves")
    assert missing.value.code == "NOT_FOUND"
