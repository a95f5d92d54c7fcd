"""One organisation's node in network mode.

It is the ledger `Node` with three differences. Its store is its own PostgreSQL database and its
orderer is the JetStream ordering service, which it follows to validate and commit every block
on its own (over TLS, see tls.py). It holds only its own organisation's peer key, so it gathers the other endorsements
the policy needs from the other organisations' nodes, each of which simulates the proposal
independently against its own state: their results must be identical, byte for byte, or the
transaction is refused. And it keeps private data: a payload whose hash is in the proposal goes
only to the nodes of the organisations named with it, and only its hash reaches the ledger.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

from baobab.contracts import default_registry
from baobab.core.errors import BaobabError
from baobab.keystore import Keystore
from baobab.ledger.membership import check_genesis
from baobab.ledger.node import Node
from baobab.ledger.orderer.jetstream import JetStreamOrderer, StreamSettings
from baobab.ledger.runtime import Registry
from baobab.ledger.store.postgres import PostgresStore
from baobab.ledger.validator import Validator
from baobab.net.config import NodeConfig
from baobab.net.endorse import CATCH_UP_S, RemoteEndorser, answer_item
from baobab.net.metrics import NodeMetrics
from baobab.ledger.store.at_rest import Sealer
from baobab.net.private import Courier, PrivateStore
from baobab.net.tls import nats_client_tls, node_credentials

log = logging.getLogger(__name__)


def registry_of(config: NodeConfig) -> Registry:
    """The default contracts and the config's further ones ("module:Class")."""
    import importlib

    registry = default_registry()
    for spec in config.contracts:
        module, _, name = spec.partition(":")
        try:
            contract = getattr(importlib.import_module(module), name)()
        except (ImportError, AttributeError, ValueError) as exc:
            raise BaobabError("MALFORMED", f"contract {spec!r} cannot be loaded: {exc}") from None
        registry.install(contract)
    return registry


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
        registry = registry or registry_of(config)
        keys = Keystore(config.network_dir / "keys")
        self.orgs = config.orgs
        hosted = {o: keys.peer(o) for o in self.orgs}
        self.key = hosted[config.org]
        self.metrics = NodeMetrics(config.org)
        self.tls = node_credentials(config.api_dir / "tls", config.network_dir, genesis, self.orgs, config.certificate_hosts)
        store = PostgresStore(config.database)
        self.private = PrivateStore(store, Sealer(keys.data_key(config.org)))
        orderer = JetStreamOrderer(config.nats, StreamSettings(genesis["network"], replicas=config.replicas), name=config.org,
                                   tls=nats_client_tls(config.network_dir, genesis, self.tls[config.org]))
        try:
            if store.height() == 0:
                self._commit_genesis(store, genesis, registry, orderer.fetch_block(0))
            super().__init__(store, genesis, registry, hosted, orderer,
                             endorser=RemoteEndorser(self, config.peers, config.endorse_timeout_s))
        except BaseException:
            orderer.stop()
            store.close()
            raise
        self.metrics.height.set(self.store.height())
        self.metrics.lag_source = lambda: orderer.lag
        self.courier = Courier(self.private, self._send_private, config.org).start()

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

    def endorse_for_peer(self, signed: Any, height: int, org: str | None = None) -> dict[str, Any]:
        """Simulate a proposal another node gathers endorsements for, and sign the result as
        `org` (one this node serves; by default its own)."""
        org = org or self.org
        if org not in self.peer_keys:
            raise BaobabError("FORBIDDEN", f"this node does not endorse for {org}")
        self.wait_for_height(height, CATCH_UP_S)
        p, encoded, caller = self.authenticate(signed)
        result = self.simulate_ok(p, encoded.tx_id, caller)
        return {"org": org, "signature": self.peer_keys[org].sign("endorsement", result), "result": result,
                "height": self.height()}

    def endorse_batch(self, items: list[Any], height: int, wait_s: float = CATCH_UP_S) -> list[dict[str, Any]]:
        """/peer/endorse-batch: once caught up to `height` (or after `wait_s`, at most CATCH_UP_S),
        each item {signed, org} endorsed or refused on its own, as /peer/endorse would answer it alone."""
        self.wait_for_height(height, min(max(0.0, wait_s), CATCH_UP_S))
        return [answer_item(self.endorse_for_peer, item) for item in items]

    def hosted_member(self, members: list[str]) -> str:
        """One of `members` this node serves (FORBIDDEN if none)."""
        for org in self.orgs:
            if org in members:
                return org
        raise BaobabError("FORBIDDEN", f"this node serves none of {', '.join(members)}")

    def wait_for_height(self, height: int, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        with self._commit_cond:
            return self._commit_cond.wait_for(lambda: self.height() >= height,
                                              timeout=max(0.0, deadline - time.monotonic()))

    # --- private data -----------------------------------------------------------------

    def share_private(self, signed: Any, private: Any) -> None:
        """Before submitting: send a payload ({members: [orgs], data}) whose hash the proposal
        carries (`args.private_hash`) to the members' nodes, and keep it here."""
        p, encoded, caller = self.authenticate(signed)
        if caller.org not in self.orgs:
            raise BaobabError("FORBIDDEN", f"this node does not serve {caller.org}")
        item = self.private.check(private, p, caller.org)
        self.private.put(item["hash"], encoded.tx_id, item["members"], item["data"])
        sent: set[str] = set()  # node URLs: a node hosting several members takes it once
        for member in (o for o in item["members"] if o not in self.orgs):
            url = self.endorser.url_of(member)
            if url in sent:
                continue
            sent.add(url)
            try:
                self._send_private(member, {**item, "tx_id": encoded.tx_id}, caller.org)
            except BaobabError as exc:
                if exc.code != "ENDORSER_UNAVAILABLE":
                    raise
                # The member's node is down: it is owed the data, delivered when it is back.
                log.info("private data %s owed to %s: %s", item["hash"][:12], member, exc.message)
                self.private.owe(item["hash"], member, caller.org, encoded.tx_id)
                self.courier.nudge()

    def _send_private(self, member: str, item: dict[str, Any], sender: str) -> None:
        # signed as the sharing organisation: a member, whichever node hosts it
        self.endorser.post(self.endorser.url_of(member), "/peer/private", item, as_org=sender, org=member)

    def receive_private(self, sender: str, body: Any) -> dict[str, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("tx_id"), str):
            raise BaobabError("MALFORMED", "private data is {hash, members, data, tx_id}")
        members = body.get("members")
        item = self.private.check(body, None, self.hosted_member(members if isinstance(members, list) else []))
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
        self.courier.stop()
        super().close()
        self.endorser.close()

