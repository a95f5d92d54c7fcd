"""Recording supervisor reads on the ledger before answering them (contracts/oversight.py).

The entry is a transaction of the supervisor's own organisation, signed with its `audit`
client key if the node holds one, otherwise with the key of the client that made the read
(the embedded mode holds every key). A node that can sign neither refuses supervisor reads:
unlogged supervision is not offered.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from baobab.client import Identity
from baobab.contracts.oversight import MAX_RECORDS
from baobab.core.errors import BaobabError
from baobab.keystore import Keystore
from baobab.ledger.membership import Caller, Membership
from baobab.ledger.node import Node, Outcome

AUDIT_CLIENT = "audit"


class OversightLog:
    def __init__(self, node: Node, data_dir: str | Path) -> None:
        self.node = node
        self.keys = Keystore(Path(data_dir) / "keys")

    def _signer(self, caller: Caller, members: Membership) -> Identity:
        record = members.org(caller.org) or {}
        for name in (AUDIT_CLIENT, caller.client):
            if name in record.get("clients", {}):
                try:
                    return Identity(self.node.network, caller.org, name, self.keys.client(caller.org, name))
                except BaobabError:
                    continue
        raise BaobabError("OVERSIGHT_LOG_FAILED", f"this node holds no key to record reads by {caller.org}")

    def record(self, caller: Caller, members: Membership, purpose: str, query: dict[str, Any],
               records: list[dict[str, Any]]) -> list[str]:
        """Commit access-log entries for `records`; the tx ids of the entries."""
        if not records:
            return []
        signer = self._signer(caller, members)
        tx_ids = []
        for start in range(0, len(records), MAX_RECORDS):
            args = {"reader": caller.identity, "purpose": purpose[:200], "query": query,
                    "records": records[start:start + MAX_RECORDS]}
            try:
                outcome = self.node.submit(signer.proposal("oversight", "record_access", args))
            except BaobabError as exc:
                raise BaobabError("OVERSIGHT_LOG_FAILED", f"could not record the read: {exc.message}") from None
            assert isinstance(outcome, Outcome)
            if not outcome.valid:
                raise BaobabError("OVERSIGHT_LOG_FAILED", f"access-log entry invalid ({outcome.code})")
            tx_ids.append(outcome.tx_id)
        return tx_ids
