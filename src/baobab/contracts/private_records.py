"""Private records: the ledger holds a hash; the content stays with the parties named on it.

This is the on-ledger half of private data in network mode (Fabric's private data collections
are the model). A party records `private_hash`, the SHA-256 of the RFC 8785 form of content
such as an invoice between seller, buyer and financier, with the organisations entitled to the
content. The content itself travels node to node only to those organisations (see
baobab.net.private); every node validates the record, no other node can read the content, and
any holder can later prove the content is what was recorded by hashing it again.
"""

from __future__ import annotations

import re
from typing import Any

from baobab.ledger.contract import PARTIES, Context, Contract, ContractError, function

EVERY_MEMBER = {"role": "*"}
_HASH = r"[0-9a-f]{64}"
_REF = r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}"


class PrivateRecords(Contract):
    name = "private_records"

    @function(policy=EVERY_MEMBER, callers=PARTIES)
    def record(self, ctx: Context, ref: str, private_hash: str, members: list[str]) -> dict[str, Any]:
        """Called by: one of the `members` (the body checks it): an organisation records only
        content it is itself entitled to. Later changes need every member's endorsement."""
        if not re.fullmatch(_REF, ref):
            raise ContractError("ref must be 1-128 of A-Z a-z 0-9 _ . : -")
        if not re.fullmatch(_HASH, private_hash):
            raise ContractError("private_hash must be 64 lowercase hex digits (SHA-256)")
        parties = sorted(set(members))
        if ctx.caller.org not in parties:
            raise ContractError("the recording organisation must be one of the members", reason="NOT_A_PARTY")
        for org in parties:
            if ctx.read("governance", f"org/{org}") is None:
                raise ContractError(f"unknown organisation {org}")
        if ctx.get(f"record/{ref}") is not None:
            raise ContractError(f"record {ref} already exists", reason="ALREADY_EXISTS")
        record = {"ref": ref, "private_hash": private_hash, "members": parties, "by": ctx.caller.org,
                  "at": ctx.timestamp}
        ctx.put(f"record/{ref}", record)
        ctx.set_key_policy(f"record/{ref}", {"orgs": parties})
        ctx.emit("private_recorded", {"ref": ref, "private_hash": private_hash, "members": parties})
        return record

    @function(query=True, callers=PARTIES)
    def get(self, ctx: Context, ref: str) -> dict[str, Any]:
        """Called by: a member of the record; to anyone else it does not exist."""
        record = ctx.get(f"record/{ref}")
        hidden = f"no record {ref} visible to {ctx.caller.org}"
        if record is None:
            raise ContractError(hidden, reason="NOT_FOUND")
        ctx.require_party(f"record/{ref}", record["members"], hidden, reason="NOT_FOUND")
        return record
