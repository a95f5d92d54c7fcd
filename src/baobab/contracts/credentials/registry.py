"""The credentials registry: which keys issue for which member, whose keys are held for whom,
and the status lists of issued credentials. Credentials themselves never come on the ledger.

    register_issuer  a member binds an Ed25519 key (its did:key) to itself, proving it holds the
                     key by a signature over {org, public_key}: verifiers answer "issuer known"
                     with the member it names
    register_holder  a cooperative, agent or wallet provider records a farmer's or small firm's key
                     it holds for them (a person without a smartphone), with the consent given:
                     how, its reference and the SHA-256 of the signed consent form
    open_list        an issuer opens a Bitstring Status List (revocation or suspension)
    reserve          an issuer takes the next indices of its list for credentials it issues
    set_status       the issuer sets (revokes, suspends) or, on a suspension list, clears an index
    issuer, holder, status_list   what verifiers read

A revocation is final; a suspension can be lifted. The published list credential is rebuilt from
`set` by anyone, so no verifier needs to trust the issuer's copy of it.
"""

from __future__ import annotations

import re
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.keys import PublicKey
from baobab.ledger.contract import ANY_MEMBER, Context, Contract, ContractError, Reason, function

EVERY_MEMBER = {"role": "*"}
ISSUER_PROOF = "credential-issuer"  # the signature purpose of a key's proof of possession
LIST_SIZE = 131_072  # bits: the Bitstring Status List minimum
PURPOSES = ("revocation", "suspension")
MAX_RESERVE = 1_000
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_HASH = re.compile(r"[0-9a-f]{64}")


def list_url(org: str, list_id: str) -> str:
    """The URL credentials name as their status list (statusListCredential)."""
    return f"urn:baobab:status:{org}:{list_id}"


def parse_list_url(url: str) -> tuple[str, str]:
    """(org, list id) of a status list URL made by `list_url`."""
    parts = url.split(":") if isinstance(url, str) else []
    if len(parts) != 5 or parts[:3] != ["urn", "baobab", "status"] or not _ID.fullmatch(parts[4]):
        raise BaobabError("BAD_ARGUMENT", f"{str(url)[:80]!r} is not a status list of this network")
    return parts[3], parts[4]


def issuer_claim(org: str, public_key: str) -> dict[str, str]:
    """What a key signs to prove that `org` holds it."""
    return {"org": org, "public_key": public_key}


def _key(text: Any) -> PublicKey:
    try:
        return PublicKey.from_text(text)
    except BaobabError:
        raise ContractError("public_key is an Ed25519 public key, 32 bytes in unpadded base64url", reason="BAD_KEY") from None


