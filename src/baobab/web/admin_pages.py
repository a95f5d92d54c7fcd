"""The organisation's administration page: its users and its scripts' API tokens.

    /admin                                  users of the administrator's organisation, its live tokens
    /admin/users                            add a user (name, first password, roles, client identity)
    /admin/users/{name}/roles               set a user's roles and the client identity it acts as
    /admin/users/{name}/lock|unlock         lock an account until unlocked (its sessions end at once)
    /admin/users/{name}/password            set a new password (its sessions end)
    /admin/users/{name}/totp                require a second factor: a new TOTP secret, shown once
    /admin/tokens                           issue a bearer token for a script, as one of the
                                            organisation's client identities; shown once, kept hashed
    /admin/tokens/{id}/revoke               revoke it: the next request bearing it is refused

Only users with the `admin` role see it, and only for their own organisation: a name or token
of another organisation is not found. Every act carries the session's CSRF token; a refused act
(an existing name, a short password, the last administrator) is shown with its reason and
changes nothing. Tokens are the API's (`api/auth.py`): the same table, the same checks, revoked
too when the organisation's membership changes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyotp
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.api.auth import SCRIPT_TOKEN_MAX_DAYS, Authenticator
from baobab.core.errors import BaobabError
from baobab.web.render import Pages
from baobab.web.sessions import Sessions
from baobab.web.users import MIN_PASSWORD, USER_ROLES, User, Users

TOKEN_DAYS = (30, 90, SCRIPT_TOKEN_MAX_DAYS)

# Refusals people read on the page, in their language (the Python message is English).
REFUSALS = {
    "USER_EXISTS": "This organisation already has a user with this name.",
    "LAST_ADMIN": "The organisation must keep at least one administrator who can sign in.",
    "NOT_FOUND": "No such user or token in your organisation.",
    "MALFORMED": "Check the form: a user name is 2 to 32 letters, digits, dots, dashes or underscores; "
                 "a password has at least 12 characters; choose at least one role.",
    "UNKNOWN_IDENTITY": "Choose one of your organisation's client identities.",
    "NODE_IDENTITY": "Choose one of your organisation's client identities.",
}


def is_admin(user: User) -> bool:
    return "admin" in user.roles


def admin_router(pages: Pages, users: Users, sessions: Sessions, auth: Callable[[], Authenticator],
                 clients_of: Callable[[str], list[str]]) -> APIRouter:
    """`auth()`: the node's API authenticator (its token table); `clients_of(org)`: the client
    identities of the organisation a script may act as."""
    router = APIRouter(include_in_schema=False)

    async def page(request: Request, status: int = 200, error: str | None = None, **shown: Any) -> Response:
        who = pages.signed_in(request)
        org = who[1].org  # type: ignore[index]
        found = await run_in_threadpool(lambda: (users.of(org), auth().tokens_of(org)))
        return pages.render(request, "admin.html", status, people=found[0], tokens=found[1], clients=clients_of(org),
                            roles=sorted(USER_ROLES), days=TOKEN_DAYS, min_password=MIN_PASSWORD, error=error, **shown)

    async def acting(request: Request) -> tuple[User, Any] | Response:
        """The administrator and the form, if the form carries its session's CSRF token."""
        form = await request.form()
        who = pages.signed_in(request)
        if who is None or not is_admin(who[1]) or not who[0].csrf_ok(str(form.get("csrf", ""))):
            return pages.render(request, "forbidden.html", 403)
        return who[1], form

    async def act(request: Request, do: Callable[[User, Any], Any], shown: Callable[[Any], dict[str, Any]] | None = None) -> Response:
        """Run an act of the administrator; a refusal is shown on the page and changes nothing."""
        acted = await acting(request)
        if isinstance(acted, Response):
            return acted
        admin, form = acted
        try:
            result = await run_in_threadpool(do, admin, form)
        except BaobabError as exc:
            message = pages.say(request, REFUSALS[exc.code]) if exc.code in REFUSALS else exc.message
            return await page(request, exc.status if exc.status in (404, 409, 422) else 422, error=message)
        if shown is not None:  # a secret shown once, in this answer alone (never in a URL, never stored)
            return await page(request, **shown(result))
        return RedirectResponse("/admin", status_code=303)

    def roles_of(form: Any) -> list[str]:
        return [r for r in form.getlist("role") if r in USER_ROLES]

    def client_of(admin: User, form: Any) -> str:
        client = str(form.get("client", "app"))
        if client not in clients_of(admin.org):
            raise BaobabError("UNKNOWN_IDENTITY", f"{admin.org} has no client identity {client!r}")
        return client

    @router.get("/admin", response_class=HTMLResponse)
    async def overview(request: Request) -> Response:
        return pages.gate(request, is_admin) or await page(request)

    @router.post("/admin/users")
    async def add(request: Request) -> Response:
        return await act(request, lambda admin, f: users.add(
            admin.org, str(f.get("username", "")).strip().lower(), str(f.get("password", "")), roles_of(f),
            client=client_of(admin, f)))

    @router.post("/admin/users/{username}/roles")
    async def set_roles(request: Request, username: str) -> Response:
        return await act(request, lambda admin, f: users.set_roles(admin.org, username, roles_of(f), client_of(admin, f)))

    def on_user(username: str, act_name: str) -> Callable[[User, Any], Any] | None:
        """What each of the administrator's buttons on a user does."""
        def lock(admin: User, f: Any) -> None:
            users.set_locked(admin.org, username, True)
            sessions.end_all(admin.org, username)  # a locked person is signed out at once

        def unlock(admin: User, f: Any) -> None:
            users.set_locked(admin.org, username, False)

        def password(admin: User, f: Any) -> None:
            users.set_password(admin.org, username, str(f.get("password", "")))
            sessions.end_all(admin.org, username)  # whoever knew the old password is signed out

        def totp(admin: User, f: Any) -> dict[str, Any]:
            users.get(admin.org, username)
            secret = users.enable_totp(admin.org, username)
            return {"username": username, "secret": secret,
                    "uri": pyotp.TOTP(secret).provisioning_uri(name=f"{admin.org}/{username}", issuer_name="Baobab")}
        return {"lock": lock, "unlock": unlock, "password": password, "totp": totp}.get(act_name)

    @router.post("/admin/users/{username}/{act_name}")
    async def on_a_user(request: Request, username: str, act_name: str) -> Response:
        do = on_user(username, act_name)
        if do is None:
            return pages.render(request, "forbidden.html", 404)
        return await act(request, do, (lambda found: {"totp": found}) if act_name == "totp" else None)

    @router.post("/admin/tokens")
    async def issue(request: Request) -> Response:
        def do(admin: User, f: Any) -> dict[str, Any]:
            days = int(f.get("days", "0")) if str(f.get("days", "")).isdigit() else 0
            return auth().issue_script_token(f"{admin.org}/{client_of(admin, f)}", days)
        return await act(request, do, lambda token: {"issued": token})

    @router.post("/admin/tokens/{token_id}/revoke")
    async def revoke(request: Request, token_id: str) -> Response:
        return await act(request, lambda admin, f: auth().revoke_token_of(admin.org, token_id))

    return router
