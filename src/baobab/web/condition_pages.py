"""Conditional payments, for their parties: the agreement, its condition, and each answer's
oracle readings drawn against the contract's thresholds.

    /conditions?agreement=ID    the payer or the payee looks up an agreement (`conditional_payment.get`);
                                each answer's round (`oracles.round`) gives every oracle's reading,
                                the accepted range and the outliers; a chart per answer and a table

The contract decides who may read: anyone but its two parties is refused, with the reason shown.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.core.errors import BaobabError
from baobab.web.figures import oracle_answers
from baobab.web.ledger import Ledger
from baobab.web.render import Pages
from baobab.web.users import User

MAX_ID = 128


def condition_router(pages: Pages, ledger: Ledger) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def read(user: User, agreement_id: str) -> dict[str, Any]:
        agreement = ledger.query(user.org, user.client, "conditional_payment", "get", {"agreement_id": agreement_id})
        rounds = {answer: ledger.query(user.org, user.client, "oracles", "round", {"round_id": round_id})
                  for answer, round_id in (agreement.get("rounds") or {}).items() if round_id}
        return {"agreement": agreement, "answers": oracle_answers(agreement, rounds)}

    @router.get("/conditions", response_class=HTMLResponse)
    async def conditions(request: Request, agreement: str = "") -> Response:
        user = pages.viewer(request)
        if isinstance(user, Response):
            return user
        agreement = agreement.strip()[:MAX_ID]
        if not agreement:
            return pages.render(request, "conditions.html", asked="")
        try:
            found = await run_in_threadpool(read, user, agreement)
        except BaobabError as exc:
            status = exc.status if exc.status in (403, 404) else 422
            return pages.render(request, "conditions.html", status, asked=agreement, error=exc.message)
        return pages.render(request, "conditions.html", asked=agreement, **found)

    return router
