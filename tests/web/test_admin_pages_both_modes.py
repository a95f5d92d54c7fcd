"""The organisation's administrator on its page, in both modes: adds a user, locks and unlocks
it, resets its password, requires a second factor; issues an API token for a script that works
as `Authorization: Bearer` on the API and stops working the moment it is revoked. An examiner
cannot reach the page, and one organisation's administrator cannot touch another's users or
tokens."""

from __future__ import annotations

import re

import httpx
import pyotp
import pytest

from baobab.stories import soybeans as soy
from tests.web.live import PASSWORD, Live
from tests.web.test_pages_both_modes import csrf_of, view

pytestmark = [pytest.mark.services, pytest.mark.slow]
BANK, OTHER = soy.ISSUING, soy.APPLICANT  # two organisations served by the same node in both modes
NEW_PASSWORD = "a much longer passphrase"


def signs_in(live: Live, org: str, name: str, password: str = PASSWORD, code: str = "") -> int:
    with live.browser(org) as b:
        return b.post("/signin", data={"org": org, "username": name, "password": password, "code": code}).status_code


def test_the_administrator_manages_its_users(live: Live) -> None:
    admin = live.sign_in(BANK, "chief", "admin")
    page = view(admin, "/admin")
    assert "chief" in page and "/admin" in view(admin, "/home")
    kofi = f"kofi-{live.mode}"
    r = admin.post("/admin/users", data={"csrf": csrf_of(page), "username": kofi, "password": PASSWORD,
                                         "role": ["viewer"], "client": "app"})
    assert r.status_code == 303, r.text[-1500:]
    assert signs_in(live, BANK, kofi) == 303
    again = admin.post("/admin/users", data={"csrf": csrf_of(page), "username": kofi, "password": PASSWORD,
                                             "role": ["viewer"], "client": "app"})
    assert again.status_code == 409 and "already has a user" in again.text

    with live.browser(BANK) as person:  # kofi is signed in when the administrator locks the account
        assert person.post("/signin", data={"org": BANK, "username": kofi, "password": PASSWORD}).status_code == 303
        assert admin.post(f"/admin/users/{kofi}/lock", data={"csrf": csrf_of(page)}).status_code == 303
        assert person.get("/home").status_code == 303  # signed out at once
    assert signs_in(live, BANK, kofi) == 423
    assert admin.post(f"/admin/users/{kofi}/unlock", data={"csrf": csrf_of(page)}).status_code == 303
    assert signs_in(live, BANK, kofi) == 303

    assert admin.post(f"/admin/users/{kofi}/password", data={"csrf": csrf_of(page), "password": NEW_PASSWORD}).status_code == 303
    assert signs_in(live, BANK, kofi) == 401 and signs_in(live, BANK, kofi, NEW_PASSWORD) == 303

    shown = admin.post(f"/admin/users/{kofi}/totp", data={"csrf": csrf_of(page)})
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', shown.text).group(1)  # type: ignore[union-attr]
    assert signs_in(live, BANK, kofi, NEW_PASSWORD) == 401
    assert signs_in(live, BANK, kofi, NEW_PASSWORD, pyotp.TOTP(secret).now()) == 303
    assert secret not in view(admin, "/admin")  # shown once

    r = admin.post(f"/admin/users/{kofi}/roles", data={"csrf": csrf_of(page), "role": ["officer", "viewer"], "client": "app"})
    assert r.status_code == 303 and "officer, viewer" in view(admin, "/admin")
    if "/admin/users/admin/lock" in view(admin, "/admin"):  # the demo's own administrator (embedded): locked, it no longer counts
        assert admin.post("/admin/users/admin/lock", data={"csrf": csrf_of(page)}).status_code == 303
    alone = admin.post("/admin/users/chief/roles", data={"csrf": csrf_of(page), "role": ["viewer"], "client": "app"})
    assert alone.status_code == 409 and "at least one administrator" in alone.text  # the last admin stays one


def test_a_scripts_token_works_on_the_api_until_revoked(live: Live) -> None:
    admin = live.sign_in(BANK, "chief", "admin")
    page = view(admin, "/admin")
    shown = admin.post("/admin/tokens", data={"csrf": csrf_of(page), "client": "app", "days": "30"})
    assert shown.status_code == 200, shown.text[-1500:]
    token = re.search(r'id="token">([A-Za-z0-9_-]+)<', shown.text).group(1)  # type: ignore[union-attr]
    api = httpx.Client(base_url=live.url_of(BANK), headers={"Authorization": f"Bearer {token}"}, timeout=60)
    assert api.get("/v1/head").status_code == 200
    listed = api.get("/v1/auth/tokens").json()
    ours = [t for t in listed if t["identity"] == f"{BANK}/app"]
    assert ours and token not in view(admin, "/admin")  # listed by id, never the token itself
    token_id = ours[-1]["id"]
    assert token_id in view(admin, "/admin")

    assert admin.post("/admin/tokens", data={"csrf": csrf_of(page), "client": "audit", "days": "30"}).status_code in (404, 409, 422)
    assert admin.post("/admin/tokens", data={"csrf": csrf_of(page), "client": "app", "days": "9999"}).status_code == 422

    # another organisation's administrator on the same node cannot revoke it, nor touch our users
    other = live.sign_in(OTHER, "boss", "admin")
    theirs = view(other, "/admin")
    assert "chief" not in theirs and token_id not in theirs
    assert other.post(f"/admin/tokens/{token_id}/revoke", data={"csrf": csrf_of(theirs)}).status_code == 404
    assert other.post("/admin/users/chief/lock", data={"csrf": csrf_of(theirs)}).status_code == 404
    assert api.get("/v1/head").status_code == 200 and signs_in(live, BANK, "chief") == 303

    assert admin.post(f"/admin/tokens/{token_id}/revoke", data={"csrf": csrf_of(page)}).status_code == 303
    assert api.get("/v1/head").status_code == 401  # revoked: refused on the very next request


def test_an_examiner_cannot_reach_the_administration(live: Live) -> None:
    examiner = live.sign_in(BANK, "examiner")  # an officer, not an administrator
    assert examiner.get("/admin").status_code == 403
    csrf = csrf_of(view(examiner, "/home"))
    for path, data in (("/admin/users", {"username": "intruder", "password": PASSWORD, "role": ["admin"]}),
                       ("/admin/users/examiner/roles", {"role": ["admin"], "client": "app"}),
                       ("/admin/tokens", {"client": "app", "days": "30"})):
        assert examiner.post(path, data={"csrf": csrf, **data}).status_code == 403
    assert signs_in(live, BANK, "intruder") == 401 and 'href="/admin"' not in view(examiner, "/home")
    # without the session's CSRF token, the administrator's own form changes nothing
    admin = live.sign_in(BANK, "chief", "admin")
    assert admin.post("/admin/users", data={"username": "forged", "password": PASSWORD, "role": ["admin"]}).status_code == 403
    assert signs_in(live, BANK, "forged") == 401
