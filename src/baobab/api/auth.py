"""Authenticating API callers: a signed request (see `signing.py`) or a short-lived bearer
token issued against one. Never a shared password. Unknown, suspended or mis-signed callers,
stale timestamps and replayed nonces are refused."""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from baobab.api import signing
from baobab.api.memory import ApiMemory
from baobab.core.errors import BaobabError
from baobab.core.keys import b64e
from baobab.gateway import Caller, LedgerView, Membership, now_rfc3339, parse_time

NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
TOKEN_TTL_S = 900


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Authenticator:
    def __init__(self, view: LedgerView, memory: ApiMemory) -> None:
        self.view, self.memory = view, memory
        self.window_s = int(view.genesis["time_window_s"])

    def members(self) -> Membership:
        return self.view.members()

    def authenticate(self, method: str, target: str, headers: Mapping[str, str], body: bytes) -> Caller:
        members = self.members()
        bearer = headers.get("authorization", "")
        if bearer.lower().startswith("bearer "):
            identity = self.memory.token_identity(_token_hash(bearer[7:].strip()))
            if identity is None:
                raise BaobabError("UNAUTHENTICATED", "unknown or expired token")
            return members.caller(identity)[0]
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
        return caller

    def issue_token(self, caller: Caller) -> dict[str, Any]:
        token = b64e(os.urandom(32))
        expires = time.time() + TOKEN_TTL_S
        self.memory.add_token(_token_hash(token), caller.identity, expires)
        return {"token": token, "token_type": "Bearer", "expires_in": TOKEN_TTL_S, "identity": caller.identity}
