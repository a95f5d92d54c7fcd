"""Running a contract query as the authenticated HTTP caller, for the domain routes.

The request's signature already proved who the caller is, so the query runs for that caller
directly (no second, proposal-level signature); the contract sees `ctx.caller` and applies its
own access rules. A refusal is reported as every path reports it (`Refused`): its reason's kind
decides the status.
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from baobab.core.errors import BaobabError
from baobab.ledger.contract import Refused
from baobab.ledger.membership import Caller
from baobab.ledger.node import Node
from baobab.ledger.runtime import simulate
from baobab.ledger.tx import now_rfc3339

def query_as(node: Node, caller: Caller, contract: str, function: str, args: dict[str, Any]) -> Any:
    """The answer of a read-only contract function for `caller`, as of the last committed block."""
    proposal = {"network": node.network, "contract": contract, "function": function, "args": args,
                "creator": caller.identity, "nonce": uuid.uuid4().hex, "timestamp": now_rfc3339()}
    tx_id = "query-" + hashlib.sha256(proposal["nonce"].encode()).hexdigest()  # never ordered
    result = simulate(node.registry, proposal, tx_id, caller, node.state.get, node.state.range, query=True)
    if result["status"] != "ok":
        raise Refused.from_result(contract, result["response"])
    return result["response"]


def exists(node: Node, namespace: str, key: str) -> bool:
    """Is there a committed record? (for queries whose contract refuses absence without a reason)"""
    return node.state.get(f"{namespace}:{key}") is not None
