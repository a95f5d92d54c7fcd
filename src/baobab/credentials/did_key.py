"""`did:key` identifiers for Ed25519 keys, and the multibase texts they are written in.

A did:key is the public key itself (W3C CCG did:key method): `did:key:` + multibase base58btc
('z') of the multicodec prefix for an Ed25519 public key (0xed, as the varint 0xed 0x01) and
the 32 key bytes, which always reads `did:key:z6Mk...`. Its one verification method is
`<did>#<the same multibase text>`. Resolving one needs no network and no registry: a farmer's
phone, a lender's laptop or a customs office verifies it offline.

Private keys travel (test vectors, wallets' exports) as multibase of the multicodec
ed25519-priv (0x1300, varint 0x80 0x26) and the 32-byte seed.
"""

from __future__ import annotations

import base58

from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey, PublicKey
from baobab.credentials import errors as _errors  # noqa: F401  (registers the codes)

ED25519_PUB = b"\xed\x01"   # multicodec 0xed as an unsigned varint
ED25519_PRIV = b"\x80\x26"  # multicodec 0x1300 as an unsigned varint
BASE58BTC = "z"             # multibase prefix
PREFIX = "did:key:"


def multibase_encode(data: bytes) -> str:
    """Multibase base58btc (the only base did:key and eddsa proofs use)."""
    return BASE58BTC + base58.b58encode(data).decode("ascii")


def multibase_decode(text: str) -> bytes:
    if not isinstance(text, str) or not text.startswith(BASE58BTC) or len(text) < 2:
        raise BaobabError("BAD_DID", "expected multibase base58btc text starting with 'z'")
    try:
        return base58.b58decode(text[1:])
    except ValueError as exc:
        raise BaobabError("BAD_DID", f"not base58btc: {exc}") from None


def public_multibase(key: PublicKey) -> str:
    return multibase_encode(ED25519_PUB + key.raw)


def private_multibase(key: PrivateKey) -> str:
    from baobab.core.keys import b64d

    return multibase_encode(ED25519_PRIV + b64d(key.seed_text))


def key_from_public_multibase(text: str) -> PublicKey:
    raw = multibase_decode(text)
    if raw[:2] != ED25519_PUB or len(raw) != 34:
        raise BaobabError("BAD_DID", "not an Ed25519 public key (multicodec 0xed, 32 bytes)")
    return PublicKey(raw[2:])


def key_from_private_multibase(text: str) -> PrivateKey:
    raw = multibase_decode(text)
    if raw[:2] != ED25519_PRIV or len(raw) != 34:
        raise BaobabError("BAD_DID", "not an Ed25519 private key (multicodec 0x1300, 32 bytes)")
    return PrivateKey.from_seed(raw[2:])


def did_of(key: PublicKey) -> str:
    return PREFIX + public_multibase(key)


def verification_method_of(key: PublicKey) -> str:
    """The did:key's one verification method: `<did>#<multibase key>`."""
    text = public_multibase(key)
    return f"{PREFIX}{text}#{text}"


def resolve(verification_method: str) -> tuple[str, PublicKey]:
    """(controller DID, public key) of a did:key verification method (or of the bare DID)."""
    if not isinstance(verification_method, str) or not verification_method.startswith(PREFIX):
        raise BaobabError("BAD_DID", f"{str(verification_method)[:80]!r} is not a did:key")
    did, _, fragment = verification_method.partition("#")
    text = did[len(PREFIX):]
    if fragment and fragment != text:
        raise BaobabError("BAD_DID", "a did:key has one verification method, named by its own key")
    return did, key_from_public_multibase(text)


def is_did_key(value: object) -> bool:
    try:
        resolve(value)  # type: ignore[arg-type]
    except BaobabError:
        return False
    return "#" not in str(value)
