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
WRAPPED = ["not-obfuscated-wrapped.json", "wrapped-transferable-document.json", "wrapped-invoice-empty-company.json"]


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


def test_flatten_uses_dots_for_array_indices():
    data = {"issuers": [{"name": "x"}], "$template": {"name": "t"}, "n": None}
    assert flatten(data) == {"issuers.0.name": "x", "$template.name": "t", "n": None}


def test_flatten_keeps_empty_object_or_array_as_a_leaf_like_flatley():
    # The reference's flatten (flatley 5) gives exactly these pairs for this input.
    data = {"a": {}, "b": [], "c": {"d": {}}, "e": [[], {}], "f": None}
    assert flatten(data) == {"a": {}, "b": [], "c.d": {}, "e.0": [], "e.1": {}, "f": None}
    assert flatten({}) == {}


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


REFERENCE_VERDICTS = {
    "not-obfuscated-wrapped.json": True,
    "obfuscated-wrapped.json": False,  # holds "recipient": {}, a leaf the targetHash never had
    "wrapped-transferable-document.json": True,
    "wrapped-invoice-empty-company.json": True,
}


@pytest.mark.parametrize("name", sorted(REFERENCE_VERDICTS))
def test_each_vector_gets_the_reference_verdict(name):
    result = verify_integrity(load(name))
    assert result.valid is REFERENCE_VERDICTS[name], result.reasons


def test_intact_vectors_recompute_their_target_hash():
    for name in (n for n, ok in REFERENCE_VERDICTS.items() if ok):
        assert verify_integrity(load(name)).computed_target_hash == load(name)["signature"]["targetHash"]


def test_batch_we_wrap_with_empty_containers_is_intact_here_as_in_the_reference():
    batch = load("baobab-wrapped-batch.json")  # the reference 6.9.7 verified each of these
    assert batch[0]["data"]["nested"] == {"a": [[], {}]}
    assert len({d["signature"]["merkleRoot"] for d in batch}) == 1
    assert all(verify_integrity(d) for d in batch)
    batch[0]["data"]["nested"]["a"][0] = {}  # [] and {} are different leaves
    assert not verify_integrity(batch[0])


def test_tradetrust_invoice_with_empty_company_is_intact():
    doc = load("wrapped-invoice-empty-company.json")
    assert doc["data"]["billTo"]["company"] == {}
    assert verify_integrity(doc)
    assert get_data(doc)["billTo"]["company"] == {} and get_data(doc)["attachments"] == []


@pytest.mark.parametrize("change", ["extra object", "extra array", "company removed", "company filled",
                                    "nested extra object"])
def test_empty_object_or_array_is_covered_by_the_hash(change):
    doc = load("wrapped-invoice-empty-company.json")
    data = doc["data"]
    if change == "extra object":
        data["extra"] = {}
    elif change == "extra array":
        data["extra"] = []
    elif change == "company removed":
        del data["billTo"]["company"]
    elif change == "company filled":
        data["billTo"]["company"] = {"name": "4a1f6c2e-9d3b-4e5a-8f7c-1b2d3e4f5a6b:string:Acme"}
    else:
        data["billFrom"]["extra"] = {}
    result = verify_integrity(doc)
    assert not result.valid
    assert "targetHash does not match" in result.reasons[0]


def test_obfuscating_only_member_of_an_object_leaves_it_empty_and_breaks_like_the_reference():
    obfuscated = obfuscate(load("not-obfuscated-wrapped.json"), ["recipient.name"])
    assert obfuscated == load("obfuscated-wrapped.json")  # byte for byte the reference's output
    result = verify_integrity(obfuscated)
    assert not result.valid and "recipient" in result.reasons[0]
    nested = obfuscate(load("wrapped-invoice-empty-company.json"), ["links.self.href"])
    assert nested["data"]["links"] == {"self": {}}
    assert not verify_integrity(nested)
    assert verify_integrity(obfuscate(load("not-obfuscated-wrapped.json"), ["recipient"]))  # the parent instead


def test_obfuscating_an_empty_object_or_array_hashes_it_like_the_reference():
    doc = load("wrapped-invoice-empty-company.json")
    company = obfuscate(doc, ["billTo.company"])
    assert company["privacy"]["obfuscatedData"] == ["9a8952377d20d6526e2cfca1a8359b584c9e08db75547969bddd54a488dd3443"]
    assert "company" not in company["data"]["billTo"] and verify_integrity(company)
    attachments = obfuscate(doc, ["attachments"])
    assert attachments["privacy"]["obfuscatedData"] == ["e4dbb48a9ae0a401c964f4de666a4c404e0cf6f8355343d77cefa27c856815ea"]
    assert verify_integrity(attachments)
    whole = obfuscate(doc, ["billTo"])
    assert len(whole["privacy"]["obfuscatedData"]) == 3 and verify_integrity(whole)


@pytest.mark.parametrize("proof", ["missing", None, "text"])
def test_signature_without_proof_is_not_intact(proof):
    doc = load("not-obfuscated-wrapped.json")  # a batch of one: an empty proof would check
    if proof == "missing":
        del doc["signature"]["proof"]
    else:
        doc["signature"]["proof"] = proof
    result = verify_integrity(doc)
    assert not result.valid and result.reasons == ["proof must be a list of 64-hex-digit hashes"]


def test_obfuscating_recipient_reproduces_a_verifiable_document():
    obfuscated = obfuscate(load("not-obfuscated-wrapped.json"), ["recipient"])
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
    for path, leaf in flatten(doc["data"]).items():
        if not isinstance(leaf, str):
            continue  # an empty object or array: covered by test_empty_object_or_array_is_covered_by_the_hash
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
    out = obfuscate(doc, ["recipient", "class[1].effectiveDate", "issuers.0.identityProof", "birthDate"])
    assert verify_integrity(out)
    plain = get_data(out)
    assert "recipient" not in plain and "birthDate" not in plain
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
    leaves = [path for path, value in flatten(wrapped["data"]).items() if isinstance(value, str)]
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


@settings(max_examples=150, deadline=None)
@given(DOCUMENTS, st.data())
def test_any_empty_container_added_or_removed_breaks_it(document, data):
    wrapped = wrap_document(document)
    objects = [wrapped["data"]]
    for node in objects:  # every object in the data, breadth first
        objects += [v for v in (node.values() if isinstance(node, dict) else node) if isinstance(v, (dict, list))]
    target = data.draw(st.sampled_from([o for o in objects if isinstance(o, dict)]))
    key = data.draw(KEYS.filter(lambda k: k not in target))
    target[key] = data.draw(st.sampled_from([{}, []]))
    assert not verify_integrity(wrapped)
