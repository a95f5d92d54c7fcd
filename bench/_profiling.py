"""`--profile FILE` for the in-process benchmarks: cProfile (CPU time) of the timed phase only."""

from __future__ import annotations

import cProfile
import pstats
import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def profiled(path: str | None, top: int = 15) -> Iterator[None]:
    """Profile the block into `path` (read it with `python -m pstats`) and print its `top`
    functions by own time; nothing when `path` is None."""
    if not path:
        yield
        return
    profile = cProfile.Profile(time.process_time)
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        profile.dump_stats(path)
        pstats.Stats(profile).sort_stats("tottime").print_stats(top)
