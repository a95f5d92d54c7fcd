"""OpenAttestation v2 (TradeTrust) wrapping, integrity checks and selective disclosure.

Byte-compatible with the reference implementation (Open-Attestation/open-attestation, 2.0):
a document we wrap verifies there and a document it wraps verifies here. The algorithm is
specified in docs/DOCUMENTS.md; in short:

1. Salt: every leaf value v becomes "<uuid v4>:<type>:<String(v)>" (JavaScript typeof and
   String(), so numbers are printed the ECMAScript way).
2. Flatten `data` to paths joined with "." (array indices too: "issuers.0.name"). An empty
   object or array is a leaf of its own (value {} or []), as flatley does for the reference.
3. Leaf hash = keccak256(JSON.stringify({path: value})) as lowercase hex.
4. targetHash = keccak256(JSON.stringify(sorted(leaf hashes + privacy.obfuscatedData))).
5. A batch's merkleRoot is a Merkle tree over the sorted target hashes where each parent is
   keccak256 of its two children's bytes concatenated in ascending order; an odd node is
   carried up unchanged. `proof` lists the sibling hashes from leaf to root.

Keccak-256 here is the original Keccak (Ethereum's), not NIST SHA3-256; it comes from
pycryptodome. Everything in this module is pure: no I/O, and randomness only in the salts.
"""

from __future__ import annotations

import copy
import json
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable

from Crypto.Hash import keccak

from baobab.core.errors import BaobabError
from baobab.core.jcs import format_number

SCHEMA_V2 = "https://schema.openattestation.com/2.0/schema.json"
SIGNATURE_TYPE = "SHA3MerkleProof"

_UUID_V4 = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", re.I)
_HASH_HEX = re.compile(r"[0-9a-fA-F]{64}")
_SALT_PREFIX_LEN = 37  # 36-character uuid plus the ":" after it
_SURROGATE = re.compile("[\ud800-\udfff]")
_encode_string = json.encoder.encode_basestring  # type: ignore[attr-defined]


# --- hashing primitives -------------------------------------------------------------------


def keccak256(data: bytes) -> bytes:
    return keccak.new(digest_bits=256, data=data).digest()


def _js_number(value: int | float) -> str:
    """ECMAScript Number::toString; integers too, since JavaScript holds them as doubles."""
    try:
        as_float = float(value)
    except OverflowError as exc:
        raise BaobabError("MALFORMED", f"number {value} is out of range") from exc
    if not math.isfinite(as_float):
        raise BaobabError("MALFORMED", "NaN and Infinity are not valid JSON numbers")
    return format_number(as_float)


def _js_string(text: str) -> str:
    # JSON.stringify escapes lone UTF-16 surrogates as \udxxx (ES2019). First pair up any
    # surrogates that Python holds as two code points, then escape what is left alone.
    if _SURROGATE.search(text):
        text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")
    return _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", _encode_string(text))


