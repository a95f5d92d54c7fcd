"""The switch's FSPIOP v1.1 interface: what a bank or a mobile-money provider speaks to it.

    router = fspiop_router(hub, authenticate)    # a FastAPI APIRouter, mounted by the node

Every request is checked as the API definition says before anything happens: its content type
and the version it asks for (406 with 3001 and the versions we speak), the required headers (a
`Date` in RFC 7231 form), that `FSPIOP-Source` is the participant who authenticated, and its body
against the OpenAPI document. A malformed request is answered at once (400 with its 31xx code)
and changes nothing. Otherwise the answer is 202 and the result travels as a callback through
the outbox, written in the same transaction as the switch's own change:

    POST /transfers          reserve, then forward to the payee FSP; refusals -> PUT .../error to the payer
    PUT  /transfers/{ID}     the payee's fulfilment: commit (PUT to the payer, PATCH to a payee
                             that asked with RESERVED) or abort (PUT .../error to both)
    PUT  /transfers/{ID}/error   the payee rejects: abort, tell the payer
    GET  /transfers/{ID}     the transfer as it stands, to the payer or payee FSP only
    POST /participants/{Type}/{ID}   an FSP registers a party it serves (account lookup)
    GET  /participants/{Type}/{ID}   which FSP serves a party
    POST /bulkTransfers, PUT /bulkTransfers/{ID}, GET /bulkTransfers/{ID}   see pay/bulk.py
    GET  /parties/{Type}/{ID}, PUT /parties/{Type}/{ID}[/error], POST /quotes, PUT /quotes/{ID}[/error],
    POST /bulkQuotes, PUT /bulkQuotes/{ID}[/error], POST /transactionRequests (a payee's request to
    pay), PUT|GET /transactionRequests/{ID}, PUT /transactionRequests/{ID}/error
                             forwarded between the FSPs, headers (FSPIOP-Signature...) kept; a quote
                             across currencies is the switch's own, with the FX provider (pay/fx_quotes.py)

A signed request must be fresh and new (pay/replay.py: 3105 otherwise).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from email.utils import parsedate_to_datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from baobab.pay import jws
from baobab.pay.bulk import BulkTransfers
from baobab.pay.errors import FspiopError
from baobab.pay.fspiop_spec import spec
from baobab.pay.hub import Hub
from baobab.pay.messages import content_type, from_fspiop_amount, to_fspiop_amount

SUPPORTED_MAJOR, SUPPORTED_MINORS = 1, (0, 1)
MEDIA = re.compile(r"^application/vnd\.interoperability\.(?P<resource>[a-zA-Z]+)\+json\s*;\s*version=(?P<major>\d+)(\.(?P<minor>\d+))?$")
FORWARDED_HEADERS = ("fspiop-signature", "fspiop-uri", "fspiop-http-method", "fspiop-encryption", "fspiop-source",
                     "fspiop-destination", "date", "content-type", "accept")
Authenticate = Callable[[Request], Awaitable[str]]


def forwarded_headers(request: Request) -> dict[str, str]:
    """The original request's FSPIOP headers, kept on what the switch forwards (the payee checks
    the payer's JWS signature over them)."""
    return {k: v for k, v in request.headers.items() if k.lower() in FORWARDED_HEADERS}


def error_body(error: FspiopError) -> dict[str, Any]:
    return error.information()


def problem(error: FspiopError, *, status: int | None = None) -> JSONResponse:
    return JSONResponse(error_body(error), status_code=status or error.status)


def _version_ok(major: str | None, minor: str | None) -> bool:
    return major is not None and int(major) == SUPPORTED_MAJOR and (minor is None or int(minor) in SUPPORTED_MINORS)


def check_headers(request: Request, resource: str, method: str, path: str, has_body: bool) -> None:
    """Content type, version, Date and the operation's required headers (FSPIOP 3.2, 3.3)."""
    accept = request.headers.get("accept")
    if method in ("post", "get") and accept is not None:
        wanted = [MEDIA.match(part.strip()) for part in accept.split(",")]
        if not any(m and m["resource"] == resource and _version_ok(m["major"], m["minor"]) for m in wanted):
            raise FspiopError("3001", f"Accept {accept!r}: this switch speaks {resource} version 1.0 and 1.1",
                              versions="1.0,1.1")
    if has_body or "content-type" in request.headers:  # FSPIOP sends it on every request, GETs too
        media = MEDIA.match(request.headers.get("content-type", "").strip())
        if media is None or media["resource"] != resource:
            raise FspiopError("3101", f"Content-Type must be {content_type(resource)}")
        if not _version_ok(media["major"], media["minor"]):
            raise FspiopError("3001", f"version {media['major']}.{media['minor']} is not spoken here", versions="1.0,1.1")
    for name in spec().required_headers(method, path):
        if name.lower() not in request.headers:
            raise FspiopError("3102", f"header {name} is missing")
    try:
        parsedate_to_datetime(request.headers["date"])
    except (KeyError, TypeError, ValueError):
        raise FspiopError("3101", "Date must be an RFC 7231 date, e.g. Tue, 01 Dec 2026 10:00:00 GMT") from None


