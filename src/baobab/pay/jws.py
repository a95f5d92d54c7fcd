"""FSPIOP request signatures (Mojaloop's JWS profile for API v1.1), with PyJWT.

The sender signs, as a detached JWS, the request body under a protected header that names the
request: `FSPIOP-URI`, `FSPIOP-HTTP-Method`, `FSPIOP-Source`, `FSPIOP-Destination` (when sent) and
`FSPIOP-Date`. It travels in the `FSPIOP-Signature` header as JSON, `{"signature", "protectedHeader"}`,
beside the `FSPIOP-URI` and `FSPIOP-HTTP-Method` headers. The switch forwards these headers
unchanged, so the receiving FSP checks the original sender's signature, not the switch's.

Mojaloop participants sign with RS256; Baobab's members hold Ed25519 keys (EdDSA). The receiver
takes the algorithm from the key it holds for the sender, never from the message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey, RSAPublicKey

from baobab.pay.errors import FspiopError

SIGNATURE, URI, METHOD = "FSPIOP-Signature", "FSPIOP-URI", "FSPIOP-HTTP-Method"
_SIGNED = {URI: URI, METHOD: METHOD, "FSPIOP-Source": "FSPIOP-Source", "FSPIOP-Destination": "FSPIOP-Destination",
           "FSPIOP-Date": "Date"}  # protected header field -> the request header it must equal
PublicKey = RSAPublicKey | Ed25519PublicKey
PrivateKey = RSAPrivateKey | Ed25519PrivateKey
KeyOf = Callable[[str], "PublicKey | None"]  # the public key registered for a participant, if any


def _algorithm(key: Any) -> str:
    return "EdDSA" if isinstance(key, (Ed25519PrivateKey, Ed25519PublicKey)) else "RS256"


def sign(key: PrivateKey, method: str, uri: str, headers: Mapping[str, str], body: bytes) -> dict[str, str]:
    """The headers to add to a request: `FSPIOP-Signature`, `FSPIOP-URI`, `FSPIOP-HTTP-Method`."""
    lower = {k.lower(): v for k, v in headers.items()}
    protected: dict[str, Any] = {URI: uri, METHOD: method.upper(), "FSPIOP-Source": lower["fspiop-source"],
                                 "FSPIOP-Date": lower["date"]}
    if "fspiop-destination" in lower:
        protected["FSPIOP-Destination"] = lower["fspiop-destination"]
    token = jwt.api_jws.PyJWS().encode(body, key, algorithm=_algorithm(key), headers={**protected, "typ": None},
                                       is_payload_detached=True)
    header, _, signature = token.split(".")
    return {SIGNATURE: json.dumps({"signature": signature, "protectedHeader": header}, separators=(",", ":")),
            URI: uri, METHOD: method.upper()}


def verify(key: PublicKey, headers: Mapping[str, str], body: bytes) -> None:
    """Check a request's FSPIOP-Signature against the sender's key and its own headers (3105 if not)."""
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        parts = json.loads(lower[SIGNATURE.lower()])
        token = f"{parts['protectedHeader']}..{parts['signature']}"
        decoded = jwt.api_jws.PyJWS().decode_complete(token, key, algorithms=[_algorithm(key)], detached_payload=body)
    except KeyError:
        raise FspiopError("3105", "FSPIOP-Signature is missing or incomplete") from None
    except (ValueError, TypeError, jwt.exceptions.PyJWTError) as exc:
        raise FspiopError("3105", f"FSPIOP-Signature does not verify: {exc}") from None
    protected = decoded["header"]
    for field, header in _SIGNED.items():
        if field in protected and protected[field] != lower.get(header.lower()):
            raise FspiopError("3105", f"the signature's {field} is not the request's {header}")
    for required in (URI, METHOD, "FSPIOP-Source", "FSPIOP-Date"):
        if required not in protected:
            raise FspiopError("3105", f"the signature's protected header lacks {required}")


def check(key_of: KeyOf, headers: Mapping[str, str], body: bytes, *, required: bool) -> None:
    """Verify the signature of a request from FSPIOP-Source when its key is registered (or `required`)."""
    lower = {k.lower(): v for k, v in headers.items()}
    key = key_of(lower.get("fspiop-source", ""))
    if key is None:
        if required:
            raise FspiopError("3105", f"no signing key is registered for {lower.get('fspiop-source')!r}")
        return
    verify(key, headers, body)


def signed_by(key_of: KeyOf, headers: Mapping[str, str], body: bytes) -> str | None:
    """The participant that signed a request (its FSPIOP-Source), if it carries a signature that
    verifies under that participant's registered key: how the switch authenticates an FSP that
    presents no other credential. None when unsigned; 3105 when signed wrongly."""
    lower = {k.lower(): v for k, v in headers.items()}
    source = lower.get("fspiop-source", "")
    if SIGNATURE.lower() not in lower or not source:
        return None
    check(key_of, headers, body, required=True)
    return source
