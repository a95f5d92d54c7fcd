"""Credential pages: anyone verifies a credential; a cooperative (or wallet provider) sees the
farmers whose keys it holds and their credentials, and revokes what it issued in error; a lender
asks for a presentation with a fresh challenge and sees it verified and scored, and its loans.

    /credentials/verify   public: paste a credential; intact, issuer known (which member), not
                          revoked, current, and what it says. Nothing is kept.
    /farmers              cooperative, payment provider: holders and their credentials
    /lending              bank: a challenge to answer, a presentation assessed, the loans made

Acts (revoke, assess) need the `officer` user role and the session's CSRF token.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.core.errors import BaobabError
from baobab.core.money import MINOR_UNITS
from baobab.credentials.credential import verify_credential
from baobab.credentials.custody import challenges_of, custody_of
from baobab.credentials.issuer import revoke_credential
from baobab.credentials.ledger import LedgerDirectory, LedgerStatus
from baobab.credentials.lending import Lender
from baobab.web.ledger import Ledger
from baobab.web.pages import flatten
from baobab.web.render import Pages
from baobab.web.users import User

MAX_PASTE = 1_000_000
CUSTODIANS = ("cooperative", "payment-provider")


class PersonActor:
    """A person's organisation on the ledger, as the credentials code's Actor."""

    def __init__(self, ledger: Ledger, org: str, client: str) -> None:
        self.ledger, self.org, self.client = ledger, org, client

    def query(self, contract: str, function: str, args: dict[str, Any]) -> Any:
        return self.ledger.query(self.org, self.client, contract, function, args)

    def submit(self, contract: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
        outcome = self.ledger.submit(self.org, self.client, contract, function, args)
        return outcome if isinstance(outcome, dict) else outcome.to_dict()


def verdict_of(actor: PersonActor, vc: Any) -> Any:
    directory = LedgerDirectory(actor)
    return verify_credential(vc, now=datetime.now(timezone.utc), issuers=directory, status=LedgerStatus(actor, directory))


def minor_units(text: str, currency: str) -> int:
    """A typed amount ("3000", "3,000.50") in the currency's minor units; Decimal, never float."""
    try:
        amount = Decimal(text.replace(",", "").strip())
    except InvalidOperation:
        raise BaobabError("BAD_MONEY", "the amount is a number") from None
    minor = amount * 10 ** MINOR_UNITS.get(currency, 2)
    if minor <= 0 or minor != minor.to_integral_value():
        raise BaobabError("BAD_MONEY", "the amount is positive, to the currency's smallest unit")
    return int(minor)


def credential_router(pages: Pages, ledger: Ledger, org_roles: Any, data: Path, operator: str) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    def has_role(*roles: str) -> Any:
        return lambda user: bool(set(roles) & set(org_roles(user.org)))

    def actor(user: User) -> PersonActor:
        return PersonActor(ledger, user.org, user.client)

    @router.get("/credentials/verify", response_class=HTMLResponse)
    async def verify_page(request: Request) -> Response:
        return pages.render(request, "credential_verify.html")

    @router.post("/credentials/verify", response_class=HTMLResponse)
    async def verify(request: Request) -> Response:
        text = str((await pages.form(request)).get("text") or "")
        if not text.strip():
            return pages.render(request, "credential_verify.html", 400, error=pages.say(request, "Paste a credential."))
        if len(text) > MAX_PASTE:
            return pages.render(request, "credential_verify.html", 413, error=pages.say(request, "The credential is larger than 1 MB."))
        try:
            vc = json.loads(text)
        except ValueError:
            return pages.render(request, "credential_verify.html", 400, error=pages.say(request, "This is not a JSON document."))
        # the public verifier reads the ledger as the network's operator does for the document verifier
        verdict = await run_in_threadpool(verdict_of, PersonActor(ledger, operator, "app"), vc)
        subject = vc.get("credentialSubject") if isinstance(vc, dict) else None
        return pages.render(request, "credential_verify.html", verdict=verdict,
                            types=[t for t in (vc.get("type") or []) if t != "VerifiableCredential"] if isinstance(vc, dict) else [],
                            fields=flatten(subject)[:200] if verdict.intact else [])

    async def farmers_page(request: Request, status: int = 200, error: str | None = None) -> Response:
        _, user = pages.signed_in(request)  # type: ignore[misc]
        store = custody_of(request.app, data).holders(user.org)
        me = actor(user)

        def rows() -> list[dict[str, Any]]:
            out = []
            for holder in store.holders():
                held = [{"vc": vc, "verdict": verdict_of(me, vc)} for vc in store.credentials(holder["did"])]
                out.append({**holder, "credentials": held})
            return out

        return pages.render(request, "farmers.html", status, holders=await run_in_threadpool(rows), error=error)

    @router.get("/farmers", response_class=HTMLResponse)
    async def farmers(request: Request) -> Response:
        return pages.gate(request, has_role(*CUSTODIANS)) or await farmers_page(request)

    @router.post("/farmers/revoke")
    async def revoke(request: Request) -> Response:
        form = await pages.form(request)
        who = pages.acting(request, form, has_role(*CUSTODIANS))
        if who is None:
            return pages.render(request, "forbidden.html", 403)
        user = who[1]
        store = custody_of(request.app, data).holders(user.org)
        wanted = str(form.get("credential_id", ""))
        try:
            held = [vc for vc in store.credentials(str(form.get("did", ""))) if vc.get("id") == wanted]
            if not held:
                raise BaobabError("NOT_FOUND", "no such credential held here")
            await run_in_threadpool(revoke_credential, actor(user), held[0], str(form.get("reason", ""))[:200])
        except BaobabError as exc:
            return await farmers_page(request, 404 if exc.status == 404 else 422, error=exc.message)
        return RedirectResponse("/farmers", status_code=303)

    async def lending_page(request: Request, status: int = 200, error: str | None = None,
                           decision: Any = None) -> Response:
        _, user = pages.signed_in(request)  # type: ignore[misc]
        loans = await run_in_threadpool(ledger.query, user.org, user.client, "microloans", "mine", {})
        return pages.render(request, "lending.html", status, loans=[ln for ln in loans if ln["lender"] == user.org],
                            challenge=challenges_of(request.app, user.org).issue(), domain=user.org, error=error,
                            decision=decision)

    @router.get("/lending", response_class=HTMLResponse)
    async def lending(request: Request) -> Response:
        return pages.gate(request, has_role("bank")) or await lending_page(request)

    @router.post("/lending/assess", response_class=HTMLResponse)
    async def assess(request: Request) -> Response:
        form = await pages.form(request)
        who = pages.acting(request, form, has_role("bank"))
        if who is None:
            return pages.render(request, "forbidden.html", 403)
        user = who[1]
        currency = str(form.get("currency", "")).upper()
        try:
            vp = json.loads(str(form.get("presentation") or ""))
            months = int(str(form.get("months", "")))
            if currency not in MINOR_UNITS or not 1 <= months <= 24:
                raise BaobabError("MALFORMED", "choose a currency and 1 to 24 months")
            principal = minor_units(str(form.get("amount", "")), currency)
        except ValueError:
            return await lending_page(request, 400, error=pages.say(request, "This is not a JSON document."))
        except BaobabError as exc:
            return await lending_page(request, 400, error=exc.message)
        lender = Lender(actor(user), challenges=challenges_of(request.app, user.org))
        decision = await run_in_threadpool(lambda: lender.assess(vp, principal_minor=principal, currency=currency,
                                                                 months=months))
        return await lending_page(request, decision=decision)

    return router
