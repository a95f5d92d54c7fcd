"""Reactors: each node performs what committed events call for, for the organisations it serves.

Contracts declare their reactions (`baobab.ledger.reaction.Reaction`); services beside the
ledger (the payments agent) register handlers for events. A `Reactor` follows committed events
through the node's Gateway and, block by block, turns them into actions, each a transaction
signed by the acting organisation's own client identity, submitted through the Gateway in both
modes alike.

Resumable without missing or repeating an act: `<data>/reactors.json` holds the next block to
read and the actions still due, rewritten atomically after each block that performed or left
something due, and otherwise at most every SAVE_EVERY_S (a block that calls for nothing is not
worth a disk flush: under load that was one fsync per block). After a crash the blocks read
since the last save are read again; an action already performed is refused by its contract with a conflict
(its record has moved on), which counts as done. Reaction functions must be written so: a second
call for the same thing is refused as a conflict, never performed twice. A transient failure (a
read conflict, an unreachable endorser, a timeout) stays due and is tried again on the next
pass; a refusal of any other kind is logged and dropped. A reaction with a time (`at`: an
expiry, a deadline) is kept in the same file, with that time, and performed on the first pass
after it (the proposal dated by the reactor's clock).

`for_node(node, data)` builds an in-process node's Reactor with every contract's reactions;
`start_for_node` runs it in a background thread woken by each commit (`baobab up`, `baobab demo`).
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Protocol

from baobab.client import Identity
from baobab.core.errors import BaobabError
from baobab.gateway.gateway import Gateway
from baobab.ledger.reaction import Reaction
from baobab.ledger.runtime import Registry

log = logging.getLogger("baobab.reactors")
STATE_FILE = "reactors.json"
TRANSIENT = frozenset({"MVCC_READ_CONFLICT", "PHANTOM_READ_CONFLICT", "ENDORSER_UNAVAILABLE", "TIMEOUT",
                       "ORDERER_UNAVAILABLE", "STORE_UNAVAILABLE", "NONDETERMINISTIC"})
ALREADY_DONE_STATUS = 409  # a refusal of the conflict kind: the record has moved on
SAVE_EVERY_S = 1.0  # the place in the chain is saved at least this often when nothing else is
AFTER = timedelta(seconds=2)  # a timed reaction waits this long past its time: the contract must see it passed
Clock = Callable[[], datetime]


def _utc(text: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None


class Host(Protocol):
    """What a reactor needs of its node: the Gateway satisfies it."""

    def serves(self, org: str) -> bool: ...
    def signer(self, org: str, names: list[str]) -> Identity: ...
    def submit(self, signed: dict[str, Any], *, wait: bool = True, timeout: float = 30.0) -> Any: ...
    def evaluate(self, signed: dict[str, Any]) -> Any: ...
    def events(self, from_block: int = 0) -> Iterator[dict[str, Any]]: ...


@dataclass(frozen=True)
class Action:
    org: str
    contract: str
    function: str
    args: dict[str, Any]


Handler = Callable[[dict[str, Any]], list[Action]]


class Reactor:
    def __init__(self, host: Host, registry: Registry, orgs: list[str], data_dir: str | Path, *,
                 clients: tuple[str, ...] = ("reactor", "app"), state_file: str = STATE_FILE,
                 clock: Clock | None = None) -> None:
        self.host, self.clients = host, list(clients)
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._later: list[dict[str, Any]] = []  # timed actions met in the block being read
        self.orgs = sorted(o for o in orgs if host.serves(o))
        self.path = Path(data_dir) / state_file
        self._reactions: dict[tuple[str, str], list[tuple[str, Reaction]]] = {}
        for name in registry.names():
            for reaction in getattr(registry.contract(name), "reactions", ()):
                self._reactions.setdefault(reaction.on, []).append((name, reaction))
        self._handlers: dict[tuple[str, str], list[Handler]] = {}
        self._lock = threading.Lock()
        self.state = self._load()
        self._saved_at = 0.0  # monotonic time of the last write of the state file

    def on(self, contract: str, event: str, handler: Handler) -> None:
        """Register a service's handler: it returns the actions an event calls for (`contract`
        may be "*" for an event of that name from any contract)."""
        self._handlers.setdefault((contract, event), []).append(handler)

    # --- driving ------------------------------------------------------------------------

    def run_once(self) -> list[dict[str, Any]]:
        """Read every committed block not yet read and perform what it calls for."""
        with self._lock:
            done: list[dict[str, Any]] = []
            block, actions = None, []
            for event in self.host.events(int(self.state["next_block"])):
                if block is not None and event["block"] != block:
                    done += self._finish_block(block, actions)
                    actions = []
                block = event["block"]
                actions += self._actions_for(event)
            if block is not None:
                done += self._finish_block(block, actions)
            elif self.state["due"] or self._ripe():
                done += self._finish_block(int(self.state["next_block"]) - 1, [])
            return done

    def run(self, stop: threading.Event, wake: threading.Event | None = None, interval_s: float = 1.0) -> None:
        """Run until `stop` is set, waking on `wake` (set it on every commit) or every `interval_s`."""
        while not stop.is_set():
            try:
                self.run_once()
            except BaobabError as exc:  # the node is shutting down or unreachable: try again later
                log.warning("reactor pass failed: %s %s", exc.code, exc.message)
            if wake is not None:
                wake.wait(interval_s)
                wake.clear()
            else:
                stop.wait(interval_s)

    # --- events to actions --------------------------------------------------------------

    def _actions_for(self, event: dict[str, Any]) -> list[Action]:
        key = (event["contract"], event["name"])
        actions: list[Action] = []
        for handler in self._handlers.get(key, []) + self._handlers.get(("*", event["name"]), []):
            actions += [a for a in handler(event) if a.org in self.orgs]
        for contract, reaction in self._reactions.get(key, []):
            payload = event.get("payload") or {}
            if not all(field in payload for field in reaction.args.values()):
                log.warning("%s.%s: event %s lacks %s", contract, reaction.call, key, sorted(reaction.args.values()))
                continue
            args = {name: payload[field] for name, field in reaction.args.items()}
            made: list[Action] = []
            if reaction.actor is not None:
                org = payload.get(reaction.actor)
                if org in self.orgs:
                    made.append(Action(org, contract, reaction.call, args))
            else:
                for org in self.orgs:
                    try:
                        targets = self.host.evaluate(self._sign(org, contract, reaction.targets or "", args))
                    except BaobabError:
                        continue  # this organisation has nothing to read or to do here
                    made += [Action(org, contract, reaction.call, t["args"]) for t in targets or []]
            if reaction.at is None:
                actions += made
            elif _utc(payload.get(reaction.at)) is None:
                log.warning("%s.%s: event %s has no time in %s", contract, reaction.call, key, reaction.at)
            else:
                self._later += [{"at": payload[reaction.at], "action": asdict(a)} for a in made]
        return actions

    def _ripe(self) -> bool:
        now = self.clock()
        return any(_utc(t["at"]) + AFTER <= now for t in self.state.get("timed", []))  # type: ignore[operator]

    def _finish_block(self, block: int, actions: list[Action]) -> list[dict[str, Any]]:
        now = self.clock()
        timed: list[dict[str, Any]] = []
        for t in self.state.get("timed", []) + self._later:  # a block read again schedules nothing twice
            if t not in timed:
                timed.append(t)
        self._later = []
        ripe = [t for t in timed if _utc(t["at"]) + AFTER <= now]  # type: ignore[operator]
        waiting = [t for t in timed if t not in ripe]
        pending = [Action(**a) for a in self.state["due"]] + actions + [Action(**t["action"]) for t in ripe]
        results, still_due = [], []
        unique = {json.dumps(asdict(a), sort_keys=True): a for a in pending}  # the same act once per pass
        for action in unique.values():
            outcome = self._perform(action)
            results.append({**asdict(action), "outcome": outcome})
            if outcome == "retry":
                still_due.append(asdict(action))
        changed = bool(unique) or still_due != self.state["due"] or waiting != self.state.get("timed", [])
        self._save(block + 1, still_due, waiting, flush=changed)
        return results

    def _perform(self, action: Action) -> str:
        try:
            outcome = self.host.submit(self._sign(action.org, action.contract, action.function, action.args))
        except BaobabError as exc:
            if exc.code in TRANSIENT:
                return "retry"
            if exc.status == ALREADY_DONE_STATUS:
                return "done"
            log.warning("%s %s.%s refused: %s %s", action.org, action.contract, action.function, exc.code, exc.message)
            return "dropped"
        code = getattr(outcome, "code", "VALID")
        if code == "VALID":
            return "performed"
        return "retry" if code in TRANSIENT else "dropped"

    def _sign(self, org: str, contract: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
        at = self.clock().astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        return self.host.signer(org, self.clients).proposal(contract, function, args, timestamp=at)

    # --- state --------------------------------------------------------------------------

    def _load(self) -> dict[str, Any]:
        try:
            return dict(json.loads(self.path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return {"next_block": 0, "due": [], "timed": []}

    def _save(self, next_block: int, due: list[dict[str, Any]], timed: list[dict[str, Any]], flush: bool = True) -> None:
        """Move on to `next_block`; write the file when `flush` or SAVE_EVERY_S after the last write."""
        self.state = {"next_block": max(next_block, int(self.state["next_block"])), "due": due, "timed": timed}
        now = time.monotonic()
        if not flush and now - self._saved_at < SAVE_EVERY_S:
            return
        self._saved_at = now
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(self.state, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


# --- an in-process node's reactor ---------------------------------------------------------------

def for_node(node: Any, data_dir: str | Path, registry: Registry | None = None,
             orgs: list[str] | None = None, gateway: Host | None = None, clock: Clock | None = None) -> Reactor:
    """A node's Reactor, through its Gateway (default: a Gateway over `node` signing with the
    client keys in `<data_dir>/keys`): every reaction declared by a contract of `registry`
    (default: the node's own) performed for `orgs` (default: every member whose client key is
    in `<data_dir>/keys`; the Gateway keeps those it serves). Services add their handlers with
    `Reactor.on`."""
    keys = Path(data_dir) / "keys"
    if orgs is None:
        orgs = [o["id"] for o in node.genesis["organisations"] if (keys / o["id"] / "clients").is_dir()]
    return Reactor(gateway or Gateway(node, keys_dir=keys), registry or node.registry, orgs, data_dir, clock=clock)


class ReactorThread:
    """Runs a reactor in the background, woken by each commit of `node` (polling every `idle_s`)."""

    def __init__(self, reactor: Reactor, node: Any, idle_s: float = 0.5) -> None:
        self.reactor, self.node, self.idle_s = reactor, node, idle_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="baobab-reactor", daemon=True)

    def start(self) -> "ReactorThread":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            seen = self.node.height()  # blocks without events leave the reactor's place behind: wait past them
            try:
                self.reactor.run_once()
            except Exception as exc:  # noqa: BLE001 - a failed pass is tried again; it must not end the thread
                log.warning("reactor pass failed: %r", exc)
                self._stop.wait(self.idle_s)
            self.node.wait_for_height(seen + 1, timeout=self.idle_s)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 35.0) -> None:
        """Stop after the current pass (which waits at most for its submissions to commit)."""
        self._stop.set()
        self._thread.join(timeout)


def start_for_node(node: Any, data_dir: str | Path) -> ReactorThread | None:
    """A background reactor for every organisation whose client key is in `data_dir`, or None
    when there is none (a data folder without client keys)."""
    reactor = for_node(node, data_dir)
    return ReactorThread(reactor, node).start() if reactor.orgs else None
