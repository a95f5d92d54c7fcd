"""The report's stories, played end to end against a ledger (embedded or over HTTP).

Each story is a module `baobab.stories.<name>` exposing `STORY: Story`. A story talks to
the network only through `Actors`: `actors(org)` gives an `Actor` that submits and queries
as that organisation's client identity, so the same story runs in-process, in the tests,
and against a node over HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol


class Actor(Protocol):
    org: str

    def submit(self, contract: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
        """Submit and wait for commit; returns the outcome dict (tx_id, code, block, response, events).
        Raises BaobabError if the proposal is rejected before ordering."""

    def query(self, contract: str, function: str, args: dict[str, Any]) -> Any: ...


Actors = Callable[[str], Actor]


@dataclass
class StoryReport:
    """What the summary table shows for one story."""

    steps: int = 0
    documents: int = 0
    payments: int = 0
    flags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def step(self, text: str, progress: Callable[[str], None] | None = None) -> None:
        self.steps += 1
        if progress:
            progress(text)


@dataclass(frozen=True)
class Story:
    number: int
    title: str
    paper_time: str  # how long the report says the paper process takes
    play: Callable[[Actors, StoryReport, Callable[[str], None] | None], None]

    def run(self, actors: Actors, progress: Callable[[str], None] | None = None) -> StoryReport:
        report = StoryReport()
        start = time.perf_counter()
        self.play(actors, report, progress)
        report.seconds = time.perf_counter() - start
        return report
