"""Ed25519 keys and domain-separated signatures (via the `cryptography` package).

A signature always covers `b"baobab/" + purpose + b"\\n" + SHA-256(JCS(body))`, so a
signature made for one purpose (a proposal, an endorsement, a block) can never be replayed
as another. Keys and signatures travel as unpadded base64url text.

Verification is a pure function of (public key, message, signature), so its positive
results are memoised, bounded, per process: a node that endorsed a result or checked a
proposal does not pay again when the same bytes come back in a block. Signatures this
process makes are recorded as verified too. `fresh_verification()` turns the memo off, as
audits do, so that they check every signature from scratch.
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


_MEMO_LIMIT = 200_000
_memo: set[tuple[bytes, bytes, bytes]] = set()
_memo_on = threading.local()


def _memo_enabled() -> bool:
    return getattr(_memo_on, "value", True)


def _remember(triple: tuple[bytes, bytes, bytes]) -> None:
    if len(_memo) >= _MEMO_LIMIT:
        _memo.clear()  # crude but bounded; a miss only costs a real verification
    _memo.add(triple)


@contextmanager
def fresh_verification() -> Iterator[None]:
    """Within this block (on this thread), every signature is verified from scratch."""
    previous = _memo_enabled()
    _memo_on.value = False
    try:
        yield
    finally:
        _memo_on.value = previous


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
        memo = _memo_enabled()
        if memo and triple in _memo:
            return True
        try:
            _public_key_object(self.raw).verify(signature, message)
        except (InvalidSignature, ValueError):
            return False
        if memo:
            _remember(triple)
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
