"""The W3C eddsa-jcs-2022 test vectors (copied in vectors/, see its README for source and
licence): every intermediate value reproduced byte for byte, and the signed credential verified."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import base58

from baobab.core.jcs import canonicalize
from baobab.credentials import data_integrity
from baobab.credentials.did_key import key_from_private_multibase, public_multibase, resolve

VECTORS = Path(__file__).parent / "vectors"


def text(name: str) -> str:
    return (VECTORS / name).read_text(encoding="utf-8").strip()


def load(name: str) -> dict:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


KEY = key_from_private_multibase(load("keyPair.json")["privateKeyMultibase"])
CONFIG = load("proofConfigJCS.json")
UNSIGNED = load("unsigned.json")


def test_the_key_pair_is_read_from_its_multibase_form_and_matches_its_public_key() -> None:
    assert public_multibase(KEY.public) == load("keyPair.json")["publicKeyMultibase"]
    did, public = resolve(CONFIG["verificationMethod"])
    assert public == KEY.public and did == CONFIG["verificationMethod"].split("#")[0]


def test_canonical_document_and_proof_configuration_are_the_vectors_bytes() -> None:
    assert canonicalize(UNSIGNED).decode() == text("canonDocJCS.txt")
    config = data_integrity.proof_configuration(UNSIGNED, {k: v for k, v in CONFIG.items() if k != "@context"})
    assert canonicalize(config).decode() == text("proofCanonJCS.txt")


def test_hashes_and_signature_are_the_vectors() -> None:
    config = data_integrity.proof_configuration(UNSIGNED, CONFIG)
    assert hashlib.sha256(canonicalize(UNSIGNED)).hexdigest() == text("docHashJCS.txt")
    assert hashlib.sha256(canonicalize(config)).hexdigest() == text("proofHashJCS.txt")
    combined = data_integrity.hash_data(UNSIGNED, config)
    assert combined.hex() == text("combinedHashJCS.txt")
    signature = KEY.sign_message(combined)
    assert signature.hex() == text("sigHexJCS.txt")
    assert "z" + base58.b58encode(signature).decode() == text("sigBTC58JCS.txt")


def test_signing_the_unsigned_credential_gives_the_signed_vector_exactly() -> None:
    signed = data_integrity.sign(UNSIGNED, KEY, created=CONFIG["created"], verification_method=CONFIG["verificationMethod"])
    assert signed == load("signedJCS.json")
    assert canonicalize(signed) == canonicalize(load("signedJCS.json"))


def test_the_signed_vector_verifies_and_a_changed_byte_does_not() -> None:
    signed = load("signedJCS.json")
    [check] = data_integrity.verify(signed)
    assert check.valid and check.purpose == "assertionMethod" and check.created == "2023-02-24T23:36:38Z"
    tampered = {**signed, "credentialSubject": {**signed["credentialSubject"], "alumniOf": "The School of Forgeries"}}
    [check] = data_integrity.verify(tampered)
    assert not check.valid and check.reason == "the signature does not verify"
    reproofed = {**signed, "proof": {**signed["proof"], "created": "2024-02-24T23:36:38Z"}}
    assert not data_integrity.verify(reproofed)[0].valid
