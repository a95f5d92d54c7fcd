"""One organisation's node in network mode.

It is the ledger `Node` with three differences. Its store is its own PostgreSQL database and its
orderer is the JetStream ordering service, which it follows to validate and commit every block
on its own. It holds only its own organisation's peer key, so it gathers the other endorsements
the policy needs from the other organisations' nodes, each of which simulates the proposal
independently against its own state: their results must be identical, byte for byte, or the
transaction is refused. And it keeps private data: a payload whose hash is in the proposal goes
only to the nodes of the organisations named with it, and only its hash reaches the ledger.
"""

from __future__ import annotations

import json
import logging
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from baobab.contracts import default_registry
from baobab.core.errors import CODES, BaobabError
from baobab.core.jcs import canonicalize
from baobab.core.keys import PublicKey
from baobab.keystore import Keystore
from baobab.ledger import policy as policies
from baobab.ledger.contract import Refused
from baobab.ledger.membership import check_genesis
from baobab.ledger.node import Node, Outcome
from baobab.ledger.orderer.jetstream import JetStreamOrderer, StreamSettings
from baobab.ledger.tx import Encoded
from baobab.ledger.runtime import Registry, simulate
from baobab.ledger.store.postgres import PostgresStore
from baobab.ledger.validator import Validator
from baobab.net.auth import sign_request
from baobab.net.config import NodeConfig
from baobab.net.metrics import NodeMetrics
from baobab.ledger.store.at_rest import Sealer
from baobab.net.private import PrivateStore

log = logging.getLogger(__name__)
CATCH_UP_S = 2.0  # how long an endorser waits to reach the height the asking node has seen


def load_genesis(network_dir: Any) -> dict[str, Any]:
    path = network_dir / "genesis.json"
    try:
        return check_genesis(json.loads(path.read_bytes()))
    except FileNotFoundError:
        raise BaobabError("NOT_FOUND", f"no genesis.json in {network_dir}") from None


