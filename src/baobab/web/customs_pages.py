"""The customs pages.

For an organisation with the `customs` role (`/customs`): the declarations lodged with the office,
newest first, with their risk channel and every flag explained, the documents they were built
from, the assessment line by line and whether it is paid; the certificates of origin and of
conformity sent to the office; and the acts of each step: screen with the office's rules (the
price filters compare with the office's own past declarations), assess at an exchange rate with
the certificates utilised, release once paid, reject; receive a certificate (the officer uploads
the document or verifiable credential received: the ledger refuses one that is not what the
issuer recorded), use it on a declaration, or reject it. Acting
needs the `officer` user role and the session's CSRF token; a refusal is shown with its reason
and changes nothing. Statistics download as CSV or JSON.

For a trader or broker (`/declarations`): its own declarations and their statuses, why one was
flagged, what it owes and whether it is paid. Both download a declaration as WCO Data Model 3.6
XML (`/declarations/{id}.xml`).
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.core.errors import BaobabError
from baobab.customs import regional, statistics, wco
from baobab.customs.certificates import credential_hash
from baobab.core.money import MINOR_UNITS
from baobab.customs import risk
from baobab.contracts.customs.risk_rules import KINDS
from baobab.documents.openattestation import digest_document
from baobab.web.ledger import Ledger
from baobab.web.render import Pages
from baobab.web.users import User

CONTRACT, CERTIFICATES, RULES = "customs_declarations", "customs_certificates", "customs_risk"
MAX_UPLOAD = 2_000_000
RULE_FIELDS = ("id", "kind", "channel", "reason", "match", "share", "iqr_factor", "z_limit")
RULE_NUMBERS = ("minimum", "min_comparables")


def customs_router(pages: Pages, ledger: Ledger, org_roles, region: Any = None) -> APIRouter:  # type: ignore[no-untyped-def]
    """`region()`: the sources of the region's statistics (`customs.regional.collect`), if this node offers them."""
    router = APIRouter(include_in_schema=False)

    def of_customs(user: User) -> bool:
        return "customs" in org_roles(user.org)

    def declarant(user: User) -> bool:
        return bool({"trader", "broker"} & set(org_roles(user.org)))

    async def ask(user: User, contract: str, function: str, args: dict[str, Any]) -> Any:
        return await run_in_threadpool(ledger.query, user.org, user.client, contract, function, args)

    async def office(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
        _, user = pages.signed_in(request)  # type: ignore[misc]
        rows = await ask(user, CONTRACT, "queue", {})
        certs = await ask(user, CERTIFICATES, "addressed", {})
        certs = [c for c in certs if c["importing_customs"] == user.org]
        outcomes = {o["declaration"]: o for o in await ask(user, RULES, "outcomes", {})}
        open_ids = [d["id"] for d in rows if d["status"] not in ("released", "rejected")]
        return pages.render(request, "customs.html", status, declarations=list(reversed(rows)), error=error,
                            certificates=list(reversed(certs)), open_ids=open_ids, share=_percent, outcomes=outcomes)

    async def rules_page(request: Request, status: int = 200, error: str | None = None) -> HTMLResponse:
        _, user = pages.signed_in(request)  # type: ignore[misc]
        record = await ask(user, RULES, "rules", {})
        rates = risk.hit_rates(await ask(user, RULES, "outcomes", {}))
        return pages.render(request, "customs_rules.html", status, error=error, version=record["version"],
                            rules=risk.office_rules(record), rates=rates, kinds=KINDS,
                            changes=list(reversed(record["changes"]))[:30])

    async def act(request: Request, contract: str, function: str, args: Any, back: str = "/customs") -> Response:
        """Run one act of an officer from a form, or show why it was refused."""
        form = await pages.form(request)
        who = pages.acting(request, form, of_customs)
        if who is None:
            return pages.render(request, "forbidden.html", 403)
        try:
            values = await args(who[1], form) if callable(args) else {k: str(form.get(k, ""))[:1000] for k in args}
            await run_in_threadpool(ledger.submit, who[1].org, who[1].client, contract, function, values)
        except BaobabError as exc:
            again = rules_page if back == "/customs/rules" else office
            return await again(request, 409 if exc.status == 409 else 422, error=exc.message)
        return RedirectResponse(back, status_code=303)

    @router.get("/customs", response_class=HTMLResponse)
    async def overview(request: Request) -> Response:
        return pages.gate(request, of_customs) or await office(request)

    @router.post("/customs/decide")
    async def decide(request: Request) -> Response:
        return await act(request, CONTRACT, "decide", ("declaration_id", "outcome", "note"))

    @router.post("/customs/screen")
    async def screen(request: Request) -> Response:
        async def args(user: User, form: dict[str, Any]) -> dict[str, Any]:
            queue = await ask(user, CONTRACT, "queue", {})
            record = next((d for d in queue if d["id"] == form.get("declaration_id")), None)
            if record is None:
                raise BaobabError("NOT_FOUND", f"no declaration {form.get('declaration_id')!r} at this office")
            return risk.screen_at_office(queue, record, await ask(user, RULES, "rules", {}),
                                         await ask(user, RULES, "outcomes", {}), await ask(user, CONTRACT, "shared", {}))
        return await act(request, CONTRACT, "screen", args)

    @router.post("/customs/outcome")
    async def outcome(request: Request) -> Response:
        async def args(user: User, form: dict[str, Any]) -> dict[str, Any]:
            declaration_id = str(form.get("declaration_id", ""))
            record = await ask(user, CONTRACT, "get", {"declaration_id": declaration_id})
            adjusted = {}
            for item in record["items"]:
                text = str(form.get(f"adjusted-{item['n']}", "")).strip()
                if text:
                    adjusted[str(item["n"])] = _minor(request, text, item["value"]["currency"])
            return {"declaration_id": declaration_id, "found": form.get("found") == "yes", "adjusted_values": adjusted,
                    "note": str(form.get("note", ""))[:500], "officer": user.username}
        return await act(request, RULES, "record_outcome", args)

    @router.get("/customs/rules", response_class=HTMLResponse)
    async def rules_overview(request: Request) -> Response:
        return pages.gate(request, of_customs) or await rules_page(request)

    @router.post("/customs/rules")
    async def set_rule(request: Request) -> Response:
        async def args(user: User, form: dict[str, Any]) -> dict[str, Any]:
            rule: dict[str, Any] = {k: str(form.get(k, "")).strip()[:200] for k in RULE_FIELDS if str(form.get(k, "")).strip()}
            for k in RULE_NUMBERS:
                text = str(form.get(k, "")).strip()
                if text:
                    rule[k] = int(text) if text.isdigit() and len(text) < 7 else text
            rule["enabled"] = form.get("enabled", "yes") == "yes"
            return {"rule": rule, "officer": user.username}
        return await act(request, RULES, "set_rule", args, "/customs/rules")

    @router.post("/customs/rules/enable")
    async def enable_rule(request: Request) -> Response:
        async def args(user: User, form: dict[str, Any]) -> dict[str, Any]:
            return {"rule_id": str(form.get("rule_id", ""))[:32], "enabled": form.get("enabled") == "yes",
                    "officer": user.username}
        return await act(request, RULES, "enable_rule", args, "/customs/rules")

    @router.post("/customs/assess")
    async def assess(request: Request) -> Response:
        async def args(user: User, form: dict[str, Any]) -> dict[str, Any]:
            certificates = [c for c in str(form.get("certificates", "")).replace(",", " ").split() if c]
            return {"declaration_id": str(form.get("declaration_id", "")), "exchange_rate": str(form.get("exchange_rate", "1")).strip(),
                    "certificates": certificates, "note": str(form.get("note", ""))[:500]}
        return await act(request, CONTRACT, "assess", args)

    @router.post("/customs/certificates/receive")
    async def receive(request: Request) -> Response:
        async def args(user: User, form: dict[str, Any]) -> dict[str, Any]:
            upload = form.get("document")
            raw = await upload.read(MAX_UPLOAD + 1) if hasattr(upload, "read") else b""
            try:
                received = json.loads(raw) if 0 < len(raw) <= MAX_UPLOAD else None
                digest = None if not isinstance(received, dict) else \
                    credential_hash(received) if "credentialSubject" in received else digest_document(received)
            except (ValueError, TypeError, KeyError, AttributeError):
                digest = None
            if digest is None:
                raise BaobabError("BAD_DOCUMENT", pages.say(request, "Upload the certificate's document as received (a JSON file)."))
            return {"certificate_id": str(form.get("certificate_id", "")), "target_hash": digest}
        return await act(request, CERTIFICATES, "receive", args)

    @router.post("/customs/certificates/utilise")
    async def utilise(request: Request) -> Response:
        return await act(request, CERTIFICATES, "utilise", ("certificate_id", "declaration_id"))

    @router.post("/customs/certificates/reject")
    async def reject(request: Request) -> Response:
        return await act(request, CERTIFICATES, "reject", ("certificate_id", "reason"))

    @router.get("/customs/statistics/{table}.{fmt}")
    async def export(request: Request, table: str, fmt: str) -> Response:
        user = pages.viewer(request, of_customs)
        if isinstance(user, Response):
            return user
        if table not in (*statistics.TABLES, "regional") or fmt not in ("csv", "json") or table == "regional" and not region:
            return PlainTextResponse("unknown table or format", status_code=404)
        if table == "regional":
            text = regional.export(await run_in_threadpool(region), fmt)
        else:
            text = statistics.export(table, await ask(user, CONTRACT, "queue", {}), fmt)
        media = "text/csv" if fmt == "csv" else "application/json"
        return Response(text, media_type=media, headers={"Content-Disposition": f'attachment; filename="{table}.{fmt}"'})

    @router.get("/declarations", response_class=HTMLResponse)
    async def mine(request: Request) -> Response:
        user = pages.viewer(request, declarant)
        if isinstance(user, Response):
            return user
        rows = await ask(user, CONTRACT, "mine", {})
        return pages.render(request, "declarations.html", declarations=list(reversed(rows)), share=_percent)

    @router.get("/declarations/{declaration_id:path}.xml")
    async def xml(request: Request, declaration_id: str) -> Response:
        user = pages.viewer(request, lambda u: of_customs(u) or declarant(u))
        if isinstance(user, Response):
            return user
        try:
            record = await ask(user, CONTRACT, "get", {"declaration_id": declaration_id})
        except BaobabError:
            return pages.render(request, "forbidden.html", 404)
        body = await run_in_threadpool(wco.declaration_xml, record)
        return Response(body, media_type="application/xml",
                        headers={"Content-Disposition": f'attachment; filename="{declaration_id.replace("/", "_")}.xml"'})

    return router


def _percent(rate: str) -> str:
    return f"{Decimal(rate).normalize():f} %"


def _minor(request: Request, text: str, currency: str) -> int:
    """A customs value typed as a decimal amount of `currency`, in its minor units."""
    try:
        value = Decimal(text.replace(",", "")).scaleb(MINOR_UNITS[currency])
    except ArithmeticError:
        value = Decimal(-1)
    if not value.is_finite() or value < 0 or value != value.to_integral_value():
        raise BaobabError("BAD_ARGUMENT", f"{text!r} is not an amount of {currency}")
    return int(value)
