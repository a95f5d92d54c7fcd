"""Traceability pages: the cooperative's (and the roaster's) view of its farmers, deliveries,
payments and lots, a lot's whole trace, and the public "trace this bag" page a QR code opens.

- /trace (signed in, cooperative or trader): farmers with their deliveries and what they were
  paid (settled through the switch), the lots the organisation made, each linked to its trace;
- /trace/lot?key=... (signed in): the farmers in a lot and how much of each delivery, every event
  with its proof of anchoring checked against the ledger, the value share;
- /trace/bag?key=..., /01/{gtin}/21/{serial} and /01/{gtin}/10/{lot} (public, GS1 Digital Link
  URIs of a bag or of a lot, as the QR code on a retail pack carries them): origin, chain of
  custody, the farmers' share and the proofs, without any farmer's identity or pay. It is read as
  the organisation that captured the goods' latest event on this node: printing the code on the
  bag is its choice to publish this much.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.core.errors import BaobabError
from baobab.trace import anchoring, lineage
from baobab.trace.identifiers import canonical, lgtin, sgtin
from baobab.trace.service import TraceService
from baobab.web.render import Pages
from baobab.web.users import User

ROLES = ("cooperative", "trader")
MAX_KEY = 512


def _verified_events(service: TraceService, org: str, client: str, trace: lineage.Trace) -> list[dict[str, Any]]:
    """The trace's events, each with its verdict against the batch anchored on the ledger."""
    batches: dict[str, Any] = {}
    rows = []
    for row in trace.to_dict()["events"]:
        stored = service.store.event(org, row["event_hash"])
        if stored is None:
            continue
        if stored.batch_id not in batches:
            batches[stored.batch_id] = service.ledger_batch(org, client, stored.batch_id)
        verdict = anchoring.verify(stored.body, service.proof(stored), batches[stored.batch_id])
        batch = batches[stored.batch_id] or {}
        rows.append({**row, "valid": verdict.valid, "anchored_at": verdict.anchored_at,
                     "merkle_root": batch.get("merkle_root"), "tx_id": batch.get("tx_id"),
                     "place": (stored.body.get("bizLocation") or {}).get("id")})
    return rows


def _farmers(deliveries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per farmer: deliveries, kilograms and what was paid, by currency."""
    by: dict[str, dict[str, Any]] = {}
    for d in deliveries:
        f = by.setdefault(d["farmer"], {"farmer": d["farmer"], "deliveries": 0, "grams": 0, "paid": {}, "unpaid": 0})
        f["deliveries"] += 1
        f["grams"] += d["quantity_g"]
        if d["status"] == "paid":
            currency = d["amount"]["currency"]
            f["paid"][currency] = f["paid"].get(currency, 0) + d["amount"]["minor"]
        else:
            f["unpaid"] += 1
    return [{**f, "paid": [{"currency": c, "minor": m} for c, m in sorted(f["paid"].items())]}
            for _, f in sorted(by.items())]


def trace_router(pages: Pages, service: TraceService, org_roles) -> APIRouter:  # type: ignore[no-untyped-def]
    router = APIRouter(include_in_schema=False)

    def traces(user: User) -> bool:
        return bool(set(ROLES) & set(org_roles(user.org)))

    def overview_data(org: str, client: str) -> dict[str, Any]:
        paid, after = [], ""
        while True:
            page = service.ask(org, client, "deliveries", "deliveries_of", {"buyer": org, "after": after})
            paid += page
            if len(page) < 500:
                break
            after = page[-1]["delivery_id"]
        service.take_shared(org)
        made = [e for e in service.store.query(org, event_type="TransformationEvent", limit=1000) if e.org == org]
        lots = list(dict.fromkeys(k for e in made for k, role, _, _ in service.store.keys(e.event_hash) if role == "output"))
        return {"farmers": _farmers(paid), "deliveries": paid, "lots": lots}

    @router.get("/trace", response_class=HTMLResponse)
    async def overview(request: Request) -> Response:
        user = pages.viewer(request, traces)
        if isinstance(user, Response):
            return user
        data = await run_in_threadpool(overview_data, user.org, user.client)
        return pages.render(request, "trace.html", **data)

    def lot_data(org: str, client: str, key: str) -> dict[str, Any]:
        trace = lineage.backward(service.store, org, key)
        share = service.share(org, client, key) if trace.deliveries else None
        return {"key": trace.key, "trace": trace.to_dict(), "events": _verified_events(service, org, client, trace),
                "share": share, "org": org}

    @router.get("/trace/lot", response_class=HTMLResponse)
    async def lot(request: Request, key: str = "") -> Response:
        user = pages.viewer(request, traces)
        if isinstance(user, Response):
            return user
        if not key or len(key) > MAX_KEY:
            return pages.render(request, "trace_lot.html", 400, public=False, error=pages.say(request, "Give the key of a lot, bag or container."))
        data = await run_in_threadpool(lot_data, user.org, user.client, key)
        return pages.render(request, "trace_lot.html", public=False, **data)

    def public_data(key: str) -> dict[str, Any] | None:
        owners = [o for o in service.store.owners(canonical(key)) if service.gateway.serves(o)]
        if not owners:
            return None
        return lot_data(owners[0], "app", key)

    async def public(request: Request, key: str) -> Response:
        if not key or len(key) > MAX_KEY:
            return pages.render(request, "trace_lot.html", 400, public=True, error=pages.say(request, "Give the key of a lot, bag or container."))
        data = await run_in_threadpool(public_data, key)
        if data is None or not data["trace"]["deliveries"]:
            return pages.render(request, "trace_lot.html", 404, public=True, key=key,
                                error=pages.say(request, "Nothing is traced under this code on this node."))
        return pages.render(request, "trace_lot.html", public=True, **data)

    @router.get("/trace/bag", response_class=HTMLResponse)
    async def bag(request: Request, key: str = "") -> Response:
        return await public(request, key)

    @router.get("/01/{gtin}/21/{serial}", response_class=HTMLResponse)
    async def digital_link(request: Request, gtin: str, serial: str) -> Response:
        """A GS1 Digital Link URI of a bag resolves here (the QR code on the bag)."""
        try:
            key = sgtin(gtin, serial).digital_link()
        except BaobabError:
            return pages.render(request, "trace_lot.html", 400, public=True, error=pages.say(request, "This is not a valid GS1 code."))
        return await public(request, key)

    @router.get("/01/{gtin}/10/{lot}", response_class=HTMLResponse)
    async def digital_link_lot(request: Request, gtin: str, lot: str) -> Response:
        """A GS1 Digital Link URI of a lot (the QR code on a retail pack of that lot)."""
        try:
            key = lgtin(gtin, lot).digital_link()
        except BaobabError:
            return pages.render(request, "trace_lot.html", 400, public=True, error=pages.say(request, "This is not a valid GS1 code."))
        return await public(request, key)

    return router