class NetworkNode(Node):
    def __init__(self, config: NodeConfig, registry: Registry | None = None) -> None:
        self.config, self.org = config, config.org
        genesis = load_genesis(config.network_dir)
        registry = registry or default_registry()
        keys = Keystore(config.network_dir / "keys")
        self.key = keys.peer(config.org)
        self.metrics = NodeMetrics(config.org)
        store = PostgresStore(config.database)
        self.private = PrivateStore(store, Sealer(keys.data_key(config.org)))
        orderer = JetStreamOrderer(config.nats, StreamSettings(genesis["network"], replicas=config.replicas), name=config.org)
        try:
            if store.height() == 0:
                self._commit_genesis(store, genesis, registry, orderer.fetch_block(0))
            self._http = httpx.Client(timeout=httpx.Timeout(config.endorse_timeout_s, connect=min(1.0, config.endorse_timeout_s)))
            self._pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix=f"baobab-endorse-{config.org}")
            super().__init__(store, genesis, registry, {config.org: self.key}, orderer)
        except BaseException:
            orderer.stop()
            store.close()
            raise
        self.metrics.height.set(self.store.height())
        self.metrics.lag_source = lambda: orderer.lag

    @staticmethod
    def _commit_genesis(store: PostgresStore, genesis: dict[str, Any], registry: Registry, block: dict[str, Any]) -> None:
        """Block 0 comes from the stream; it must carry exactly the genesis this node was given."""
        if block.get("transactions") != [{"genesis": genesis}]:
            raise BaobabError("BAD_GENESIS", "block 0 in the stream is not this node's genesis document")
        record, tx_ids, writes = Validator(genesis, registry).process(block, None, store)
        store.commit(record, tx_ids, writes)

    @property
    def follower(self) -> JetStreamOrderer:
        return self.orderer  # type: ignore[return-value]

    # --- endorsement ------------------------------------------------------------------

    def _endorse(self, signed: Any, encoded: Encoded | None) -> tuple[dict[str, Any], Encoded]:
        started = time.monotonic()
        for attempt in range(2):
            try:
                envelope = self._gather(signed)
                self.metrics.endorse_latency.observe(time.monotonic() - started)
                return envelope, Encoded.envelope(envelope)
            except _Diverged as exc:  # the other node saw a newer state: catch up, then try once more
                if attempt:
                    raise BaobabError("NONDETERMINISTIC", f"{exc.org}'s simulation differs from {self.org}'s",
                                      org=exc.org) from None
                self.wait_for_height(exc.height, CATCH_UP_S)
        raise AssertionError("unreachable")

    def _gather(self, signed: Any) -> dict[str, Any]:
        p, encoded, caller = self.authenticate(signed)
        tx_id = encoded.tx_id
        if caller.org != self.org:
            raise BaobabError("FORBIDDEN", f"this node serves {self.org}; {caller.org}'s clients use their own node")
        result = self.simulate_ok(p, tx_id, caller)
        orgs = policies.choose(self._required_policy(p, result), self._members().orgs_with_role, prefer=[self.org])
        remote = sorted(o for o in orgs if o != self.org)
        endorsements = {self.org: self.key.sign("endorsement", result)} if self.org in orgs else {}
        height = self.height()
        answers = list(self._pool.map(lambda o: self._ask(o, "/peer/endorse", {"signed": signed, "height": height}), remote))
        members = self._members()
        for org, answer in zip(remote, answers):
            if canonicalize(answer.get("result")) != canonicalize(result):
                raise _Diverged(org, int(answer.get("height", 0)))
            record = members.require_active(org)
            if not PublicKey.from_text(record["peer_key"]).verify("endorsement", result, answer.get("signature", "")):
                raise BaobabError("BAD_SIGNATURE", f"{org}'s endorsement does not verify")
            endorsements[org] = answer["signature"]
        return {"proposal": p, "signature": signed["signature"], "result": result,
                "endorsements": [{"org": o, "signature": endorsements[o]} for o in sorted(endorsements)]}

    def simulate_ok(self, p: dict[str, Any], tx_id: str, caller: Any) -> dict[str, Any]:
        result = simulate(self.registry, p, tx_id, caller, self.state.get, self.state.range)
        if result["status"] != "ok":
            raise Refused.from_result(p["contract"], result["response"])
        return result

    def endorse_for_peer(self, signed: Any, height: int) -> dict[str, Any]:
        """Simulate a proposal another node gathers endorsements for, and sign the result."""
        self.wait_for_height(height, CATCH_UP_S)
        p, encoded, caller = self.authenticate(signed)
        result = self.simulate_ok(p, encoded.tx_id, caller)
        return {"org": self.org, "signature": self.key.sign("endorsement", result), "result": result,
                "height": self.height()}

    def wait_for_height(self, height: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._commit_cond:
            return self._commit_cond.wait_for(lambda: self.store.height() >= height,
                                              timeout=max(0.0, deadline - time.monotonic()))

    def _ask(self, org: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
        base = self.config.peers.get(org)
        if base is None:
            raise BaobabError("ENDORSER_UNAVAILABLE", f"no address for {org}'s node", org=org)
        data = canonicalize(body)
        headers = {"Content-Type": "application/json", **sign_request(self.key, self.org, "POST", path, data)}
        try:
            response = self._http.post(base.rstrip("/") + path, content=data, headers=headers)
        except httpx.HTTPError as exc:
            raise BaobabError("ENDORSER_UNAVAILABLE", f"{org}'s node did not answer: {type(exc).__name__}", org=org) from None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code != 200:
            code = answer.get("code") if isinstance(answer, dict) else None
            if code in CODES and code != "ENDORSER_UNAVAILABLE":
                raise BaobabError(code, f"{org}: {answer.get('message', '')}", org=org)
            raise BaobabError("ENDORSER_UNAVAILABLE", f"{org}'s node answered {response.status_code}", org=org)
        return answer

    # --- private data -----------------------------------------------------------------

    def submit(self, signed: Any, *, private: dict[str, Any] | None = None, wait: bool = True,
               timeout: float = 30.0, min_height: int = 0) -> Outcome | str:
        """Submit; with `private` ({members: [orgs], data}) the data goes first to the members' nodes.

        `min_height` is a client's causality token: the height after the last block it saw
        committed, on any node. This node first catches up to it, so a client that moves from
        one organisation's node to another always builds on what it has already seen."""
        self.wait_for_height(min_height, CATCH_UP_S)
        if private is not None:
            self._share_private(signed, private)
        return super().submit(signed, wait=wait, timeout=timeout)

    def _share_private(self, signed: Any, private: Any) -> None:
        p, encoded, _ = self.authenticate(signed)
        item = self.private.check(private, p, self.org)
        for org in item["members"]:
            if org != self.org:
                self._ask(org, "/peer/private", {**item, "tx_id": encoded.tx_id})
        self.private.put(item["hash"], encoded.tx_id, item["members"], item["data"])

    def receive_private(self, sender: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("tx_id"), str):
            raise BaobabError("MALFORMED", "private data is {hash, members, data, tx_id}")
        item = self.private.check(body, None, self.org)
        if sender not in item["members"]:
            raise BaobabError("FORBIDDEN", f"{sender} is not a member of this private data")
        self.private.put(item["hash"], body["tx_id"], item["members"], item["data"])
        return {"stored": item["hash"]}

    # --- commit -----------------------------------------------------------------------

    def _commit(self, block: dict[str, Any]) -> None:
        super()._commit(block)
        record = self._head
        self.metrics.height.set(record.number + 1)
        if record.number:
            for code in record.codes:
                self.metrics.committed.labels(code=code).inc()

    def close(self) -> None:
        super().close()
        self._pool.shutdown(wait=False)
        self._http.close()


class _Diverged(Exception):
    def __init__(self, org: str, height: int) -> None:
        super().__init__(org)
        self.org, self.height = org, height

