"""Smart oversight's access log: every read by a customs or regulator organisation, on the ledger.

When a supervisor reads records it is not a party to (because they fall in its jurisdiction),
the node it reads from records the read here before answering. Each entry lists the records
read (key and version) and the parties on them, so the supervised organisations can see who
looked at what: an entry at `access/<tx_id>` carries `parties` (the supervisor and every party
of the records read), which is what the API's access rules use to show it to them.
"""

from __future__ import annotations

from typing import Any

from baobab.ledger.contract import Context, Contract, ContractError, function

SUPERVISORS = ("customs", "regulator")
MAX_RECORDS = 500  # per entry; the node splits larger reads into several entries


def _check_record(item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or set(item) != {"key", "version", "parties"}:
        raise ContractError("each record read is {key, version, parties}")
    key, version, parties = item["key"], item["version"], item["parties"]
    if not isinstance(key, str) or not key or len(key) > 600:
        raise ContractError("record key must be a non-empty string")
    if not (isinstance(version, list) and len(version) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in version)):
        raise ContractError("record version is [block, tx]")
    if not isinstance(parties, list) or not all(isinstance(p, str) and p for p in parties):
        raise ContractError("record parties is a list of organisation ids")
    return {"key": key, "version": version, "parties": sorted(set(parties))}


class Oversight(Contract):
    name = "oversight"

    @function(policy={"any": [{"role": "customs"}, {"role": "regulator"}]})
    def record_access(self, ctx: Context, reader: str, purpose: str, query: dict[str, Any],
                      records: list[dict[str, Any]]) -> dict[str, Any]:
        """Record that `reader` (a client of the calling supervisor) read `records`."""
        if not any(role in ctx.caller.roles for role in SUPERVISORS):
            raise ContractError("only customs and regulator organisations record supervisor reads")
        if not reader.startswith(ctx.caller.org + "/"):
            raise ContractError(f"reader {reader} is not a client of {ctx.caller.org}")
        if not records or len(records) > MAX_RECORDS:
            raise ContractError(f"an entry lists 1 to {MAX_RECORDS} records")
        if len(purpose) > 200:
            raise ContractError("purpose is at most 200 characters")
        checked = [_check_record(r) for r in records]
        parties = sorted({p for r in checked for p in r["parties"]} | {ctx.caller.org})
        entry = {"reader": reader, "org": ctx.caller.org, "country": ctx.caller.country, "at": ctx.timestamp,
                 "purpose": purpose, "query": query, "records": checked, "parties": parties}
        ctx.put(f"access/{ctx.tx_id}", entry)
        ctx.emit("supervisor_read", {"access": ctx.tx_id, "reader": reader, "org": ctx.caller.org,
                                     "records": len(checked), "parties": parties})
        return {"access": ctx.tx_id, "records": len(checked)}

    @function(query=True)
    def accesses(self, ctx: Context, party: str) -> list[dict[str, Any]]:
        """Entries naming `party`; a party sees its own, a supervisor the ones it made."""
        if party != ctx.caller.org:
            raise ContractError("an organisation may list only the reads of its own records")
        return [{"access": key[len("access/"):], **entry} for key, entry in ctx.range("access/")
                if party in entry["parties"]]
