"""The pages work without JavaScript: the public verifier gives TradeTrust's three answers for a
file or pasted text; sign-in starts a fresh session; a POST without the CSRF token changes
nothing; a user only ever sees its own organisation."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from baobab.web.pages import Site, mount_static, web_router
from baobab.web.sessions import COOKIE, Sessions
from baobab.web.users import Users

VECTORS = Path(__file__).resolve().parents[1] / "documents" / "vectors" / "openattestation-v2"
PASSWORD = "correct horse battery"


def wrapped() -> dict[str, Any]:
    return json.loads((VECTORS / "not-obfuscated-wrapped.json").read_text())  # type: ignore[no-any-return]


class Registry:
    """The registry's answers for the pages' lookups: the one document it anchors, issued by KEBANK."""

    def __init__(self, document: dict[str, Any], revoked: bool = False) -> None:
        self.target = document["signature"]["targetHash"]
        self.root = document["signature"]["merkleRoot"]
        self.revoked = revoked

    def __call__(self, target_hash: str) -> dict[str, Any]:
        if target_hash != self.target:
            return {"issued": False}
        return {"issued": True, "merkle_root": self.root, "status": "revoked" if self.revoked else "issued",
                "issuer": "KEBANK", "doc_type": "commercial_invoice", "issue_tx": "ab" * 32, "revoke_reason": "error"}


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    users = Users(tmp_path / "web.sqlite")
    users.add("KEBANK", "amina", PASSWORD, ["officer"])
    users.add("MYBANK", "farid", PASSWORD, ["admin"])
    app = FastAPI()
    site = Site(lookup=Registry(wrapped()), org_name={"KEBANK": "Kenya Trade Bank", "MYBANK": "Malaysia Trade Bank"}.get,
                org_roles=lambda org: ["bank"])
    app.include_router(web_router(users, Sessions(tmp_path / "web.sqlite"), site))
    mount_static(app)
    with TestClient(app) as c:
        yield c


def sign_in(client: TestClient, org: str = "KEBANK", username: str = "amina") -> None:
    r = client.post("/signin", data={"org": org, "username": username, "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/home"


def test_the_verifier_answers_intact_issued_and_issuer_for_a_file(client: TestClient) -> None:
    r = client.post("/verify", files={"file": ("invoice.tt", json.dumps(wrapped()), "application/json")})
    assert r.status_code == 200 and "Valid" in r.text and "KEBANK" in r.text and "Not valid" not in r.text


def tamper_first_leaf(node: Any) -> bool:
    """Change the last character of the first string field found, depth first."""
    items = list(node.items()) if isinstance(node, dict) else list(enumerate(node)) if isinstance(node, list) else []
    for key, value in items:
        if isinstance(value, str):
            node[key] = value[:-1] + ("X" if value[-1:] != "X" else "Y")
            return True
        if tamper_first_leaf(value):
            return True
    return False


def test_the_verifier_refuses_a_tampered_document_pasted_as_text(client: TestClient) -> None:
    document = wrapped()
    assert tamper_first_leaf(document["data"])
    r = client.post("/verify", data={"text": json.dumps(document)})
    assert r.status_code == 200 and "Not valid" in r.text


@pytest.mark.parametrize("data, status", [({"text": ""}, 400), ({"text": "not json"}, 400)])
def test_the_verifier_explains_bad_input(client: TestClient, data: dict, status: int) -> None:  # type: ignore[type-arg]
    r = client.post("/verify", data=data)
    assert r.status_code == status and 'role="alert"' in r.text


def test_sign_in_issues_a_fresh_httponly_session(client: TestClient) -> None:
    client.cookies.set(COOKIE, "planted-by-someone-else")
    r = client.post("/signin", data={"org": "KEBANK", "username": "amina", "password": PASSWORD}, follow_redirects=False)
    cookie = r.headers["set-cookie"]
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "planted-by-someone-else" not in cookie
    client.cookies.set(COOKIE, r.cookies[COOKIE])
    home = client.get("/home")
    assert "Kenya Trade Bank" in home.text and "amina" in home.text and "Malaysia" not in home.text


def test_wrong_password_shows_one_message_for_every_cause(client: TestClient) -> None:
    wrong = client.post("/signin", data={"org": "KEBANK", "username": "amina", "password": "nope nope nope"})
    nobody = client.post("/signin", data={"org": "KEBANK", "username": "nobody", "password": PASSWORD})
    assert wrong.status_code == nobody.status_code == 401
    assert wrong.text.count('role="alert"') == nobody.text.count('role="alert"') == 1


def test_sign_out_needs_the_csrf_token(client: TestClient) -> None:
    sign_in(client)
    assert client.post("/signout", data={}).status_code == 403
    assert client.get("/home", follow_redirects=False).status_code == 200  # still signed in
    token = client.get("/home").text.split('name="csrf" value="')[1].split('"')[0]
    client.post("/signout", data={"csrf": token})
    assert client.get("/home", follow_redirects=False).status_code == 303


def test_an_arabic_reader_gets_a_right_to_left_page(client: TestClient) -> None:
    page = client.get("/verify", headers={"Accept-Language": "ar-EG,ar;q=0.9"}).text
    assert '<html lang="ar" dir="rtl">' in page


def test_pages_stay_light(client: TestClient) -> None:
    for path in ("/", "/signin", "/verify", "/static/baobab.css"):
        assert len(client.get(path).content) < 100_000, path


def test_a_session_id_planted_before_sign_in_is_ended_not_promoted(client: TestClient) -> None:
    """Session fixation: an attacker signs in, plants its own valid session id in the victim's
    browser; the victim's sign-in gets a fresh id and the planted one stops working."""
    sign_in(client, "MYBANK", "farid")
    planted = client.cookies[COOKIE]
    victim = TestClient(client.app)
    victim.cookies.set(COOKIE, planted)
    r = victim.post("/signin", data={"org": "KEBANK", "username": "amina", "password": PASSWORD}, follow_redirects=False)
    assert r.status_code == 303 and r.cookies[COOKIE] != planted
    attacker = TestClient(client.app)
    attacker.cookies.set(COOKIE, planted)
    assert attacker.get("/home", follow_redirects=False).status_code == 303  # the planted id is gone


def test_a_locked_account_and_a_replayed_code_are_refused_at_the_form(client: TestClient, tmp_path: Path) -> None:
    import time

    import pyotp

    from baobab.web.users import MAX_FAILURES

    users = Users(tmp_path / "web.sqlite")
    secret = users.enable_totp("KEBANK", "amina")
    code = pyotp.TOTP(secret).now()
    form = {"org": "KEBANK", "username": "amina", "password": PASSWORD, "code": code}
    assert client.post("/signin", data=form, follow_redirects=False).status_code == 303
    assert TestClient(client.app).post("/signin", data=form, follow_redirects=False).status_code == 401  # replayed
    for _ in range(MAX_FAILURES):
        client.post("/signin", data={**form, "password": "wrong password!"})
    next_code = pyotp.TOTP(secret).at(time.time() + 30)  # right password, unused code: still locked
    locked = client.post("/signin", data={**form, "code": next_code}, follow_redirects=False)
    assert locked.status_code == 423 and 'role="alert"' in locked.text