def js_stringify(value: Any) -> str:
    """JSON.stringify for JSON values, keeping the member order of dicts as given."""
    if isinstance(value, str):
        return _js_string(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return _js_number(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{_js_string(str(k))}:{js_stringify(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(js_stringify(v) for v in value) + "]"
    raise BaobabError("MALFORMED", f"value of type {type(value).__name__} is not JSON")


def _hash_json(value: Any) -> str:
    # js-sha3 hashes a JavaScript string as its UTF-8 bytes.
    return keccak256(js_stringify(value).encode("utf-8")).hex()


def _utf16_key(text: str) -> bytes:
    # lodash sortBy compares strings by UTF-16 code units.
    return text.encode("utf-16-be", "surrogatepass")


# --- salting ------------------------------------------------------------------------------


def _typed_string(value: Any) -> str:
    if value is None:
        return "null:null"
    if isinstance(value, bool):
        return f"boolean:{'true' if value else 'false'}"
    if isinstance(value, (int, float)):
        return f"number:{_js_number(value)}"
    if isinstance(value, str):
        return f"string:{value}"
    raise BaobabError("MALFORMED", f"value of type {type(value).__name__} is not JSON")


def _salt(value: Any, new_salt: Callable[[], str]) -> Any:
    if isinstance(value, dict):
        return {k: _salt(v, new_salt) for k, v in value.items()}
    if isinstance(value, list):
        return [_salt(v, new_salt) for v in value]
    return f"{new_salt()}:{_typed_string(value)}"


def _unsalt_leaf(value: Any) -> tuple[bool, Any]:
    """(present, value); present is False for a salted JavaScript `undefined`."""
    if not (isinstance(value, str) and _UUID_V4.fullmatch(value.split(":", 1)[0])):
        return True, value  # not salted: shown as is, like the reference
    kind, _, text = value[_SALT_PREFIX_LEN:].partition(":")
    if kind == "string":
        return True, text
    if kind == "boolean":
        return True, text == "true"
    if kind == "null":
        return True, None
    if kind == "undefined":
        return False, None
    if kind == "number":
        return True, _parse_js_number(text)
    raise BaobabError("MALFORMED", f"unknown type annotation {kind!r} in salted value")


def _parse_js_number(text: str) -> int | float:
    if re.fullmatch(r"-?\d+", text):  # beyond 2**53 JavaScript only has the nearest double
        return int(text) if abs(int(text)) <= 2**53 else float(text)
    if re.fullmatch(r"-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", text):
        number = float(text)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    raise BaobabError("MALFORMED", f"{text!r} is not a number")


def _unsalt(value: Any) -> Any:
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if isinstance(v, (dict, list)):
                out[k] = _unsalt(v)
            else:
                present, plain = _unsalt_leaf(v)
                if present:
                    out[k] = plain
        return out
    if isinstance(value, list):
        return [_unsalt(v) if isinstance(v, (dict, list)) else _unsalt_leaf(v)[1] for v in value]
    return _unsalt_leaf(value)[1]


# --- flattening and digest ----------------------------------------------------------------


def flatten(data: Any) -> dict[str, Any]:
    """Leaves of `data` keyed by path ("a.b.0.c"), as the reference's flatley-based flatten.

    Keys containing "." are refused (the reference throws: they would shadow other paths).
    An empty object or array is a leaf whose value is {} or [] (flatley only descends into
    containers that have members), so adding or removing one changes the digest.
    """
    if not isinstance(data, (dict, list)):
        raise BaobabError("MALFORMED", "document data must be a JSON object")
    out: dict[str, Any] = {}
    _add_leaves(data, "", out)
    return out


def _add_leaves(node: dict[str, Any] | list[Any], prefix: str, out: dict[str, Any]) -> None:
    items: Iterable[tuple[Any, Any]] = node.items() if isinstance(node, dict) else enumerate(node)
    for key, value in items:
        key = str(key)
        if "." in key:
            raise BaobabError("MALFORMED", f"key names must not contain '.': {key!r}")
        path = f"{prefix}.{key}" if prefix else key  # an empty prefix is falsy there too
        if isinstance(value, (dict, list)) and value:
            _add_leaves(value, path, out)
        else:
            out[path] = value


def _leaves_at(path: str, value: Any) -> dict[str, Any]:
    """The leaves of `value` as it sits at `path` in the data."""
    if isinstance(value, (dict, list)) and value:
        out: dict[str, Any] = {}
        _add_leaves(value, path, out)
        return out
    return {path: value}


def leaf_hashes(data: Any) -> list[str]:
    """keccak256 of JSON.stringify({path: value}) for every leaf, in flatten order."""
    return [_hash_json({path: value}) for path, value in flatten(data).items()]


def digest_document(document: dict[str, Any]) -> str:
    """The targetHash of a wrapped (possibly obfuscated) document, as lowercase hex."""
    obfuscated = _obfuscated_data(document)
    hashes = sorted(obfuscated + leaf_hashes(document.get("data")), key=_utf16_key)
    return _hash_json(hashes)


def _obfuscated_data(document: dict[str, Any]) -> list[str]:
    privacy = document.get("privacy")
    if privacy is None:
        return []
    found = privacy.get("obfuscatedData", []) if isinstance(privacy, dict) else None
    if not isinstance(found, list) or not all(isinstance(h, str) for h in found):
        raise BaobabError("MALFORMED", "privacy.obfuscatedData must be a list of hashes")
    return list(found)


# --- Merkle tree (sorted-pair keccak) -----------------------------------------------------


def _combine(a: bytes, b: bytes) -> bytes:
    return keccak256(b"".join(sorted((a, b))))


def _layers(leaves: list[bytes]) -> list[list[bytes]]:
    layers = [leaves]
    while len(layers[-1]) > 1:
        below = layers[-1]
        layers.append([_combine(*below[i:i + 2]) if i + 1 < len(below) else below[i]
                       for i in range(0, len(below), 2)])
    return layers


def merkle_root_and_proofs(target_hashes: list[str]) -> tuple[str, list[list[str]]]:
    """Root and, for each target hash in the given order, its proof (sibling hashes)."""
    if not target_hashes:
        raise BaobabError("BAD_ARGUMENT", "a batch needs at least one document")
    leaves = sorted(bytes.fromhex(h) for h in target_hashes)
    layers = _layers(leaves)
    proofs = []
    for target in target_hashes:
        index = leaves.index(bytes.fromhex(target))
        proof = []
        for layer in layers[:-1]:
            sibling = index - 1 if index % 2 else index + 1
            if sibling < len(layer):
                proof.append(layer[sibling].hex())
            index //= 2
        proofs.append(proof)
    return layers[-1][0].hex(), proofs


def check_proof(proof: list[str], root: str, target_hash: str) -> bool:
    node = bytes.fromhex(target_hash)
    for sibling in proof:
        node = _combine(node, bytes.fromhex(sibling))
    return node == bytes.fromhex(root)


# --- public API ---------------------------------------------------------------------------


def wrap_one(document: dict[str, Any], schema: str | None, new_salt: Callable[[], str]) -> dict[str, Any]:
    if not isinstance(document, dict):
        raise BaobabError("MALFORMED", "an OpenAttestation document is a JSON object")
    wrapped: dict[str, Any] = {"version": SCHEMA_V2}
    if schema is not None:
        wrapped["schema"] = schema
    wrapped["data"] = _salt(document, new_salt)
    target = digest_document(wrapped)
    wrapped["signature"] = {"type": SIGNATURE_TYPE, "targetHash": target, "proof": [], "merkleRoot": target}
    return wrapped


@dataclass(frozen=True)
class IntegrityResult:
    """Outcome of verify_integrity; truthy when the document is intact."""

    valid: bool
    reasons: list[str] = field(default_factory=list)
    computed_target_hash: str | None = None

    def __bool__(self) -> bool:
        return self.valid


def verify_integrity(wrapped: Any) -> IntegrityResult:
    """Check that the data (plus obfuscated hashes) gives targetHash and the proof gives merkleRoot.

    This is integrity only: whether the merkleRoot was issued (document store, token
    registry, DID signature) and who the issuer is are separate checks.
    """
    if not isinstance(wrapped, dict):
        return IntegrityResult(False, ["document is not a JSON object"])
    signature = wrapped.get("signature")
    if not isinstance(signature, dict):
        return IntegrityResult(False, ["signature is missing"])
    reasons = []
    if signature.get("type") != SIGNATURE_TYPE:
        reasons.append(f"signature.type is not {SIGNATURE_TYPE}")
    try:
        computed = digest_document(wrapped)
    except BaobabError as exc:
        return IntegrityResult(False, reasons + [f"data cannot be digested: {exc.message}"])
    target, root, proof = signature.get("targetHash"), signature.get("merkleRoot"), signature.get("proof")
    if computed != target:  # exact string comparison, as the reference does
        reasons.append("targetHash does not match the document data" + _empty_leaves_hint(wrapped))
    if not _is_hash(target) or not _is_hash(root):
        reasons.append("targetHash and merkleRoot must be 64 hex digits")
    elif not isinstance(proof, list) or not all(_is_hash(p) for p in proof):
        # The reference's wrapped-document check requires signature.proof, [] for a batch of one.
        reasons.append("proof must be a list of 64-hex-digit hashes")
    elif not check_proof(proof, root, target):
        reasons.append("proof does not lead from targetHash to merkleRoot")
    return IntegrityResult(not reasons, reasons, computed)


def _empty_leaves_hint(wrapped: dict[str, Any]) -> str:
    try:
        empty = [p for p, v in flatten(wrapped.get("data")).items() if v == {} or v == []]
    except BaobabError:
        return ""
    if not empty:
        return ""
    return (f" (empty objects or arrays are hashed as leaves: {', '.join(empty[:3])}; one left by "
            "obfuscating the only member of an object breaks the document)")


def _is_hash(value: Any) -> bool:
    return isinstance(value, str) and _HASH_HEX.fullmatch(value) is not None


def _parse_path(path: str) -> list[str]:
    # Accept lodash-style "issuers[0].name" as well as "issuers.0.name".
    if not isinstance(path, str) or not path:
        raise BaobabError("BAD_ARGUMENT", f"{path!r} is not a field path")
    parts = re.sub(r"\[(\d+)\]", r".\1", path).split(".")
    if any(p == "" for p in parts):
        raise BaobabError("BAD_ARGUMENT", f"{path!r} is not a field path")
    return parts


def obfuscate(wrapped: dict[str, Any], paths: list[str]) -> dict[str, Any]:
    """Remove fields, keeping their leaf hashes in privacy.obfuscatedData so it still verifies.

    A path names an object member ("recipient.name", "issuers.0.identityProof") and may hold
    a whole subtree. Removing an array element itself is refused: JSON has no holes, and a
    null left in its place would be hashed as a new leaf and break verification.
    As in the reference, removing the only member of an object leaves {} behind, a new leaf,
    so the result no longer verifies: hide the parent object instead.
    """
    if isinstance(paths, str):
        paths = [paths]
    result = copy.deepcopy(wrapped)
    data = result.get("data")
    new_hashes: list[str] = []
    for path in paths:
        parts = _parse_path(path)
        parent: Any = data
        for part in parts[:-1]:
            parent = _child(parent, part, path)
        last = parts[-1]
        if not isinstance(parent, dict):
            raise BaobabError("BAD_ARGUMENT", f"{path!r}: only object members can be obfuscated, not array elements")
        if last not in parent:
            raise BaobabError("BAD_ARGUMENT", f"{path!r} is not in the document")
        value = parent.pop(last)
        # Hash what the reference's flatten(pick(data, path)) yields: the removed leaves under
        # their full paths. A parent left empty stays as {} and becomes a leaf of its own.
        new_hashes += [_hash_json({p: v}) for p, v in _leaves_at(".".join(parts), value).items()]
    privacy = result.get("privacy") if isinstance(result.get("privacy"), dict) else {}
    result["privacy"] = {**privacy, "obfuscatedData": _obfuscated_data(result) + new_hashes}
    return result


def _child(node: Any, part: str, path: str) -> Any:
    if isinstance(node, dict) and part in node:
        return node[part]
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    raise BaobabError("BAD_ARGUMENT", f"{path!r} is not in the document")


def get_data(wrapped: dict[str, Any]) -> dict[str, Any]:
    """The document's visible data with salts and type annotations removed."""
    return _unsalt(wrapped.get("data", {}))


def is_obfuscated(wrapped: dict[str, Any]) -> bool:
    return bool(_obfuscated_data(wrapped))
