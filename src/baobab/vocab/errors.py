"""The error codes of Baobab's business domains, beside core's generic ones.

Trade documents, oracle observations and payment conditions, and invoices refused before they
reach a contract are checked by code shared between contracts and services; their codes are
registered here, once, by importing this module (each module that raises one does). A
contract's refusals are not codes: they are its declared reasons (CONTRACT_ERROR with `reason`,
`ledger.contract.Reason`). When one of these checks refuses inside a contract, the runtime
answers it as that contract's reason of the same name, which the contract declares
(`contracts/oracles/reasons.py`, `contracts/trade/lc_documents.py`; docs/REASONS.md).
"""

from __future__ import annotations

from baobab.core.errors import register_codes

DOMAIN_CODES: dict[str, tuple[int, str]] = {
    # trade documents (baobab.documents, the document registry and the credit's presentations)
    "BAD_DOCUMENT": (400, "Invalid trade document"),
    "UNKNOWN_DOCUMENT_TYPE": (400, "Unknown trade document type"),
    # invoices offered for financing (baobab.risk.normalise)
    "BAD_INVOICE": (400, "Invalid financeable document"),
    # oracle observations and conditional payments (baobab.oracles, contracts/oracles)
    "BAD_OBSERVATION": (400, "Invalid oracle observation"),
    "OBSERVATION_REPLAYED": (409, "Oracle observation already used"),
    "OBSERVATION_STALE": (422, "Oracle observation too old"),
    "OBSERVATION_FUTURE": (422, "Oracle observation dated in the future"),
    "BAD_CONDITION": (400, "Invalid payment condition"),
}

register_codes(DOMAIN_CODES)
