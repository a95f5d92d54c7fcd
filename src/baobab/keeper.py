"""The keeper: settles condition-based payments as soon as the data they depend on is on the ledger.

Contracts cannot act on their own or call each other, so someone must ask
`conditional_payment.evaluate` once an agreement's oracle rounds are decided. The keeper is
that someone: a shell component next to a node that follows the committed blocks and, for
the organisations whose client keys it holds, submits

    conditional_payment.evaluate(agreement)    signed by the agreement's payer bank, when a
                                                round it depends on is decided (accepted or
                                                failed), when it is created with its rounds
                                                already decided, and when it expires
    microinsurance.settle_crop(policy, round)   signed by the policy's insurer, when a round
                                                of the policy's rainfall feed is accepted

One keeper acts for several organisations: in the embedded mode (`baobab up`) the node holds
every organisation's keys, so one keeper acts for every payer bank and insurer; a bank running
its own node runs a keeper with `orgs=[its id]`. Before submitting it evaluates the condition
itself on the rounds it can read (`conditions.evaluate`), so an agreement still waiting for
other rounds costs no transaction; the contract decides again from ledger state, so the
keeper's view never moves money.

Resumable: `<data>/keeper.json` holds the next block to read, the agreements and policies it
watches and the work still due, rewritten atomically after every block with events. After a
crash it reads the last block again at most; work it had already done is refused by the
contract with `WRONG_STATUS` (a decided agreement or settled policy is never decided again),
which the keeper takes as done. Transient failures (a read conflict, an unreachable endorser)
stay due and are retried on the next pass; a contract refusal is logged and dropped.

Tests drive it with `process_until(height)` / `run_once()`; `KeeperThread` runs it in the
background, waking on each commit.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from baobab.client import Identity
from baobab.contracts.oracles import conditions
from baobab.core.errors import BaobabError
from baobab.ledger.node import Node, Outcome

STATE_FILE = "keeper.json"
DONE = "WRONG_STATUS"  # the contract already decided it: nothing left to do
DROPPED = "CONTRACT_ERROR"  # the contract refuses on the merits: retrying would not help

Clock = Callable[[], datetime]
Log = Callable[[str], None]


def _empty_state() -> dict[str, Any]:
    return {"next_block": 0, "agreements": {}, "crops": {}, "due": {"agreements": [], "crops": []}}


class Keeper:
    def __init__(self, node: Node, data_dir: str | Path, orgs: list[str] | None = None, *, client: str = "app",
                 state_file: str = STATE_FILE, clock: Clock | None = None, log: Log | None = None) -> None:
        self.node, self.data_dir, self.client = node, Path(data_dir), client
        members = [o["id"] for o in node.genesis["organisations"]]
        if orgs is None:  # every organisation whose client key this node holds
            orgs = [o for o in members if (self.data_dir / "keys" / o / "clients" / f"{client}.key").exists()]
        unknown = sorted(set(orgs) - set(members))
        if unknown:
            raise BaobabError("UNKNOWN_ORG", f"{', '.join(unknown)} not members of {node.network}")
        if not orgs:
            raise BaobabError("UNKNOWN_IDENTITY", f"no client key {client!r} in {self.data_dir / 'keys'}")
        self.orgs = sorted(orgs)
        self.path = self.data_dir / state_file
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self.log = log or (lambda text: None)
        self._ids: dict[str, Identity] = {}
        self._lock = threading.Lock()
        self.state = self._load()

    @property
    def next_block(self) -> int:
        return int(self.state["next_block"])

    # --- driving ------------------------------------------------------------------------

    def run_once(self) -> list[dict[str, Any]]:
        """Process every committed block not yet processed, and act on expiries; the actions taken."""
        return self.process_until(self.node.height())

    def process_until(self, height: int) -> list[dict[str, Any]]:
        """Process blocks below `height` (and expiries); returns what was submitted and how it ended."""
        with self._lock:
            actions: list[dict[str, Any]] = []
            current = None
            try:
                for event in self.node.events(self.next_block):
                    if event["block"] >= height:
                        break
                    if current is not None and event["block"] != current:
                        actions += self._act()
                        self._save(current + 1)
                    current = event["block"]
                    self._observe(event)
                actions += self._act()
            except BaseException:
                self.state = self._load()  # forget the half-processed block; it is read again next pass
                raise
            self._save(max(self.next_block, height, current + 1 if current is not None else 0))
            return actions

    # --- what the events say ------------------------------------------------------------

    def _observe(self, event: dict[str, Any]) -> None:
        contract, name, payload = event["contract"], event["name"], event["payload"]
        agreements, crops, due = self.state["agreements"], self.state["crops"], self.state["due"]
        if contract == "conditional_payment":
            if name == "conditional_payment_created" and payload["payer_bank"] in self.orgs:
                self._watch_agreement(payload["agreement"], payload["payer_bank"])
            elif name == "payment_instruction" or name == "payment_withheld":  # decided, by us or anyone
                self._forget_agreement(payload.get("agreement") or payload["source"].split("/", 1)[1])
        elif contract == "oracles" and name in ("round_accepted", "round_failed"):
            for agreement_id, watched in agreements.items():
                if payload["round"] in watched["rounds"] and agreement_id not in due["agreements"]:
                    due["agreements"].append(agreement_id)
            if name == "round_accepted":
                for policy_id, watched in crops.items():
                    if watched["feed"] == payload["feed"]:
                        due["crops"].append([policy_id, payload["round"]])
        elif contract == "microinsurance":
            if name == "policy_issued" and payload.get("kind") == "crop" and payload["insurer"] in self.orgs:
                self._watch_crop(payload["policy"], payload["insurer"])
            elif name == "payment_instruction" or name == "policy_expired_without_payout":
                self._forget_crop(payload.get("policy") or payload["source"].split("/", 1)[1])

    def _watch_agreement(self, agreement_id: str, payer_bank: str) -> None:
        record = self._read("conditional_payment", "get", {"agreement_id": agreement_id}, as_org=payer_bank)
        if record is None or record["status"] != "pending" or record["payer_bank"] not in self.orgs:
            return
        self.state["agreements"][agreement_id] = {"payer_bank": record["payer_bank"], "rounds": record["rounds"],
                                                  "condition": record["condition"], "expires": record["expires"]}
        self.state["due"]["agreements"].append(agreement_id)  # its rounds may be decided already

    def _watch_crop(self, policy_id: str, insurer: str) -> None:
        record = self._read("microinsurance", "get", {"policy_id": policy_id}, as_org=insurer)
        if record is None or record["status"] != "active" or record["insurer"] not in self.orgs:
            return
        self.state["crops"][policy_id] = {"insurer": record["insurer"], "feed": record["feed"]}

    def _forget_agreement(self, agreement_id: str) -> None:
        self.state["agreements"].pop(agreement_id, None)
        self.state["due"]["agreements"] = [a for a in self.state["due"]["agreements"] if a != agreement_id]

    def _forget_crop(self, policy_id: str) -> None:
        self.state["crops"].pop(policy_id, None)
        self.state["due"]["crops"] = [c for c in self.state["due"]["crops"] if c[0] != policy_id]

    # --- acting -------------------------------------------------------------------------

    def _act(self) -> list[dict[str, Any]]:
        now = self.clock().astimezone(timezone.utc).replace(tzinfo=None)
        due = self.state["due"]
        for agreement_id, watched in self.state["agreements"].items():
            if conditions.utc(watched["expires"]) <= now and agreement_id not in due["agreements"]:
                due["agreements"].append(agreement_id)
        actions = []
        for agreement_id in list(due["agreements"]):
            watched = self.state["agreements"].get(agreement_id)
            if watched is None:
                due["agreements"].remove(agreement_id)
                continue
            expired = conditions.utc(watched["expires"]) <= now
            if not expired and conditions.evaluate(watched["condition"], self._round).state == conditions.PENDING:
                due["agreements"].remove(agreement_id)  # wait for the next round it depends on
                continue
            action = self._submit(watched["payer_bank"], "conditional_payment", "evaluate",
                                  {"agreement_id": agreement_id})
            actions.append(action)
            if action["outcome"] in ("pending", "retry"):
                if action["outcome"] == "pending":
                    due["agreements"].remove(agreement_id)
                continue
            self._forget_agreement(agreement_id)
        for policy_id, round_id in [list(c) for c in due["crops"]]:
            watched = self.state["crops"].get(policy_id)
            if watched is not None:
                action = self._submit(watched["insurer"], "microinsurance", "settle_crop",
                                      {"policy_id": policy_id, "round_id": round_id})
                actions.append(action)
                if action["outcome"] == "retry":
                    continue
                if action["outcome"] != "dropped":
                    self._forget_crop(policy_id)
            if [policy_id, round_id] in due["crops"]:
                due["crops"].remove([policy_id, round_id])
        return actions

    def _submit(self, org: str, contract: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
        """Submit as `org`; the action with its outcome: a status, "done", "dropped" or "retry"."""
        action: dict[str, Any] = {"org": org, "function": f"{contract}.{function}", "args": args, "tx_id": None}
        try:
            outcome = self.node.submit(self._identity(org).proposal(contract, function, args,
                                                                    timestamp=self._timestamp()))
        except BaobabError as exc:
            kind = {DONE: "done", DROPPED: "dropped"}.get(exc.code, "retry")
            self.log(f"keeper: {contract}.{function} {args} as {org}: {exc.code} {exc.message} ({kind})")
            return {**action, "outcome": kind, "code": exc.code}
        assert isinstance(outcome, Outcome)
        action["tx_id"] = outcome.tx_id
        if not outcome.valid:  # e.g. a read conflict with a concurrent transaction: try again
            self.log(f"keeper: {contract}.{function} {args} as {org} committed {outcome.code}; will retry")
            return {**action, "outcome": "retry", "code": outcome.code}
        status = outcome.response["status"]
        if status != "pending":
            self.log(f"keeper: {contract}.{function} {args} as {org}: {status}")
        return {**action, "outcome": status, "code": outcome.code}

    # --- ledger access ------------------------------------------------------------------

    def _identity(self, org: str) -> Identity:
        if org not in self._ids:
            self._ids[org] = Identity.load(self.data_dir, self.node.network, org, self.client)
        return self._ids[org]

    def _timestamp(self) -> str:
        return self.clock().astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    def _read(self, contract: str, function: str, args: dict[str, Any], as_org: str | None = None) -> Any:
        """A query as `as_org` (one of the organisations the keeper acts for; default the first)."""
        try:
            return self.node.query(self._identity(as_org or self.orgs[0]).proposal(contract, function, args,
                                                                                   timestamp=self._timestamp()))
        except BaobabError as exc:
            if exc.code == DROPPED:  # "no such record"
                return None
            raise

    def _round(self, round_id: str) -> dict[str, Any] | None:
        return self._read("oracles", "round", {"round_id": round_id})

    def _load(self) -> dict[str, Any]:
        return json.loads(self.path.read_text()) if self.path.exists() else _empty_state()

    def _save(self, next_block: int) -> None:
        """Write the state atomically: a crash leaves the previous file or the new one, never half."""
        self.state["next_block"] = next_block
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w") as f:
            json.dump(self.state, f, separators=(",", ":"), sort_keys=True)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.path)


class KeeperThread:
    """Runs a keeper in the background, waking on each commit (and every `idle_s` for expiries)."""

    def __init__(self, keeper: Keeper, idle_s: float = 0.5) -> None:
        self.keeper, self.idle_s = keeper, idle_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="baobab-keeper", daemon=True)

    def start(self) -> "KeeperThread":
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.keeper.run_once()
            except Exception as exc:  # noqa: BLE001 - a bad pass must not stop the keeper; retried next pass
                self.keeper.log(f"keeper: pass failed: {exc!r}")
                self._stop.wait(self.idle_s)
            self.keeper.node.wait_for_height(self.keeper.next_block + 1, timeout=self.idle_s)

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def stop(self, timeout: float = 35.0) -> None:
        """Stop after the current pass (a pass waits at most for its submissions to commit)."""
        self._stop.set()
        self._thread.join(timeout)


def start_keeper(node: Node, data_dir: str | Path, log: Log | None = None) -> KeeperThread | None:
    """A background keeper acting for every organisation whose client key is in `data_dir`,
    or None when there is none (a data folder without client keys)."""
    try:
        keeper = Keeper(node, data_dir, log=log)
    except BaobabError as exc:
        if exc.code != "UNKNOWN_IDENTITY":
            raise
        return None
    return KeeperThread(keeper).start()


def synchronous_actors(actors: Any, keeper: Keeper) -> Any:
    """Stories' Actors that let `keeper` catch up after every submission and before every query,
    so a story sees the keeper's work on its first look, with no background thread and no wait."""

    class _Actor:
        def __init__(self, inner: Any) -> None:
            self.inner, self.org = inner, inner.org

        def submit(self, contract: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
            outcome = self.inner.submit(contract, function, args)
            keeper.run_once()
            return outcome

        def query(self, contract: str, function: str, args: dict[str, Any]) -> Any:
            keeper.run_once()
            return self.inner.query(contract, function, args)

    return lambda org: _Actor(actors(org))
