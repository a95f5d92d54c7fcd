"""One process per data folder: the ledger, the API memory and the stories' marker are written
by whoever holds `<data>/baobab.lock` (an operating-system lock, released when the process
ends, even by a crash). Take it before opening anything in the folder."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

LOCK_FILE = "baobab.lock"


class DataFolderInUse(Exception):
    """Another process holds the data folder."""


@contextmanager
def hold(data_dir: str | Path) -> Iterator[None]:
    """Hold the data folder (created if missing) for the duration of the block, or raise
    DataFolderInUse at once if another process holds it."""
    folder = Path(data_dir)
    folder.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder / LOCK_FILE, timeout=0, is_singleton=False)
    try:
        lock.acquire()
    except Timeout:
        raise DataFolderInUse(f"data folder {folder} is in use by another baobab process "
                              f"(lock {folder / LOCK_FILE}); stop it, or choose another --data") from None
    try:
        yield
    finally:
        lock.release()
