"""The report's stories, played end to end against a ledger (embedded or over HTTP).

Each story is a module `baobab.stories.<name>` exposing `STORY: Story`. A story talks to
the network only through `Actors`: `actors(org)` gives an `Actor` that submits and queries
as that organisation's client identity, so the same story runs in-process, in the tests,
and against a node over HTTP.

A story that also uses services off the ledger (the mobile-money providers beside a node)
names them in `needs`; `run` then passes it those of the services handle it is given
(`baobab demo` and `baobab up` give the embedded node's: {"mobile_money": ...}), and refuses
with a clear message when they are not there. Those named in `uses` are passed when given, and
the story plays without them otherwise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class Actor(Protocol):
    org: str

    def submit(self, contract: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
        """Submit and wait for commit; returns the outcome dict (tx_id, code, block, response, events).
        Raises BaobabError if the proposal is rejected before ordering."""

    def query(self, contract: str, function: str, args: dict[str, Any]) -> Any: ...


Actors = Callable[[str], Actor]

PAYMENT_WAIT_S = 30.0


def await_payment(actor: Actor, contract: str, obligation: str, wait_s: float = PAYMENT_WAIT_S) -> dict[str, Any]:
    """The payment instruction `obligation` of `contract` once the payer's payments agent has
    carried it out through the switch (settled, or failed with its FSPIOP code). Nobody in a
    story reports a payment: the agent of the node serving the payer does. Bounded wait."""
    pause, waited = 0.02, 0.0
    while True:
        payment = actor.query(contract, "payment", {"obligation": obligation})
        if payment["status"] != "instructed":
            return payment  # type: ignore[no-any-return]
        if waited >= wait_s:
            raise RuntimeError(f"{contract} payment {obligation} still instructed after {wait_s:.0f} s: is the payer's "
                               "payments agent running (`baobab up` and `baobab demo` start one)?")
        time.sleep(pause)
        waited, pause = waited + pause, min(pause * 2, 0.5)


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
    play: Callable[..., None]  # (actors, report, progress[, services]) -> None
    needs: tuple[str, ...] = ()  # off-ledger services the story uses, by name
    uses: tuple[str, ...] = ()  # services it uses where the node has them, and plays without otherwise

    def run(self, actors: Actors, progress: Callable[[str], None] | None = None,
            services: Mapping[str, Any] | None = None) -> StoryReport:
        missing = [name for name in self.needs if name not in (services or {})]
        if missing:
            raise RuntimeError(f"story {self.number} needs the node's {', '.join(missing)} services: "
                               "play it with `baobab demo` (embedded) or `baobab up`")
        report = StoryReport()
        start = time.perf_counter()
        if self.needs or self.uses:
            given = services or {}
            self.play(actors, report, progress, {name: given[name] for name in (*self.needs, *self.uses) if name in given})
        else:
            self.play(actors, report, progress)
        report.seconds = time.perf_counter() - start
        return report
