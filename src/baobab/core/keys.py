"""Ed25519 keys and domain-separated signatures (via the `cryptography` package).

A signature always covers `b"baobab/" + purpose + b"\\n" + SHA-256(JCS(body))`, so a
signature made for one purpose (a proposal, an endorsement, a block) can never be replayed
as another. Keys and signatures travel as unpadded base64url text.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
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


def signing_message(purpose: str, body: Any) -> bytes:
    return b"baobab/" + purpose.encode("ascii") + b"\n" + digest(body)


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
        try:
            Ed25519PublicKey.from_public_bytes(self.raw).verify(signature, message)
            return True
        except (InvalidSignature, ValueError):
            return False

    def verify(self, purpose: str, body: Any, signature_text: str) -> bool:
        try:
            sig = b64d(signature_text)
        except BaobabError:
            return False
        return len(sig) == 64 and self.verify_message(sig, signing_message(purpose, body))


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
        return self._key.sign(message)

    def sign(self, purpose: str, body: Any) -> str:
        return b64e(self._key.sign(signing_message(purpose, body)))
