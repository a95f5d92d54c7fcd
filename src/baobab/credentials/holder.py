"""A holder's store: the keys a custodian holds for people without a smartphone (a cooperative,
an agent, a wallet provider), and the credentials issued to them, from which they choose what to
show. It never shows a credential on its own: each presentation answers one verifier's challenge.

    store = HolderStore(path)               # SQLite file, mode 0600 (":memory:" for a session)
    farmer = store.create("NRC 123456/10/1")
    store.keep(vc)                          # only a credential about a holder here, and intact
    store.present(farmer.did, types=["DeliveryRecordCredential"], challenge=..., domain="ZM-MFI", created=...)
    store.sign(farmer.did, purpose, body)   # the holder's own act (accepting a loan's terms)
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey
from baobab.credentials.credential import Signer, subjects, verify_credential
from baobab.credentials.presentation import present

SCHEMA = """
CREATE TABLE IF NOT EXISTS holders (did TEXT PRIMARY KEY, ref TEXT NOT NULL UNIQUE, seed TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (id TEXT PRIMARY KEY, did TEXT NOT NULL, types TEXT NOT NULL,
                                        body TEXT NOT NULL, received_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS credentials_by_holder ON credentials (did);
"""


class HolderStore:
    def __init__(self, path: str | Path = ":memory:") -> None:
        if str(path) != ":memory:" and not Path(path).exists():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # keys inside: the owner alone reads it
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.executescript(SCHEMA)

    def create(self, ref: str) -> Signer:
        """A new key for the person `ref` (their national ID number, say), held here; or theirs if made before."""
        with self._lock:
            row = self._db.execute("SELECT seed FROM holders WHERE ref = ?", (ref,)).fetchone()
            if row:
                return Signer(PrivateKey.from_text(row[0]))
            signer = Signer.generate()
            self._db.execute("INSERT INTO holders VALUES (?, ?, ?)", (signer.did, ref, signer.key.seed_text))
            return signer

    def signer(self, did: str) -> Signer:
        row = self._db.execute("SELECT seed FROM holders WHERE did = ?", (did,)).fetchone()
        if row is None:
            raise BaobabError("NOT_FOUND", f"no key of {did} is held here")
        return Signer(PrivateKey.from_text(row[0]))

    def holders(self) -> list[dict[str, str]]:
        return [{"did": d, "ref": r} for d, r in self._db.execute("SELECT did, ref FROM holders ORDER BY ref")]

    def keep(self, vc: dict[str, Any], *, now: datetime | None = None) -> str:
        """Keep a credential issued to a holder here, once checked intact; its id."""
        verdict = verify_credential(vc, now=now or datetime.now(timezone.utc))
        if not verdict.intact:
            raise BaobabError("CREDENTIAL_REFUSED", "the credential is not intact: " + "; ".join(verdict.reasons))
        dids = {s.get("id") for s in subjects(vc)}
        if len(dids) != 1:
            raise BaobabError("BAD_CREDENTIAL", "a kept credential is about one holder")
        did = dids.pop()
        self.signer(str(did))  # raises unless held here
        with self._lock:
            self._db.execute("INSERT OR REPLACE INTO credentials VALUES (?, ?, ?, ?, ?)",
                             (vc.get("id") or vc["proof"]["proofValue"], did, json.dumps(vc["type"]),
                              json.dumps(vc, ensure_ascii=False), (now or datetime.now(timezone.utc)).isoformat()))
        return str(vc.get("id"))

    def credentials(self, did: str, types: list[str] | None = None) -> list[dict[str, Any]]:
        """The holder's credentials (of any of `types`), oldest received first."""
        rows = self._db.execute("SELECT body FROM credentials WHERE did = ? ORDER BY received_at, id", (did,)).fetchall()
        found = [json.loads(body) for (body,) in rows]
        return [vc for vc in found if not types or set(types) & set(vc["type"])]

    def present(self, did: str, *, challenge: str, domain: str, created: str, types: list[str] | None = None,
                ids: list[str] | None = None) -> dict[str, Any]:
        """A presentation of the holder's credentials the holder chose (by type, or by id)."""
        chosen = [vc for vc in self.credentials(did, types) if not ids or vc.get("id") in ids]
        return present(chosen, self.signer(did), challenge=challenge, domain=domain, created=created)

    def sign(self, did: str, purpose: str, body: Any) -> str:
        """The holder's own signature (base64url) over `body` for `purpose`, as the ledger checks it."""
        return self.signer(did).key.sign(purpose, body)

    def close(self) -> None:
        self._db.close()
