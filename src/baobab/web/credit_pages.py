"""Credits, for the people who work them: a trader's credits and a bank's credit desk.

`/credits` lists the letters of credit the organisation is party to, with its role on each, the
amount and what is still available, and the presentation under way: every discrepancy with the
UCP 600 article it breaks, and the days left for the bank's decision (art. 14(b), 16(d)). The
acts are those of the person's organisation on that credit: the deciding bank honours or refuses
a presentation, the applicant waives its discrepancies. Acts need the `officer` user role and the
session's CSRF token; a refusal by the contract is shown with its reason and changes nothing.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.core.errors import BaobabError
from baobab.web.ledger import Ledger
from baobab.web.render import Pages

CONTRACT = "letter_of_credit"
DECIDING_BANKS = ("issuing_bank", "confirming_bank", "nominated_bank")
ACTS = {"honour": DECIDING_BANKS, "refuse": DECIDING_BANKS, "waive": ("applicant",)}


def days_left(due: str | None, today: date) -> int | None:
    return None if not due else (date.fromisoformat(due[:10]) - today).days


def view_of(lc: dict[str, Any], today: date) -> dict[str, Any]:
    """What the page shows of one credit: the current presentation and the acts open to the viewer."""
    current = lc["presentations"][-1] if lc["presentations"] else None
    exam = (current or {}).get("examination") or {}
    acts = []
    if current is not None:
        roles = set(lc["my_roles"])
        if current["status"] == "examined" and roles & set(DECIDING_BANKS):
            acts += ["honour"] + (["refuse"] if exam.get("discrepancies") else [])
        if current["status"] in ("examined", "refused") and "applicant" in roles and exam.get("discrepancies"):
            acts.append("waive")
        if current["status"] == "waived" and roles & set(DECIDING_BANKS):
            acts.append("honour")
    return {"lc": lc, "current": current, "discrepancies": exam.get("discrepancies", []),
            "days_left": days_left(exam.get("decision_due"), today), "acts": acts}


def credit_router(pages: Pages, ledger: Ledger) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    async def listing(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
        _, user = pages.signed_in(request)  # type: ignore[misc]
        credits = await run_in_threadpool(ledger.query, user.org, user.client, CONTRACT, "mine", {})
        today = datetime.now(timezone.utc).date()
        return pages.render(request, "credits.html", status, credits=[view_of(lc, today) for lc in credits], error=error)

    @router.get("/credits", response_class=HTMLResponse)
    async def credits(request: Request) -> Response:
        return pages.gate(request) or await listing(request)

    @router.post("/credits/act")
    async def act(request: Request) -> Response:
        form = await pages.form(request)
        act = str(form.get("act", ""))
        who = pages.acting(request, form)
        if who is None or act not in ACTS:
            return pages.render(request, "forbidden.html", 403)
        try:
            await run_in_threadpool(ledger.submit, who[1].org, who[1].client, CONTRACT, act, {"lc_id": str(form.get("lc_id", ""))})
        except BaobabError as exc:
            return await listing(request, exc.status if exc.status in (403, 404, 409, 422) else 422, error=exc.message)
        return RedirectResponse("/credits", status_code=303)

    return router
