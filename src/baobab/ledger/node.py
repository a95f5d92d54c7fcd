"""A ledger node: endorse, order, validate, commit, and answer queries and proofs.

In the embedded mode one node hosts the peers of every organisation in the network, so
it holds every peer key and endorses for each organisation the policy needs. Because those
peers share one process and one world state, the node checks the client's signature and
simulates the proposal once, and each chosen peer signs that same result. In network mode
each organisation's node simulates and signs on its own.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from baobab.core import merkle
from baobab.core.errors import BaobabError
from baobab.core.jcs import canonicalize
from baobab.core.keys import PrivateKey, Triple, b64d, signing_message, verified_here
from baobab.ledger import policy as policies
from baobab.ledger import proofs
from baobab.ledger.audit import check_store
from baobab.ledger.contract import Refused
from baobab.ledger.block import genesis_block
from baobab.ledger.commit_process import CommitProcess, Committed
from baobab.ledger.endorse import LocalEndorser
from baobab.ledger.membership import GOVERNANCE, Caller, Membership
from baobab.ledger.orderer.base import Orderer
from baobab.ledger.runtime import Registry, Supervise, key_policy_key, run_query, simulate
from baobab.ledger.state_cache import StateCache
from baobab.ledger.store.base import BlockRecord, Store
from baobab.ledger.store.recent import RecentTxIds
from baobab.ledger.tx import MAX_TX_BYTES, Encoded, admit, parse_time, tx_id_of
from baobab.ledger.validator import VALID, BlockView, Validator, membership_over


RECENT_PARSED = 32  # committed blocks a node keeps parsed in memory for its event readers


@dataclass
class Outcome:
    """What happened to a submitted transaction once its block committed."""

    tx_id: str
    code: str
    block: int
    index: int
    response: Any
    events: list[dict[str, Any]]

    @property
    def valid(self) -> bool:
        return self.code == VALID

    def to_dict(self) -> dict[str, Any]:
        return {"tx_id": self.tx_id, "code": self.code, "block": self.block, "index": self.index,
                "response": self.response, "events": self.events}


class Node:
    def __init__(self, store: Store, genesis: dict[str, Any], registry: Registry,
                 peer_keys: dict[str, PrivateKey], orderer: Orderer, orderer_key: PrivateKey | None = None,
                 endorser: Any = None, committer: CommitProcess | None = None) -> None:
        self.store, self.registry, self.peer_keys, self.orderer = store, registry, peer_keys, orderer
        # Where blocks are validated and committed: here, or (embedded `open_node`) in a
        # committer process of this node, which has already checked the store when given.
        self.committer = committer
        # Who endorses for this node (gateway.Endorser): by default the peer keys it holds.
        self.endorser = endorser if endorser is not None else LocalEndorser(self)
        self.validator = Validator(genesis, registry)
        self.genesis = self.validator.genesis
        self.network = self.genesis["network"]
        self._waiters: dict[str, Future[Outcome]] = {}
        self.recent = committer.recent if committer else RecentTxIds(self.genesis["time_window_s"])
        self._verified: dict[int, tuple[dict[str, Any], list[Triple]]] = {}  # id(envelope) -> checks done here
        if store.height() and committer is None:  # never serve a store whose derived tables disagree with its blocks
            report = check_store(store, self.recent)
            if not report.ok:
                code = "CORRUPT" if report.where.get("table") == "database" else "STORE_MISMATCH"
                raise BaobabError(code, f"the ledger store is damaged, the node will not serve it: {report.problem}. "
                                        "Run `baobab verify` for the full audit.", **report.where)
        self.state = StateCache(store, self.recent)
        self._membership: Membership | None = None
        self._lock = threading.Lock()
        self._commit_cond = threading.Condition()
        # the last blocks committed, parsed: event readers (the reactor, after each commit) take
        # them from here instead of reading and parsing them again from the store
        self._recent_blocks: deque[tuple[BlockRecord, dict[str, Any]]] = deque(maxlen=RECENT_PARSED)
        if store.height() == 0:
            if orderer_key is None:
                raise BaobabError("CORRUPT", "an empty ledger needs the orderer key to write the genesis block")
            self._commit(genesis_block(self.genesis, orderer_key))
        head = store.block(store.height() - 1)
        assert head is not None
        self._head = head
        latest = json.loads(head.data)
        self._head_header = {"header": latest["header"], "signature": latest["signature"]}
        if committer is not None:
            committer.run(self._committed, self._commit_failed)
        orderer.start(store.height(), head.hash, self._commit)

    # --- execute ----------------------------------------------------------------------

    def members(self) -> Membership:
        """Membership as of the last committed block; rebuilt only after governance changes."""
        members = self._membership
        if members is None:
            members = self._membership = membership_over(BlockView(self.state))
        return members

    _members = members  # the name the node's parts used before the gateway

    def _key_policy(self, key: str) -> dict[str, Any] | None:
        row = self.state.get(key_policy_key(key))
        return None if row is None else row[0]

    def authenticate(self, signed: Any, encoded: Encoded | None = None) -> tuple[dict[str, Any], Encoded, Caller]:
        """Check a signed proposal's form, network, time window and signature."""
        encoded = encoded or admit(signed)
        p = signed["proposal"]
        if p["network"] != self.network:
            raise BaobabError("MALFORMED", f"proposal is for network {p['network']!r}, this is {self.network!r}")
        skew = abs(datetime.now(timezone.utc) - parse_time(p["timestamp"]))
        if skew > timedelta(seconds=self.genesis["time_window_s"]):
            raise BaobabError("EXPIRED", "proposal timestamp is outside the accepted time window")
        caller, key = self._members().caller(p["creator"])
        if not key.verify("proposal", p, signed["signature"], encoded.proposal_digest):
            raise BaobabError("BAD_SIGNATURE", f"proposal signature does not verify for {p['creator']}")
        return p, encoded, caller

    def endorse(self, signed: Any) -> dict[str, Any]:
        """Simulate and collect the endorsements the policies require: an envelope."""
        return self._endorse(signed, None)[0]

    def _endorse(self, signed: Any, encoded: Encoded | None) -> tuple[dict[str, Any], Encoded]:
        """The envelope and its encoding, from this node's endorser (its own peer keys in the
        embedded mode, the other organisations' nodes as well in network mode)."""
        return self.endorser.endorse(signed, encoded)

    def simulate_ok(self, p: dict[str, Any], tx_id: str, caller: Caller) -> dict[str, Any]:
        """Simulate a proposal against committed state; a contract refusal raises `Refused`."""
        result = simulate(self.registry, p, tx_id, caller, self.state.get, self.state.range)
        if result["status"] != "ok":
            raise Refused.from_result(p["contract"], result["response"])
        return result

    def required_policy(self, p: dict[str, Any], result: dict[str, Any]) -> dict[str, Any]:
        _, spec = self.registry.function(p["contract"], p["function"])
        required = [spec.policy]
        for key in [k for k, _ in result["writes"]] + [k for k, _ in result["key_policies"]]:
            recorded = self._key_policy(key)
            if recorded is not None:
                required.append(recorded)
        governance = self._members().governance_policy
        required = [policies.resolve(p, governance) for p in required]  # type: ignore[arg-type]
        return required[0] if len(required) == 1 else {"all": required}

    def query(self, signed: Any, supervise: Supervise | None = None) -> Any:
        """Run a read-only function for an authenticated caller; nothing is ordered.
        `supervise`: see `runtime.run_query` (a supervisor's reads of records it does not party)."""
        p, encoded, caller = self.authenticate(signed)
        return run_query(self.registry, p, encoded.tx_id, caller, self.state.get, self.state.range, supervise)

    # --- order ------------------------------------------------------------------------

    def submit(self, signed: Any, *, wait: bool = True, timeout: float = 30.0) -> Outcome | str:
        """Endorse, order and (if `wait`) wait for commit. Resubmitting a transaction that
        is already committed or in flight returns its original outcome; it is never applied twice."""
        encoded = admit(signed)

        def envelope_and_bytes() -> tuple[dict[str, Any], bytes, list[Triple]]:
            envelope, full = self._endorse(signed, encoded)
            return envelope, full.leaf, self._checked_here(envelope, full)  # type: ignore[return-value]

        return self._track(encoded.tx_id, envelope_and_bytes, wait, timeout)

    def order(self, envelope: Any, *, wait: bool = True, timeout: float = 30.0) -> Outcome | str:
        """Submit an envelope the client assembled itself. Whatever it holds, it is ordered
        and kept in its block with a validation code; only a VALID one changes state."""
        encoded = admit(envelope)  # the rest of its form is for the validator to judge
        return self._track(encoded.tx_id, lambda: (envelope, canonicalize(envelope), []), wait, timeout)

    def _track(self, tx_id: str, make_envelope: Any, wait: bool, timeout: float) -> Outcome | str:
        with self._lock:
            future = self._waiters.get(tx_id)
            fresh = future is None
            if fresh:
                future = self._waiters[tx_id] = Future()
        if fresh:
            known = self.outcome(tx_id)  # looked up once we are registered: no commit slips between
            if known is not None:
                with self._lock:
                    self._waiters.pop(tx_id, None)
                future.set_result(known)  # type: ignore[union-attr]
                return known if wait else tx_id
            try:
                envelope, data, checked = make_envelope()
                if len(data) > MAX_TX_BYTES:
                    raise BaobabError("TOO_LARGE", f"transaction is {len(data)} bytes; the limit is {MAX_TX_BYTES}")
            except BaseException:
                with self._lock:
                    self._waiters.pop(tx_id, None)
                raise
            if self.committer is not None and self.committer.failure is not None:
                with self._lock:
                    self._waiters.pop(tx_id, None)
                raise self.committer.failure  # nothing can commit: say so now, not at the timeout
            if checked:
                self._verified[id(envelope)] = (envelope, checked)
            try:
                self.orderer.submit(envelope, data)
            except BaseException as exc:  # not handed over: a resend must order it, not wait for it
                self._verified.pop(id(envelope), None)
                with self._lock:
                    self._waiters.pop(tx_id, None)
                future.set_exception(exc)  # type: ignore[union-attr]  # and those waiting on it now hear why
                raise
        if not wait:
            return tx_id
        try:
            return future.result(timeout)  # type: ignore[union-attr]
        except TimeoutError:
            raise BaobabError("TIMEOUT", f"transaction {tx_id} not committed within {timeout} s", tx_id=tx_id) from None

    # --- validate and commit ----------------------------------------------------------

    def _checked_here(self, envelope: dict[str, Any], encoded: Encoded) -> list[Triple]:
        """The signature checks of an envelope this process did (the client's signature it
        verified, the endorsements it made), for a committer process to count as done."""
        if self.committer is None:
            return []
        try:
            p = envelope["proposal"]
            _, creator = self._members().caller(p["creator"])
            triples = [(creator.raw, b64d(envelope["signature"]), signing_message("proposal", None, encoded.proposal_digest))]
            endorsement = signing_message("endorsement", None, encoded.result_digest)
            for e in envelope["endorsements"]:
                key = self.peer_keys.get(e["org"])
                if key is not None:
                    triples.append((key.public.raw, b64d(e["signature"]), endorsement))
        except (BaobabError, KeyError, TypeError):
            return []
        return verified_here(triples)

    def _commit(self, block: dict[str, Any]) -> None:
        """Validate and commit a block the orderer delivers (in order, on its thread)."""
        if self.committer is not None:
            checked: list[Triple] = []
            for env in block["transactions"]:
                entry = self._verified.pop(id(env), None)
                if entry is not None and entry[0] is env:
                    checked += entry[1]
            self.committer.send(block, checked)  # the results come back to _committed
            return
        previous = self._head if self.store.height() else None
        record, tx_ids, writes = self.validator.process(block, previous, self.state)
        self.store.commit(record, tx_ids, writes)
        self._committed(block, (record, tx_ids, writes))

    def _commit_failed(self, error: BaobabError) -> None:
        """The committer process refused a block or ended: answer every waiting client."""
        with self._lock:
            waiters, self._waiters = self._waiters, {}
        for future in waiters.values():
            future.set_exception(error)

    def _committed(self, block: dict[str, Any], committed: Committed) -> None:
        """Bring the node up to a block just committed: caches, head, waiting clients."""
        record, tx_ids, writes = committed
        if record.number:
            self.recent.add(record.number, parse_time(block["header"]["timestamp"]), tx_ids)
        self._head_header = {"header": block["header"], "signature": block["signature"]}
        self.state.committed(writes)
        if any(w.key.startswith(f"{GOVERNANCE}:") for w in writes):
            self._membership = None  # rebuilt from the new state on next use
        number, codes = record.number, record.codes
        self._recent_blocks.append((record, block))
        self._head = record
        with self._commit_cond:
            self._commit_cond.notify_all()
        for index, (tx_id, code) in enumerate(zip(tx_ids, codes)):
            with self._lock:
                future = self._waiters.pop(tx_id, None)
            if future is not None:
                future.set_result(self._outcome_from(block, number, index, tx_id, code))

    def _outcome_from(self, block: dict[str, Any], number: int, index: int, tx_id: str, code: str) -> Outcome:
        result = block["transactions"][index].get("result", {}) if number else {}
        valid = code == VALID
        return Outcome(tx_id, code, number, index, result.get("response"), result.get("events", []) if valid else [])

    # --- queries ----------------------------------------------------------------------

    def height(self) -> int:
        """Blocks this node has committed and applied: from memory, not a database query (every
        HTTP answer carries it, and waits for a height test it at every commit)."""
        return self._head.number + 1

    def _record(self, number: int) -> BlockRecord:
        record = self.store.block(number)
        if record is None:
            raise BaobabError("NOT_FOUND", f"no block {number}")
        return record

    def block(self, number: int) -> dict[str, Any]:
        return json.loads(self._record(number).data)

    def outcome(self, tx_id: str) -> Outcome | None:
        """A committed transaction's outcome, found by the recent blocks' own ids or the index,
        and confirmed in its block: an index row that points elsewhere is refused."""
        where = self.recent.where(tx_id)
        if where is None:
            row = self.store.tx(tx_id)
            where = None if row is None else (row[0], row[1])
        if where is None:
            return None
        number, index = where
        record = self.store.block(number)
        block = None if record is None else json.loads(record.data)
        try:
            found = tx_id_of(block["transactions"][index]) if number else "genesis"  # type: ignore[index]
        except (BaobabError, KeyError, IndexError, TypeError):
            found = None
        if found != tx_id or record is None:
            raise BaobabError("STORE_MISMATCH", f"the transaction index points {tx_id} at block {number}, "
                                                f"index {index}, which holds another transaction", table="txs")
        return self._outcome_from(block, number, index, tx_id, record.codes[index])

    def get(self, namespace: str, key: str) -> dict[str, Any]:
        row = self.store.get(f"{namespace}:{key}")
        if row is None:
            raise BaobabError("NOT_FOUND", f"no key {namespace}:{key}")
        return {"key": f"{namespace}:{key}", "value": row[0], "version": list(row[1])}

    def history(self, namespace: str, key: str) -> list[dict[str, Any]]:
        return [{"version": list(v), "value": value, "deleted": value is None}
                for v, value in self.store.history(f"{namespace}:{key}")]

    def events(self, from_block: int = 0, *, follow: bool = False, stop: threading.Event | None = None) -> Iterator[dict[str, Any]]:
        """Events of valid transactions from `from_block` on; with `follow`, wait for new blocks."""
        number = from_block
        while True:
            for record, block in self._blocks_from(number):
                for index, code in enumerate(record.codes):
                    if code == VALID and record.number:
                        env = block["transactions"][index]
                        for seq, ev in enumerate(env["result"]["events"]):
                            yield {"block": record.number, "index": index, "seq": seq, "tx_id": tx_id_of(env),
                                   "contract": env["proposal"]["contract"], **ev}
                number = record.number + 1
            if not follow or (stop is not None and stop.is_set()):
                return
            with self._commit_cond:
                self._commit_cond.wait_for(lambda: self.height() > number or (stop is not None and stop.is_set()), timeout=1.0)

    def _blocks_from(self, number: int) -> Iterator[tuple[BlockRecord, dict[str, Any]]]:
        """Committed blocks from `number` on with their parsed form: from memory when `number`
        is among the last few committed, else from the store."""
        recent = list(self._recent_blocks)
        if recent and recent[0][0].number <= number:
            yield from ((record, block) for record, block in recent if record.number >= number)
            return
        for record in self.store.blocks(number):
            yield record, json.loads(record.data)

    def wait_for_height(self, height: int, timeout: float) -> bool:
        """Wait until the ledger holds at least `height` blocks (True) or `timeout` s pass (False)."""
        with self._commit_cond:
            return self._commit_cond.wait_for(lambda: self.height() >= height, timeout=timeout)

    def pending(self, tx_id: str) -> bool:
        """True while a transaction submitted here is ordered but not yet committed."""
        with self._lock:
            return tx_id in self._waiters

    # --- proofs -----------------------------------------------------------------------

    def head(self) -> dict[str, Any]:
        """The latest block header with its orderer signature, the block-hash log's size and
        root, and the latest block's path in that log (O(log n) stored tree nodes)."""
        record, latest = self._head, self._head_header
        size = record.number + 1
        log = proofs.log_path(self.store, record.number, size)
        return {**latest, "size": size, "root": log["root"], "path": log["path"], "commit_hash": record.commit_hash}

    def inclusion_proof(self, tx_id: str) -> dict[str, Any]:
        """Everything needed to check, without trusting this node, that the transaction is in
        the ledger: its envelope, a Merkle path to its block's tx_root, that block's
        orderer-signed header, and the block's path in the block-hash log of the current head."""
        row = self.store.tx(tx_id)
        if row is None:
            raise BaobabError("NOT_FOUND", f"no transaction {tx_id}")
        number, index, code = row
        header, signature, txs = proofs.split_block(self._record(number).data)
        path = merkle.inclusion_proof(index, proofs.slice_leaves(txs))
        return {"tx_id": tx_id, "code": code, "block": number, "index": index,
                "transaction": json.loads(txs[index]), "path": [h.hex() for h in path],
                "header": header, "signature": signature,
                "log": proofs.log_path(self.store, number, self._head.number + 1)}

    def consistency_proof(self, old_size: int, new_size: int | None = None) -> dict[str, Any]:
        """RFC 9162 proof that the block-hash log of `old_size` blocks is a prefix of the current one."""
        size = self._head.number + 1
        new_size = new_size or size
        if not 0 < old_size <= new_size <= size:
            raise BaobabError("NOT_FOUND", f"sizes must satisfy 0 < old <= new <= {size}")
        return proofs.log_consistency(self.store, old_size, new_size)

    def block_leaves(self, number: int) -> dict[str, Any]:
        """A block's orderer-signed header and the leaf hash of every transaction, so a member
        who is party to only some of them checks the Merkle root (`proofs.verify_block_leaves`)."""
        header, signature, txs = proofs.split_block(self._record(number).data)
        return {"number": number, "header": header, "signature": signature,
                "leaves": [h.hex() for h in proofs.slice_leaves(txs)]}

    def page(self, namespace: str, prefix: str = "", start_after: str | None = None,
             limit: int = 100) -> dict[str, Any]:
        """One page of live keys of a namespace, in key order: an indexed range read. Pass the
        returned `next` as `start_after` for the following page (None after the last)."""
        base = f"{namespace}:"
        rows = self.store.range(base + prefix, None if start_after is None else base + start_after, limit + 1)
        items = [{"key": k[len(base):], "value": v, "version": list(ver)} for k, v, ver in rows[:limit]]
        return {"items": items, "next": items[-1]["key"] if len(rows) > limit else None}

    def close(self) -> None:
        self.orderer.stop()
        if self.committer is not None:
            self.committer.close()
        self.store.close()
