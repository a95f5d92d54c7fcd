"""Content-addressed document store: layout, idempotence, atomic writes, corruption."""

from __future__ import annotations

import hashlib
import os

import pytest

from baobab.core.errors import BaobabError
from baobab.documents.store import ContentStore, verify_hash

CONTENT = b"%PDF-1.7 bill of lading BL-2024-0001\n"
DIGEST = hashlib.sha256(CONTENT).hexdigest()


@pytest.fixture
def store(tmp_path):
    return ContentStore(tmp_path / "docs")


def files_under(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_put_returns_sha256_and_uses_two_level_layout(store):
    assert store.put(CONTENT) == DIGEST
    assert files_under(store.root) == [f"{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}"]
    assert store.get(DIGEST) == CONTENT
    assert store.has(DIGEST)


def test_put_is_idempotent(store):
    first = store.put(CONTENT)
    mtime = store.path_for(first).stat().st_mtime_ns
    assert store.put(bytearray(CONTENT)) == first
    assert store.path_for(first).stat().st_mtime_ns == mtime  # not rewritten
    assert files_under(store.root) == [f"{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}"]


def test_empty_content(store):
    digest = store.put(b"")
    assert digest == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert store.get(digest) == b""


def test_missing_and_malformed_hashes(store):
    assert not store.has("0" * 64)
    with pytest.raises(BaobabError) as err:
        store.get("0" * 64)
    assert err.value.code == "NOT_FOUND"
    for bad in ["../" + "0" * 61, DIGEST.upper(), DIGEST[:-1], "", None]:
        with pytest.raises(BaobabError) as err:
            store.get(bad)
        assert err.value.code == "BAD_ARGUMENT"
    with pytest.raises(BaobabError):
        store.put("text, not bytes")


def test_corrupted_file_is_detected_on_read(store):
    store.put(CONTENT)
    store.path_for(DIGEST).write_bytes(CONTENT.replace(b"0001", b"0002"))
    with pytest.raises(BaobabError) as err:
        store.get(DIGEST)
    assert err.value.code == "CORRUPT"
    assert store.has(DIGEST)  # has() does not hash; get() does


def test_truncated_file_is_detected_and_put_repairs_it(store):
    store.put(CONTENT)
    store.path_for(DIGEST).write_bytes(CONTENT[:5])
    with pytest.raises(BaobabError) as err:
        store.get(DIGEST)
    assert err.value.code == "CORRUPT"
    assert store.put(CONTENT) == DIGEST
    assert store.get(DIGEST) == CONTENT


@pytest.mark.parametrize("failing", ["fsync", "replace"])
def test_failed_write_leaves_no_file_under_the_final_name(store, monkeypatch, failing):
    def boom(*args, **kwargs):
        raise OSError("injected failure")

    monkeypatch.setattr(os, failing, boom)
    with pytest.raises(OSError, match="injected"):
        store.put(CONTENT)
    monkeypatch.undo()
    assert not store.has(DIGEST)
    assert files_under(store.root) == []  # the temp file was removed too
    with pytest.raises(BaobabError) as err:
        store.get(DIGEST)
    assert err.value.code == "NOT_FOUND"
    assert store.put(CONTENT) == DIGEST  # and a retry succeeds


def test_failed_rewrite_keeps_previous_copy_intact(store, monkeypatch):
    # The final name only ever points at a complete file: a crash before rename leaves
    # the old file in place (here a corrupt one, which get() keeps reporting).
    store.put(CONTENT)
    store.path_for(DIGEST).write_bytes(b"junk")
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(OSError("injected")))
    with pytest.raises(OSError):
        store.put(CONTENT)
    monkeypatch.undo()
    assert store.path_for(DIGEST).read_bytes() == b"junk"
    assert files_under(store.root) == [f"{DIGEST[:2]}/{DIGEST[2:4]}/{DIGEST}"]


def test_verify_hash_for_parties_without_access():
    assert verify_hash(CONTENT, DIGEST)
    assert verify_hash(CONTENT, DIGEST.upper())
    assert not verify_hash(CONTENT + b" ", DIGEST)
    assert not verify_hash(CONTENT, "not a hash")
    assert not verify_hash(CONTENT, None)
