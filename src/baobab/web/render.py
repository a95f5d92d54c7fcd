"""What every page shares: its template environment, the reader's language, who is signed in.

    pages = Pages(users, sessions)
    pages.render(request, "home.html", org_name=...)   # HTML in the reader's language
    pages.signed_in(request)                           # (session, user) or None
"""

from __future__ import annotations

from pathlib import Path
from collections.abc import Callable
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from baobab.core.errors import BaobabError
from baobab.i18n import RIGHT_TO_LEFT, money, negotiate, number, translations, when
from baobab.web import figures
from baobab.web.charts import timeline
from baobab.web.sessions import COOKIE, Session, Sessions
from baobab.web.users import User, Users

TEMPLATES = Path(__file__).resolve().parent / "templates"


class Pages:
    def __init__(self, users: Users, sessions: Sessions) -> None:
        self.users, self.sessions = users, sessions
        # `_` (gettext in the reader's language) is given to each rendering, not installed
        # globally: two requests in two languages may render at once
        self.env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        lang = negotiate(request.headers.get("accept-language"))
        who = self.signed_in(request)
        html = self.env.get_template(template).render(
            lang=lang, rtl=lang in RIGHT_TO_LEFT, user=who[1] if who else None, csrf=who[0].csrf if who else "",
            _=translations(lang).gettext, money=lambda amount: money(amount, lang), number=lambda n: number(n, lang),
            date=lambda value: when(value, lang), timeline=timeline, figures=figures,
            **context)
        return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store", "Content-Language": lang})

    @staticmethod
    def say(request: Request, message: str) -> str:
        """A message written in Python, in the reader's language."""
        return translations(negotiate(request.headers.get("accept-language"))).gettext(message)

    def current(self, request: Request) -> Session | None:
        return self.sessions.get(request.cookies.get(COOKIE))

    def signed_in(self, request: Request) -> tuple[Session, User] | None:
        session = self.current(request)
        try:
            user = self.users.get(session.org, session.username) if session else None
        except BaobabError:  # the user is gone
            return None
        return (session, user) if session and user and not user.disabled else None

    def viewer(self, request: Request, allowed: Callable[[User], bool] = lambda user: True) -> User | Response:
        """The signed-in person, when they may see the page; else the answer: sign in first
        (303 to /signin) or not for you (403)."""
        who = self.signed_in(request)
        if who is None:
            return RedirectResponse("/signin", status_code=303)
        return who[1] if allowed(who[1]) else self.render(request, "forbidden.html", 403)

    def gate(self, request: Request, allowed: Callable[[User], bool] = lambda user: True) -> Response | None:
        """None when the signed-in person may see the page; else the answer (`viewer`)."""
        seen = self.viewer(request, allowed)
        return seen if isinstance(seen, Response) else None

    def acting(self, request: Request, form: dict[str, Any],
               allowed: Callable[[User], bool] = lambda user: True) -> tuple[Session, User] | None:
        """The person, if it may act: signed in, `allowed`, an officer, and the form carries its
        session's CSRF token. None otherwise (the caller answers 403 and changes nothing)."""
        who = self.signed_in(request)
        if who is None or not allowed(who[1]) or not who[1].can("officer") or not who[0].csrf_ok(str(form.get("csrf", ""))):
            return None
        return who

    @staticmethod
    async def form(request: Request) -> dict[str, Any]:
        return {k: v for k, v in (await request.form()).items()}
