"""Reading the ledger on behalf of a caller: every read passes `access.decide`, and every read
allowed only because the caller supervises the record is logged on the ledger first."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from baobab.api.access import SUPERVISOR_ROLES, Decision, decide, decide_tx
from baobab.api.oversight_log import OversightLog
from baobab.core.errors import BaobabError
from baobab.gateway import KEY_POLICY_NS, Caller, HeldRefusal, LedgerView, Membership, Supervise, tx_id_of

INTERNAL_NAMESPACES = frozenset({KEY_POLICY_NS})
# Rows a list page examines at most: a caller who may read few of a namespace's records gets a
# shorter (even empty) page with a cursor to go on from, never a scan of the whole namespace.
MAX_SCANNED = 2000


def split_key(full_key: str) -> tuple[str, str]:
    namespace, _, key = full_key.partition(":")
    return namespace, key


class Reads:
    def __init__(self, view: LedgerView, log: OversightLog) -> None:
        self.view, self.log = view, log

    def members(self) -> Membership:
        return self.view.members()

    def key_policy(self, full_key: str) -> Any:
        return self.view.key_policy(full_key)

    def decide(self, caller: Caller, members: Membership, full_key: str, value: Any) -> Decision:
        namespace = split_key(full_key)[0]
        if namespace in INTERNAL_NAMESPACES:
            return Decision(False)
        return decide(caller, namespace, value, self.key_policy(full_key), members.org)

    def _log(self, caller: Caller, members: Membership, purpose: str, query: dict[str, Any],
             supervised: list[tuple[str, list[int], Decision]]) -> list[str]:
        if not supervised:
            return []
        if not purpose.strip():
            raise BaobabError("PURPOSE_REQUIRED", f"{caller.org} reads as a supervisor here: state the purpose "
                              "(query parameter `purpose`); it is recorded with the read")
        records = [{"key": k, "version": v, "parties": sorted(d.parties)} for k, v, d in supervised]
        return self.log.record(caller, members, purpose, query, records)

    # --- state ------------------------------------------------------------------------

    def get(self, caller: Caller, namespace: str, key: str, purpose: str = "") -> dict[str, Any]:
        members = self.members()
        full = f"{namespace}:{key}"
        row = self.view.get(full)
        if row is None:
            raise BaobabError("NOT_FOUND", f"no key {full}")
        d = self.decide(caller, members, full, row[0])
        if not d:
            raise BaobabError("FORBIDDEN", f"{caller.org} is not a party to {full} and does not supervise it")
        out = {"key": full, "value": row[0], "version": list(row[1]), "parties": sorted(d.parties)}
        if d.supervised:
            out["access"] = self._log(caller, members, purpose, {"get": full}, [(full, list(row[1]), d)])
        return out

    def record(self, caller: Caller, namespace: str, key: str, purpose: str = "") -> dict[str, Any]:
        """A domain route's answer: the record's value (with `access`, the log entries, when
        read as a supervisor), decided as every other read path decides."""
        found = self.get(caller, namespace, key, purpose)
        return {**found["value"], **({"access": found["access"]} if "access" in found else {})}

    def list(self, caller: Caller, prefix: str, after: str | None, limit: int, *, purpose: str = "",
             query: dict[str, Any] | None = None, supervised_only: bool = False,
             rows: Iterator[tuple[str, Any, tuple[int, int]]] | None = None,
             keep: Any = None) -> tuple[list[dict[str, Any]], str | None, list[str]]:
        """Readable records under `prefix` after the cursor key; (records, next cursor, access-log tx ids).
        A page ends at `limit` records or MAX_SCANNED rows examined, whichever comes first: a
        page with fewer records than `limit` may still have a next cursor (follow it to the end)."""
        members = self.members()
        found: list[dict[str, Any]] = []
        supervised: list[tuple[str, list[int], Decision]] = []
        source = rows if rows is not None else self.view.scan(prefix, after)
        next_cursor = None
        scanned = 0
        for full, value, version in source:
            if after is not None and full <= after:
                continue
            if scanned == MAX_SCANNED:
                next_cursor = last_scanned
                break
            scanned, last_scanned = scanned + 1, full
            d = self.decide(caller, members, full, value)
            if not d or (supervised_only and not d.supervised):
                continue
            item = {"key": full, "value": value, "version": list(version), "parties": sorted(d.parties),
                    "countries": sorted(d.countries)}
            if keep is not None and not keep(item):
                continue
            if len(found) == limit:
                next_cursor = found[-1]["key"]
                break
            found.append(item)
            if d.supervised:
                supervised.append((full, list(version), d))
        access = self._log(caller, members, purpose, query or {"prefix": prefix}, supervised)
        return found, next_cursor, access

    def history(self, caller: Caller, namespace: str, key: str, purpose: str = "") -> dict[str, Any]:
        members = self.members()
        full = f"{namespace}:{key}"
        versions = self.view.history(full)
        if not versions:
            raise BaobabError("NOT_FOUND", f"no key {full}")
        decisions = [self.decide(caller, members, full, v["value"]) for v in versions if v["value"] is not None]
        as_party = next((d for d in decisions if d and not d.supervised), None)
        as_supervisor = next((d for d in decisions if d.supervised), None)
        if as_party is None and as_supervisor is None:
            raise BaobabError("FORBIDDEN", f"{caller.org} is not a party to {full} and does not supervise it")
        out: dict[str, Any] = {"key": full, "versions": versions}
        if as_party is None and as_supervisor is not None:
            out["access"] = self._log(caller, members, purpose, {"history": full},
                                      [(full, versions[-1]["version"], as_supervisor)])
        return out

    # --- contract queries -------------------------------------------------------------

    def supervise(self, caller: Caller, purpose: str, query: dict[str, Any], access: list[str]) -> Supervise | None:
        """For a contract query by a supervisor: the decision on the records its body would refuse
        a non-party (Gateway.evaluate). Each must be one the caller supervises under the same rule
        as every other read path; the read is then logged (its entries' tx ids added to `access`)
        before the query's answer is given. None for a caller that supervises nothing."""
        if not SUPERVISOR_ROLES & set(caller.roles):
            return None

        def decide_held(held: list[HeldRefusal], answered: bool) -> bool:
            members = self.members()
            supervised: dict[str, tuple[str, list[int], Decision]] = {}
            for refused in held:
                row = self.view.get(refused.key)
                d = self.decide(caller, members, refused.key, row[0]) if row is not None else Decision(False)
                if row is None or not d.supervised:
                    return False  # the contract's own refusal stands
                supervised[refused.key] = (refused.key, list(refused.version or row[1]), d)
            if answered:
                access.extend(self._log(caller, members, purpose, query, list(supervised.values())))
            return True

        return decide_held

    # --- transactions -----------------------------------------------------------------

    def envelope(self, tx_id: str) -> tuple[dict[str, Any], int, int, str]:
        found = self.view.transaction(tx_id)
        if found is None:
            raise BaobabError("NOT_FOUND", f"no transaction {tx_id}")
        return found.envelope, found.block, found.index, found.code

    def decide_tx(self, caller: Caller, members: Membership, envelope: dict[str, Any]) -> Decision:
        return decide_tx(caller, envelope, self.key_policy, members.org)

    def require_tx(self, caller: Caller, tx_id: str, purpose: str = "") -> tuple[dict[str, Any], list[str]]:
        """The envelope of a transaction the caller may see (logging a supervisor's look)."""
        members = self.members()
        envelope, number, index, _ = self.envelope(tx_id)
        d = self.decide_tx(caller, members, envelope)
        if not d:
            raise BaobabError("FORBIDDEN", f"{caller.org} may not see transaction {tx_id}")
        access = self._log(caller, members, purpose, {"tx": tx_id}, [(f"tx/{tx_id}", [number, index], d)]) if d.supervised else []
        return envelope, access

    def block_view(self, caller: Caller, number: int) -> dict[str, Any]:
        """A block with the transactions the caller may see as a party; others as ids only."""
        members = self.members()
        entry = self.view.block(number)
        if entry is None:
            raise BaobabError("NOT_FOUND", f"no block {number}")
        txs = []
        for index, (env, code) in enumerate(zip(entry.transactions, entry.codes)):
            visible = "genesis" in env or bool((d := self.decide_tx(caller, members, env)) and not d.supervised)
            tx_id = None if "genesis" in env else tx_id_of(env)
            txs.append({"index": index, "tx_id": tx_id, "code": code, **({"envelope": env} if visible else {})})
        return {"number": number, "hash": entry.hash, "header": entry.header, "signature": entry.signature,
                "commit_hash": entry.commit_hash, "transactions": txs}
