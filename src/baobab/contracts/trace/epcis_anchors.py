"""EPCIS anchors: the ledger holds, per captured batch of EPCIS events, the Merkle root of their
hashes; the event bodies stay with the organisation that captured them and those it shared them
with (baobab.trace.store).

`anchor` records `batch/<batch_id>`: the RFC 9162 root over the batch's event hashes (each the
SHA-256 of the event's RFC 8785 form), how many there are, the capturing organisation (the
caller), the organisations the bodies are shared with, the latest event time in the batch and the
ledger time of anchoring. An event shown later with its inclusion proof is then proven unchanged
(it hashes to a leaf under the root) and timely (it existed when the batch was anchored). A batch
may not claim an event time later than its own anchoring: the future cannot be anchored.

The root is a hash and reveals nothing of the events, so any member may read a batch's root, size
and times (a consumer's verifier does); the member list only its members.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from baobab.contracts.trade.common import ANY_MEMBER, bad_argument, check_hash, reject
from baobab.ledger.contract import ANY_MEMBER as EVERY_MEMBER, Context, Contract, Reason, function

BATCH_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
MAX_MEMBERS = 32
MAX_BATCH = 100_000
CLOCK_SKEW = timedelta(minutes=5)  # a capturing system's clock may run a little ahead of the ledger's


def _time(value: str, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        bad_argument(f"{name} is an RFC 3339 time with its offset")
    if moment.tzinfo is None:
        bad_argument(f"{name} is an RFC 3339 time with its offset")
    return moment


def public_view(record: dict[str, Any], org: str) -> dict[str, Any]:
    """A batch as `org` may see it: everything for its members, the member list hidden from others."""
    return record if org in record["members"] else {k: v for k, v in record.items() if k != "members"}


class EpcisAnchors(Contract):
    name = "epcis"
    reasons = {
        "ALREADY_ANCHORED": Reason("conflict", "The batch is already anchored"),
        "BATCH_NOT_FOUND": Reason("not_found", "No such batch"),
        "NOT_A_MEMBER": Reason("forbidden", "The capturing organisation must be one of the batch's members"),
        "UNKNOWN_ORG": Reason("invalid", "The organisation named is not a member of the network"),
        "EVENT_IN_FUTURE": Reason("invalid", "The batch holds an event later than its anchoring"),
    }

    @function(policy=ANY_MEMBER, callers=EVERY_MEMBER)
    def anchor(self, ctx: Context, batch_id: str, merkle_root: str, size: int, members: list[str],
               latest_event_time: str, private_hash: str | None = None) -> dict[str, Any]:
        """Called by: any member, for the events it captured itself (it becomes the batch's
        capturer and must be among `members`, those it shares the bodies with). It binds only itself."""
        if not BATCH_ID.fullmatch(batch_id):
            bad_argument("batch_id is 1-128 of A-Z a-z 0-9 . _ : / - starting with a letter or digit")
        check_hash(merkle_root, "merkle_root")
        if private_hash is not None:
            check_hash(private_hash, "private_hash")
        if not 0 < size <= MAX_BATCH:
            bad_argument(f"a batch holds 1 to {MAX_BATCH} events")
        parties = sorted(set(members))
        if ctx.caller.org not in parties:
            reject("NOT_A_MEMBER", f"{ctx.caller.org} must be among the members it shares with")
        if len(parties) > MAX_MEMBERS:
            bad_argument(f"at most {MAX_MEMBERS} members")
        for org in parties:
            if ctx.read("governance", f"org/{org}") is None:
                reject("UNKNOWN_ORG", f"unknown organisation {org}", org=org)
        if _time(latest_event_time, "latest_event_time") > _time(ctx.timestamp, "timestamp") + CLOCK_SKEW:
            reject("EVENT_IN_FUTURE", f"an event at {latest_event_time} cannot be anchored at {ctx.timestamp}")
        key = f"batch/{batch_id}"
        if ctx.get(key) is not None:
            reject("ALREADY_ANCHORED", f"batch {batch_id} is already anchored", batch_id=batch_id)
        record = {"batch_id": batch_id, "merkle_root": merkle_root, "size": size, "by": ctx.caller.org,
                  "members": parties, "latest_event_time": latest_event_time, "anchored_at": ctx.timestamp,
                  "tx_id": ctx.tx_id, "private_hash": private_hash}
        ctx.put(key, record)
        ctx.set_key_policy(key, {"org": ctx.caller.org})
        ctx.emit("epcis_anchored", {"batch_id": batch_id, "merkle_root": merkle_root, "size": size,
                                    "by": ctx.caller.org, "members": parties})
        return record

    @function(query=True, callers=EVERY_MEMBER)
    def batch(self, ctx: Context, batch_id: str) -> dict[str, Any]:
        """Called by: any member (the root proves nothing without the event; members see who shares it)."""
        record = ctx.get(f"batch/{batch_id}") if BATCH_ID.fullmatch(batch_id) else None
        if record is None:
            reject("BATCH_NOT_FOUND", f"no batch {batch_id}", batch_id=batch_id)
        return public_view(record, ctx.caller.org)

    @function(query=True, callers=EVERY_MEMBER)
    def shared_with_me(self, ctx: Context, after: str = "", limit: int = 500) -> list[dict[str, Any]]:
        """Called by: any member, for the batches it is a member of (batch id order, after `after`)."""
        out = []
        for _, record in ctx.range("batch/"):
            if record["batch_id"] > after and ctx.caller.org in record["members"]:
                out.append(record)
                if len(out) >= min(limit, 500):
                    break
        return out
