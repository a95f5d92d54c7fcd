"""Data at rest: owner-only files and folders, and authenticated encryption of stored payloads.

A node's data folder holds trade data, so other users of the machine must not read it: folders
are 0700 and files 0600, set explicitly rather than left to the umask. Private data and
document contents are also sealed with AES-256-GCM (the `cryptography` package's AEAD) under a
key kept in the keystore, so a copied disk or backup without the keystore shows no trade data.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from baobab.core.errors import BaobabError

FOLDER_MODE = 0o700
FILE_MODE = 0o600
_MAGIC = b"BBS1"  # format tag of a sealed payload: magic, 12-byte nonce, ciphertext with tag
_NONCE = 12


def private_folder(path: Path) -> None:
    """Create the folder if needed; owner-only access either way."""
    path.mkdir(parents=True, exist_ok=True, mode=FOLDER_MODE)
    os.chmod(path, FOLDER_MODE)


def private_file(path: Path, *, create: bool = True) -> None:
    """Make `path` owner-only, creating it empty (0600 from the start) when `create`."""
    if create:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))
    try:
        os.chmod(path, FILE_MODE)
    except FileNotFoundError:
        if create:
            raise


def secure_tree(root: Path) -> None:
    """Owner-only modes for a data folder and everything already in it; and, since SQLite and
    others create files of their own (journals, temporary files), a process umask of 077 so
    that files created later are private too, whoever creates them."""
    os.umask(0o077)
    private_folder(root)
    for folder, dirs, files in os.walk(root):
        for d in dirs:
            os.chmod(os.path.join(folder, d), FOLDER_MODE)
        for f in files:
            path = os.path.join(folder, f)
            if not os.path.islink(path):
                os.chmod(path, FILE_MODE)


class Sealer:
    """AES-256-GCM with a random nonce per payload; `context` (what the payload is, e.g. its
    content hash) is bound as associated data, so a sealed payload cannot be moved to another."""

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise BaobabError("MALFORMED", "a data key is 32 bytes")
        self._aead = AESGCM(key)

    def seal(self, plaintext: bytes, context: bytes) -> bytes:
        nonce = os.urandom(_NONCE)
        return _MAGIC + nonce + self._aead.encrypt(nonce, plaintext, context)

    def open(self, sealed: bytes, context: bytes) -> bytes:
        if not is_sealed(sealed):
            raise BaobabError("CORRUPT", "stored payload is not sealed")
        nonce = sealed[len(_MAGIC) : len(_MAGIC) + _NONCE]
        try:
            return self._aead.decrypt(nonce, sealed[len(_MAGIC) + _NONCE :], context)
        except InvalidTag:
            raise BaobabError("CORRUPT", "stored payload fails authentication (altered, or another key)") from None


def folder_sealer(data_dir: Path, *, create: bool = False) -> Sealer | None:
    """The sealer of an embedded data folder, from its keystore (`keys/data.key`); None when
    the folder has no data key and `create` is false (a ledger written before sealing)."""
    from baobab.keystore import Keystore  # the keystore imports nothing of the store

    key = Keystore(Path(data_dir) / "keys").data_key(create=create)
    return None if key is None else Sealer(key)


def is_sealed(data: bytes) -> bool:
    return data[: len(_MAGIC)] == _MAGIC and len(data) >= len(_MAGIC) + _NONCE + 16
