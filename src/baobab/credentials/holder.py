"""A holder's store: the keys a custodian holds for people without a smartphone (a cooperative,
an agent, a wallet provider), and the credentials issued to them, from which they choose what to
show. It never shows a credential on its own: each presentation answers one verifier's challenge.

    store = HolderStore(path, sealer)       # SQLite file, mode 0600 (":memory:" for a session)
    farmer = store.create("NRC 123456/10/1", consent={"method": "paper form, thumbprint",
                                                      "reference": "ZCGA/7", "form_sha256": "..."})
    store.keep(vc)                          # only a credential about a holder here, and intact
    store.present(farmer.did, types=["DeliveryRecordCredential"], challenge=..., domain="ZM-MFI", created=...)
    store.sign(farmer.did, purpose, body)   # the holder's own act (accepting a loan's terms)

The private keys are sealed at rest with AES-256-GCM (`ledger.store.at_rest.Sealer`, the node's
data key from its keystore), each bound to its holder's did, so the file alone (a copied disk, a
backup) holds no key in clear. Nothing is signed for a person whose consent to the custody is not
recorded with their key (`CONSENT_MISSING`): how it was given, its reference and the SHA-256 of
the signed form, as the ledger also records it (`credentials.register_holder`).
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
from baobab.credentials import errors as _codes  # noqa: F401 (registers CONSENT_MISSING)
from baobab.credentials.credential import Signer, subjects, verify_credential
from baobab.credentials.presentation import present
from baobab.ledger.store.at_rest import Sealer

CONSENT_FIELDS = ("method", "reference", "form_sha256")
SCHEMA = """
CREATE TABLE IF NOT EXISTS custody_keys (did TEXT PRIMARY KEY, ref TEXT NOT NULL UNIQUE, sealed_seed BLOB NOT NULL,
                                         consent TEXT);
CREATE TABLE IF NOT EXISTS credentials (id TEXT PRIMARY KEY, did TEXT NOT NULL, types TEXT NOT NULL,
                                        body TEXT NOT NULL, received_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS credentials_by_holder ON credentials (did);
"""


class HolderStore:
    def __init__(self, path: str | Path = ":memory:", sealer: Sealer | None = None) -> None:
        """`sealer` seals the keys; a store in memory may go without (nothing reaches a disk)."""
        if sealer is None and str(path) != ":memory:":
            raise ValueError("a holder store on disk seals its keys: give it the node's sealer")
        if str(path) != ":memory:" and not Path(path).exists():
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # keys inside: the owner alone reads it
        self._sealer = sealer
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._lock = threading.Lock()
        self._db.executescript(SCHEMA)
        self._seal_clear_keys()

    def _seal(self, did: str, seed: str) -> bytes:
        return self._sealer.seal(seed.encode(), did.encode()) if self._sealer else seed.encode()

    def _open(self, did: str, sealed: bytes) -> Signer:
        seed = self._sealer.open(sealed, did.encode()) if self._sealer else sealed
        return Signer(PrivateKey.from_text(seed.decode()))

    def _seal_clear_keys(self) -> None:
        """A store written before keys were sealed (table `holders`, seeds in clear): its keys move
        here sealed, without a recorded consent until the custodian records it again; the old
        table is dropped and the file vacuumed, so no page keeps a seed."""
        if not self._db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'holders'").fetchone():
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            for did, ref, seed in self._db.execute("SELECT did, ref, seed FROM holders").fetchall():
                self._db.execute("INSERT OR IGNORE INTO custody_keys VALUES (?, ?, ?, NULL)", (did, ref, self._seal(did, seed)))
            self._db.execute("DROP TABLE holders")
            self._db.execute("COMMIT")
            self._db.execute("VACUUM")

    def create(self, ref: str, *, consent: dict[str, str] | None = None) -> Signer:
        """A new key for the person `ref` (their national ID number, say), held here; or theirs if
        made before. `consent` (method, reference, form_sha256) is the person's consent to the
        custody, recorded with the key (given again, it replaces the one recorded)."""
        recorded = None if consent is None else json.dumps(_consent(consent), sort_keys=True)
        with self._lock:
            row = self._db.execute("SELECT did, sealed_seed FROM custody_keys WHERE ref = ?", (ref,)).fetchone()
            if row:
                if recorded is not None:
                    self._db.execute("UPDATE custody_keys SET consent = ? WHERE did = ?", (recorded, row[0]))
                return self._open(row[0], row[1])
            signer = Signer.generate()
            self._db.execute("INSERT INTO custody_keys VALUES (?, ?, ?, ?)",
                             (signer.did, ref, self._seal(signer.did, signer.key.seed_text), recorded))
            return signer

    def signer(self, did: str) -> Signer:
        """The key held for `did` (whether or not its consent is recorded: see `consented`)."""
        row = self._db.execute("SELECT sealed_seed FROM custody_keys WHERE did = ?", (did,)).fetchone()
        if row is None:
            raise BaobabError("NOT_FOUND", f"no key of {did} is held here")
        return self._open(did, row[0])

    def consent(self, did: str) -> dict[str, str] | None:
        row = self._db.execute("SELECT consent FROM custody_keys WHERE did = ?", (did,)).fetchone()
        if row is None:
            raise BaobabError("NOT_FOUND", f"no key of {did} is held here")
        return None if row[0] is None else json.loads(row[0])  # type: ignore[no-any-return]

    def consented(self, did: str) -> Signer:
        """The key held for `did`, to sign as them: only with their consent recorded."""
        if self.consent(did) is None:
            raise BaobabError("CONSENT_MISSING", f"no consent of {did} to this custody is recorded: nothing is signed for them")
        return self.signer(did)

    def holders(self) -> list[dict[str, Any]]:
        return [{"did": d, "ref": r, "consent": None if c is None else json.loads(c)}
                for d, r, c in self._db.execute("SELECT did, ref, consent FROM custody_keys ORDER BY ref")]

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
        return present(chosen, self.consented(did), challenge=challenge, domain=domain, created=created)

    def sign(self, did: str, purpose: str, body: Any) -> str:
        """The holder's own signature (base64url) over `body` for `purpose`, as the ledger checks it."""
        return self.consented(did).key.sign(purpose, body)

    def close(self) -> None:
        self._db.close()


def _consent(consent: dict[str, str]) -> dict[str, str]:
    missing = [f for f in CONSENT_FIELDS if not str(consent.get(f, "")).strip()]
    if missing:
        raise BaobabError("CONSENT_MISSING", f"a consent records {', '.join(CONSENT_FIELDS)}; missing {', '.join(missing)}")
    return {f: str(consent[f])[:200] for f in CONSENT_FIELDS}
