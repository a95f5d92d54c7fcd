"""Issuing and verifying credentials and presentations: what a verifier relies on."""

from __future__ import annotations

import base64
import gzip
from datetime import datetime, timezone
from typing import Any

import pytest

from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey
from baobab.credentials import data_integrity, status_list
from baobab.credentials.credential import Signer, StatusLists, credential, issue, verify_credential
from baobab.credentials.did_key import did_of, is_did_key, multibase_encode, resolve
from baobab.credentials.presentation import Challenges, present, verify_presentation

NOW = datetime(2026, 6, 1, tzinfo=timezone.utc)
LIST_URL = "urn:baobab:status:ZM-AGRI:revocation-1"


class Directory:
    def __init__(self, **known: str) -> None:
        self.known = {did: {"org": org} for did, org in known.items()}

    def lookup(self, did: str) -> dict[str, Any] | None:
        return self.known.get(did)


@pytest.fixture()
def agent() -> Signer:
    return Signer(PrivateKey.from_seed(bytes(range(32))))


@pytest.fixture()
def farmer() -> Signer:
    return Signer(PrivateKey.from_seed(bytes(range(1, 33))))


def delivery(agent: Signer, farmer: Signer, index: int = 7, **extra: Any) -> dict[str, Any]:
    unsigned = credential(agent.did, ["DeliveryRecord"], {"id": farmer.did, "product": "cassava", "kilograms": 850},
                          valid_from="2026-03-01T00:00:00Z", credential_id="urn:uuid:1f0e7d8c-0001",
                          status=status_list.entry(LIST_URL, index), **extra)
    return issue(unsigned, agent, created="2026-03-01T09:00:00Z")


def signed_list(agent: Signer, revoked: list[int]) -> dict[str, Any]:
    unsigned = status_list.list_credential(LIST_URL, agent.did, "revocation", revoked, "2026-03-01T00:00:00Z")
    return issue(unsigned, agent, created="2026-03-02T00:00:00Z")


def test_did_key_is_the_public_key_and_resolves_offline(agent: Signer) -> None:
    assert agent.did.startswith("did:key:z6Mk") and is_did_key(agent.did)
    did, key = resolve(agent.verification_method)
    assert did == agent.did and key == agent.key.public
    with pytest.raises(BaobabError) as wrong:
        resolve(agent.did + "#z6MkOther")
    assert wrong.value.code == "BAD_DID"
    with pytest.raises(BaobabError):  # a P-256 key's multicodec (0x1200) is not an Ed25519 key
        resolve("did:key:" + multibase_encode(b"\x80\x24" + bytes(33)))
    assert not is_did_key("did:web:example.org") and not is_did_key(did_of(agent.key.public) + "#x")


def test_a_credential_verifies_intact_known_and_not_revoked(agent: Signer, farmer: Signer) -> None:
    vc = delivery(agent, farmer)
    verdict = verify_credential(vc, now=NOW, issuers=Directory(**{agent.did: "ZM-AGRI"}),
                                status=StatusLists([signed_list(agent, [3, 9])]))
    assert verdict.ok and verdict.intact and verdict.issuer_known and verdict.not_revoked and verdict.current
    assert verdict.issuer_org == {"org": "ZM-AGRI"} and verdict.reasons == []


def test_tampered_revoked_expired_and_unknown_issuer_are_each_refused_with_the_reason(agent: Signer, farmer: Signer) -> None:
    lists = StatusLists([signed_list(agent, [7])])
    directory = Directory(**{agent.did: "ZM-AGRI"})
    vc = delivery(agent, farmer, index=8)
    tampered = {**vc, "credentialSubject": {**vc["credentialSubject"], "kilograms": 8500}}
    verdict = verify_credential(tampered, now=NOW, issuers=directory, status=lists)
    assert not verdict.ok and not verdict.intact and "the signature does not verify" in verdict.reasons

    revoked = verify_credential(delivery(agent, farmer, index=7), now=NOW, issuers=directory, status=lists)
    assert revoked.intact and revoked.not_revoked is False and not revoked.ok and "revoked" in revoked.reasons

    expiring = delivery(agent, farmer, index=8, valid_until="2026-05-01T00:00:00Z")
    expired = verify_credential(expiring, now=NOW, issuers=directory, status=lists)
    assert expired.intact and not expired.current and not expired.ok and "expired" in expired.reasons

    stranger = verify_credential(vc, now=NOW, issuers=Directory(), status=lists)
    assert stranger.intact and stranger.issuer_known is False and not stranger.ok


def test_a_credential_signed_by_a_key_other_than_its_issuers_is_not_intact(agent: Signer, farmer: Signer) -> None:
    unsigned = credential(agent.did, ["DeliveryRecord"], {"id": farmer.did}, valid_from="2026-03-01T00:00:00Z")
    with pytest.raises(BaobabError) as refused:
        issue(unsigned, farmer, created="2026-03-01T09:00:00Z")
    assert refused.value.code == "BAD_CREDENTIAL"
    forged = data_integrity.sign(unsigned, farmer.key, created="2026-03-01T09:00:00Z")  # the farmer signs as the agent
    verdict = verify_credential(forged, now=NOW)
    assert not verdict.intact and "no proof by a key the issuer controls, for assertionMethod" in verdict.reasons


def test_a_status_list_signed_by_another_issuer_is_not_believed(agent: Signer, farmer: Signer) -> None:
    forged_list = issue(status_list.list_credential(LIST_URL, farmer.did, "revocation", [], "2026-03-01T00:00:00Z"),
                        farmer, created="2026-03-02T00:00:00Z")
    verdict = verify_credential(delivery(agent, farmer), now=NOW, status=StatusLists([forged_list]))
    assert verdict.not_revoked is False and any(r.startswith("status unknown") for r in verdict.reasons)


