"""The keys a node holds for the organisations it serves, for credentials: each one's issuing
key and the store of keys and credentials it holds for people (farmers without a smartphone).

    <node data>/credentials/<ORG>/issuer.key      Ed25519 seed, mode 0600 (made on first use)
    <node data>/credentials/<ORG>/holders.sqlite  the organisation's holder store, mode 0600, the
                                                  keys in it sealed with the node's data key

They stay on the node of the organisation (each node in the network mode), like its client keys.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

from baobab.core.keys import PrivateKey
from baobab.credentials.credential import Signer
from baobab.credentials.holder import HolderStore
from baobab.credentials.presentation import Challenges
from baobab.ledger.store.at_rest import Sealer, folder_sealer


class Custody:
    def __init__(self, root: str | Path, sealer: Sealer) -> None:
        self.root, self.sealer = Path(root), sealer
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
                try:
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                except FileExistsError:  # another process of this node made it first: use that one
                    fd = -1
                if fd >= 0:
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
                self._stores[org] = HolderStore(self._folder(org) / "holders.sqlite", self.sealer)
            return self._stores[org]

    def close(self) -> None:
        for store in self._stores.values():
            store.close()


def custody_of(app: Any, data_dir: str | Path) -> Custody:
    """The node's custody, one per application (the API's routes and the pages share it)."""
    found = getattr(app.state, "credential_custody", None)
    if found is None:
        sealer = folder_sealer(Path(data_dir), create=True)  # the node's data key, from its keystore
        assert sealer is not None
        found = app.state.credential_custody = Custody(Path(data_dir) / "credentials", sealer)
    return found  # type: ignore[no-any-return]


def challenges_of(app: Any, org: str) -> Challenges:
    """The challenges a verifying organisation has issued on this node (API and pages alike)."""
    registry = getattr(app.state, "credential_challenges", None)
    if registry is None:
        registry = app.state.credential_challenges = {}
    return registry.setdefault(org, Challenges())  # type: ignore[no-any-return]
