"""Data Integrity proofs with the eddsa-jcs-2022 cryptosuite (W3C VC Data Integrity EdDSA
Cryptosuites v1.0, section 3.3), over the project's RFC 8785 code and Ed25519 keys.

To sign a document (a credential, a presentation, a status list):

    proof configuration = the proof's options without proofValue, with the document's @context
    hash data          = SHA-256(JCS(proof configuration)) || SHA-256(JCS(document without proof))
    proofValue         = multibase base58btc of the Ed25519 signature of the hash data

Verifying does the same from the proof found in the document, after checking that the proof's
@context is the start of the document's. A document may carry a proof set (a list of proofs,
each over the document without any proof) or a chain (a proof naming `previousProof`: it also
covers the proofs it names). `verify` answers which proofs hold; it never raises for a
signature that fails, only for a proof it cannot read.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.jcs import canonicalize
from baobab.core.keys import PrivateKey, PublicKey
from baobab.credentials.did_key import multibase_decode, multibase_encode, resolve, verification_method_of

CRYPTOSUITE = "eddsa-jcs-2022"
PROOF_TYPE = "DataIntegrityProof"
# XML Schema dateTimeStamp as VC 2.0 and Data Integrity use it: a time zone is required.
DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")
OPTIONAL = ("id", "expires", "domain", "challenge", "nonce", "previousProof")


def _sha256(value: Any) -> bytes:
    return hashlib.sha256(canonicalize(value)).digest()


def hash_data(document: dict[str, Any], proof_config: dict[str, Any]) -> bytes:
    """What the Ed25519 signature covers (spec section 3.3.4, Hashing)."""
    return _sha256(proof_config) + _sha256(document)


def proof_configuration(document: dict[str, Any], options: dict[str, Any]) -> dict[str, Any]:
    """The proof's options as signed: without proofValue, with the document's @context."""
    config = {k: v for k, v in options.items() if k != "proofValue"}
    if config.get("type") != PROOF_TYPE or config.get("cryptosuite") != CRYPTOSUITE:
        raise BaobabError("BAD_PROOF", f"the proof is a {PROOF_TYPE} with cryptosuite {CRYPTOSUITE}")
    if "created" in config and not (isinstance(config["created"], str) and DATETIME.fullmatch(config["created"])):
        raise BaobabError("BAD_PROOF", "proof.created is an RFC 3339 date-time with its time zone")
    if not isinstance(config.get("proofPurpose"), str) or not isinstance(config.get("verificationMethod"), str):
        raise BaobabError("BAD_PROOF", "the proof names its proofPurpose and verificationMethod")
    if "@context" in document:
        config["@context"] = document["@context"]
    return config


def _without_proof(document: dict[str, Any]) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise BaobabError("BAD_PROOF", "a secured document is a JSON object")
    return {k: v for k, v in document.items() if k != "proof"}


def _proofs(document: dict[str, Any]) -> list[dict[str, Any]]:
    proof = document.get("proof")
    proofs = proof if isinstance(proof, list) else [] if proof is None else [proof]
    if not all(isinstance(p, dict) for p in proofs):
        raise BaobabError("BAD_PROOF", "each proof is a JSON object")
    return proofs


def sign(document: dict[str, Any], key: PrivateKey, *, purpose: str = "assertionMethod", created: str | None = None,
         verification_method: str | None = None, **options: Any) -> dict[str, Any]:
    """`document` with one more proof by `key` (a proof set if it had proofs already; a chain
    link when `previousProof` names earlier proofs, which it then covers). Options: id, expires,
    domain, challenge, nonce, previousProof."""
    unknown = set(options) - set(OPTIONAL)
    if unknown:
        raise BaobabError("BAD_PROOF", f"unknown proof options {sorted(unknown)}")
    proof: dict[str, Any] = {"type": PROOF_TYPE, "cryptosuite": CRYPTOSUITE}
    if created is not None:
        proof["created"] = created
    proof["verificationMethod"] = verification_method or verification_method_of(key.public)
    proof["proofPurpose"] = purpose
    proof.update({k: v for k, v in options.items() if v is not None})
    existing = _proofs(document)
    base = _secured_part(document, existing, proof.get("previousProof"))
    config = proof_configuration(base, proof)
    if "@context" in base:
        proof["@context"] = base["@context"]
    proof["proofValue"] = multibase_encode(key.sign_message(hash_data(base, config)))
    return {**document, "proof": proof if not existing else [*existing, proof]}


def _secured_part(document: dict[str, Any], proofs: list[dict[str, Any]], previous: Any) -> dict[str, Any]:
    """What a proof covers: the document without proofs, plus the proofs a chain link names."""
    base = _without_proof(document)
    if previous is None:
        return base
    names = [previous] if isinstance(previous, str) else previous
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise BaobabError("BAD_PROOF", "previousProof is a proof id or a list of them")
    by_id = {p.get("id"): p for p in proofs if p.get("id")}
    missing = [n for n in names if n not in by_id]
    if missing:
        raise BaobabError("BAD_PROOF", f"previousProof names proofs the document lacks: {missing}")
    linked = [by_id[n] for n in names]
    return {**base, "proof": linked[0] if len(linked) == 1 else linked}


@dataclass(frozen=True)
class ProofCheck:
    """One proof's verdict: which key, for what purpose, whether its signature holds."""

    verification_method: str
    controller: str
    purpose: str
    created: str | None
    valid: bool
    reason: str = ""
    proof: dict[str, Any] | None = None


def verify_proof(document: dict[str, Any], proof: dict[str, Any], all_proofs: list[dict[str, Any]] | None = None,
                 key: PublicKey | None = None) -> ProofCheck:
    """Verify one proof of `document` (spec section 3.3.2). `key`: the public key of the
    verification method when it is not a did:key (a test vector's https issuer, say)."""
    method = proof.get("verificationMethod", "")
    try:
        controller, resolved = resolve(method) if key is None else (str(method).partition("#")[0], key)
        options = {k: v for k, v in proof.items() if k != "proofValue"}
        base = _secured_part(document, all_proofs or [], proof.get("previousProof"))
        if "@context" in options:
            doc_ctx, proof_ctx = base.get("@context"), options["@context"]
            doc_list = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
            proof_list = proof_ctx if isinstance(proof_ctx, list) else [proof_ctx]
            if doc_list[: len(proof_list)] != proof_list:
                return ProofCheck(method, controller, str(proof.get("proofPurpose")), proof.get("created"), False,
                                  "the proof's @context is not the start of the document's", proof)
            base = {**base, "@context": proof_ctx}
        config = proof_configuration(base, options)
        signature = multibase_decode(proof.get("proofValue", ""))
    except BaobabError as exc:
        return ProofCheck(str(method), "", str(proof.get("proofPurpose")), proof.get("created"), False, exc.message, proof)
    ok = len(signature) == 64 and resolved.verify_message(signature, hash_data(base, config))
    return ProofCheck(method, controller, config["proofPurpose"], config.get("created"), ok,
                      "" if ok else "the signature does not verify", proof)


def verify(document: dict[str, Any], key: PublicKey | None = None) -> list[ProofCheck]:
    """Every proof of `document`, checked (empty: the document has no proof)."""
    proofs = _proofs(document)
    return [verify_proof(document, proof, proofs, key) for proof in proofs]
