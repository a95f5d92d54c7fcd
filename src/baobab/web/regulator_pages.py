"""The regulator's pages: the institutions it supervises, the suspicious transaction reports
filed with it, statistics, and exports.

    /supervision                 supervised institutions (the members of its country that move
                                 money: banks, payment providers), the STRs filed with it (the
                                 `suspicious_reports` contract) and how many each filer made
    /supervision/acknowledge     acknowledge a report with the regulator's own reference
                                 (officer, CSRF); a refusal by the contract changes nothing
    /supervision/institutions.csv, /supervision/reports.csv   the same lists for its own tools

Only users of an organisation with the `regulator` role see them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.core.errors import BaobabError
from baobab.core.money import Money
from baobab.web.charts import bars
from baobab.web.ledger import Ledger
from baobab.web.render import Pages
from baobab.web.users import User

SUPERVISED_ROLES = ("bank", "payment-provider")
STR = "suspicious_reports"


def supervised(members: list[dict[str, Any]], country: str) -> list[dict[str, Any]]:
    return sorted((m for m in members if m.get("country") == country and set(m.get("roles") or []) & set(SUPERVISED_ROLES)),
                  key=lambda m: m["id"])


def _csv(rows: list[list[Any]], name: str) -> Response:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


def _institution_rows(found: dict[str, Any]) -> list[list[Any]]:
    return [["id", "name", "country", "roles", "status", "reports_filed"]] + [
        [m["id"], m["name"], m["country"], " ".join(m["roles"]), m["status"],
         found["summary"].get(m["id"], {}).get("reports", 0)] for m in found["institutions"]]


def _report_rows(found: dict[str, Any]) -> list[list[Any]]:
    return [["id", "filer", "activity", "currency", "amount", "filed_at", "status", "regulator_reference"]] + [
        [r["id"], r["filer"], r["activity"], r["amount"]["currency"], str(Money.from_json(r["amount"]).decimal),
         r["filed_at"], r["status"], r["regulator_reference"] or ""] for r in found["reports"]]


def regulator_router(pages: Pages, ledger: Ledger, org_roles, org_country) -> APIRouter:  # type: ignore[no-untyped-def]
    router = APIRouter(include_in_schema=False)

    def of_regulator(user: User) -> bool:
        return "regulator" in org_roles(user.org)

    def read(user: User) -> dict[str, Any]:
        institutions = supervised(ledger.members(), org_country(user.org))
        reports = ledger.query(user.org, user.client, STR, "received", {})
        summary = ledger.query(user.org, user.client, STR, "summary", {})
        return {"institutions": institutions, "reports": list(reversed(reports)), "summary": summary}

    async def overview(request: Request, status: int = 200, error: str | None = None) -> Response:
        _, user = pages.signed_in(request)  # type: ignore[misc]
        found = await run_in_threadpool(read, user)
        chart = bars([(filer, s["reports"], str(s["reports"])) for filer, s in sorted(found["summary"].items())],
                     pages.say(request, "Reports filed, by institution")) if found["summary"] else None
        return pages.render(request, "supervision.html", status, chart=chart, error=error, **found)

    @router.get("/supervision", response_class=HTMLResponse)
    async def supervision(request: Request) -> Response:
        return pages.gate(request, of_regulator) or await overview(request)

    @router.post("/supervision/acknowledge")
    async def acknowledge(request: Request) -> Response:
        form = await pages.form(request)
        who = pages.acting(request, form, of_regulator)
        if who is None:
            return pages.render(request, "forbidden.html", 403)
        args = {"report_id": str(form.get("report_id", "")), "reference": str(form.get("reference", "")).strip()[:64]}
        try:
            await run_in_threadpool(ledger.submit, who[1].org, who[1].client, STR, "acknowledge", args)
        except BaobabError as exc:
            return await overview(request, 409 if exc.status == 409 else 422, error=exc.message)
        return RedirectResponse("/supervision", status_code=303)

    async def export(request: Request, table: Callable[[dict[str, Any]], list[list[Any]]], name: str) -> Response:
        """A CSV of what the regulator reads, for the regulator alone."""
        user = pages.viewer(request, of_regulator)
        if isinstance(user, Response):
            return user
        return _csv(table(await run_in_threadpool(read, user)), name)

    @router.get("/supervision/institutions.csv")
    async def institutions_csv(request: Request) -> Response:
        return await export(request, _institution_rows, "institutions.csv")

    @router.get("/supervision/reports.csv")
    async def reports_csv(request: Request) -> Response:
        return await export(request, _report_rows, "reports.csv")

    return router
