"""The switch operator's pages: each participant's liquidity and position against its net debit
cap, the settlement windows with their net report, and the two acts of settlement (close the
open window; record that the settlement bank has moved the nets), and the latest cross-currency
quotes as their payers saw them: what arrives, every fee, the margin and the total cost.

Only users of the operating organisation see them; acts need the `officer` role and the
session's CSRF token, and a refused act changes nothing.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.pay.errors import FspiopError
from baobab.pay.fx_quotes import recent_fx_quotes
from baobab.pay.switch import CLOSED, PENDING_SETTLEMENT, Switch
from baobab.web.figures import position_paths
from baobab.web.render import Pages
from baobab.web.users import User


def switch_router(pages: Pages, switch: Switch, operator: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def of_operator(user: User) -> bool:
        return user.org == operator

    async def page(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
        positions = await run_in_threadpool(switch.positions)
        windows = await run_in_threadpool(switch.windows)
        reports = {w["id"]: await run_in_threadpool(switch.settlement_report, w["id"])
                   for w in windows if w["state"] in (CLOSED, PENDING_SETTLEMENT)}
        caps = {(p["fsp"], p["currency"]): p["net_debit_cap"] for p in positions}
        over = {w["id"]: position_paths(await run_in_threadpool(switch.window_transfers, w["id"]), caps)
                for w in windows[:2]}  # the open window and the one before it
        fx_quotes = await run_in_threadpool(recent_fx_quotes, switch.db)  # what payers were shown (pay/fx_quotes.py)
        return pages.render(request, "switch.html", status, positions=positions, windows=windows, reports=reports,
                            over=over, fx_quotes=fx_quotes, error=error)

    @router.get("/switch", response_class=HTMLResponse)
    async def overview(request: Request) -> Response:
        return pages.gate(request, of_operator) or await page(request)

    @router.post("/switch/windows/{window_id}/{act}")
    async def settle(request: Request, window_id: int, act: str) -> Response:
        if pages.acting(request, await pages.form(request), of_operator) is None:
            return pages.render(request, "forbidden.html", 403)
        acts = {"close": lambda: switch.close_window() if window_id == switch.windows(1)[0]["id"] else _not_open(window_id),
                "start": lambda: switch.start_settlement(window_id), "settled": lambda: switch.settle(window_id)}
        if act not in acts:
            return pages.render(request, "forbidden.html", 404)
        try:
            await run_in_threadpool(acts[act])
        except FspiopError as exc:
            return await page(request, 409, error=exc.description)
        return RedirectResponse("/switch", status_code=303)

    return router


def _not_open(window_id: int) -> None:
    raise FspiopError("3100", f"window {window_id} is not the open window")
