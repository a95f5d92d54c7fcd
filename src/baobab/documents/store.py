"""Content-addressed store for document contents, kept next to the node, off the ledger.

The ledger records a document's SHA-256, issuer, status and who may read it; the bytes live
here under `<root>/<h[0:2]>/<h[2:4]>/<h>`. The name is the hash of the content, so a put is
idempotent and every read can be re-checked. Access control is not done here: the API
decides who may call `get`. Anyone handed bytes and a hash can check them with verify_hash.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import tempfile
from pathlib import Path

from baobab.core.errors import BaobabError
from baobab.ledger.store.at_rest import Sealer, private_folder

_HEX64 = re.compile(r"[0-9a-f]{64}")


def verify_hash(content: bytes, expected_hex: str) -> bool:
    """True when `content` hashes (SHA-256) to `expected_hex` (any letter case)."""
    if not isinstance(expected_hex, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", expected_hex):
        return False
    return hmac.compare_digest(hashlib.sha256(content).hexdigest(), expected_hex.lower())


class ContentStore:
    """Files named by their SHA-256, written atomically and verified on every read. With a
    `sealer` (the node's data key) every file is AES-GCM sealed, bound to its hash."""

    def __init__(self, root: str | os.PathLike[str], sealer: Sealer | None = None) -> None:
        self.root = Path(root)
        self.sealer = sealer
        private_folder(self.root)

    def path_for(self, digest: str) -> Path:
        digest = _check_digest(digest)
        return self.root / digest[0:2] / digest[2:4] / digest

    def put(self, content: bytes) -> str:
        """Store `content` and return its SHA-256 hex; storing the same bytes again is a no-op."""
        if not isinstance(content, (bytes, bytearray, memoryview)):
            raise BaobabError("BAD_ARGUMENT", "document content must be bytes")
        content = bytes(content)
        digest = hashlib.sha256(content).hexdigest()
        final = self.path_for(digest)
        if final.exists() and self._intact(final, digest):
            return digest
        # A missing or corrupt copy is (re)written: temp file in the same folder, fsync,
        # then an atomic rename, so readers see either no file or the whole file.
        new_dirs = [d for d in (final.parent.parent, final.parent) if not d.exists()]
        final.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=final.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(self._seal(content, digest))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, final)
        except BaseException:
            try:
                os.unlink(tmp)
            except FileNotFoundError:
                pass
            raise
        for folder in [final.parent] + [d.parent for d in new_dirs]:
            _fsync_dir(folder)  # the rename, and any new folder's entry, survive a crash
        return digest

    def get(self, digest: str) -> bytes:
        """The content stored under `digest`; CORRUPT if the file no longer matches its name."""
        path = self.path_for(digest)
        try:
            content = self._open(path.read_bytes(), path.name)
        except FileNotFoundError:
            raise BaobabError("NOT_FOUND", f"no document content with hash {digest}") from None
        if hashlib.sha256(content).hexdigest() != path.name:
            raise BaobabError("CORRUPT", f"stored content for {digest} does not match its hash", hash=digest)
        return content

    def has(self, digest: str) -> bool:
        """Whether a file exists for `digest` (not re-hashed; `get` does that)."""
        return self.path_for(digest).is_file()

    def _seal(self, content: bytes, digest: str) -> bytes:
        return content if self.sealer is None else self.sealer.seal(content, digest.encode())

    def _open(self, stored: bytes, digest: str) -> bytes:
        return stored if self.sealer is None else self.sealer.open(stored, digest.encode())

    def _intact(self, path: Path, digest: str) -> bool:
        try:
            return hashlib.sha256(self._open(path.read_bytes(), digest)).hexdigest() == digest
        except (OSError, BaobabError):
            return False


def _check_digest(digest: str) -> str:
    # Lowercase only, so one hash maps to one file name; this also keeps paths inside root.
    if not isinstance(digest, str) or not _HEX64.fullmatch(digest):
        raise BaobabError("BAD_ARGUMENT", f"{digest!r} is not a lowercase SHA-256 hex digest")
    return digest


def _fsync_dir(path: Path) -> None:
    # Makes the rename itself durable; not every platform lets a folder be opened.
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
