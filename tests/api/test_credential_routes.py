"""Credentials over HTTP in both modes: a cooperative holds a farmer's key and issues to them, a
lender verifies credentials and presentations against the ledger, revocation is seen at once,
bad input is refused with a stable code and changes nothing."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import pytest

from baobab.core.errors import BaobabError
from baobab.credentials import data_integrity, status_list

AGENT, LENDER = "ZM-AGRI", "ZM-MFI"
CONSENT = {"method": "paper form, thumbprint", "reference": "ZCGA/API",
           "form_sha256": hashlib.sha256(b"consent form").hexdigest()}


def post(node: Any, org: str, path: str, body: Any) -> Any:
    return node.client(org).request("POST", path, body=body).json()


def refused(node: Any, org: str, path: str, body: Any) -> BaobabError:
    with pytest.raises(BaobabError) as info:
        node.client(org).request("POST", path, body=body)
    return info.value


@pytest.fixture(scope="module")
def farmer(node: Any) -> str:
    held = post(node, AGENT, "/v1/holders", {"ref": f"NRC-{uuid.uuid4().hex[:8]}", "consent": CONSENT})
    assert held["did"].startswith("did:key:z6Mk")
    return str(held["did"])


def registration(node: Any, farmer: str) -> dict[str, Any]:
    return post(node, AGENT, "/v1/credentials/issue", {
        "types": ["RegisteredFarmerCredential"],
        "subject": {"id": farmer, "type": "RegisteredFarmer", "name": "Mwila Banda", "crop": "cassava"}})


def test_an_issued_credential_is_intact_known_and_kept_for_the_farmer(node: Any, farmer: str) -> None:
    vc = registration(node, farmer)
    assert [c.valid for c in data_integrity.verify(vc)] == [True]
    verdict = post(node, LENDER, "/v1/credentials/verify", {"credential": vc})
    assert verdict["ok"] and verdict["issuer_known"] and verdict["not_revoked"] and verdict["issuer_org"]["org"] == AGENT
    assert post(node, AGENT, f"/v1/holders/{farmer}/credentials", {"credential": vc})["id"] == vc["id"]
    held = node.client(AGENT).request("GET", f"/v1/holders/{farmer}/credentials").json()
    assert vc["id"] in [c["id"] for c in held]
    tampered = {**vc, "credentialSubject": {**vc["credentialSubject"], "name": "Someone Else"}}
    verdict = post(node, LENDER, "/v1/credentials/verify", {"credential": tampered})
    assert not verdict["ok"] and not verdict["intact"] and "the signature does not verify" in verdict["reasons"]


def test_a_revoked_credential_is_refused_and_the_signed_list_says_so(node: Any, farmer: str) -> None:
    vc = registration(node, farmer)
    post(node, AGENT, "/v1/credentials/revoke", {"credential": vc, "reason": "registered twice"})
    verdict = post(node, LENDER, "/v1/credentials/verify", {"credential": vc})
    assert verdict["intact"] and verdict["not_revoked"] is False and "revoked" in verdict["reasons"]
    url, index, _ = status_list.read_entry(vc["credentialStatus"])
    org, list_id = url.split(":")[3:]
    listed = node.client(AGENT).request("GET", f"/v1/credentials/status/{org}/{list_id}").json()
    assert index in listed["list"]["set"]
    signed = listed["credential"]
    assert [c.valid for c in data_integrity.verify(signed)] == [True] and status_list.is_set(signed, index, "revocation")
    assert refused(node, LENDER, "/v1/credentials/revoke", {"credential": registration(node, farmer)}).code == "NOT_FOUND"


def test_a_presentation_answers_one_challenge_of_the_lender_only_once(node: Any, farmer: str) -> None:
    vc = registration(node, farmer)
    post(node, AGENT, f"/v1/holders/{farmer}/credentials", {"credential": vc})
    asked = post(node, LENDER, "/v1/presentations/challenge", {})
    assert asked["domain"] == LENDER
    vp = post(node, AGENT, f"/v1/holders/{farmer}/presentations",
              {"challenge": asked["challenge"], "domain": LENDER, "ids": [vc["id"]]})
    assert [c["id"] for c in vp["verifiableCredential"]] == [vc["id"]]
    verdict = post(node, LENDER, "/v1/presentations/verify", {"presentation": vp})
    assert verdict["ok"] and verdict["holder"] == farmer and verdict["bound"]
    replayed = post(node, LENDER, "/v1/presentations/verify", {"presentation": vp})
    assert not replayed["ok"] and not replayed["fresh"]
    asked = post(node, LENDER, "/v1/presentations/challenge", {})
    vp = post(node, AGENT, f"/v1/holders/{farmer}/presentations",
              {"challenge": asked["challenge"], "domain": LENDER, "ids": [vc["id"]]})
    assessed = post(node, LENDER, "/v1/credit/assessments",
                    {"presentation": vp, "principal": {"currency": "ZMW", "minor": 300_000}, "months": 3})
    assert assessed["verdict"]["ok"] and assessed["assessment"]["declined"]  # an ID alone earns no credit
    assert "R03 paid sales small beside the amount asked" in assessed["assessment"]["reasons"]


def test_bad_input_is_refused_with_a_stable_code_and_changes_nothing(node: Any, farmer: str) -> None:
    registration(node, farmer)  # the issuer's key is registered and its list open
    before = node.height()
    no_holder = refused(node, AGENT, "/v1/credentials/issue", {"types": ["X"], "subject": {"name": "no id"}})
    assert (no_holder.code, no_holder.status) == ("MALFORMED", 400) and "subject.id" in no_holder.message
    float_in = refused(node, AGENT, "/v1/credentials/issue", {"types": ["X"], "subject": {"id": farmer, "kg": 1.5}})
    assert (float_in.code, float_in.status) == ("MALFORMED", 400)  # no floats: integers in minor units
    not_mine = refused(node, LENDER, "/v1/credentials/revoke", {"credential": {"credentialStatus": []}})
    assert not_mine.code == "NOT_FOUND"
    stranger = refused(node, AGENT, f"/v1/holders/did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK/presentations",
                       {"challenge": "c" * 20, "domain": LENDER})
    assert stranger.code == "NOT_FOUND"
    not_json_vc = post(node, LENDER, "/v1/credentials/verify", {"credential": {"hello": "world"}})
    assert not not_json_vc["ok"] and not_json_vc["reasons"]
    assert node.height() == before
