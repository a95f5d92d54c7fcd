"""Validating an ordered block: the "validate" of execute-order-validate.

Every peer runs the same checks on the same block and so reaches the same validation code
for each transaction. In order: well-formed, not a duplicate id, inside the time window,
creator known, active and correctly signed, contract and function known, endorsements
correctly signed by active organisations, endorsement policy met (the function's policy
and the policy recorded on every key it writes), writes inside the contract's namespace,
contract succeeded, and every read version (and range read) still current. Only VALID
transactions produce writes; later transactions in the block see earlier ones' writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from baobab.core.errors import BaobabError
from baobab.core.keys import PublicKey
from baobab.ledger import policy as policies
from baobab.core.jcs import canonicalize, encode_proven, proven_plain
from baobab.ledger.block import ZERO_HASH, block_bytes, block_hash, check_block, commit_hash
from baobab.core import merkle
from baobab.ledger.membership import GOVERNANCE, Membership, check_genesis, governance_config, org_key, public_key
from baobab.ledger.runtime import Registry, key_policy_key, range_digest
from baobab.ledger.store.base import BlockRecord, Version, Write
from baobab.ledger.tx import Encoded, check_envelope, parse_time, tx_id_of

VALID = "VALID"


class StateReader(Protocol):
    def get(self, key: str) -> tuple[Any, Version] | None: ...
    def range(self, prefix: str) -> list[tuple[str, Any, Version]]: ...
    def known_tx_ids(self, tx_ids: list[str]) -> set[str]: ...


class BlockView:
    """Committed state plus the writes of the block's earlier valid transactions."""

    def __init__(self, base: StateReader) -> None:
        self.base = base
        self.pending: dict[str, tuple[Any, Version] | None] = {}

    def get(self, key: str) -> tuple[Any, Version] | None:
        if key in self.pending:
            return self.pending[key]
        return self.base.get(key)

    def value(self, key: str) -> Any:
        row = self.get(key)
        return None if row is None else row[0]

    def range(self, prefix: str) -> list[tuple[str, Any, Version]]:
        rows = {k: (v, ver) for k, v, ver in self.base.range(prefix)}
        for k, row in self.pending.items():
            if k.startswith(prefix):
                if row is None:
                    rows.pop(k, None)
                else:
                    rows[k] = row
        return [(k, rows[k][0], rows[k][1]) for k in sorted(rows)]

    def apply(self, writes: list[Write]) -> None:
        for w in writes:
            self.pending[w.key] = None if w.value is None else (w.value, w.version)


def genesis_writes(genesis: dict[str, Any]) -> list[Write]:
    writes = [Write(f"{GOVERNANCE}:config", governance_config(genesis), (0, 0))]
    writes += [Write(org_key(o["id"]), o, (0, 0)) for o in genesis["organisations"]]
    return sorted(writes, key=lambda w: w.key)


def membership_over(view: BlockView) -> Membership:
    prefix = f"{GOVERNANCE}:org/"
    return Membership(view.value, lambda: [k[len(prefix):] for k, _, _ in view.range(prefix)])


