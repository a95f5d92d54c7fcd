"""The document registry: which trade documents were issued, by whom, and who holds title.

The ledger never holds a document's content. `issue` anchors an OpenAttestation v2 target
hash (and the Merkle root of its batch) with the document type, the issuing organisation
(the caller, whose signed proposal the ledger checks), the time, the organisations allowed to
read the content and the content's hash in the off-ledger store. `revoke` is the issuer's.

A bill of lading can be issued as a transferable record (UNCITRAL MLETR): exactly one holder
at a time, who may `endorse` it to another organisation or `surrender` it to the carrier,
which then marks it `accomplished` on delivery. Each step checks the caller is the current
holder, so a former holder can never use it again; every step is appended to the record's
history on the ledger.

A holder may also `deposit` the record with a contract that acts as escrow (a letter of
credit holds the bill while the banks examine and pay). While deposited, the holder is
whatever that contract records under `title/<target_hash>` in its own namespace, so the
credit can pass title to the applicant in the same transaction that records payment; the
next step by that holder takes the record back out of escrow.

A document about goods may record where they go (`countries`, see `contracts.jurisdiction`):
the issuer derives it from the document's own fields (`jurisdiction.from_document`) or states
it, since the registry never sees the content. Customs of those countries supervise the record.

Keys: `doc/<target_hash>`. Each record's key policy is the issuer's own endorsement.
"""

from __future__ import annotations

from typing import Any

from baobab.contracts.jurisdiction import check_countries
from baobab.contracts.trade.common import ANY_MEMBER, DOCUMENT_TYPES, bad_argument, check_hash, check_ref, org_record, reject
from baobab.contracts.trade.lc_documents import DOCUMENT_REASONS
from baobab.ledger.contract import ANY_MEMBER as EVERY_MEMBER, PARTIES, Context, Contract, ContractError, Reason, function

# The types of baobab.documents.types, named once in vocab/trade.py (a test keeps the two equal).
DOC_TYPES = DOCUMENT_TYPES
ESCROW_CONTRACTS = ("letter_of_credit",)
MAX_READERS = 64


def _key(target_hash: str) -> str:
    return f"doc/{check_hash(target_hash, 'target_hash')}"


def effective_holder(ctx: Context, record: dict[str, Any]) -> str | None:
    """Who may act on a transferable record now (None once it is closed or not transferable)."""
    title = record.get("title")
    if title is None or title["state"] != "active":
        return None
    escrow = title.get("escrow")
    if escrow is None:
        return title["holder"]
    held = ctx.read(escrow["contract"], f"title/{record['target_hash']}")
    return escrow["depositor"] if held is None else held["holder"]