class CredentialRegistry(Contract):
    name = "credentials"
    reasons = {
        "BAD_KEY": Reason("invalid", "Not an Ed25519 public key, or no proof of holding it"),
        "BAD_CONSENT": Reason("invalid", "The holder's consent lacks its method, reference or form hash"),
        "HELD_ELSEWHERE": Reason("conflict", "The key is already held by another organisation"),
        "REVOKED_FOR_GOOD": Reason("conflict", "A revocation cannot be undone"),
        "NOT_RESERVED": Reason("invalid", "The index was never given to a credential"),
        "LIST_FULL": Reason("conflict", "The status list has no free index left"),
    }

    @function(policy=EVERY_MEMBER, callers=ANY_MEMBER)
    def register_issuer(self, ctx: Context, public_key: str, proof: str) -> dict[str, Any]:
        """Called by: any member, for its own key: `proof` is the key's signature (purpose
        credential-issuer) over {org: the caller, public_key}, so no member can claim another's key."""
        key = _key(public_key)
        if not key.verify(ISSUER_PROOF, issuer_claim(ctx.caller.org, key.text), proof):
            raise ContractError("proof is not the key's signature over {org, public_key}", reason="BAD_KEY")
        existing = ctx.get(f"issuer/{key.text}")
        if existing is not None:
            if existing["org"] != ctx.caller.org:
                raise ContractError("the key is registered to another member", reason="HELD_ELSEWHERE")
            return existing  # type: ignore[no-any-return]
        record = {"public_key": key.text, "org": ctx.caller.org, "registered_at": ctx.timestamp}
        ctx.put(f"issuer/{key.text}", record)
        ctx.emit("issuer_registered", record)
        return record

    @function(policy=EVERY_MEMBER, callers=ANY_MEMBER)
    def register_holder(self, ctx: Context, public_key: str, consent: dict[str, str]) -> dict[str, Any]:
        """Called by: the member that holds the key for its owner (a cooperative, an agent, a
        wallet provider), which becomes its custodian; `consent` is {method, reference, form_sha256}."""
        key = _key(public_key)
        if (not isinstance(consent, dict) or set(consent) != {"method", "reference", "form_sha256"}
                or not all(isinstance(v, str) and 0 < len(v) <= 200 for v in consent.values())
                or not _HASH.fullmatch(consent["form_sha256"])):
            raise ContractError("consent is {method, reference, form_sha256 (64 hex digits)}", reason="BAD_CONSENT")
        existing = ctx.get(f"holder/{key.text}")
        if existing is not None and existing["custodian"] != ctx.caller.org:
            raise ContractError(f"the key is held by {existing['custodian']}", reason="HELD_ELSEWHERE")
        record = {"public_key": key.text, "custodian": ctx.caller.org, "consent": dict(consent),
                  "registered_at": existing["registered_at"] if existing else ctx.timestamp}
        ctx.put(f"holder/{key.text}", record)
        ctx.emit("holder_registered", {"public_key": key.text, "custodian": ctx.caller.org})
        return record

    @function(policy=EVERY_MEMBER, callers=ANY_MEMBER)
    def open_list(self, ctx: Context, list_id: str, purpose: str = "revocation") -> dict[str, Any]:
        """Called by: an issuing member, for a list of its own (opening it again changes nothing)."""
        if not _ID.fullmatch(list_id):
            raise ContractError("list_id is 1-64 of A-Z a-z 0-9 _ . -")
        if purpose not in PURPOSES:
            raise ContractError(f"purpose is one of {', '.join(PURPOSES)}")
        key = f"list/{ctx.caller.org}/{list_id}"
        existing = ctx.get(key)
        if existing is not None:
            if existing["purpose"] != purpose:
                raise ContractError(f"list {list_id} is a {existing['purpose']} list", reason="ALREADY_EXISTS")
            return existing  # type: ignore[no-any-return]
        record = {"org": ctx.caller.org, "list_id": list_id, "url": list_url(ctx.caller.org, list_id),
                  "purpose": purpose, "size": LIST_SIZE, "next": 0, "set": [], "updated_at": ctx.timestamp}
        ctx.put(key, record)
        return record

    @function(policy=EVERY_MEMBER, callers=ANY_MEMBER)
    def reserve(self, ctx: Context, list_id: str, count: int = 1) -> dict[str, Any]:
        """Called by: the list's issuer: the next `count` indices, one for each credential it issues."""
        record = self._own_list(ctx, list_id)
        if not 0 < count <= MAX_RESERVE:
            raise ContractError(f"count is 1 to {MAX_RESERVE}")
        if record["next"] + count > record["size"]:
            raise ContractError(f"list {list_id} has {record['size'] - record['next']} free indices", reason="LIST_FULL")
        first = record["next"]
        ctx.put(f"list/{ctx.caller.org}/{list_id}", {**record, "next": first + count})
        return {"url": record["url"], "purpose": record["purpose"], "indices": list(range(first, first + count))}

    @function(policy=EVERY_MEMBER, callers=ANY_MEMBER)
    def set_status(self, ctx: Context, list_id: str, index: int, value: bool, reason: str = "") -> dict[str, Any]:
        """Called by: the list's issuer. True revokes (or suspends); False lifts a suspension."""
        record = self._own_list(ctx, list_id)
        if not 0 <= index < record["next"]:
            raise ContractError(f"index {index} of {list_id} was never reserved", reason="NOT_RESERVED")
        current = set(record["set"])
        if not value and record["purpose"] == "revocation" and index in current:
            raise ContractError(f"index {index} of {list_id} is revoked", reason="REVOKED_FOR_GOOD")
        updated = sorted(current | {index}) if value else sorted(current - {index})
        record = {**record, "set": updated, "updated_at": ctx.timestamp}
        ctx.put(f"list/{ctx.caller.org}/{list_id}", record)
        ctx.emit("credential_status_set", {"url": record["url"], "purpose": record["purpose"], "index": index,
                                           "value": value, "reason": str(reason)[:200]})
        return record

    @function(query=True, callers=ANY_MEMBER)
    def issuer(self, ctx: Context, public_key: str) -> dict[str, Any]:
        """Called by: any member (a verifier): the member an issuing key is registered to."""
        record = ctx.get(f"issuer/{_key(public_key).text}")
        if record is None:
            raise ContractError("no member registered this key", reason="NOT_FOUND")
        return record  # type: ignore[no-any-return]

    @function(query=True, callers=ANY_MEMBER)
    def holder(self, ctx: Context, public_key: str) -> dict[str, Any]:
        """Called by: any member: who holds a person's key for them, and the consent recorded."""
        record = ctx.get(f"holder/{_key(public_key).text}")
        if record is None:
            raise ContractError("no member holds this key", reason="NOT_FOUND")
        return record  # type: ignore[no-any-return]

    @function(query=True, callers=ANY_MEMBER)
    def status_list(self, ctx: Context, org: str, list_id: str) -> dict[str, Any]:
        """Called by: any member (a verifier): the list's purpose, size and set indices."""
        record = ctx.get(f"list/{org}/{list_id}") if _ID.fullmatch(list_id) else None
        if record is None:
            raise ContractError(f"{org} has no status list {list_id}", reason="NOT_FOUND")
        return record  # type: ignore[no-any-return]

    @staticmethod
    def _own_list(ctx: Context, list_id: str) -> dict[str, Any]:
        record = ctx.get(f"list/{ctx.caller.org}/{list_id}") if _ID.fullmatch(list_id) else None
        if record is None:
            raise ContractError(f"{ctx.caller.org} has no status list {list_id}", reason="NOT_FOUND")
        return record  # type: ignore[no-any-return]
