"""Authenticating API callers: a signed request (see `signing.py`) or a short-lived bearer
token issued against one. Never a shared password. Unknown, suspended or mis-signed callers,
stale timestamps and replayed nonces are refused.

A token is bound to the version of its organisation's membership record when it is issued:
any governance change to that record (suspension, reinstatement, re-keying, new roles)
revokes every token of the organisation, so a token of a suspended organisation never works
again, not even after reinstatement. Tokens are listed and revoked by their organisation.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from baobab.api import signing
from baobab.api.memory import ApiMemory
from baobab.contracts.oversight import AUDIT_CLIENT
from baobab.core.errors import BaobabError
from baobab.core.keys import b64e
from baobab.gateway import Caller, LedgerView, Membership, now_rfc3339, org_key, parse_time

NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
TOKEN_TTL_S = 900  # a bearer token lives 15 minutes
SCRIPT_TOKEN_MAX_DAYS = 365  # a script's token, issued on the administration page
TOKENS_PER_IDENTITY = 16  # an identity's newest tokens; issuing another revokes the oldest
NODE_CLIENTS = frozenset({AUDIT_CLIENT})  # identities the node itself signs with (the access log's writer)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def bearer_token(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization", "")
    return value[7:].strip() if value.lower().startswith("bearer ") else None


def _rfc3339(epoch_s: float) -> str:
    return datetime.fromtimestamp(epoch_s, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Authenticator:
    def __init__(self, view: LedgerView, memory: ApiMemory) -> None:
        self.view, self.memory = view, memory
        self.window_s = int(view.genesis["time_window_s"])

    def members(self) -> Membership:
        return self.view.members()

    def authenticate(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Caller:
        members = self.members()
        token = bearer_token(headers)
        if token is not None:
            return self._token_caller(members, token)
        identity, timestamp = headers.get(signing.IDENTITY), headers.get(signing.TIMESTAMP)
        nonce, signature = headers.get(signing.NONCE), headers.get(signing.SIGNATURE)
        if not (identity and timestamp and nonce and signature):
            raise BaobabError("UNAUTHENTICATED", f"sign the request ({signing.IDENTITY}, {signing.TIMESTAMP}, "
                              f"{signing.NONCE}, {signing.SIGNATURE}) or send a bearer token")
        try:
            skew = abs(parse_time(now_rfc3339()) - parse_time(timestamp))
        except BaobabError:
            raise BaobabError("REQUEST_EXPIRED", f"{signing.TIMESTAMP} must be RFC 3339 UTC, e.g. 2026-06-30T12:00:00Z") from None
        if skew > timedelta(seconds=self.window_s):
            raise BaobabError("REQUEST_EXPIRED", f"request time is more than {self.window_s} s from the node's clock")
        if not NONCE.match(nonce):
            raise BaobabError("UNAUTHENTICATED", f"{signing.NONCE} must be 16-64 of A-Z a-z 0-9 _ -")
        caller, key = members.caller(identity)
        message = signing.request_message(self.view.network, identity, method, target, timestamp, nonce, body)
        if not key.verify(signing.PURPOSE, message, signature):
            raise BaobabError("BAD_SIGNATURE", f"request signature does not verify for {identity}")
        # Only after the signature verifies, so nobody can burn another caller's nonces.
        if not self.memory.use_nonce(identity, nonce, 2 * self.window_s):
            raise BaobabError("REPLAYED", "this request was already received (nonce reused)")
        if caller.client in NODE_CLIENTS:
            raise BaobabError("NODE_IDENTITY", f"{identity} is the node's: it signs the supervisor-read log, "
                              "never an application's request; use an application client of the organisation")
        return caller

    # --- tokens -------------------------------------------------------------------------

    def _org_version(self, org: str) -> str:
        """The version (block, tx) of the organisation's membership record: it changes with
        every governance act on the organisation."""
        found = self.view.get(org_key(org))
        return "" if found is None else json.dumps(list(found[1]))

    def _token_caller(self, members: Membership, token: str) -> Caller:
        record = self.memory.token(_token_hash(token))
        if record is None:
            raise BaobabError("UNAUTHENTICATED", "unknown, expired or revoked token; sign a request for a new one")
        org = record["org"]
        version = self._org_version(org)
        if record["org_version"] != version:
            self.memory.revoke_tokens(org=org, unless_version=version)
            raise BaobabError("UNAUTHENTICATED", f"token revoked: {org}'s membership changed since it was issued "
                              "(suspended, reinstated or re-keyed); sign a request for a new one")
        return members.caller(record["identity"])[0]

    def issue_token(self, caller: Caller, headers: Mapping[str, str]) -> dict[str, Any]:
        """A new token for a caller who signed this request (a token cannot renew itself)."""
        if bearer_token(headers) is not None:
            raise BaobabError("FORBIDDEN", "a token is issued only against a signed request, not another token")
        return self._issue(caller, TOKEN_TTL_S)

    def issue_script_token(self, identity: str, days: int) -> dict[str, Any]:
        """A token for a script, issued by the organisation's administrator on its pages: for
        one of its client identities (not the node's own), valid `days` (at most a year)."""
        caller = self.members().caller(identity)[0]
        if caller.client in NODE_CLIENTS:
            raise BaobabError("NODE_IDENTITY", f"{identity} is the node's: scripts use an application client")
        if not 1 <= days <= SCRIPT_TOKEN_MAX_DAYS:
            raise BaobabError("MALFORMED", f"a script's token lives 1 to {SCRIPT_TOKEN_MAX_DAYS} days")
        return self._issue(caller, days * 86400)

    def _issue(self, caller: Caller, ttl_s: int) -> dict[str, Any]:
        # only the token's SHA-256 is kept: the token itself is shown once, to whoever asked
        token, issued = b64e(os.urandom(32)), time.time()
        record = {"id": b64e(os.urandom(12)), "identity": caller.identity, "org": caller.org,
                  "org_version": self._org_version(caller.org), "issued": issued, "expires": issued + ttl_s}
        self.memory.add_token(_token_hash(token), record, TOKENS_PER_IDENTITY)
        return {"token": token, "token_type": "Bearer", "id": record["id"], "expires_in": ttl_s,
                "expires": _rfc3339(record["expires"]), "identity": caller.identity}

    def tokens(self, caller: Caller) -> list[dict[str, Any]]:
        """The live tokens of the caller's organisation (never the tokens themselves)."""
        return self.tokens_of(caller.org)

    def tokens_of(self, org: str) -> list[dict[str, Any]]:
        version = self._org_version(org)
        self.memory.revoke_tokens(org=org, unless_version=version)
        return [{"id": t["id"], "identity": t["identity"], "issued": _rfc3339(t["issued"]),
                 "expires": _rfc3339(t["expires"])} for t in self.memory.tokens_of(org)]

    def revoke_token(self, caller: Caller, token_id: str) -> dict[str, Any]:
        """Revoke one of the caller's organisation's tokens."""
        return self.revoke_token_of(caller.org, token_id)

    def revoke_token_of(self, org: str, token_id: str) -> dict[str, Any]:
        """Revoke one of `org`'s tokens, at once: the next request bearing it is refused."""
        if not self.memory.revoke_tokens(org=org, token_id=token_id):
            raise BaobabError("NOT_FOUND", f"{org} has no live token {token_id}")
        return {"id": token_id, "revoked": True}
