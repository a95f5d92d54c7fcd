"""The keys a node holds for the organisations it serves, for credentials: each one's issuing
key and the store of keys and credentials it holds for people (farmers without a smartphone).

    <node data>/credentials/<ORG>/issuer.key      Ed25519 seed, mode 0600 (made on first use)
    <node data>/credentials/<ORG>/holders.sqlite  the organisation's holder store, mode 0600

They stay on the node of the organisation (each node in the network mode), like its client keys.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from baobab.core.keys import PrivateKey
from baobab.credentials.credential import Signer
from baobab.credentials.holder import HolderStore


class Custody:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self._lock = threading.Lock()
        self._stores: dict[str, HolderStore] = {}

    def _folder(self, org: str) -> Path:
        folder = self.root / org
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return folder

    def issuer(self, org: str) -> Signer:
        """The organisation's issuing key, made once."""
        path = self._folder(org) / "issuer.key"
        with self._lock:
            if not path.exists():
                key = PrivateKey.generate()
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(key.seed_text + "\n")
                    f.flush()
                    os.fsync(f.fileno())
            return Signer(PrivateKey.from_text(path.read_text().strip()))

    def holds_issuer(self, org: str) -> bool:
        return (self.root / org / "issuer.key").exists()

    def holders(self, org: str) -> HolderStore:
        with self._lock:
            if org not in self._stores:
                self._stores[org] = HolderStore(self._folder(org) / "holders.sqlite")
            return self._stores[org]

    def close(self) -> None:
        for store in self._stores.values():
            store.close()
