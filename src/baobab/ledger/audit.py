"""`baobab verify`: rebuild the whole ledger from genesis and compare it with what is stored.

The audit trusts nothing the store says. It runs the database's own integrity check, re-reads
every block's bytes, re-checks hash links, orderer signatures and Merkle roots, re-validates
every transaction (signatures, policies, read versions) against state it rebuilds in memory,
recomputes the commit hash chain, and finally compares every derived table (world state, key
histories, the transaction-id index, the block-hash tree) with the rows it rebuilt. The first
difference is reported by table and by block, transaction or key. Memory stays bounded:
histories are compared through one running digest per key.

`check_store` is the cheaper check a node runs at start: the same comparison of derived tables,
rebuilt from the blocks' recorded outcomes without re-running contracts or signatures.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, insort
import json
from json.decoder import scanstring  # type: ignore[attr-defined]
import multiprocessing
import os
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.jcs import canonicalize, encode_proven
from baobab.core.keys import Triple, b64d, fresh_verification, signing_message, verify_triples
from baobab.ledger.block import ZERO_HASH, block_hash, commit_hash
from baobab.ledger.membership import GOVERNANCE, check_genesis, org_key, public_key
from baobab.ledger.runtime import Registry, key_policy_key
from baobab.ledger.store import tree
from baobab.ledger.store.base import BlockRecord, Store, Version, Write
from baobab.ledger.store.recent import RecentTxIds
from baobab.ledger.tx import parse_time, tx_id_of
from baobab.ledger.validator import Validator, genesis_writes


@dataclass
class AuditReport:
    blocks: int = 0
    transactions: int = 0
    valid: int = 0
    keys: int = 0
    problem: str | None = None  # what is wrong, naming the first block, transaction or key
    where: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.problem is None


class _Mismatch(Exception):
    def __init__(self, problem: str, **where: Any) -> None:
        super().__init__(problem)
        self.where = where


class Canonical:
    """A value given by its JCS text, as read from a block's stored canonical bytes: the start
    check compares texts and never re-encodes the value."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _text(value: Any) -> str:
    return value.text if isinstance(value, Canonical) else canonicalize(value).decode()


class MemoryState:
    """World state rebuilt by replay; implements the validator's StateReader."""

    def __init__(self) -> None:
        self.rows: dict[str, tuple[Any, Version]] = {}
        self.keys: list[str] = []  # the live keys in order, for range reads without a scan
        self.tx_ids: set[bytes] = set()
        self.history: dict[str, Any] = {}  # key -> running SHA-256 of its history
        self.generation = 0  # counts the blocks that changed governance state (organisations' keys)

    def get(self, key: str) -> tuple[Any, Version] | None:
        return self.rows.get(key)

    def range(self, prefix: str) -> list[tuple[str, Any, Version]]:
        start, end = bisect_left(self.keys, prefix), bisect_left(self.keys, prefix + _TOP)
        return [(k, *self.rows[k]) for k in self.keys[start:end]]

    def tx(self, tx_id: str) -> tuple[int, int, str] | None:
        return (0, 0, "") if _id_bytes(tx_id) in self.tx_ids else None

    def known_tx_ids(self, tx_ids: list[str]) -> set[str]:
        return {t for t in tx_ids if _id_bytes(t) in self.tx_ids}

    def apply(self, tx_ids: list[str], writes: list[Write], text: Callable[[Any], str] | None = None) -> None:
        """Add a block's ids and writes; `text` gives a value's JCS text (by default `_text`)."""
        text = text or _text
        self.tx_ids.update(_id_bytes(t) for t in tx_ids)
        if any(w.key.startswith(_GOVERNANCE) for w in writes):
            self.generation += 1
        for w in writes:
            if w.value is None:
                if self.rows.pop(w.key, None) is not None:
                    del self.keys[bisect_left(self.keys, w.key)]
            else:
                if w.key not in self.rows:
                    insort(self.keys, w.key)
                self.rows[w.key] = (w.value, w.version)
            h = self.history.get(w.key) or hashlib.sha256()
            h.update(_history_line(w.version, None if w.value is None else text(w.value)))
            self.history[w.key] = h


