"""Keys held for farmers without a smartphone: sealed at rest with the node's data key, so the
store's file holds no private key in clear, and used to sign for a person only with their
consent to the custody recorded."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from pathlib import Path

import pytest

from baobab.core.errors import BaobabError
from baobab.core.keys import b64d
from baobab.credentials.custody import Custody
from baobab.credentials.holder import HolderStore
from baobab.ledger.store.at_rest import Sealer

CONSENT = {"method": "paper form, thumbprint", "reference": "ZCGA/7",
           "form_sha256": hashlib.sha256(b"consent form of Mwila Banda").hexdigest()}


def disk_bytes(folder: Path) -> bytes:
    return b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())


def test_the_store_on_disk_holds_no_private_key_in_clear(tmp_path):
    custody = Custody(tmp_path, Sealer(os.urandom(32)))
    store = custody.holders("ZM-AGRI")
    signers = [store.create(f"NRC {n}/10/1", consent=CONSENT) for n in range(20)]
    custody.close()
    on_disk = disk_bytes(tmp_path)
    assert b"custody_keys" in on_disk  # the store is there...
    for signer in signers:  # ...and no key in it, in any spelling
        seed = signer.key.seed_text
        assert seed.encode() not in on_disk and b64d(seed) not in on_disk and b64d(seed).hex().encode() not in on_disk


def test_the_keys_open_with_the_nodes_data_key_and_no_other(tmp_path):
    key = os.urandom(32)
    store = HolderStore(tmp_path / "holders.sqlite", Sealer(key))
    farmer = store.create("NRC 1/10/1", consent=CONSENT)
    store.close()
    again = HolderStore(tmp_path / "holders.sqlite", Sealer(key))
    assert again.signer(farmer.did).did == farmer.did and again.consent(farmer.did) == CONSENT
    again.close()
    stolen = HolderStore(tmp_path / "holders.sqlite", Sealer(os.urandom(32)))
    with pytest.raises(BaobabError) as refused:
        stolen.signer(farmer.did)
    assert refused.value.code == "CORRUPT"
    stolen.close()


def test_a_custodian_signs_for_a_person_only_with_their_consent_recorded():
    store = HolderStore()
    farmer = store.create("NRC 2/10/1")
    for act in (lambda: store.sign(farmer.did, "microloan-acceptance", {"id": "L-1"}),
                lambda: store.present(farmer.did, challenge="c" * 16, domain="ZM-MFI", created="2026-12-01T00:00:00Z")):
        with pytest.raises(BaobabError) as refused:
            act()
        assert refused.value.code == "CONSENT_MISSING"
    with pytest.raises(BaobabError) as incomplete:
        store.create("NRC 2/10/1", consent={"method": "verbal"})
    assert incomplete.value.code == "CONSENT_MISSING" and store.consent(farmer.did) is None
    assert store.create("NRC 2/10/1", consent=CONSENT).did == farmer.did  # the same key, now with consent
    assert farmer.key.public.verify("microloan-acceptance", {"id": "L-1"},
                                    store.sign(farmer.did, "microloan-acceptance", {"id": "L-1"}))


def test_a_store_written_before_sealing_has_its_keys_sealed_when_opened(tmp_path):
    path = tmp_path / "holders.sqlite"
    old = sqlite3.connect(path)
    from baobab.credentials.credential import Signer

    signer = Signer.generate()
    old.executescript("CREATE TABLE holders (did TEXT PRIMARY KEY, ref TEXT NOT NULL UNIQUE, seed TEXT NOT NULL);")
    old.execute("INSERT INTO holders VALUES (?, ?, ?)", (signer.did, "NRC 3/10/1", signer.key.seed_text))
    old.commit()
    old.close()
    store = HolderStore(path, Sealer(os.urandom(32)))
    assert store.signer(signer.did).did == signer.did and store.consent(signer.did) is None
    store.close()
    assert signer.key.seed_text.encode() not in path.read_bytes()
