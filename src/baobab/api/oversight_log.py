"""Recording supervisor reads on the ledger before answering them (contracts/oversight.py).

    OversightLog(gateway).record(caller, members, purpose, query, records) -> [tx_id, ...]

The node calls this, and only this, to write access-log entries: after deciding that `caller`
(a customs or regulator client) may read `records` only as a supervisor and before the answer
leaves the node. Each entry is a transaction of the supervisor's own organisation signed with
its `audit` client identity, whose key the node's Gateway holds (`keys/<ORG>/clients/audit.key`) and no
application is given; the contract refuses entries from any other client. A node without that
key refuses supervisor reads: unlogged supervision is not offered. `records` are
`{"key": "<ns>:<key>", "version": [block, tx], "parties": [...]}` as read; an entry whose
records changed meanwhile is proposed again (the version read stays the one recorded).
"""

from __future__ import annotations

from typing import Any

from baobab.client import Identity
from baobab.contracts.oversight import AUDIT_CLIENT, MAX_RECORDS
from baobab.core.errors import BaobabError
from baobab.gateway import Caller, Gateway, Membership, Outcome

ATTEMPTS = 3  # an entry reads the records it names: a concurrent write to one makes it retry


class OversightLog:
    def __init__(self, gateway: Gateway) -> None:
        self.gateway = gateway

    def _signer(self, caller: Caller, members: Membership) -> Identity:
        record = members.org(caller.org) or {}
        if AUDIT_CLIENT in record.get("clients", {}):
            try:
                return self.gateway.signer(caller.org, [AUDIT_CLIENT])
            except BaobabError:
                pass
        raise BaobabError("OVERSIGHT_LOG_FAILED", f"this node holds no {AUDIT_CLIENT} key to record reads by {caller.org}")

    def _commit(self, signer: Identity, args: dict[str, Any]) -> str:
        code = ""
        for _ in range(ATTEMPTS):
            try:
                outcome = self.gateway.submit(signer.proposal("oversight", "record_access", args))
            except BaobabError as exc:
                raise BaobabError("OVERSIGHT_LOG_FAILED", f"could not record the read: {exc.message}") from None
            assert isinstance(outcome, Outcome)
            if outcome.valid:
                return outcome.tx_id
            code = outcome.code
            if "CONFLICT" not in code:
                break
        raise BaobabError("OVERSIGHT_LOG_FAILED", f"access-log entry invalid ({code})")
    def record(self, caller: Caller, members: Membership, purpose: str, query: dict[str, Any],
               records: list[dict[str, Any]]) -> list[str]:
        """Commit access-log entries for `records`; the tx ids of the entries."""
        if not records:
            return []
        signer = self._signer(caller, members)
        return [self._commit(signer, {"reader": caller.identity, "purpose": purpose[:200], "query": query,
                                      "records": records[start:start + MAX_RECORDS]})
                for start in range(0, len(records), MAX_RECORDS)]
