"""The stable error codes of verifiable credentials (one place; see core/errors.py)."""

from __future__ import annotations

from baobab.core.errors import register_codes

register_codes({
    "BAD_CREDENTIAL": (400, "Not a valid verifiable credential"),
    "BAD_DID": (400, "Not a did:key identifier this network can resolve"),
    "BAD_PROOF": (400, "The Data Integrity proof is malformed or does not verify"),
    "BAD_PRESENTATION": (400, "Not a valid verifiable presentation"),
    "CREDENTIAL_REFUSED": (422, "The credential does not pass verification"),
    "PRESENTATION_REFUSED": (422, "The presentation does not pass verification"),
    "CONSENT_MISSING": (403, "The person's consent to the custody of their key is not recorded"),
})
