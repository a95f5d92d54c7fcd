import hashlib

from hypothesis import given, strategies as st

from baobab.core import merkle


def reference_root(leaves: list[bytes]) -> bytes:
    """RFC 9162 section 2.1.1, written as recursively as the RFC states it."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + reference_root(leaves[:k]) + reference_root(leaves[k:])).digest()


def test_empty_tree_and_known_single_leaf() -> None:
    assert merkle.root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    # SHA-256(0x00) — the RFC 6962/9162 hash of an empty leaf
    assert merkle.root([b""]).hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_inclusion_proofs_verify_and_bind_index_and_leaf(leaves: list[bytes], data: st.DataObject) -> None:
    hashes = [merkle.leaf_hash(x) for x in leaves]
    root = merkle.root(leaves)
    assert root == reference_root(leaves)
    i = data.draw(st.integers(0, len(leaves) - 1))
    proof = merkle.inclusion_proof(i, hashes)
    assert merkle.verify_inclusion(hashes[i], i, len(leaves), proof, root)
    assert not merkle.verify_inclusion(merkle.leaf_hash(leaves[i] + b"x"), i, len(leaves), proof, root)
    if len(leaves) > 1:
        j = (i + 1) % len(leaves)
        assert not merkle.verify_inclusion(hashes[i], j, len(leaves), proof, root) or hashes[i] == hashes[j]


@given(st.lists(st.binary(max_size=8), min_size=1, max_size=70), st.data())
def test_consistency_proofs_verify_and_reject_forks(leaves: list[bytes], data: st.DataObject) -> None:
    hashes = [merkle.leaf_hash(x) for x in leaves]
    m = data.draw(st.integers(1, len(leaves)))
    proof = merkle.consistency_proof(m, hashes)
    old_root, new_root = merkle.root(leaves[:m]), merkle.root(leaves)
    assert merkle.verify_consistency(m, len(leaves), old_root, new_root, proof)
    forked = merkle.root(leaves[: m - 1] + [leaves[m - 1] + b"fork"])
    assert not merkle.verify_consistency(m, len(leaves), forked, new_root, proof)
    if m < len(leaves):
        assert not merkle.verify_consistency(m, len(leaves), old_root, merkle.root(leaves[:-1] + [b"z" + leaves[-1]]), proof)
