"""The customs officer's pages: the declarations lodged with the office, with their risk channel
and every flag's explanation, and the decision after control (release or reject, with a note).

For users of an organisation with the `customs` role; deciding needs the `officer` user role and
the session's CSRF token. A refused decision is shown with its reason and changes nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.core.errors import BaobabError
from baobab.web.ledger import Ledger
from baobab.web.render import Pages
from baobab.web.users import User

CONTRACT = "customs_declarations"


def customs_router(pages: Pages, ledger: Ledger, org_roles) -> APIRouter:  # type: ignore[no-untyped-def]
    router = APIRouter(include_in_schema=False)

    def of_customs(user: User) -> bool:
        return "customs" in org_roles(user.org)

    async def queue(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
        _, user = pages.signed_in(request)  # type: ignore[misc]
        rows = await run_in_threadpool(ledger.query, user.org, user.client, CONTRACT, "queue", {})
        return pages.render(request, "customs.html", status, declarations=list(reversed(rows)), error=error)

    @router.get("/customs", response_class=HTMLResponse)
    async def overview(request: Request) -> Response:
        return pages.gate(request, of_customs) or await queue(request)

    @router.post("/customs/decide")
    async def decide(request: Request) -> Response:
        form = await pages.form(request)
        who = pages.acting(request, form, of_customs)
        if who is None:
            return pages.render(request, "forbidden.html", 403)
        args = {"declaration_id": str(form.get("declaration_id", "")), "outcome": str(form.get("outcome", "")),
                "note": str(form.get("note", ""))[:1000]}
        try:
            await run_in_threadpool(ledger.submit, who[1].org, who[1].client, CONTRACT, "decide", args)
        except BaobabError as exc:
            return await queue(request, 409 if exc.status == 409 else 422, error=exc.message)
        return RedirectResponse("/customs", status_code=303)

    return router
