"""Smart oversight's access log: every read by a customs or regulator organisation, on the ledger.

When a supervisor reads records it is not a party to (because they fall in its jurisdiction),
the node it reads from records the read here before answering (`baobab.api.oversight_log`).
Each entry lists the records read (key and version) and the parties on them, so the supervised
organisations can see who looked at what: an entry at `access/<tx_id>` carries `parties` (the
supervisor and every party of the records read), which is what the API's access rules use to
show it to them.

Only the node writes entries: it signs them with the supervisor's `audit` client identity,
whose key the node holds and no application is given; an entry proposed by any other client
is refused. Every record an entry names must exist at (or after) the version read and name
each party listed for it, so no entry can put a party's name on a record that does not
exist or is not theirs.
"""

from __future__ import annotations

import re
from typing import Any

from baobab.ledger.contract import PARTIES, Context, Contract, ContractError, Reason, function
from baobab.vocab.roles import SUPERVISORS

AUDIT_CLIENT = "audit"  # the client identity a node signs access-log entries with
MAX_RECORDS = 500  # per entry; the node splits larger reads into several entries
TX_KEY = r"tx/[0-9a-f]{64}"  # a transaction read, logged with its [block, index]
UNLOGGED_NAMESPACES = ("governance", "oversight", "_keypolicy")  # public, or the log itself


def _check_record(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or set(item) != {"key", "version", "parties"}:
        raise ContractError("each record read is {key, version, parties}")
    key, version, parties = item["key"], item["version"], item["parties"]
    if not isinstance(key, str) or not (":" in key or re.fullmatch(TX_KEY, key)) or len(key) > 600:
        raise ContractError("record key is a full key <namespace>:<key> or tx/<tx id>")
    if not (isinstance(version, list) and len(version) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in version)):
        raise ContractError("record version is [block, tx]")
    if not isinstance(parties, list) or not all(isinstance(p, str) and p for p in parties):
        raise ContractError("record parties is a list of organisation ids")
    return {"key": key, "version": version, "parties": sorted(set(parties))}


def _names(value: Any, org: str) -> bool:
    """True if `org` appears as a string anywhere in a stored value (fields, lists, policies)."""
    if isinstance(value, str):
        return value == org
    if isinstance(value, dict):
        return any(_names(v, org) for v in value.values())
    if isinstance(value, list):
        return any(_names(v, org) for v in value)
    return False


def entry_for(entry: dict[str, Any], org: str) -> dict[str, Any]:
    """An access-log entry as `org` may see it: the supervisor that read sees all of it; a party
    sees only the records that name it, and the parties of those."""
    if entry["org"] == org:
        return entry
    records = [r for r in entry["records"] if org in r["parties"]]
    return {**entry, "records": records, "parties": sorted({p for r in records for p in r["parties"]} | {entry["org"]})}


class Oversight(Contract):
    name = "oversight"
    reasons = {
        "NOT_THE_NODE": Reason("forbidden", "Access-log entries are written only by the node answering a supervisor read"),
        "NO_SUCH_RECORD": Reason("not_found", "An entry names a record that does not exist at that version"),
        "NOT_ON_RECORD": Reason("invalid", "An entry names a party that the record does not name"),
    }

    def _check_real(self, ctx: Context, item: dict[str, Any]) -> None:
        if re.fullmatch(TX_KEY, item["key"]):
            return  # a transaction read: blocks are beyond a contract's view; the audit identity vouches
        namespace, key = item["key"].split(":", 1)
        if namespace in UNLOGGED_NAMESPACES or not key:
            raise ContractError(f"{item['key']} is not a supervised record", reason="NO_SUCH_RECORD")
        value = ctx.read(namespace, key)
        current = ctx.reads.get(f"{namespace}:{key}")
        if value is None or current is None or item["version"] > current or item["version"][0] < 1:
            raise ContractError(f"no record {item['key']} at version {item['version']}", reason="NO_SUCH_RECORD")
        policy = ctx.read("_keypolicy", item["key"])
        for party in item["parties"]:
            if not (_names(value, party) or _names(policy, party)):
                raise ContractError(f"{item['key']} does not name {party}", reason="NOT_ON_RECORD", party=party)

    @function(policy={"any": [{"role": "customs"}, {"role": "regulator"}]}, callers=SUPERVISORS)
    def record_access(self, ctx: Context, reader: str, purpose: str, query: dict[str, Any],
                      records: list[dict[str, Any]]) -> dict[str, Any]:
        """Called by: the node answering a read by `reader`, a client of the calling customs or
        regulator organisation, signing as that organisation's `audit` identity; never by an
        application directly (refused NOT_THE_NODE)."""
        if ctx.caller.client != AUDIT_CLIENT:
            raise ContractError("access-log entries are written by the node answering a supervisor read",
                                reason="NOT_THE_NODE")
        if not reader.startswith(ctx.caller.org + "/") or reader == ctx.caller.identity:
            raise ContractError(f"reader {reader} is not an application client of {ctx.caller.org}")
        if not records or len(records) > MAX_RECORDS:
            raise ContractError(f"an entry lists 1 to {MAX_RECORDS} records")
        if len(purpose) > 200:
            raise ContractError("purpose is at most 200 characters")
        checked = [_check_record(r) for r in records]
        for item in checked:
            self._check_real(ctx, item)
        parties = sorted({p for r in checked for p in r["parties"]} | {ctx.caller.org})
        entry = {"reader": reader, "org": ctx.caller.org, "country": ctx.caller.country, "at": ctx.timestamp,
                 "purpose": purpose, "query": query, "records": checked, "parties": parties}
        ctx.put(f"access/{ctx.tx_id}", entry)
        ctx.emit("supervisor_read", {"access": ctx.tx_id, "reader": reader, "org": ctx.caller.org,
                                     "records": len(checked), "parties": parties})
        return {"access": ctx.tx_id, "records": len(checked)}

    @function(query=True, callers=PARTIES)
    def accesses(self, ctx: Context, party: str) -> list[dict[str, Any]]:
        """Called by: the organisation `party` itself. It sees the reads of records that name it
        (only those records of each entry) and, as a supervisor, the reads it made."""
        if party != ctx.caller.org:
            raise ContractError("an organisation may list only the reads of its own records", reason="NOT_A_PARTY")
        return [{"access": key[len("access/"):], **entry_for(entry, party)} for key, entry in ctx.range("access/")
                if party in entry["parties"]]
