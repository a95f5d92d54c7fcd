"""One error type with stable, machine-readable codes.

Every rejection in Baobab is a `BaobabError` whose `code` never changes once published:
clients, the HTTP API (RFC 9457 problem details) and the CLI all key on it. The HTTP status
is a property of the code, kept here so that there is one place for each rule. The codes here
are generic (input, identity, ledger, storage); each business domain registers its own with
`register_codes` (`baobab.vocab.errors`), and a contract's refusals are its declared reasons.
"""

from __future__ import annotations

from typing import Any

# code -> (HTTP status, short title). Add codes; never rename or reuse one.
CODES: dict[str, tuple[int, str]] = {
    # malformed input
    "MALFORMED": (400, "Malformed input"),
    "TOO_LARGE": (413, "Payload too large"),
    "FLOAT_NOT_ALLOWED": (400, "Floating-point numbers are not allowed"),
    "BAD_ARGUMENT": (400, "Invalid contract argument"),
    "BAD_MONEY": (400, "Invalid money amount or currency"),
    "BAD_POLICY": (400, "Invalid endorsement policy"),
    "BAD_GENESIS": (400, "Invalid genesis document"),
    # identity and signatures
    "UNKNOWN_ORG": (403, "Unknown organisation"),
    "UNKNOWN_IDENTITY": (403, "Unknown identity"),
    "ORG_SUSPENDED": (403, "Organisation suspended"),
    "BAD_SIGNATURE": (401, "Signature does not verify"),
    "FORBIDDEN": (403, "Not allowed"),
    # proposals and contracts
    "UNKNOWN_CONTRACT": (404, "Unknown contract"),
    "UNKNOWN_FUNCTION": (404, "Unknown contract function"),
    "CONTRACT_ERROR": (422, "Contract rejected the proposal"),
    "NONDETERMINISTIC": (500, "Endorsers disagree on the result"),
    "EXPIRED": (422, "Proposal outside the accepted time window"),
    "DUPLICATE_TXID": (409, "Transaction already submitted"),
    "ENDORSEMENT_POLICY_FAILURE": (403, "Endorsement policy not satisfied"),
    "ENDORSER_UNAVAILABLE": (503, "A required endorser is unavailable"),
    "BAD_RWSET": (422, "Result writes outside the contract's namespace"),
    "MVCC_READ_CONFLICT": (409, "Read set no longer current"),
    "PHANTOM_READ_CONFLICT": (409, "Range read no longer current"),
    "TIMEOUT": (504, "Timed out waiting for commit"),
    # queries and records
    "NOT_FOUND": (404, "Not found"),
    "WRONG_STATUS": (409, "Not allowed in the current status"),
    # HTTP API
    "UNAUTHENTICATED": (401, "Request not authenticated"),
    "REPLAYED": (401, "Request nonce already used"),
    "REQUEST_EXPIRED": (401, "Request timestamp outside the accepted window"),
    "METHOD_NOT_ALLOWED": (405, "Method not allowed"),
    "IDEMPOTENCY_KEY_REUSED": (422, "Idempotency key already used for another request"),
    "OVERSIGHT_LOG_FAILED": (503, "Supervisor read could not be recorded"),
    "PURPOSE_REQUIRED": (400, "A supervisor's read must state its purpose"),
    "RATE_LIMITED": (429, "Too many requests from this identity"),
    "TOO_MANY_STREAMS": (429, "Too many open event streams for this identity"),
    "TOO_MANY_IN_FLIGHT": (429, "Too many requests of this identity being answered at once"),
    "TOO_MANY_FAILED_AUTH": (429, "Too many failed authentications from this address"),
    "NODE_IDENTITY": (403, "This client identity is the node's own, not an application's"),
    "REQUEST_TIMEOUT": (408, "Request not received in time"),
    "INTERNAL": (500, "Internal error"),
    # storage and audit
    "STORE_MISMATCH": (500, "Stored ledger does not match its replay"),
    "CORRUPT": (500, "Stored data is corrupt"),
    "STORE_UNAVAILABLE": (503, "The ledger database is unreachable"),
    "ORDERER_UNAVAILABLE": (503, "The ordering service is unreachable"),
}


def register_codes(codes: dict[str, tuple[int, str]]) -> None:
    """Add a domain's codes (documents, oracles, finance...) beside the generic ones here.
    A code keeps one meaning: registering it again with another status or title is a bug."""
    for code, meaning in codes.items():
        if CODES.setdefault(code, meaning) != meaning:
            raise ValueError(f"error code {code!r} is already registered as {CODES[code]}")


class BaobabError(Exception):
    """A rejection with a stable code, a human-readable message and optional details."""

    def __init__(self, code: str, message: str, **detail: Any) -> None:
        if code not in CODES:
            raise ValueError(f"unregistered error code {code!r}")
        super().__init__(message)
        self.code = code
        self.message = message
        self.detail = detail

    @property
    def status(self) -> int:
        return CODES[self.code][0]

    @property
    def title(self) -> str:
        return CODES[self.code][1]

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.detail:
            out["detail"] = self.detail
        return out

    def __repr__(self) -> str:
        return f"BaobabError({self.code!r}, {self.message!r})"
