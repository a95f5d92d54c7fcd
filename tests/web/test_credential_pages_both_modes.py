"""The credential pages served by `baobab up` and by `baobab node`: a credential issued by the
cooperative is shown valid by the public verifier, and not valid once revoked; the lender's page
gives a challenge and the cooperative's page its farmers, in both modes."""

from __future__ import annotations

import json

import pytest

from baobab.credentials.credential import Signer
from baobab.credentials.issuer import Claim, Issuer
from tests.web.live import Live

pytestmark = [pytest.mark.services, pytest.mark.slow]
AGENT, LENDER = "ZM-AGRI", "ZM-MFI"


def test_a_credential_is_verified_on_the_page_and_its_revocation_seen_in_both_modes(live: Live) -> None:
    issuer = Issuer(live.actors()(AGENT), Signer.generate())
    issuer.register()
    vc = issuer.issue(Claim(["RegisteredFarmerCredential"], {"id": Signer.generate().did, "name": "Mwila Banda"}))
    public = live.browser(LENDER)
    page = public.post("/credentials/verify", data={"text": json.dumps(vc)})
    assert page.status_code == 200 and "yes: ZM-AGRI" in page.text and "Mwila Banda" in page.text
    assert "Not valid" not in page.text
    issuer.revoke(vc, "registered twice")
    assert "Not valid" in public.post("/credentials/verify", data={"text": json.dumps(vc)}).text
    lending = live.sign_in(LENDER, "bwalya").get("/lending")
    assert lending.status_code == 200 and "<dt>Challenge</dt>" in lending.text
    assert live.sign_in(AGENT, "mutale").get("/farmers").status_code == 200
