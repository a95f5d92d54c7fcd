"""Data at rest: the data folder is the node user's alone, and private data and documents are
sealed, so a copied disk shows no invoice number or amount."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from baobab import embedded
from baobab.core.errors import BaobabError
from baobab.documents.store import ContentStore
from baobab.keystore import Keystore
from baobab.ledger.store.at_rest import Sealer
from tests.conftest import FAST_BLOCKS, SMALL_ORGS
from tests.ledger.test_transactions import fund

INVOICE = {"number": "INV-7731-KE", "seller": "TRADER", "amount": {"currency": "KES", "minor": 98765432}}


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The most permissive usual umask, restored afterwards."""
    old = os.umask(0o000)
    yield
    os.umask(old)


def test_every_file_of_the_data_folder_is_the_owners_alone_whatever_the_umask(tmp_path: Path, loose_umask: None) -> None:
    from tests.conftest import Net

    path = tmp_path / "net"
    embedded.create(path, "test-net", SMALL_ORGS, ["KEBANK", "MYBANK", "ARBANK"], block=FAST_BLOCKS)
    os.umask(0o000)  # a later process with a loose umask opens the node
    net = Net(path, embedded.open_node(path))
    try:
        fund(net)
        ContentStore(path / "documents", Sealer(Keystore(path / "keys").data_key())).put(b"bill of lading")
        (path / "made-later.log").write_text("written after the node opened")
        names = {p.name for p in path.rglob("*")}
        assert {"ledger.sqlite-wal", "ledger.sqlite-shm", "genesis.json", "data.key"} <= names
        loose = [str(p) for p in [path, *path.rglob("*")]
                 if stat.S_IMODE(p.stat().st_mode) & 0o077]
        assert loose == []
    finally:
        net.node.close()


def test_a_copied_document_store_shows_no_invoice_number_or_amount(tmp_path: Path) -> None:
    keys = Keystore(tmp_path / "keys")
    store = ContentStore(tmp_path / "documents", Sealer(keys.data_key()))
    content = json.dumps(INVOICE).encode()
    digest = store.put(content)
    disk = b"".join(p.read_bytes() for p in (tmp_path / "documents").rglob("*") if p.is_file())
    assert b"INV-7731-KE" not in disk and b"98765432" not in disk
    assert store.get(digest) == content
    # Without the keystore's key the copy is useless, and a sealed file cannot be altered unseen.
    with pytest.raises(BaobabError) as refused:
        ContentStore(tmp_path / "documents", Sealer(os.urandom(32))).get(digest)
    assert refused.value.code == "CORRUPT"


def test_sealed_payloads_are_bound_to_what_they_are(tmp_path: Path) -> None:
    sealer = Sealer(Keystore(tmp_path / "keys").data_key())
    sealed = sealer.seal(b"amount 100", b"record-a")
    assert sealer.open(sealed, b"record-a") == b"amount 100"
    with pytest.raises(BaobabError):
        sealer.open(sealed, b"record-b")  # moved under another name
    with pytest.raises(BaobabError):
        sealer.open(sealed[:-1] + bytes([sealed[-1] ^ 1]), b"record-a")


def test_the_data_key_is_made_once_and_kept_owner_only(tmp_path: Path) -> None:
    keys = Keystore(tmp_path / "keys")
    assert keys.data_key() == keys.data_key() and keys.data_key("KEBANK") != keys.data_key()
    assert stat.S_IMODE((tmp_path / "keys" / "data.key").stat().st_mode) == 0o600


def test_a_copied_ledger_file_shows_no_invoice_number_or_amount(deals_net: "Net") -> None:  # noqa: F821
    net = deals_net
    net.submit("KEBANK", "deals", "note", {"name": "n1", "value": INVOICE})
    for _ in range(3):  # state, history and block rows of a value written more than once
        net.submit("KEBANK", "deals", "note", {"name": "n1", "value": {**INVOICE, "seen": True}})
    while_open = b"".join(p.read_bytes() for p in net.path.glob("ledger.sqlite*"))
    net.node.close()
    closed = b"".join(p.read_bytes() for p in net.path.glob("ledger.sqlite*"))
    for disk in (while_open, closed):
        assert b"INV-7731-KE" not in disk and b"98765432" not in disk
    net.reopen()  # and the node reads it all back
    assert net.node.get("deals", "note/n1")["value"]["value"]["number"] == "INV-7731-KE"
