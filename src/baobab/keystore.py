"""Private keys on disk: one file per key, readable only by the owner (mode 0600, folders 0700).

    <data>/keys/orderer.key
    <data>/keys/<ORG>/peer.key
    <data>/keys/<ORG>/clients/<name>.key
"""

from __future__ import annotations

import os
from pathlib import Path

from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey


class Keystore:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)

    def _write(self, path: Path, key: PrivateKey) -> None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        for parent in [path.parent, *path.parent.parents]:
            if parent == self.root.parent:
                break
            os.chmod(parent, 0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key.seed_text + "\n")
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

    def orgs(self) -> list[str]:
        return sorted(p.name for p in self.root.iterdir() if p.is_dir()) if self.root.exists() else []
