"""A member's own records, for traders and banks alike: what the ledger holds that names them.

    /documents      the trade documents it issued and those it may read or holds title to
    /payments       what it paid and was paid through the payments backbone (every contract that
                    orders payments), with the status and the switch's settlement reference
    /undertakings   bank payment undertakings it is buyer, seller or bank of, and unmet conditions
    /financing      a platform's (bank's) financing registrations with their red and amber flags
                    and the registrations they match; a supplier's claims and their due dates
    /oversight      which supervisor read its records, when, and the purpose it stated

Each page asks the contracts as the signed-in person's organisation, so it shows what that
organisation may see and nothing else; nothing here changes the ledger.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.core.errors import BaobabError
from baobab.web.ledger import Ledger
from baobab.web.render import Pages


def _payments(ledger: Ledger, org: str, client: str) -> list[dict[str, Any]]:
    rows = []
    for contract in ledger.contracts_with("payments"):
        for i in ledger.query(org, client, contract, "payments", {}):
            rows.append({**i, "direction": "out" if i["payer"] == org else "in",
                         "counterparty": i["payee"] if i["payer"] == org else i["payer"]})
    return sorted(rows, key=lambda i: i["instructed_at"], reverse=True)


def _financing(ledger: Ledger, org: str, client: str) -> dict[str, Any]:
    registrations = ledger.query(org, client, "financing_registry", "registrations", {})
    refused = ledger.query(org, client, "financing_registry", "refusals", {})
    claims = ledger.query(org, client, "scf", "holdings", {})
    return {"registrations": list(reversed(registrations)), "refused": refused, "claims": claims}


def records_router(pages: Pages, ledger: Ledger) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def page(path: str, template: str, read: Any) -> None:
        @router.get(path, response_class=HTMLResponse, name=template)
        async def show(request: Request) -> Response:
            user = pages.viewer(request)
            if isinstance(user, Response):
                return user
            try:
                found = await run_in_threadpool(read, user.org, user.client)
            except BaobabError as exc:
                return pages.render(request, template, 503, error=exc.message)
            return pages.render(request, template, **found)

    page("/documents", "documents.html", lambda org, client: {
        "documents": ledger.query(org, client, "documents", "mine", {})})
    page("/payments", "payments.html", lambda org, client: {"payments": _payments(ledger, org, client)})
    page("/undertakings", "undertakings.html", lambda org, client: {
        "undertakings": ledger.query(org, client, "payment_undertaking", "mine", {})})
    page("/financing", "financing.html", lambda org, client: _financing(ledger, org, client))
    page("/oversight", "oversight.html", lambda org, client: {
        "reads": list(reversed(ledger.query(org, client, "oversight", "accesses", {"party": org})))})
    return router