_TOP = chr(0x10FFFF)  # after every character a key holds
_GOVERNANCE = f"{GOVERNANCE}:"


def _plain_text(value: Any) -> str:
    """The JCS text of a value inside a block proven plain (`Validator.encode_block`)."""
    return encode_proven(value).decode()


def _id_bytes(tx_id: str) -> bytes:
    try:
        return bytes.fromhex(tx_id)
    except ValueError:
        return tx_id.encode()


def _history_line(version: Version, text: str | None) -> bytes:
    """One history row, length-prefixed so that no two rows' lines can run together."""
    value = "-" if text is None else f"{len(text)}:{text}"
    return f"{version[0]},{version[1]},{value}\n".encode()


# Signature checks dominate an audit and, with parsing and encoding the blocks, do not depend
# on state, so for long ledgers they run in worker processes, a few tasks ahead of the replay;
# what they verify is put in the audit's own memo while its block is replayed, and the replay
# finds it there. A signature they did not check (a key changed meanwhile, say) is simply
# verified by the replay itself, with the same code as a committing node.
POOL_FROM_BLOCKS = 64
TASK_TXS = 200  # transactions per worker task: small blocks travel together
TASK_BLOCKS = 64
WINDOW = 6  # tasks handed out ahead of the replay


def audit(store: Store, registry: Registry, workers: int | None = None) -> AuditReport:
    """The full audit: the database's own check, then the replay with every signature, policy
    and contract re-run, compared with every stored and derived row."""
    report, state = AuditReport(), MemoryState()
    workers = (os.cpu_count() or 1) if workers is None else workers
    try:
        _integrity(store)
        with fresh_verification() as memo:
            if workers > 0 and store.height() >= POOL_FROM_BLOCKS:
                spawn = multiprocessing.get_context("spawn")  # no fork of a threaded node process
                with ProcessPoolExecutor(workers, mp_context=spawn) as pool:
                    _compare(store, _replayed(store, registry, report, memo, pool, state), report, state)
            else:
                _compare(store, _replayed(store, registry, report, memo, None, state), report, state)
    except _Mismatch as exc:
        report.problem, report.where = str(exc), exc.where
    except Exception as exc:  # noqa: BLE001 - only the database's own errors are a finding
        if not _is_database_error(exc):
            raise
        report.problem, report.where = f"the database cannot be read: {exc}", {"table": _table_of(exc)}
    return report


def check_store(store: Store, recent: RecentTxIds | None = None) -> AuditReport:
    """The check a node runs at start, proportional to what is new since the last start: the
    blocks after the store's checked height (and the recent blocks whose ids `recent` must hold)
    are read again, their hash links and commit hashes re-checked against the last checked
    block, and the derived rows they imply (their transaction-id index rows, the current state
    and history of every key they wrote, the block-hash tree nodes they added) compared with the
    stored ones. On a ledger never checked (a store written before checked heights, or by a
    tool) it compares every derived table, rebuilt from all blocks, with the stored ones, after
    the database's own integrity check. It re-runs no contract and checks no signature, and it
    does not look again at rows of blocks an earlier start checked: that, and everything else,
    is `audit` (`baobab verify`). On success the store's checked height becomes its height.
    `recent` is filled with the ids of the recent blocks on the way."""
    report = AuditReport()
    height, checked = store.height(), min(store.checked_height(), store.height())
    try:
        if checked == 0:
            _integrity(store)
            _compare(store, _recorded(store, report, recent), report, MemoryState())
        else:
            start = min(checked, _recent_start(store, height, recent))  # the recent ones: for their ids
            _compare_new(store, _recorded(store, report, recent, start), checked)
    except _Mismatch as exc:
        report.problem, report.where = str(exc), exc.where
    except Exception as exc:  # noqa: BLE001
        if not _is_database_error(exc):
            raise
        report.problem, report.where = f"the database cannot be read: {exc}", {"table": _table_of(exc)}
    if report.ok:
        store.mark_checked(height)
    return report


