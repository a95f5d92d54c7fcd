"""Bearer tokens: short-lived, listed and revoked by their organisation, revoked for good by any
change to the organisation's membership (issue 11, item 3)."""

from __future__ import annotations

from baobab.core.keys import PrivateKey
from tests.security.conftest import Served
from tests.security.helpers import bearer, govern, problem, send


def new_token(node: Served, org: str, name: str = "app") -> dict:  # type: ignore[type-arg]
    return node.client(org, name).request("POST", "/v1/auth/token").json()  # type: ignore[no-any-return]


def works(node: Served, org: str, token: str) -> bool:
    response = send(node, "GET", "/v1/head", bearer(token), org=org)
    if response.status_code == 200:
        return True
    problem(response, 401, "UNAUTHENTICATED")
    return False


def test_a_token_is_short_lived_and_listed_without_its_secret(node: Served) -> None:
    issued = new_token(node, "TRADER")
    assert issued["expires_in"] <= 900 and works(node, "TRADER", issued["token"])
    listed = node.client("TRADER", "ops").request("GET", "/v1/auth/tokens").json()
    mine = [t for t in listed if t["id"] == issued["id"]]
    assert mine == [{"id": issued["id"], "identity": "TRADER/app", "issued": mine[0]["issued"],
                     "expires": issued["expires"]}]
    assert issued["token"] not in str(listed)


def test_a_revoked_token_stops_working_at_once(node: Served) -> None:
    issued = new_token(node, "TRADER")
    answer = node.client("TRADER", "ops").request("DELETE", f"/v1/auth/tokens/{issued['id']}").json()
    assert answer == {"id": issued["id"], "revoked": True}
    assert not works(node, "TRADER", issued["token"])
    listed = node.client("TRADER").request("GET", "/v1/auth/tokens").json()
    assert issued["id"] not in [t["id"] for t in listed]


def test_a_token_may_revoke_itself(node: Served) -> None:
    issued = new_token(node, "TRADER")
    assert send(node, "DELETE", f"/v1/auth/tokens/{issued['id']}", bearer(issued["token"]), org="TRADER").status_code == 200
    assert not works(node, "TRADER", issued["token"])


def test_an_organisation_sees_and_revokes_only_its_own_tokens(node: Served) -> None:
    theirs = new_token(node, "KEBANK")
    mallory = node.client("TRADER")
    assert theirs["id"] not in [t["id"] for t in mallory.request("GET", "/v1/auth/tokens").json()]
    problem(send(node, "DELETE", f"/v1/auth/tokens/{theirs['id']}",
                 bearer(new_token(node, "TRADER")["token"]), org="TRADER"), 404, "NOT_FOUND")
    assert works(node, "KEBANK", theirs["token"])


def test_a_token_cannot_obtain_another_token(node: Served) -> None:
    issued = new_token(node, "TRADER")
    problem(send(node, "POST", "/v1/auth/token", bearer(issued["token"]), org="TRADER"), 403, "FORBIDDEN")


def test_a_suspended_organisations_token_never_works_again(node: Served) -> None:
    before = new_token(node, "CUSTOMS")
    govern(node, "suspend_org", org_id="CUSTOMS", reason="inquiry")
    assert not works(node, "CUSTOMS", before["token"])
    govern(node, "reinstate_org", org_id="CUSTOMS", reason="cleared")
    assert not works(node, "CUSTOMS", before["token"])  # reinstatement does not bring old tokens back
    after = new_token(node, "CUSTOMS")  # a signed request gets a new one
    assert works(node, "CUSTOMS", after["token"])
    assert [t["id"] for t in node.client("CUSTOMS").request("GET", "/v1/auth/tokens").json()] == [after["id"]]


def test_rekeying_an_organisation_revokes_its_tokens(node: Served) -> None:
    issued = new_token(node, "ARBANK")
    record = node.client("ARBANK").query("governance", "get_org", {"org_id": "ARBANK"})
    keys = {**record["clients"], "spare": PrivateKey.generate().public.text}
    govern(node, "rekey_org", org_id="ARBANK", clients=keys)
    assert not works(node, "ARBANK", issued["token"])


def test_rotating_its_own_keys_revokes_an_organisations_tokens(node: Served) -> None:
    issued = new_token(node, "MYBANK", "ops")
    spare = {"spare": PrivateKey.generate().public.text}
    assert node.client("MYBANK").submit("governance", "rotate_keys", {"clients": spare})["code"] == "VALID"
    assert not works(node, "MYBANK", issued["token"])