class Validator:
    def __init__(self, genesis: dict[str, Any], registry: Registry) -> None:
        self.genesis = check_genesis(genesis)
        self.registry = registry
        self.network = genesis["network"]
        self.window = genesis["time_window_s"]
        self.orderer_key = PublicKey.from_text(genesis["orderer"]["key"])

    def check_header(self, block: dict[str, Any], number: int, previous_hash: str, leaves: list[bytes]) -> str:
        """Check a well-formed block's place in the chain, its signature and, given the canonical
        bytes of its transactions, its Merkle root; return its hash."""
        h = block["header"]
        if h["network"] != self.network or h["number"] != number:
            raise BaobabError("CORRUPT", f"block {h['number']} is not block {number} of {self.network}")
        if h["previous_hash"] != previous_hash:
            raise BaobabError("CORRUPT", f"block {number} does not link to the previous block")
        if not self.orderer_key.verify("block", h, block["signature"]):
            raise BaobabError("BAD_SIGNATURE", f"block {number} is not signed by the orderer")
        if merkle.root_from_leaf_hashes([merkle.leaf_hash(x) for x in leaves]).hex() != h["tx_root"]:
            raise BaobabError("CORRUPT", f"block {number}: transactions do not match the Merkle root")
        parse_time(h["timestamp"])
        return block_hash(h)

    @staticmethod
    def encode(block: dict[str, Any]) -> list[tuple[Encoded | None, bytes, str]]:
        """Each transaction's encoding (None if malformed), canonical bytes and id, computed
        once and used for the Merkle root, the tx id, every signature check and storage."""
        return Validator.encode_block(block)[0]

    @staticmethod
    def encode_block(block: dict[str, Any]) -> tuple[list[tuple[Encoded | None, bytes, str]], bool]:
        """`encode`, and whether the block's transactions were proven plain (the C encoder gives
        the JCS form of every part of them, their write values included: see `jcs.proven_plain`)."""
        out: list[tuple[Encoded | None, bytes, str]] = []
        number = block["header"]["number"] if isinstance(block.get("header"), dict) else -1
        # one proof that the C encoder gives the JCS form of every transaction, not one per part
        plain = bool(number) and proven_plain(block["transactions"])
        encode = encode_proven if plain else canonicalize
        for index, tx in enumerate(block["transactions"]):
            if number == 0:
                out.append((None, canonicalize(tx), "genesis"))
                continue
            try:
                enc = Encoded.envelope(check_envelope(tx), encode)
                out.append((enc, enc.leaf, enc.tx_id))  # type: ignore[arg-type]
            except BaobabError:
                try:
                    tx_id = tx_id_of(tx)
                except (BaobabError, KeyError, TypeError):
                    tx_id = f"malformed:{number}:{index}"
                out.append((None, canonicalize(tx), tx_id))
        return out, plain

    def process(self, block: dict[str, Any], previous: BlockRecord | None, state: StateReader,
                encoded: list[tuple[Encoded | None, bytes, str]] | None = None) -> tuple[BlockRecord, list[str], list[Write]]:
        """Check a block against the chain head `previous` and validate it: the record to
        store, its transaction ids and its state writes. Used by commit and by audit alike."""
        number = 0 if previous is None else previous.number + 1
        check_block(block)
        encoded = self.encode(block) if encoded is None else encoded
        leaves = [leaf for _, leaf, _ in encoded]
        bhash = self.check_header(block, number, ZERO_HASH if previous is None else previous.hash, leaves)
        codes, tx_ids, writes = self.validate(block, state, encoded)
        chash = commit_hash(ZERO_HASH if previous is None else previous.commit_hash, bhash, codes)
        return BlockRecord(number, bhash, block_bytes(block, leaves), codes, chash), tx_ids, writes

    def validate(self, block: dict[str, Any], state: StateReader,
                 encoded: list[tuple[Encoded | None, bytes, str]]) -> tuple[list[str], list[str], list[Write]]:
        """Validation codes, transaction ids and state writes for a header-checked block."""
        number = block["header"]["number"]
        if number == 0:
            return [VALID], ["genesis"], genesis_writes(self.genesis)
        view = BlockView(state)
        members = membership_over(view)
        block_time = parse_time(block["header"]["timestamp"])
        codes: list[str] = []
        ids: list[str] = []
        writes: list[Write] = []
        seen = state.known_tx_ids([tx_id for _, _, tx_id in encoded])  # committed before this block
        for index, (env, (enc, _, tx_id)) in enumerate(zip(block["transactions"], encoded)):
            code, tx_writes = self._validate_tx(env, enc, tx_id, (number, index), block_time, view, members, seen)
            seen.add(tx_id)
            codes.append(code)
            ids.append(tx_id)
            if code == VALID:
                view.apply(tx_writes)
                writes += tx_writes
                for w in tx_writes:
                    if w.key.startswith(f"{GOVERNANCE}:"):
                        members.forget(w.key)
        return codes, ids, writes

    def _validate_tx(self, env: Any, enc: Encoded | None, tx_id: str, version: Version, block_time: Any,
                     view: BlockView, members: Membership, seen: set[str]) -> tuple[str, list[Write]]:
        if enc is None:
            return "MALFORMED", []
        try:
            p, result = env["proposal"], env["result"]
            if p["network"] != self.network or result["tx_id"] != tx_id:
                return "MALFORMED", []
            if tx_id in seen:
                return "DUPLICATE_TXID", []
            if abs((block_time - parse_time(p["timestamp"])).total_seconds()) > self.window:
                return "EXPIRED", []
            _, creator_key = members.caller(p["creator"])
            if not creator_key.verify("proposal", p, env["signature"], enc.proposal_digest):
                return "BAD_SIGNATURE", []
            _, spec = self.registry.function(p["contract"], p["function"])
            if spec.policy is None:
                return "UNKNOWN_FUNCTION", []
            endorsers = self._endorsers(env["endorsements"], result, enc.result_digest, members)
            if endorsers is None:
                return "BAD_SIGNATURE", []
            ns = p["contract"] + ":"
            touched = [k for k, _ in result["writes"]] + [k for k, _ in result["key_policies"]]
            if not all(k.startswith(ns) for k in touched):
                return "BAD_RWSET", []
            if not self._policies_met(spec.policy, touched, endorsers, view, members):
                return "ENDORSEMENT_POLICY_FAILURE", []
            if result["status"] != "ok":
                return "CONTRACT_ERROR", []
            for key, read_version in result["reads"]:
                row = view.get(key)
                if (None if row is None else list(row[1])) != read_version:
                    return "MVCC_READ_CONFLICT", []
            for prefix, seen_digest in result["ranges"]:
                if range_digest([(k, v) for k, _, v in view.range(prefix)]) != seen_digest:
                    return "PHANTOM_READ_CONFLICT", []
        except BaobabError as exc:
            return exc.code, []
        writes = [Write(k, v, version) for k, v in result["writes"]]
        writes += [Write(key_policy_key(k), pol, version) for k, pol in result["key_policies"]]
        return VALID, writes

    def _endorsers(self, endorsements: list[dict[str, str]], result: dict[str, Any], result_digest: bytes | None,
                   members: Membership) -> set[str] | None:
        """Organisations whose endorsement counts; None if any signature is forged."""
        out: set[str] = set()
        for e in endorsements:
            record = members.org(e["org"])
            if record is None:
                return None
            if not public_key(record["peer_key"]).verify("endorsement", result, e["signature"], result_digest):
                return None
            if record["status"] == "active":
                out.add(e["org"])
        return out

    def _policies_met(self, fn_policy: dict[str, Any], touched: list[str], endorsers: set[str],
                      view: BlockView, members: Membership) -> bool:
        required = [policies.resolve(fn_policy, members.governance_policy)]
        for key in touched:
            recorded = view.value(key_policy_key(key))
            if recorded is not None:
                required.append(recorded)
        role_lookup: Callable[[str], list[str]] = members.orgs_with_role
        return all(policies.satisfied(p, endorsers, role_lookup) for p in required)