def _header(record: BlockRecord) -> dict[str, Any]:
    text = record.data.decode("utf-8")
    return json.loads(text[: text.index(_TXS)] + "}")["header"]  # type: ignore[no-any-return]


def _recent_start(store: Store, height: int, recent: RecentTxIds | None) -> int:
    """The first block whose ids the recent-id memory keeps (the head's time less its span)."""
    if recent is None or height <= 1:
        return height
    newest = parse_time(_header(store.block(height - 1))["timestamp"])  # type: ignore[arg-type]
    n = height - 1
    while n > 1:
        record = store.block(n - 1)
        if record is None or parse_time(_header(record)["timestamp"]) < newest - recent.keep:
            break
        n -= 1
    return n


def _compare_new(store: Store, blocks: Iterator[Replayed], start: int) -> None:
    """Compare the derived rows the blocks from `start` imply with the stored ones (earlier
    blocks, read for the recent ids, were compared at an earlier start)."""
    indexed: set[str] = set()
    last: dict[str, Write] = {}
    history: dict[str, list[tuple[Version, str | None]]] = {}
    computed: dict[tuple[int, int], bytes] = {}

    def node(n: tuple[int, int]) -> bytes:
        if n not in computed:
            found = store.tree_nodes({n}).get(n)
            if found is None:
                raise _Mismatch(f"block-hash tree node {n} is missing", table="tree", node=list(n))
            computed[n] = found
        return computed[n]

    added: dict[tuple[int, int], bytes] = {}
    for record, tx_ids, writes, text in blocks:
        n = record.number
        if n < start:
            continue
        for i, (tx_id, code) in enumerate(zip(tx_ids, record.codes)):
            if tx_id in indexed:
                continue  # a repeat is indexed where it first appeared
            indexed.add(tx_id)
            row = store.tx(tx_id)
            if row is not None and row[0] < start:
                continue  # first appeared in a block checked before
            if row != (n, i, code):
                raise _Mismatch(f"transaction {tx_id} (block {n}, index {i}) is indexed wrongly: {row}", table="txs",
                                block=n, tx_id=tx_id)
        for w in writes:
            last[w.key] = w
            history.setdefault(w.key, []).append((tuple(w.version), None if w.value is None else text(w.value)))
        for level, idx, h in tree.new_nodes(n, tree.block_leaf(record.hash), node):
            computed[(level, idx)] = added[(level, idx)] = h
    stored = store.tree_nodes(set(added))
    for where in sorted(added):
        if stored.get(where) != added[where]:
            raise _Mismatch(f"block-hash tree node {where} differs from the blocks", table="tree", node=list(where))
    for key in sorted(last):
        w, row = last[key], store.get(key)
        if (row is None) != (w.value is None) or (row is not None and (
                canonicalize(row[0]).decode() != _text(w.value) or tuple(row[1]) != tuple(w.version))):
            raise _Mismatch(f"key {key}: stored value or version differs from replay", table="state", key=key)
    for key in sorted(history):
        rows = [(tuple(v), None if value is None else canonicalize(value).decode())
                for v, value in store.history(key) if tuple(v) >= (start, 0)]
        if rows != history[key]:
            raise _Mismatch(f"key {key}: stored history differs from replay", table="history", key=key)


def _table_of(exc: Exception) -> str:
    return exc.detail.get("table", "database") if isinstance(exc, BaobabError) else "database"


def _is_database_error(exc: Exception) -> bool:
    return type(exc).__module__.split(".")[0] in ("sqlite3", "psycopg") or (
        isinstance(exc, BaobabError) and exc.code == "CORRUPT")


def _integrity(store: Store) -> None:
    problems = store.integrity()
    if problems:
        raise _Mismatch(f"the database's integrity check fails: {'; '.join(problems[:5])}", table="database")


Replayed = tuple[BlockRecord, list[str], list[Write], Callable[[Any], str]]  # ..., the writes' JCS text