@pytest.mark.parametrize("bad", [
    {"@context": ["https://www.w3.org/2018/credentials/v1"]},  # VC 1.1 context
    {"type": ["AlumniCredential"]},
    {"issuer": {"name": "no id"}},
    {"credentialSubject": {}},
    {"validFrom": "1 March 2026"},
    {"validUntil": "2026-01-01T00:00:00Z"},  # before validFrom
    {"credentialStatus": {"type": "StatusList2021Entry"}},
])
def test_malformed_credentials_are_refused_with_a_stable_code(agent: Signer, farmer: Signer, bad: dict[str, Any]) -> None:
    base = credential(agent.did, ["DeliveryRecord"], {"id": farmer.did}, valid_from="2026-03-01T00:00:00Z")
    with pytest.raises(BaobabError) as refused:
        issue({**base, **bad}, agent, created="2026-03-01T09:00:00Z")
    assert refused.value.code == "BAD_CREDENTIAL"
    verdict = verify_credential({**delivery(agent, farmer), **bad}, now=NOW)
    assert not verdict.ok and verdict.reasons


def test_status_list_bits_are_read_most_significant_first_and_lists_are_bounded() -> None:
    encoded = status_list.encode([0, 9, 131071])
    bits = status_list.decode(encoded)
    assert len(bits) == 16384 and bits[0] == 0x80 and bits[1] == 0x40 and bits[-1] == 0x01
    assert [i for i in (0, 1, 8, 9, 131071) if status_list.bit(bits, i)] == [0, 9, 131071]
    assert encoded == status_list.encode([131071, 9, 0])  # deterministic: the same list, the same text
    with pytest.raises(BaobabError):
        status_list.encode([5], size=1024)  # too small to hide anyone
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(bytes(20 * 1024 * 1024))).decode().rstrip("=")
    with pytest.raises(BaobabError) as refused:
        status_list.decode(bomb)
    assert refused.value.code == "BAD_CREDENTIAL"


def test_a_proof_set_and_a_proof_chain_each_verify_and_cover_what_they_say(agent: Signer, farmer: Signer) -> None:
    unsigned = credential(agent.did, ["DeliveryRecord"], {"id": farmer.did}, valid_from="2026-03-01T00:00:00Z")
    first = data_integrity.sign(unsigned, agent.key, created="2026-03-01T09:00:00Z", id="urn:proof:1")
    both = data_integrity.sign(first, farmer.key, created="2026-03-01T09:05:00Z", previousProof="urn:proof:1")
    checks = data_integrity.verify(both)
    assert [c.valid for c in checks] == [True, True] and checks[1].controller == farmer.did
    # the chained proof covers the first proof: replacing it breaks the second
    other = data_integrity.sign(unsigned, agent.key, created="2026-03-01T10:00:00Z", id="urn:proof:1")
    swapped = {**both, "proof": [other["proof"], both["proof"][1]]}
    assert [c.valid for c in data_integrity.verify(swapped)] == [True, False]
    unchained = data_integrity.sign(first, farmer.key, created="2026-03-01T09:05:00Z")  # a set: independent proofs
    assert [c.valid for c in data_integrity.verify({**unchained, "proof": [other["proof"], unchained["proof"][1]]})] == [True, True]


def test_a_presentation_is_bound_to_its_holder_and_cannot_be_replayed(agent: Signer, farmer: Signer) -> None:
    lender = Challenges()
    challenge = lender.issue()
    vp = present([delivery(agent, farmer)], farmer, challenge=challenge, domain="ZM-MFI", created="2026-06-01T08:00:00Z")
    kwargs = {"domain": "ZM-MFI", "now": NOW, "issuers": Directory(**{agent.did: "ZM-AGRI"}),
              "status": StatusLists([signed_list(agent, [])])}
    verdict = verify_presentation(vp, challenge_ok=lender.use, **kwargs)
    assert verdict.ok and verdict.holder == farmer.did and len(verdict.accepted()) == 1

    again = verify_presentation(vp, challenge_ok=lender.use, **kwargs)
    assert not again.ok and not again.fresh and again.accepted() == []

    elsewhere = verify_presentation(vp, challenge_ok=lambda c: True, **{**kwargs, "domain": "OTHER-MFI"})
    assert not elsewhere.fresh and "made for domain 'ZM-MFI', not 'OTHER-MFI'" in elsewhere.reasons


def test_someone_elses_credential_or_key_does_not_pass_as_the_holders(agent: Signer, farmer: Signer) -> None:
    neighbour = Signer(PrivateKey.from_seed(bytes(range(2, 34))))
    lender = Challenges()
    borrowed = present([delivery(agent, farmer)], neighbour, challenge=lender.issue(), domain="ZM-MFI",
                       created="2026-06-01T08:00:00Z")
    verdict = verify_presentation(borrowed, challenge_ok=lender.use, domain="ZM-MFI", now=NOW)
    assert verdict.authentic and not verdict.bound and not verdict.ok and verdict.accepted() == []

    challenge = lender.issue()
    vp = present([delivery(agent, farmer)], farmer, challenge=challenge, domain="ZM-MFI", created="2026-06-01T08:00:00Z")
    impostor = {**vp, "holder": neighbour.did}
    verdict = verify_presentation(impostor, challenge_ok=lender.use, domain="ZM-MFI", now=NOW)
    assert not verdict.authentic and not verdict.ok
