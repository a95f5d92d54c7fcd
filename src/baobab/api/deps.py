"""What every route needs: the node's API state, the authenticated caller, the JSON body."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request, Security
from fastapi.security import APIKeyHeader, HTTPBearer

from baobab.api import signing
from baobab.api.auth import Authenticator
from baobab.api.limits import admit, authenticate, guards
from baobab.api.memory import ApiMemory
from baobab.api.reads import Reads
from baobab.core.errors import BaobabError
from baobab.gateway import Caller, Gateway, LedgerView
from baobab.gateway.gateway import CATCH_UP_S

MAX_LIMIT = 500
MAX_HEIGHT = 2**53  # block numbers and sizes beyond any ledger (and within SQLite's integers)
CURSOR = {"max_length": 1024, "pattern": "^[A-Za-z0-9_-]*$"}


@dataclass
class ApiState:
    gateway: Gateway
    view: LedgerView
    data_dir: Path
    memory: ApiMemory
    auth: Authenticator
    reads: Reads


def state(request: Request) -> ApiState:
    return request.app.state.api  # type: ignore[no-any-return]


def target_of(request: Request) -> str:
    """The path and query exactly as the client sent them (what it signed)."""
    raw = request.scope.get("raw_path") or request.url.path.encode()
    query = request.scope.get("query_string", b"")
    return (raw + (b"?" + query if query else b"")).decode("latin-1")


# Declared for the OpenAPI document; `caller` reads the headers itself.
_identity = APIKeyHeader(name=signing.IDENTITY, auto_error=False, scheme_name="BaobabSignature",
                         description="ORG/client, with X-Baobab-Timestamp, X-Baobab-Nonce and X-Baobab-Signature (see docs/API.md)")
_bearer = HTTPBearer(auto_error=False, scheme_name="BaobabToken", description="token from POST /v1/auth/token")


MIN_HEIGHT = "X-Baobab-Min-Height"  # a client's causality token: the node first catches up to it


async def caller(request: Request, _id: Any = Security(_identity), _tok: Any = Security(_bearer)) -> Caller:
    """The authenticated caller, once this node has caught up to the height the client has
    seen (`X-Baobab-Min-Height`). A node serves only its own organisations' clients (in the
    embedded mode, every organisation's)."""
    st = state(request)
    seen = request.headers.get(MIN_HEIGHT)
    if seen is not None:
        if not seen.isdigit() or int(seen) > MAX_HEIGHT:
            raise BaobabError("MALFORMED", f"{MIN_HEIGHT} is a block height")
        # on the event loop: this comes before authentication, so it must cost no worker thread
        await guards(request).heights.wait_for_height(int(seen), CATCH_UP_S)
    body = await request.body()
    who = authenticate(request, lambda: st.auth.authenticate(request.method, target_of(request), request.headers, body))
    admit(request, who.identity)  # the identity's request budget and requests in flight (429 over either)
    if not st.gateway.serves(who.org):
        raise BaobabError("FORBIDDEN", f"this node does not serve {who.org}; its clients use their own node")
    return who


def _no_float(text: str) -> Any:
    raise BaobabError("FLOAT_NOT_ALLOWED", f"number {text} is not an integer; money is in integer minor units")


def _no_constant(text: str) -> Any:
    raise BaobabError("MALFORMED", f"{text} is not JSON")


def parse_json(body: bytes) -> Any:
    try:
        return json.loads(body, parse_float=_no_float, parse_constant=_no_constant)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaobabError("MALFORMED", f"request body is not JSON: {exc}") from None


async def json_body(request: Request) -> Any:
    return parse_json(await request.body())


def encode_cursor(key: str | None) -> str | None:
    return None if key is None else base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> str | None:
    """Any cursor decodes to some key: a foreign one just means "after that key"."""
    if not cursor:
        return None
    text = cursor[: len(cursor) - 1] if len(cursor) % 4 == 1 else cursor
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode("utf-8", "replace")
    except ValueError:
        raise BaobabError("MALFORMED", "a cursor is base64url text") from None
