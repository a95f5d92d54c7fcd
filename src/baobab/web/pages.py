"""The pages router: sign-in, a signed-in person's home, and the public document verifier.

    web_router(users, sessions, site) -> APIRouter

`site` is what the pages need of the node: `lookup(target_hash)` (the document registry's
answer for a target hash, see documents/verify.py) and `org_name(org)` / `org_roles(org)` from
membership. Forms work without JavaScript; every POST of a signed-in person carries the
session's CSRF token, and a POST without it changes nothing (403).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool

from baobab.core.errors import BaobabError
from baobab.documents.openattestation import get_data
from baobab.documents.verify import Lookup, verify
from baobab.web.render import Pages
from baobab.web.sessions import COOKIE, Sessions
from baobab.web.users import Users

HERE = Path(__file__).resolve().parent
MAX_DOCUMENT_BYTES = 2_000_000

# The pages each kind of organisation works in, by the roles genesis gives it.
SECTIONS: dict[str, list[tuple[str, str]]] = {
    "trader": [("/credits", "Credits"), ("/declarations", "Your declarations"), ("/documents", "Documents"),
               ("/payments", "Payments"), ("/undertakings", "Payment undertakings"), ("/financing", "Financing"),
               ("/oversight", "Who read our records"), ("/conditions", "Conditional payments"), ("/verify", "Verify a document"),
               ("/trace", "Traceability")],
    "bank": [("/credits", "Credits"), ("/lending", "Lending"), ("/undertakings", "Payment undertakings"),
             ("/financing", "Financing"), ("/documents", "Documents"), ("/payments", "Payments"),
             ("/oversight", "Who read our records"), ("/conditions", "Conditional payments"), ("/verify", "Verify a document")],
    "broker": [("/declarations", "Your declarations"), ("/documents", "Documents"), ("/verify", "Verify a document")],
    "customs": [("/customs", "Declarations"), ("/customs/rules", "Risk rules"), ("/documents", "Documents"),
                ("/verify", "Verify a document")],
    "regulator": [("/supervision", "Supervision"), ("/verify", "Verify a document")],
    "cooperative": [("/farmers", "Farmers"), ("/credentials/verify", "Verify a credential"), ("/trace", "Traceability")],
    "payment-provider": [("/momo", "Mobile money"), ("/farmers", "Farmers")],
}


@dataclass
class Site:
    lookup: Lookup
    org_name: Callable[[str], str]
    org_roles: Callable[[str], list[str]]
    secure_cookies: bool = False  # True behind HTTPS
    serves: Callable[[str], bool] = lambda org: True  # the organisations whose people sign in here


def flatten(data: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A document's fields as (dotted name, value) rows for people to read."""
    if isinstance(data, dict):
        return [row for k, v in data.items() for row in flatten(v, f"{prefix}.{k}" if prefix else str(k))]
    if isinstance(data, list):
        return [row for i, v in enumerate(data) for row in flatten(v, f"{prefix}[{i}]")]
    return [(prefix, "" if data is None else str(data))]


def web_router(users: Users, sessions: Sessions, site: Site) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    pages = Pages(users, sessions)
    render, say, current, form, signed_in = pages.render, pages.say, pages.current, pages.form, pages.signed_in

    @router.get("/", response_class=HTMLResponse)
    async def index(request: Request) -> Response:
        return render(request, "index.html")

    @router.get("/signin", response_class=HTMLResponse)
    async def signin_page(request: Request) -> Response:
        return render(request, "signin.html")

    @router.post("/signin")
    async def signin(request: Request) -> Response:
        f = await form(request)
        org, username = str(f.get("org", "")).strip().upper(), str(f.get("username", "")).strip().lower()
        try:
            if not site.serves(org):  # a node signs in the people of the organisations it serves alone
                raise BaobabError("BAD_CREDENTIALS", "wrong user name, password or code")
            user = await run_in_threadpool(users.sign_in, org, username, str(f.get("password", "")), str(f.get("code") or "") or None)
        except BaobabError as exc:
            locked = exc.code == "ACCOUNT_LOCKED"
            message = ("Too many failed attempts: this account is locked for a while." if locked
                       else "Wrong organisation, user name, password or code.")
            return render(request, "signin.html", 423 if locked else 401, error=say(request, message), org=org, username=username)
        sessions.end(request.cookies.get(COOKIE))  # whatever id came in is never promoted
        response = RedirectResponse("/home", status_code=303)
        response.set_cookie(COOKIE, sessions.start(user.org, user.username), httponly=True, samesite="lax",
                            secure=site.secure_cookies, path="/")
        return response

    @router.post("/signout")
    async def signout(request: Request) -> Response:
        session = current(request)
        if session is not None:
            if not session.csrf_ok(str((await form(request)).get("csrf", ""))):
                return render(request, "index.html", 403)
            sessions.end(request.cookies.get(COOKIE))
        response = RedirectResponse("/", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    @router.get("/home", response_class=HTMLResponse)
    async def home(request: Request) -> Response:
        who = signed_in(request)
        if who is None:
            return RedirectResponse("/signin", status_code=303)
        _, user = who
        sections = list(dict.fromkeys(s for role in site.org_roles(user.org) for s in SECTIONS.get(role, [])))
        if "admin" in user.roles:
            sections.append(("/admin", "Administration"))
        return render(request, "home.html", org_name=site.org_name(user.org), sections=sections)

    @router.get("/verify", response_class=HTMLResponse)
    async def verify_page(request: Request) -> Response:
        return render(request, "verify.html")

    @router.post("/verify", response_class=HTMLResponse)
    async def verify_document(request: Request) -> Response:
        data = await request.form()
        upload = data.get("file")
        raw = await upload.read(MAX_DOCUMENT_BYTES + 1) if upload is not None and hasattr(upload, "read") else b""
        if not raw:
            raw = str(data.get("text") or "").encode()
        if not raw.strip():
            return render(request, "verify.html", 400, error=say(request, "Choose a file or paste a document."))
        if len(raw) > MAX_DOCUMENT_BYTES:
            return render(request, "verify.html", 413, error=say(request, "The document is larger than 2 MB."))
        try:
            document = json.loads(raw)
        except ValueError:
            return render(request, "verify.html", 400, error=say(request, "This is not a JSON document."))
        result = await run_in_threadpool(verify, document, site.lookup)
        fields = flatten(get_data(document)) if result.intact else []  # intact: its data unsalts
        hidden = len(((document.get("privacy") or {}).get("obfuscatedData") or [])) if isinstance(document, dict) else 0
        return render(request, "verify.html", result=result, fields=fields[:200], hidden=hidden)

    return router


def mount_static(app: Any) -> None:
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