def _recorded(store: Store, report: AuditReport, recent: RecentTxIds | None, start: int = 0) -> Iterator[Replayed]:
    """Each stored block from `start` with the ids and writes its recorded validation codes imply
    (linked to the block before `start`)."""
    previous: BlockRecord | None = store.block(start - 1) if start else None
    for stored in store.blocks(start):
        n = stored.number
        try:
            text = stored.data.decode("utf-8")
            cut = text.index(_TXS)  # the first is the member's own: quotes in strings are escaped
            header = json.loads(text[:cut] + "}")["header"]
            if n != (start if previous is None else previous.number + 1) or header["number"] != n:
                raise _Mismatch(f"block {n} is out of sequence", table="blocks", block=n)
            if block_hash(header) != stored.hash or header["previous_hash"] != (
                    ZERO_HASH if previous is None else previous.hash):
                raise _Mismatch(f"block {n}: stored hash or link does not match its header", table="blocks", block=n)
            if commit_hash(ZERO_HASH if previous is None else previous.commit_hash, stored.hash, stored.codes) \
                    != stored.commit_hash or len(stored.codes) != header["tx_count"]:
                raise _Mismatch(f"block {n}: validation codes do not match the commit hash", table="blocks", block=n)
            if n == 0:
                genesis = json.loads(text)["transactions"][0]["genesis"]
                tx_ids, writes = ["genesis"], genesis_writes(check_genesis(genesis))
            else:
                tx_ids, writes = _recorded_block(n, text, cut + len(_TXS), stored.codes)
            if len(tx_ids) != len(stored.codes):
                raise _Mismatch(f"block {n}: holds {len(tx_ids)} transactions, not {header['tx_count']}",
                                table="blocks", block=n)
        except (BaobabError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise _Mismatch(f"block {n}: {exc}", table="blocks", block=n) from None
        if recent is not None and n:
            recent.add(n, parse_time(header["timestamp"]), tx_ids)
        report.blocks += 1
        report.transactions += len(tx_ids) if n else 0
        report.valid += sum(c == "VALID" for c in stored.codes) if n else 0
        previous = stored
        yield stored, tx_ids, writes, _text


_TXS = ',"transactions":['
_DECODER = json.JSONDecoder()


def _members(text: str, pos: int) -> tuple[dict[str, tuple[int, int]], int]:
    """The members of the JSON object at `pos` of canonical text (name -> span of its value),
    and the position after the object."""
    out: dict[str, tuple[int, int]] = {}
    if text[pos + 1] == "}":
        return out, pos + 2
    while True:
        name, pos = scanstring(text, pos + 2)  # past '{' or ',' and the opening quote
        _, end = _DECODER.raw_decode(text, pos + 1)  # past ':'
        out[name] = (pos + 1, end)
        if text[end] == "}":
            return out, end + 1
        pos = end


def _pairs(text: str, pos: int) -> Iterator[tuple[str, Any]]:
    """The [key, value] pairs of the JSON array at `pos` (result writes or key policies), each
    value as its canonical text (None for null)."""
    if text[pos + 1] == "]":
        return
    pos += 1
    while True:
        _, end = _DECODER.raw_decode(text, pos)
        key, after_key = scanstring(text, pos + 2)  # past '[' and the opening quote
        value = text[after_key + 1 : end - 1]
        yield key, None if value == "null" else Canonical(value)
        if text[end] == "]":
            return
        pos = end + 1


def _recorded_block(n: int, text: str, pos: int, codes: list[str]) -> tuple[list[str], list[Write]]:
    """Ids and writes of a block's transactions, read from its canonical text at `pos` (the
    first envelope): a transaction's id is the digest of its proposal and signature texts."""
    tx_ids: list[str] = []
    writes: list[Write] = []
    i = 0
    while text[pos] != "]":
        if text[pos] != "{":  # not an object: never valid, and its id is a placeholder
            _, end = _DECODER.raw_decode(text, pos)
            tx_ids.append(f"malformed:{n}:{i}")
        else:
            spans, end = _members(text, pos)
            if "proposal" in spans and "signature" in spans:
                (p0, p1), (s0, s1) = spans["proposal"], spans["signature"]
                signed = f'{{"proposal":{text[p0:p1]},"signature":{text[s0:s1]}}}'
                tx_ids.append(hashlib.sha256(signed.encode("utf-8")).hexdigest())
            else:
                tx_ids.append(f"malformed:{n}:{i}")
            if i < len(codes) and codes[i] == "VALID":
                result, _ = _members(text, spans["result"][0])
                writes += [Write(k, v, (n, i)) for k, v in _pairs(text, result["writes"][0])]
                writes += [Write(key_policy_key(k), v, (n, i)) for k, v in _pairs(text, result["key_policies"][0])]
        pos = end + (text[end] == ",")
        i += 1
    return tx_ids, writes


def _signature_triples(block: dict[str, Any], encoded: list[Any], record: Callable[[Any], Any],
                       orderer: bytes) -> list[Triple]:
    """The orderer's, creators' and endorsers' signatures of a block, with the organisation
    records `record` gives (those of the state as far as the replay got)."""
    triples: list[Triple] = []
    try:
        triples.append((orderer, b64d(block["signature"]), signing_message("block", block["header"])))
    except (BaobabError, ValueError, KeyError, TypeError, AttributeError):
        pass  # malformed: the replay judges it
    for env, (enc, _, _) in zip(block["transactions"], encoded):
        if enc is None:
            continue
        try:
            org, client = env["proposal"]["creator"].split("/")
            creator = record(org)
            if creator and client in creator["clients"]:
                triples.append((public_key(creator["clients"][client]).raw, b64d(env["signature"]),
                                signing_message("proposal", None, enc.proposal_digest)))
            for e in env["endorsements"]:
                peer = record(e["org"])
                if peer:
                    triples.append((public_key(peer["peer_key"]).raw, b64d(e["signature"]),
                                    signing_message("endorsement", None, enc.result_digest)))
        except (BaobabError, ValueError, KeyError, TypeError, AttributeError):
            continue  # malformed: the replay judges it
    return triples


Prepared = tuple[Any, bool, list[Triple]]  # a block's encoding, proven plain, its signatures that verify


def _prepare(data: bytes) -> tuple[Any, Any, bool]:
    """A stored block parsed and encoded, as the replay needs it (raises on a malformed one)."""
    block = json.loads(data)
    if isinstance(block, dict) and isinstance(block.get("transactions"), list):
        return (block, *Validator.encode_block(block))
    return block, None, False


def _prepared(datas: list[bytes], orgs: dict[str, Any], orderer: bytes) -> list[Prepared | None]:
    """A worker's share of the audit, what does not depend on the state: encode stored blocks
    and verify their signatures. None for a block the replay must encode itself (and so report
    what is wrong with it). The block is not sent back: the replay parses it again faster than
    it would unpickle it."""
    out: list[Prepared | None] = []
    for data in datas:
        try:
            block, encoded, plain = _prepare(data)
        except (BaobabError, ValueError, KeyError, TypeError):
            out.append(None)
            continue
        triples = [] if encoded is None else _signature_triples(block, encoded, orgs.get, orderer)
        out.append((encoded, plain, [t for t, ok in zip(triples, verify_triples(triples)) if ok]))
    return out


def _blocks_prepared(store: Store, state: MemoryState, memo: set[Triple],
                     pool: ProcessPoolExecutor | None) -> Iterator[tuple[BlockRecord, Any, Any, bool]]:
    """Stored blocks, parsed and encoded, each with its signatures already verified (in `memo`
    while it is replayed) when a pool of workers runs ahead of the replay."""
    window: deque[tuple[list[BlockRecord], Future[list[Prepared | None]]]] = deque()
    orderer = b""
    orgs: dict[str, Any] = {}
    generation = -1

    def here(stored: BlockRecord) -> tuple[BlockRecord, Any, Any, bool]:
        try:
            return (stored, *_prepare(stored.data))
        except (BaobabError, ValueError, KeyError, TypeError) as exc:
            raise _Mismatch(f"block {stored.number}: {exc}", table="blocks", block=stored.number) from None

    def release() -> Iterator[tuple[BlockRecord, Any, Any, bool]]:
        records, future = window.popleft()
        try:
            results = future.result()
        except Exception:  # noqa: BLE001 - a lost worker only means the replay does this itself
            results = [None] * len(records)
        for stored, prepared in zip(records, results):
            memo.clear()  # bounded: only the block being replayed needs its verified signatures
            if prepared is None:
                yield here(stored)
            else:
                encoded, plain, verified = prepared
                memo.update(verified)
                yield stored, json.loads(stored.data), encoded, plain

    batch: list[BlockRecord] = []
    txs = 0
    for stored in store.blocks():
        if pool is None or stored.number == 0:
            while window:
                yield from release()
            prepared = here(stored)
            if stored.number == 0 and isinstance(prepared[1], dict):
                orderer = _orderer_key(prepared[1])
            yield prepared
            continue
        batch.append(stored)
        txs += stored.data.count(b'"proposal":')  # about: the task's size only
        if txs < TASK_TXS and len(batch) < TASK_BLOCKS:
            continue
        if generation != state.generation:  # the organisations' keys changed: send them anew
            generation, orgs = state.generation, {k[len(_ORGS):]: v for k, v, _ in state.range(_ORGS)}
        window.append((batch, pool.submit(_prepared, [r.data for r in batch], orgs, orderer)))
        batch, txs = [], 0
        if len(window) > WINDOW:
            yield from release()
    if batch:
        window.append((batch, pool.submit(_prepared, [r.data for r in batch], orgs, orderer)))
    while window:
        yield from release()


_ORGS = org_key("")


def _orderer_key(genesis_block: dict[str, Any]) -> bytes:
    try:
        return b64d(genesis_block["transactions"][0]["genesis"]["orderer"]["key"])
    except (BaobabError, KeyError, IndexError, TypeError):
        return b""  # the replay reports the genesis block


def _replayed(store: Store, registry: Registry, report: AuditReport, memo: set[Triple],
              pool: ProcessPoolExecutor | None, state: MemoryState) -> Iterator[Replayed]:
    """Each block validated again from genesis (against `state`, which `_compare` advances
    block by block), checked against what is stored for it."""
    validator: Validator | None = None
    previous: BlockRecord | None = None
    for stored, block, encoded, plain in _blocks_prepared(store, state, memo, pool):
        n = stored.number
        if n != (0 if previous is None else previous.number + 1):
            raise _Mismatch(f"block {n} is out of sequence", table="blocks", block=n)
        try:
            if validator is None:
                validator = Validator(block["transactions"][0]["genesis"], registry)
            record, tx_ids, writes = validator.process(block, previous, state, encoded)
        except (BaobabError, ValueError, KeyError, TypeError, IndexError) as exc:
            raise _Mismatch(f"block {n}: {exc}", table="blocks", block=n) from None
        if record.data != stored.data:
            raise _Mismatch(f"block {n}: stored bytes are not in canonical form", table="blocks", block=n)
        if record.hash != stored.hash:
            raise _Mismatch(f"block {n}: stored hash does not match its header", table="blocks", block=n)
        for i, (code, stored_code) in enumerate(zip(record.codes, stored.codes)):
            if code != stored_code:
                raise _Mismatch(f"block {n}: transaction {tx_ids[i]} is stored as {stored_code} but validates as {code}",
                                table="blocks", block=n, tx_id=tx_ids[i])
        if len(record.codes) != len(stored.codes) or record.commit_hash != stored.commit_hash:
            raise _Mismatch(f"block {n}: validation record (commit hash) differs from replay", table="blocks", block=n)
        report.blocks += 1
        report.transactions += len(tx_ids) if n else 0
        report.valid += sum(c == "VALID" for c in record.codes) if n else 0
        previous = record
        yield record, tx_ids, writes, _plain_text if plain else _text


def _compare(store: Store, blocks: Iterator[Replayed], report: AuditReport, state: MemoryState) -> None:
    """Rebuild every derived table from `blocks` into `state` and compare it with the stored one."""
    tx_rows = iter(store.tx_rows())
    indexed: set[str] = set()
    leaves = _TreeBuilder()
    seen_any = False
    for record, tx_ids, writes, text in blocks:
        _check_tx_index(tx_rows, record.number, tx_ids, record.codes, indexed, state)
        state.apply(tx_ids, writes, text)
        leaves.add(record.number, record.hash)
        seen_any = True
    if not seen_any:
        raise _Mismatch("the ledger has no genesis block", table="blocks", block=0)
    extra = next(tx_rows, None)
    if extra is not None:
        raise _Mismatch(f"transaction {extra[0]} is indexed but in no block", table="txs", tx_id=extra[0])
    _check_state(store, state)
    _check_history(store, state)
    leaves.compare(store)
    report.keys = len(state.rows)


class _TreeBuilder:
    """The block-hash tree's rows, rebuilt from the block hashes."""

    def __init__(self) -> None:
        self.rows: dict[tuple[int, int], bytes] = {}

    def add(self, number: int, block_hash_: str) -> None:
        for level, idx, h in tree.new_nodes(number, tree.block_leaf(block_hash_), self.rows.__getitem__):
            self.rows[(level, idx)] = h

    def compare(self, store: Store) -> None:
        expected = iter(sorted(self.rows.items()))
        for level, idx, h in store.tree_rows():
            want = next(expected, None)
            if want != ((level, idx), h):
                where = (level, idx) if want is None or (level, idx) <= want[0] else want[0]
                raise _Mismatch(f"block-hash tree node {where} differs from the blocks", table="tree", node=list(where))
        missing = next(expected, None)
        if missing is not None:
            raise _Mismatch(f"block-hash tree node {missing[0]} is missing", table="tree", node=list(missing[0]))


def _check_tx_index(rows: Iterator[tuple[str, int, int, str]], n: int, tx_ids: list[str], codes: list[str],
                    indexed: set[str], state: MemoryState) -> None:
    for i, (tx_id, code) in enumerate(zip(tx_ids, codes)):
        if state.tx(tx_id) is not None or tx_id in indexed:
            continue  # a repeated id is kept in its block but indexed only where it first appeared
        indexed.add(tx_id)
        row = next(rows, None)
        if row != (tx_id, n, i, code):
            raise _Mismatch(f"transaction {tx_id} (block {n}, index {i}) is indexed wrongly: {row}", table="txs",
                            block=n, tx_id=tx_id)
    indexed.clear()


def _check_state(store: Store, state: MemoryState) -> None:
    expected = iter(state.keys)  # in key order already
    for key, text, version in store.state_rows():
        want = next(expected, None)
        if want != key:
            name = min(k for k in (want, key) if k is not None)
            raise _Mismatch(f"key {name}: present in one of stored state and replayed state only", table="state", key=name)
        value, ver = state.rows[key]
        if _text(value) != text or tuple(ver) != tuple(version):
            raise _Mismatch(f"key {key}: stored value or version differs from replay", table="state", key=key)
    missing = next(expected, None)
    if missing is not None:
        raise _Mismatch(f"key {missing}: missing from stored state", table="state", key=missing)


def _check_history(store: Store, state: MemoryState) -> None:
    current: str | None = None
    running = hashlib.sha256()
    seen: set[str] = set()

    def close(key: str | None) -> None:
        if key is not None:
            want = state.history.get(key)
            if want is None or want.digest() != running.digest():
                raise _Mismatch(f"key {key}: stored history differs from replay", table="history", key=key)
            seen.add(key)

    for key, version, text in store.history_rows():
        if key != current:
            close(current)
            current, running = key, hashlib.sha256()
        running.update(_history_line(version, text))
    close(current)
    missing = set(state.history) - seen
    if missing:
        key = min(missing)
        raise _Mismatch(f"key {key}: history missing from the store", table="history", key=key)
