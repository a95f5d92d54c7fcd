"""OpenAttestation v2: reference vectors, tampering, selective disclosure, properties."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from baobab.core.errors import BaobabError
from baobab.documents.openattestation import (
    check_proof,
    digest_document,
    flatten,
    get_data,
    is_obfuscated,
    js_stringify,
    keccak256,
    leaf_hashes,
    merkle_root_and_proofs,
    obfuscate,
    verify_integrity,
)
from baobab.documents.wrapping import wrap_document, wrap_documents

VECTORS = Path(__file__).parent / "vectors" / "openattestation-v2"
WRAPPED = ["not-obfuscated-wrapped.json", "obfuscated-wrapped.json", "wrapped-transferable-document.json"]


def load(name: str) -> dict:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


# --- primitives ---------------------------------------------------------------------------


def test_keccak_is_original_keccak_not_sha3():
    # Keccak-256 of the empty string (Ethereum), which differs from NIST SHA3-256.
    assert keccak256(b"").hex() == "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"


def test_js_stringify_numbers_and_escapes():
    assert js_stringify({"a": 1e21, "b": 1.5, "c": -0.0, "d": 2**60}) == '{"a":1e+21,"b":1.5,"c":0,"d":1152921504606847000}'
    assert js_stringify(["\n\u0001é\"", True, None]) == '["\\n\\u0001é\\"",true,null]'
    assert js_stringify("\ud800") == '"\\ud800"'  # lone surrogate escaped as ES2019 does


def test_flatten_uses_dots_for_array_indices_and_drops_empty_containers():
    data = {"issuers": [{"name": "x"}], "$template": {"name": "t"}, "e": {}, "f": [], "n": None}
    assert flatten(data) == {"issuers.0.name": "x", "$template.name": "t", "n": None}


def test_flatten_refuses_keys_with_dots():
    with pytest.raises(BaobabError) as err:
        flatten({"foo": {"bar": "qux"}, "foo.bar": "asd"})
    assert err.value.code == "MALFORMED"


# Known answers published in the reference's own unit tests (src/2.0/__tests__/*.test.ts).
REF_DATA = {
    "key1": "value1",
    "key2": {"key2-1": "value2-1", "key2-2": "value2-2", "key2-3": ["value2-3-1", "value2-3-2", "value2-3-3"]},
    "key3": ["value3-1", "value3-2"],
}
REF_TARGET = "3826fcc2b0122a3555051a29b09b8cf5a6a8c776abf5da4e966ab92dbdbd518c"
REF_PROOF = [
    "46c732825d2111a7019929d7f21988081f88084bb05fd54ab4c1843b53cbe799",
    "b1fee809d2803cbf7f63070eee763709eadca9abcaeab349b4c85a10bc48bc49",
]
REF_ROOT = "c16a56c5f0bf0e985f731816635fa772ca921a68848090a49cbe10c7a55d521b"


def test_reference_known_answers():
    assert leaf_hashes({"key1": "value1"}) == ["1549a7b5fac4126fa0fbdea8c156930790691317e30400feb76c0f5cec06b396"]
    assert digest_document({"data": REF_DATA}) == REF_TARGET
    assert check_proof(REF_PROOF, REF_ROOT, REF_TARGET)
    doc = {"data": REF_DATA, "signature": {"type": "SHA3MerkleProof", "targetHash": REF_TARGET,
                                           "proof": REF_PROOF, "merkleRoot": REF_ROOT}}
    assert verify_integrity(doc)


def test_reference_obfuscation_known_answers():
    out = obfuscate({"data": {"key1": 2, "key2": "value2", "key3": False, "key4": "control"}},
                    ["key1", "key2", "key3"])
    assert out["data"] == {"key4": "control"}
    assert out["privacy"]["obfuscatedData"] == [
        "95d3d5290cbedca7c616c3b531280a5d5bbc05ec1301af9990860eb4854974d6",
        "9effc0520df5aa99bd49cc6521f76b13274a113ef0e4f45cd3bedecbf5d9e3d6",
        "4efbbb60071bb9d068120fd1f855ae79773db8a2d966a17edc18235649d78b4f",
    ]


# --- the reference vectors ----------------------------------------------------------------


@pytest.mark.parametrize("name", WRAPPED)
def test_every_wrapped_vector_verifies(name):
    result = verify_integrity(load(name))
    assert result.valid, result.reasons
    assert result.computed_target_hash == load(name)["signature"]["targetHash"]


def test_obfuscating_recipient_name_reproduces_the_obfuscated_vector():
    obfuscated = obfuscate(load("not-obfuscated-wrapped.json"), ["recipient.name"])
    assert obfuscated == load("obfuscated-wrapped.json")
    assert is_obfuscated(obfuscated) and not is_obfuscated(load("not-obfuscated-wrapped.json"))


def test_get_data_of_vector():
    assert get_data(load("not-obfuscated-wrapped.json"))["issuers"][0]["identityProof"] == {
        "type": "DNS-TXT", "location": "demo-tradetrust.openattestation.com"}


def test_wrapping_raw_document_verifies_and_round_trips():
    raw = load("raw-document.json")
    wrapped = wrap_document(raw)
    assert wrapped["version"] == "https://schema.openattestation.com/2.0/schema.json"
    assert wrapped["signature"]["proof"] == [] and wrapped["signature"]["merkleRoot"] == wrapped["signature"]["targetHash"]
    assert verify_integrity(wrapped)
    assert verify_integrity(json.loads(json.dumps(wrapped)))  # survives serialisation
    assert get_data(wrapped) == raw
    assert wrapped["data"]["issuers"][0]["name"].endswith(":string:Demo Issuer")


def test_salts_are_fresh_uuid_v4_per_field():
    a, b = wrap_document({"x": "1", "y": "1"}), wrap_document({"x": "1", "y": "1"})
    salts = {v.split(":")[0] for w in (a, b) for v in w["data"].values()}
    assert len(salts) == 4
    assert a["signature"]["targetHash"] != b["signature"]["targetHash"]


def test_salted_types():
    data = wrap_document({"s": "a:b", "n": 5, "f": 1.5, "t": True, "z": None})["data"]
    assert [v[37:] for v in data.values()] == ["string:a:b", "number:5", "number:1.5", "boolean:true", "null:null"]
    assert get_data({"data": data}) == {"s": "a:b", "n": 5, "f": 1.5, "t": True, "z": None}


# --- batches and tampering ----------------------------------------------------------------


def batch():
    raw = load("raw-document.json")
    return wrap_documents([raw, {**raw, "licenseNumber": "B"}, {**raw, "licenseNumber": "C"}])


def test_batch_shares_root_and_each_proof_checks():
    docs = batch()
    assert len({d["signature"]["merkleRoot"] for d in docs}) == 1
    assert all(verify_integrity(d) for d in docs)
    assert sorted(len(d["signature"]["proof"]) for d in docs) == [1, 2, 2]


def test_merkle_tree_shape_matches_sorted_pair_rule():
    leaves = [keccak256(bytes([i])).hex() for i in range(5)]
    root, proofs = merkle_root_and_proofs(leaves)
    for leaf, proof in zip(leaves, proofs):
        assert check_proof(proof, root, leaf)
    with pytest.raises(BaobabError):
        merkle_root_and_proofs([])


def _flip(hex_text: str) -> str:
    return ("1" if hex_text[0] != "1" else "2") + hex_text[1:]


def tampered_variants(doc: dict):
    """Yield (description, tampered copy) for each kind of change that must be detected."""
    for path in flatten(doc["data"]):
        parts = path.split(".")
        for what in ("value", "salt"):
            bad = copy.deepcopy(doc)
            node = bad["data"]
            for p in parts[:-1]:
                node = node[int(p)] if isinstance(node, list) else node[p]
            key = int(parts[-1]) if isinstance(node, list) else parts[-1]
            salted = node[key]
            node[key] = salted + "x" if what == "value" else _flip(salted)
            yield f"{what} of {path}", bad
    for field in ("targetHash", "merkleRoot"):
        bad = copy.deepcopy(doc)
        bad["signature"][field] = _flip(bad["signature"][field])
        yield field, bad
    for i in range(len(doc["signature"]["proof"])):
        bad = copy.deepcopy(doc)
        bad["signature"]["proof"][i] = _flip(bad["signature"]["proof"][i])
        yield f"proof[{i}]", bad
    bad = copy.deepcopy(doc)
    bad["signature"]["proof"] = bad["signature"]["proof"][:-1]
    yield "truncated proof", bad
    bad = copy.deepcopy(doc)
    bad["data"]["added"] = "ec6cc4f0-3d56-4bb4-a0a3-0a4e3b1c8e1b:string:extra"
    yield "added field", bad
    bad = copy.deepcopy(doc)
    del bad["data"]["name"]
    yield "removed field", bad


@pytest.mark.parametrize("doc_index", [0, 1, 2])
def test_any_tampering_fails(doc_index):
    doc = batch()[doc_index]
    variants = list(tampered_variants(doc))
    assert len(variants) > 20
    for what, bad in variants:
        assert not verify_integrity(bad).valid, what


@pytest.mark.parametrize("name", WRAPPED)
def test_tampering_vectors_fails(name):
    doc = load(name)
    for what, bad in tampered_variants({**doc, "data": {**doc["data"], "name": "x"}}):
        if what == "removed field":
            continue  # "name" was added above, so removing it is the original again
        assert not verify_integrity(bad).valid, what


def test_malformed_documents_are_reported_not_raised():
    assert not verify_integrity(None)
    assert verify_integrity({"data": {}}).reasons == ["signature is missing"]
    doc = wrap_document({"a": "b"})
    doc["signature"]["proof"] = ["nothex"]
    assert "proof must be" in verify_integrity(doc).reasons[0]
    doc = wrap_document({"a": "b"})
    doc["privacy"] = {"obfuscatedData": [1]}
    assert not verify_integrity(doc)
    doc = wrap_document({"a": "b"})
    doc["signature"]["type"] = "Other"
    assert not verify_integrity(doc)


# --- selective disclosure -----------------------------------------------------------------


def test_obfuscation_keeps_verification():
    doc = batch()[1]
    out = obfuscate(doc, ["recipient.name", "class[1].effectiveDate", "issuers.0.identityProof", "birthDate"])
    assert verify_integrity(out)
    plain = get_data(out)
    assert "name" not in plain["recipient"] and "birthDate" not in plain
    assert "identityProof" not in plain["issuers"][0] and plain["class"][1] == {"type": "3A"}
    assert len(out["privacy"]["obfuscatedData"]) == 5
    assert doc == batch_copy_of(doc)  # the input is not modified


def batch_copy_of(doc):
    return json.loads(json.dumps(doc))


def test_obfuscation_is_transitive():
    doc = wrap_document(load("raw-document.json"))
    step = obfuscate(obfuscate(doc, ["name"]), ["id"])
    assert step == obfuscate(doc, ["name", "id"])
    assert verify_integrity(step)


def test_obfuscation_refuses_unknown_paths_and_array_elements():
    doc = wrap_document(load("raw-document.json"))
    for path in ["nope", "class.5.type", "class.0", "class[1]", "", "a..b"]:
        with pytest.raises(BaobabError) as err:
            obfuscate(doc, [path])
        assert err.value.code == "BAD_ARGUMENT"


def test_obfuscated_hash_cannot_be_swapped_for_other_value():
    out = obfuscate(wrap_document({"a": "secret", "b": "open"}), ["a"])
    out["data"]["a"] = "12345678-1234-4234-8234-123456789012:string:guess"
    assert not verify_integrity(out)


# --- properties ---------------------------------------------------------------------------

KEYS = st.text(min_size=1, max_size=8).filter(lambda k: "." not in k)
LEAVES = st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=12) | \
    st.floats(allow_nan=False, allow_infinity=False)
JSON_VALUES = st.recursive(LEAVES, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
                           max_leaves=20)
DOCUMENTS = st.dictionaries(KEYS, JSON_VALUES, min_size=1, max_size=6)


@settings(max_examples=150, deadline=None)
@given(DOCUMENTS)
def test_any_wrapped_document_verifies(document):
    wrapped = wrap_document(document)
    assert verify_integrity(wrapped)
    assert verify_integrity(json.loads(json.dumps(wrapped)))
    assert get_data(wrapped) == document


@settings(max_examples=150, deadline=None)
@given(DOCUMENTS, st.data())
def test_any_single_field_change_breaks_it(document, data):
    wrapped = wrap_document(document)
    leaves = list(flatten(wrapped["data"]))
    if not leaves:
        return  # only empty containers: nothing to change
    path = data.draw(st.sampled_from(leaves))
    replacement = data.draw(st.text(max_size=5))
    node = wrapped["data"]
    parts = path.split(".")
    for p in parts[:-1]:
        node = node[int(p)] if isinstance(node, list) else node[p]
    key = int(parts[-1]) if isinstance(node, list) else parts[-1]
    node[key] = node[key] + "!" + replacement
    assert not verify_integrity(wrapped)


@settings(max_examples=100, deadline=None)
@given(st.lists(DOCUMENTS, min_size=1, max_size=7))
def test_any_batch_verifies(documents):
    wrapped = wrap_documents(documents)
    assert len({w["signature"]["merkleRoot"] for w in wrapped}) == 1
    assert all(verify_integrity(w) for w in wrapped)
