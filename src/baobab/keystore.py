"""Private keys on disk: one file per key, readable only by the owner (mode 0600, folders 0700).

    <data>/keys/orderer.key
    <data>/keys/<ORG>/peer.key
    <data>/keys/<ORG>/clients/<name>.key
    <data>/keys/data.key            the embedded node's data key (AES-256, for data at rest)
    <data>/keys/<ORG>/data.key      a network-mode node's data key
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey


class Keystore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _write(self, path: Path, key: PrivateKey) -> None:
        self._write_text(path, key.seed_text)

    def _write_text(self, path: Path, text: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        for parent in [path.parent, *path.parent.parents]:
            if parent == self.root.parent:
                break
            os.chmod(parent, 0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text + "\n")
            f.flush()
            os.fsync(f.fileno())

    def _read(self, path: Path) -> PrivateKey:
        try:
            return PrivateKey.from_text(path.read_text().strip())
        except FileNotFoundError:
            raise BaobabError("UNKNOWN_IDENTITY", f"no key file {path}") from None

    def new(self, *parts: str) -> PrivateKey:
        key = PrivateKey.generate()
        self._write(self.root.joinpath(*parts), key)
        return key

    def orderer(self) -> PrivateKey:
        return self._read(self.root / "orderer.key")

    def peer(self, org: str) -> PrivateKey:
        return self._read(self.root / org / "peer.key")

    def client(self, org: str, name: str) -> PrivateKey:
        return self._read(self.root / org / "clients" / f"{name}.key")

    def data_key(self, org: str | None = None, *, create: bool = True) -> bytes | None:
        """The 32-byte key that seals this node's ledger, private data and documents at rest,
        made on first use (None if missing and not `create`). Whoever copies the data folder
        without the keystore reads none of them."""
        path = self.root / org / "data.key" if org else self.root / "data.key"
        if not path.exists() and not create:
            return None
        if not path.exists():
            try:
                self._write_text(path, base64.b64encode(os.urandom(32)).decode())
            except FileExistsError:
                pass  # made meanwhile by another process: read theirs
        key = base64.b64decode(path.read_text().strip())
        if len(key) != 32:
            raise BaobabError("CORRUPT", f"{path} does not hold a 32-byte data key")
        return key

    def orgs(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir()) if self.root.exists() else []