class Documents(Contract):
    name = "documents"
    reasons = {
        **DOCUMENT_REASONS,
        "ALREADY_ISSUED": Reason("conflict", "The document is already issued"),
        "ALREADY_REVOKED": Reason("conflict", "The document is already revoked"),
        "DOCUMENT_NOT_FOUND": Reason("not_found", "No such document"),
        "NOT_CARRIER": Reason("forbidden", "Only the carrier may do this"),
        "NOT_HOLDER": Reason("forbidden", "Only the holder of the title may do this"),
        "NOT_ISSUER": Reason("forbidden", "Only the document's issuer may do this"),
        "NOT_SURRENDERED": Reason("conflict", "The bill of lading has not been surrendered"),
        "NOT_TRANSFERABLE": Reason("invalid", "The document is not a transferable record"),
        "REVOKED": Reason("conflict", "The document is revoked"),
        "SAME_HOLDER": Reason("invalid", "The new holder is the current holder"),
        "TITLE_CLOSED": Reason("conflict", "The title is surrendered or accomplished"),
        "UNKNOWN_ORG": Reason("invalid", "The organisation named is not an active member"),
    }

    def _record(self, ctx: Context, target_hash: str) -> dict[str, Any]:
        record = ctx.get(_key(target_hash))
        if record is None:
            reject("DOCUMENT_NOT_FOUND", f"no document {target_hash} is registered", target_hash=target_hash)
        return record

    def _readers(self, ctx: Context, orgs: list[str]) -> list[str]:
        if len(orgs) > MAX_READERS:
            bad_argument(f"at most {MAX_READERS} readers")
        for org in orgs:
            org_record(ctx, org)
        return orgs

    @function(policy=ANY_MEMBER, callers=EVERY_MEMBER)
    def issue(self, ctx: Context, target_hash: str, merkle_root: str, doc_type: str,
              readers: list[str] = [], content_hash: str | None = None,  # noqa: B006 (never mutated)
              transferable: bool = False, holder: str | None = None,
              countries: dict[str, Any] | None = None) -> dict[str, Any]:
        """Called by: any member, which becomes the issuer of the document it anchors (only a carrier
        issues a transferable bill of lading). It binds only itself."""
        key = _key(target_hash)
        check_hash(merkle_root, "merkle_root")
        if content_hash is not None:
            check_hash(content_hash, "content_hash")
        if doc_type not in DOC_TYPES:
            raise ContractError(f"unknown document type {doc_type!r}", reason="UNKNOWN_DOCUMENT_TYPE", known=list(DOC_TYPES))
        issuer = ctx.caller.org
        if ctx.get(key) is not None:
            reject("ALREADY_ISSUED", f"document {target_hash} is already registered")
        record: dict[str, Any] = {
            "target_hash": target_hash, "merkle_root": merkle_root, "doc_type": doc_type,
            "issuer": issuer, "issued_at": ctx.timestamp, "issue_tx": ctx.tx_id, "status": "issued",
            "readers": sorted({issuer, *self._readers(ctx, readers)}), "content_hash": content_hash,
        }
        if countries is not None:
            record["countries"] = check_countries(countries)
        if transferable:
            if doc_type != "bill_of_lading":
                reject("NOT_TRANSFERABLE", "only a bill of lading can be issued as a transferable record")
            if "carrier" not in ctx.caller.roles:
                reject("NOT_CARRIER", "only a carrier issues a transferable bill of lading")
            if holder is None:
                bad_argument("a transferable record needs its first holder")
            org_record(ctx, holder)
            record["title"] = {"holder": holder, "escrow": None, "state": "active",
                               "history": [self._entry(ctx, "issued", issuer, holder)]}
        elif holder is not None:
            bad_argument("only a transferable record has a holder")
        ctx.put(key, record)
        ctx.set_key_policy(key, {"org": issuer})
        ctx.emit("document_issued", {"target_hash": target_hash, "doc_type": doc_type, "issuer": issuer,
                                     "transferable": transferable})
        return self._view(ctx, record)

    @function(policy=ANY_MEMBER, callers=PARTIES)
    def revoke(self, ctx: Context, target_hash: str, reason: str) -> dict[str, Any]:
        """Called by: the issuer of the document."""
        record = self._record(ctx, target_hash)
        if record["issuer"] != ctx.caller.org:
            reject("NOT_ISSUER", f"only the issuer {record['issuer']} may revoke this document")
        if record["status"] == "revoked":
            reject("ALREADY_REVOKED", "the document is already revoked")
        if not reason.strip() or len(reason) > 500:
            bad_argument("a revocation needs a reason of 1-500 characters")
        record = {**record, "status": "revoked", "revoked_at": ctx.timestamp, "revoke_reason": reason}
        ctx.put(_key(target_hash), record)
        ctx.emit("document_revoked", {"target_hash": target_hash, "issuer": record["issuer"], "reason": reason})
        return self._view(ctx, record)

    @function(policy=ANY_MEMBER, callers=PARTIES)
    def grant(self, ctx: Context, target_hash: str, orgs: list[str]) -> dict[str, Any]:
        """Called by: the issuer or the holder. Lets more organisations read the content (e.g. customs)."""
        record = self._record(ctx, target_hash)
        if ctx.caller.org not in (record["issuer"], effective_holder(ctx, record)):
            reject("NOT_ISSUER", "only the issuer or the holder may grant read access")
        readers = sorted(set(record["readers"]) | set(self._readers(ctx, orgs)))
        if len(readers) > MAX_READERS:
            bad_argument(f"at most {MAX_READERS} readers")
        record = {**record, "readers": readers}
        ctx.put(_key(target_hash), record)
        ctx.emit("document_access_granted", {"target_hash": target_hash, "orgs": sorted(set(orgs))})
        return self._view(ctx, record)

    # --- transferable records -----------------------------------------------------------

    def _title_for_holder(self, ctx: Context, target_hash: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """The record and its title, if the caller is the current holder and may act."""
        record = self._record(ctx, target_hash)
        title = record.get("title")
        if title is None:
            reject("NOT_TRANSFERABLE", "the document is not a transferable record")
        if record["status"] == "revoked":
            reject("REVOKED", "the document has been revoked by its issuer")
        if title["state"] != "active":
            reject("TITLE_CLOSED", f"the record was {title['state']} and cannot be used again", state=title["state"])
        holder = effective_holder(ctx, record)
        if holder != ctx.caller.org:
            reject("NOT_HOLDER", f"{ctx.caller.org} is not the holder of this record", holder=holder)
        return record, title

    def _entry(self, ctx: Context, action: str, by: str, to: str | None, **extra: Any) -> dict[str, Any]:
        return {"action": action, "by": by, "to": to, "at": ctx.timestamp, "tx": ctx.tx_id, **extra}

    def _put_title(self, ctx: Context, record: dict[str, Any], title: dict[str, Any], event: str) -> dict[str, Any]:
        record = {**record, "title": title}
        ctx.put(_key(record["target_hash"]), record)
        last = title["history"][-1]
        ctx.emit(event, {"target_hash": record["target_hash"], "by": last["by"], "to": last["to"]})
        return self._view(ctx, record)

    def _released(self, ctx: Context, title: dict[str, Any], record: dict[str, Any]) -> list[dict[str, Any]]:
        """History, with the escrow's own transfers folded in when the record leaves escrow."""
        history = list(title["history"])
        if title.get("escrow"):
            held = ctx.read(title["escrow"]["contract"], f"title/{record['target_hash']}")
            history += (held or {}).get("history", [])
        return history

    @function(policy=ANY_MEMBER, callers=PARTIES)
    def endorse(self, ctx: Context, target_hash: str, to: str) -> dict[str, Any]:
        """Called by: the holder of the transferable record, which passes it to another member."""
        record, title = self._title_for_holder(ctx, target_hash)
        org_record(ctx, to)
        if to == ctx.caller.org:
            reject("SAME_HOLDER", "a record cannot be endorsed to its own holder")
        history = self._released(ctx, title, record) + [self._entry(ctx, "endorsed", ctx.caller.org, to)]
        return self._put_title(ctx, record, {**title, "holder": to, "escrow": None, "history": history}, "title_endorsed")

    @function(policy=ANY_MEMBER, callers=PARTIES)
    def surrender(self, ctx: Context, target_hash: str) -> dict[str, Any]:
        """Called by: the holder. Gives the record back to the carrier (its issuer) to take delivery."""
        record, title = self._title_for_holder(ctx, target_hash)
        carrier = record["issuer"]
        history = self._released(ctx, title, record) + [self._entry(ctx, "surrendered", ctx.caller.org, carrier)]
        title = {**title, "holder": carrier, "escrow": None, "state": "surrendered",
                 "surrendered_by": ctx.caller.org, "history": history}
        return self._put_title(ctx, record, title, "title_surrendered")

    @function(policy=ANY_MEMBER, callers=PARTIES)
    def accomplish(self, ctx: Context, target_hash: str) -> dict[str, Any]:
        """Called by: the carrier that issued the record. Records delivery of the goods against the surrendered record."""
        record = self._record(ctx, target_hash)
        title = record.get("title")
        if title is None:
            reject("NOT_TRANSFERABLE", "the document is not a transferable record")
        if record["issuer"] != ctx.caller.org:
            reject("NOT_ISSUER", "only the carrier that issued the record may accomplish it")
        if title["state"] != "surrendered":
            reject("NOT_SURRENDERED", "the record must be surrendered before delivery", state=title["state"])
        history = title["history"] + [self._entry(ctx, "accomplished", ctx.caller.org, title["surrendered_by"])]
        return self._put_title(ctx, record, {**title, "state": "accomplished", "history": history}, "title_accomplished")

    @function(policy=ANY_MEMBER, callers=PARTIES)
    def deposit(self, ctx: Context, target_hash: str, contract: str, ref: str) -> dict[str, Any]:
        """Called by: the holder. Puts the record in the escrow of a contract (e.g. the credit it is presented under)."""
        if contract not in ESCROW_CONTRACTS:
            bad_argument(f"{contract!r} cannot hold records in escrow; known: {list(ESCROW_CONTRACTS)}")
        check_ref(ref, "ref")
        record, title = self._title_for_holder(ctx, target_hash)
        if ctx.read(contract, f"title/{target_hash}") is not None:
            reject("TITLE_CLOSED", f"{contract} already held this record once; it cannot take it again")
        escrow = {"contract": contract, "ref": ref, "depositor": ctx.caller.org}
        history = self._released(ctx, title, record) + [
            self._entry(ctx, "deposited", ctx.caller.org, None, escrow=f"{contract}/{ref}")]
        return self._put_title(ctx, record, {**title, "holder": None, "escrow": escrow, "history": history}, "title_deposited")

    # --- queries --------------------------------------------------------------------------

    def _view(self, ctx: Context, record: dict[str, Any]) -> dict[str, Any]:
        """What anyone may know about a document; content hash and readers only for readers."""
        out = {k: record[k] for k in ("target_hash", "merkle_root", "doc_type", "issuer", "issued_at",
                                      "issue_tx", "status")}
        out["issued"] = True
        if record["status"] == "revoked":
            out.update(revoked_at=record["revoked_at"], revoke_reason=record["revoke_reason"])
        title = record.get("title")
        out["transferable"] = title is not None
        if title is not None:
            holder = effective_holder(ctx, record) if title["state"] == "active" else title["holder"]
            out["title"] = {"holder": holder, "state": title["state"], "escrow": title["escrow"],
                            "history": self._released(ctx, title, record) if title["escrow"] else title["history"]}
        if self._may_read(ctx, record):
            out.update(readers=record["readers"], content_hash=record["content_hash"])
            if "countries" in record:
                out["countries"] = record["countries"]
        return out

    def _may_read(self, ctx: Context, record: dict[str, Any]) -> bool:
        org = ctx.caller.org
        return org in record["readers"] or (record.get("title") is not None and org == effective_holder(ctx, record))

    @function(query=True, callers=EVERY_MEMBER)
    def status(self, ctx: Context, target_hash: str) -> dict[str, Any]:
        """Called by: any member. Registry facts about a target hash ({"issued": false} if it was never
        registered); the content hash and readers only for its readers."""
        record = ctx.get(_key(target_hash))
        if record is None:
            return {"target_hash": target_hash, "issued": False}
        return self._view(ctx, record)

    @function(query=True, callers=EVERY_MEMBER)
    def mine(self, ctx: Context) -> list[dict[str, Any]]:
        """Called by: any member, about itself only: the documents it issued, may read or holds title
        to, newest first, each as `status` shows it to the caller with `issued_by_me`."""
        out = []
        for _, record in ctx.range("doc/"):
            if isinstance(record, dict) and (record["issuer"] == ctx.caller.org or self._may_read(ctx, record)):
                out.append({**self._view(ctx, record), "issued_by_me": record["issuer"] == ctx.caller.org})
        return sorted(out, key=lambda d: d["issued_at"], reverse=True)

    @function(query=True, callers=EVERY_MEMBER)
    def access(self, ctx: Context, target_hash: str) -> dict[str, Any]:
        """Called by: any member, about itself: may it read the content, and under which hash is it stored?"""
        record = self._record(ctx, target_hash)
        allowed = self._may_read(ctx, record)
        return {"target_hash": target_hash, "allowed": allowed,
                "content_hash": record["content_hash"] if allowed else None}