async def read_body(request: Request, method: str, path: str) -> Any:
    raw = await request.body()
    try:
        body = json.loads(raw)
    except ValueError:
        raise FspiopError("3101", "the body is not JSON") from None
    found = spec().check_body(method, path, body)
    if found is not None:
        code, problems = found
        raise FspiopError(code, "; ".join(problems)[:100])
    return body


def fspiop_router(hub: Hub, authenticate: Authenticate, keys: jws.KeyOf = lambda fsp: None) -> APIRouter:
    """`keys(fsp)`: a participant's registered signing key; its requests must then carry a valid
    FSPIOP-Signature (3105), which the switch forwards with the message."""
    router = APIRouter(tags=["FSPIOP v1.1 (payments switch)"])
    bulk = BulkTransfers(hub)

    async def source_of(request: Request, resource: str, method: str, path: str, has_body: bool) -> str:
        check_headers(request, resource, method, path, has_body)
        who = await authenticate(request)
        claimed = request.headers.get("fspiop-source")
        if claimed != who:
            raise FspiopError("3100", f"FSPIOP-Source {claimed} is not the authenticated participant {who}")
        if has_body:
            jws.check(keys, request.headers, await request.body(), required=False)
        if jws.SIGNATURE.lower() in request.headers:  # fresh, and not seen before (pay/replay.py)
            await hub.grouped(hub.replay.admit, request.headers, method != "get" and resource != "parties")
        return who

    def guarded(resource: str, method: str, path: str, has_body: bool) -> Callable[..., Any]:
        """Run a handler with the checks, mapping every refusal to its FSPIOP answer."""
        def wrap(handler: Callable[..., Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
            async def endpoint(request: Request) -> Response:
                try:
                    source = await source_of(request, resource, method, path, has_body)
                    body = await read_body(request, method, path) if has_body else None
                    return await handler(request, source, body, **request.path_params)
                except FspiopError as exc:
                    return problem(exc)
            endpoint.__name__ = handler.__name__
            return endpoint
        return wrap

    def route(http_method: str, template: str, resource: str, spec_path: str, has_body: bool) -> Callable[..., Any]:
        def register(handler: Callable[..., Awaitable[Response]]) -> Callable[..., Awaitable[Response]]:
            endpoint = guarded(resource, http_method.lower(), spec_path, has_body)(handler)
            router.add_api_route(template, endpoint, methods=[http_method], include_in_schema=True,
                                 summary=f"FSPIOP {http_method} {spec_path}")
            return handler
        return register

    accepted = Response(status_code=202)
    ok = Response(status_code=200)

    # --- transfers ---------------------------------------------------------------------

    @route("POST", "/transfers", "transfers", "/transfers", True)
    async def post_transfer(request: Request, source: str, body: Any) -> Response:
        core = {**body, "amount": from_fspiop_amount(body["amount"])}
        await hub.grouped(hub.prepare, core, source, forwarded_headers(request), body, await request.body())
        return accepted

    @route("PUT", "/transfers/{ID}", "transfers", "/transfers/{ID}", True)
    async def put_transfer(request: Request, source: str, body: Any, ID: str) -> Response:
        media = MEDIA.match(request.headers.get("content-type", "").strip())
        version = (int(media["major"]), int(media["minor"] or 0)) if media else (1, 1)
        await hub.grouped(hub.fulfil, ID, body, source, forwarded_headers(request), await request.body(), version)
        return ok

    @route("PUT", "/transfers/{ID}/error", "transfers", "/transfers/{ID}/error", True)
    async def put_transfer_error(request: Request, source: str, body: Any, ID: str) -> Response:
        await hub.grouped(hub.reject, ID, body, source, forwarded_headers(request), await request.body())
        return ok

    @route("GET", "/transfers/{ID}", "transfers", "/transfers/{ID}", False)
    async def get_transfer(request: Request, source: str, body: Any, ID: str) -> Response:
        await hub.grouped(hub.report_transfer, ID, source)
        return accepted

    # --- account lookup ----------------------------------------------------------------

    @route("POST", "/participants/{Type}/{ID}", "participants", "/participants/{Type}/{ID}", True)
    async def post_participant(request: Request, source: str, body: Any, Type: str, ID: str) -> Response:
        await hub.grouped(hub.register_party, Type, ID, body, source)
        return accepted

    @route("GET", "/participants/{Type}/{ID}", "participants", "/participants/{Type}/{ID}", False)
    async def get_participant(request: Request, source: str, body: Any, Type: str, ID: str) -> Response:
        await hub.grouped(hub.lookup_participant, Type, ID, source)
        return accepted

    @route("GET", "/parties/{Type}/{ID}", "parties", "/parties/{Type}/{ID}", False)
    async def get_party(request: Request, source: str, body: Any, Type: str, ID: str) -> Response:
        await hub.grouped(hub.forward_party_lookup, Type, ID, source, forwarded_headers(request))
        return accepted

    @route("PUT", "/parties/{Type}/{ID}", "parties", "/parties/{Type}/{ID}", True)
    async def put_party(request: Request, source: str, body: Any, Type: str, ID: str) -> Response:
        await hub.grouped(hub.forward, request.headers.get("fspiop-destination"), "PUT", f"/parties/{Type}/{ID}",
                                forwarded_headers(request), body, await request.body())
        return ok

    @route("PUT", "/parties/{Type}/{ID}/error", "parties", "/parties/{Type}/{ID}/error", True)
    async def put_party_error(request: Request, source: str, body: Any, Type: str, ID: str) -> Response:
        await hub.grouped(hub.forward, request.headers.get("fspiop-destination"), "PUT",
                                f"/parties/{Type}/{ID}/error", forwarded_headers(request), body, await request.body())
        return ok

    # --- bulk transfers ----------------------------------------------------------------

    @route("POST", "/bulkTransfers", "bulkTransfers", "/bulkTransfers", True)
    async def post_bulk_transfer(request: Request, source: str, body: Any) -> Response:
        items = [{"transferId": t["transferId"], "amount": from_fspiop_amount(t["transferAmount"]), "condition": t["condition"]}
                 for t in body["individualTransfers"]]
        await hub.grouped(bulk.prepare, body, items, source, forwarded_headers(request))
        return accepted

    @route("PUT", "/bulkTransfers/{ID}", "bulkTransfers", "/bulkTransfers/{ID}", True)
    async def put_bulk_transfer(request: Request, source: str, body: Any, ID: str) -> Response:
        await hub.grouped(bulk.fulfil, ID, body, source)
        return ok

    @route("GET", "/bulkTransfers/{ID}", "bulkTransfers", "/bulkTransfers/{ID}", False)
    async def get_bulk_transfer(request: Request, source: str, body: Any, ID: str) -> Response:
        await hub.grouped(bulk.report, ID, source)
        return accepted

    # --- quotes ------------------------------------------------------------------------

    def forwarded(resource: str, collection: str) -> None:
        """POST /{collection}, PUT /{collection}/{ID}[/error] and GET /{collection}/{ID}: passed on to
        the FSP in FSPIOP-Destination, as the definition has the switch do."""
        def forwarder(method: str, template: str) -> None:
            async def forward(request: Request, source: str, body: Any, ID: str = "") -> Response:
                await hub.grouped(hub.forward, request.headers.get("fspiop-destination"), method,
                                        template.replace("{ID}", ID), forwarded_headers(request), body,
                                        None if method == "GET" else await request.body())
                return accepted if method in ("POST", "GET") else ok

            forward.__name__ = f"forward_{method.lower()}_{resource}"
            route(method, template, resource, template, method != "GET")(forward)

        forwarder("POST", f"/{collection}")
        forwarder("PUT", f"/{collection}/{{ID}}")
        forwarder("PUT", f"/{collection}/{{ID}}/error")
        if "get" in spec().document["paths"][f"/{collection}/{{ID}}"]:
            forwarder("GET", f"/{collection}/{{ID}}")

    @route("POST", "/quotes", "quotes", "/quotes", True)
    async def post_quote(request: Request, source: str, body: Any) -> Response:
        """Passed on to the payee FSP; across currencies, the switch brings in the FX provider (pay/fx_quotes.py)."""
        destination = request.headers.get("fspiop-destination")
        target = hub.fx_quotes.payee_currency(body)
        if target is None:
            await hub.grouped(hub.forward, destination, "POST", "/quotes", forwarded_headers(request), body, await request.body())
        else:
            await hub.grouped(hub.fx_quotes.ask, body, source, hub._require_participant(destination), target)
        return accepted

    def quote_answer(template: str, fx_answer: Callable[..., bool]) -> None:
        """The payee FSP's PUT: the switch's own when it asked across currencies, else passed on."""
        async def put(request: Request, source: str, body: Any, ID: str) -> Response:
            if not await hub.grouped(fx_answer, ID, body, source):
                await hub.grouped(hub.forward, request.headers.get("fspiop-destination"), "PUT", template.replace("{ID}", ID),
                                  forwarded_headers(request), body, await request.body())
            return ok

        put.__name__ = "put" + template.replace("/", "_").replace("{ID}", "id")
        route("PUT", template, "quotes", template, True)(put)

    quote_answer("/quotes/{ID}", hub.fx_quotes.answer)
    quote_answer("/quotes/{ID}/error", hub.fx_quotes.refused)

    @route("GET", "/quotes/{ID}", "quotes", "/quotes/{ID}", False)
    async def get_quote(request: Request, source: str, body: Any, ID: str) -> Response:
        await hub.grouped(hub.forward, request.headers.get("fspiop-destination"), "GET", f"/quotes/{ID}",
                          forwarded_headers(request), None, None)
        return accepted

    forwarded("bulkQuotes", "bulkQuotes")
    forwarded("transactionRequests", "transactionRequests")

    return router
