"""Ed25519 keys and domain-separated signatures (via the `cryptography` package).

A signature always covers `b"baobab/" + purpose + b"\\n" + SHA-256(JCS(body))`, so a
signature made for one purpose (a proposal, an endorsement, a block) can never be replayed
as another. Keys and signatures travel as unpadded base64url text.

Verification is a pure function of (public key, message, signature), so its positive
results are memoised, bounded, per process: a node that endorsed a result or checked a
proposal does not pay again when the same bytes come back in a block. Signatures this
process makes are recorded as verified too. `fresh_verification()` gives the calling thread
an empty memo of its own, as audits use, so that every signature is checked from scratch;
`verify_triples` checks a batch (in a worker process, say) whose successes may be added to it.
"""

from __future__ import annotations

import base64
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from baobab.core.errors import BaobabError
from baobab.core.hashing import digest


def b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    if not isinstance(text, str):
        raise BaobabError("MALFORMED", "expected base64url text")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (ValueError, TypeError) as exc:
        raise BaobabError("MALFORMED", "invalid base64url text") from exc


def signing_message(purpose: str, body: Any, body_digest: bytes | None = None) -> bytes:
    """What is signed: the purpose and the digest of the body (pass `body_digest` when the
    caller already has it, to avoid canonicalising the body again)."""
    return b"baobab/" + purpose.encode("ascii") + b"\n" + (body_digest or digest(body))


Triple = tuple[bytes, bytes, bytes]  # (raw public key, signature, signed message)
_MEMO_LIMIT = 200_000
_memo: set[Triple] = set()
_thread = threading.local()  # .memo: this thread's own memo, inside fresh_verification()


def _active_memo() -> set[Triple]:
    memo = getattr(_thread, "memo", None)
    return _memo if memo is None else memo


def _remember(triple: Triple, memo: set[Triple] | None = None) -> None:
    memo = _memo if memo is None else memo
    if len(memo) >= _MEMO_LIMIT:
        memo.clear()  # crude but bounded; a miss only costs a real verification
    memo.add(triple)


@contextmanager
def fresh_verification() -> Iterator[set[Triple]]:
    """On this thread, verify with an empty memo: nothing verified or signed before counts.
    Yields that memo, so verified triples (e.g. from `verify_triples`) can be added to it."""
    previous = getattr(_thread, "memo", None)
    _thread.memo = set()
    try:
        yield _thread.memo
    finally:
        _thread.memo = previous


def verify_triples(triples: list[Triple]) -> list[bool]:
    """Verify a batch of signatures; a pure function, so it can run in another process."""
    out = []
    for raw, signature, message in triples:
        try:
            _public_key_object(raw).verify(signature, message)
            out.append(True)
        except (InvalidSignature, ValueError):
            out.append(False)
    return out


@lru_cache(maxsize=4096)
def _public_key_object(raw: bytes) -> Ed25519PublicKey:
    return Ed25519PublicKey.from_public_bytes(raw)


@dataclass(frozen=True)
class PublicKey:
    raw: bytes

    @classmethod
    def from_text(cls, text: str) -> "PublicKey":
        raw = b64d(text)
        if len(raw) != 32:
            raise BaobabError("MALFORMED", "an Ed25519 public key is 32 bytes")
        return cls(raw)

    @property
    def text(self) -> str:
        return b64e(self.raw)

    def verify_message(self, signature: bytes, message: bytes) -> bool:
        triple = (self.raw, signature, message)
        memo = _active_memo()
        if triple in memo:
            return True
        try:
            _public_key_object(self.raw).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        _remember(triple, memo)
        return True

    def verify(self, purpose: str, body: Any, signature_text: str, body_digest: bytes | None = None) -> bool:
        try:
            sig = b64d(signature_text)
        except BaobabError:
            return False
        return len(sig) == 64 and self.verify_message(sig, signing_message(purpose, body, body_digest))


class PrivateKey:
    def __init__(self, key: Ed25519PrivateKey) -> None:
        self._key = key
        self.public = PublicKey(
            key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )

    @classmethod
    def generate(cls) -> "PrivateKey":
        return cls(Ed25519PrivateKey.generate())

    @classmethod
    def from_seed(cls, seed: bytes) -> "PrivateKey":
        return cls(Ed25519PrivateKey.from_private_bytes(seed))

    @classmethod
    def from_text(cls, text: str) -> "PrivateKey":
        return cls.from_seed(b64d(text))

    @property
    def seed_text(self) -> str:
        raw = self._key.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return b64e(raw)

    def sign_message(self, message: bytes) -> bytes:
        signature = self._key.sign(message)
        _remember((self.public.raw, signature, message))
        return signature

    def sign(self, purpose: str, body: Any, body_digest: bytes | None = None) -> str:
        return b64e(self.sign_message(signing_message(purpose, body, body_digest)))
