"""Endorsing with the peer keys a node holds (the embedded mode's endorser).

In the embedded mode one node hosts the peers of every organisation, so it holds every peer
key. Those peers share one process and one world state: the client's signature is checked and
the proposal simulated once, and each peer the policy needs signs that same result. The
network mode's endorser (`baobab.net.endorse.RemoteEndorser`) asks the other organisations'
nodes instead. Both satisfy `baobab.gateway.Endorser`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from baobab.core.errors import BaobabError
from baobab.ledger import policy as policies
from baobab.ledger.tx import Encoded

if TYPE_CHECKING:
    from baobab.ledger.node import Node


class LocalEndorser:
    def __init__(self, node: "Node") -> None:
        self.node = node

    def endorse(self, signed: Any, encoded: Encoded | None) -> tuple[dict[str, Any], Encoded]:
        node = self.node
        p, encoded, caller = node.authenticate(signed, encoded)
        result = node.simulate_ok(p, encoded.tx_id, caller)
        orgs = policies.choose(node.required_policy(p, result), node.members().orgs_with_role, prefer=[caller.org])
        missing = [o for o in orgs if o not in node.peer_keys]
        if missing:
            raise BaobabError("ENDORSER_UNAVAILABLE", f"no peer reachable for {', '.join(sorted(missing))}")
        encoded = encoded.with_result(result)
        endorsements = [{"org": o, "signature": node.peer_keys[o].sign("endorsement", result, encoded.result_digest)}
                        for o in sorted(orgs)]
        envelope = {"proposal": p, "signature": signed["signature"], "result": result, "endorsements": endorsements}
        return envelope, encoded.with_endorsements(endorsements)
