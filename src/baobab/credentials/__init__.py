"""W3C Verifiable Credentials 2.0 with Data Integrity proofs (eddsa-jcs-2022), did:key
identities and Bitstring Status Lists: the one signing and verifying API of the network, for
farmers' records, certificates of origin, or any attestation an organisation issues.

    from baobab.credentials import Signer, credential, issue, verify_credential, present, verify_presentation

    signer = Signer(private_key)                       # did:key of an Ed25519 key (signer.did)
    vc = issue(credential(signer.did, ["CertificateOfOrigin"], {"id": ..., ...},
                          valid_from="2026-03-01T00:00:00Z"), signer, created="2026-03-01T09:00:00Z")
    verdict = verify_credential(vc, now=datetime.now(timezone.utc), issuers=directory, status=lists)
    verdict.ok / .intact / .issuer_known / .not_revoked / .current / .reasons

Modules: did_key (identifiers), data_integrity (proofs), credential (the data model and the
verdict), status_list (revocation and suspension), presentation (holder binding and replay).
"""

from __future__ import annotations

from baobab.credentials.credential import (IssuerDirectory, Signer, StatusLists, Verdict, check_shape, credential,
                                           issue, verify_credential)
from baobab.credentials.presentation import Challenges, PresentationVerdict, present, verify_presentation

__all__ = ["Challenges", "IssuerDirectory", "PresentationVerdict", "Signer", "StatusLists", "Verdict", "check_shape",
           "credential", "issue", "present", "verify_credential", "verify_presentation"]
