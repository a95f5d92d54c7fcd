"""The mmAPI over HTTP: the specification's paths, mounted by the node under `/mmapi/<provider>`.

    POST /transactions                          202 requestStateObject (a merchantpay whose debitParty names a
                                                `mandatereference` is taken under that mandate, without the PIN)
    GET  /transactions/{ref}                    200 responseTransaction
    POST /transactions/{ref}/reversals          202 requestStateObject
    GET  /accounts/{type}/{id}/balance          200 responseAccountBalance (the client's own wallet)
    GET  /accounts/{type}/{id}/transactions     200 [responseTransaction]
    POST /batchtransactions                     202 requestStateObject (objectReference: the batch id)
    GET  /batchtransactions/{id}                200 responseBatchTransaction
    PATCH /batchtransactions/{id}               202 requestStateObject (batchStatus approved: a created batch is paid)
    GET  /batchtransactions/{id}/rejections     200 [responseBatchTransactionRejection]
    GET  /batchtransactions/{id}/completions    200 [responseBatchTransactionCompletion]
    GET  /accounts/{type}/{id}/billcompanies    200 [responseBillCompanies] (the billers, by code)
    GET  /accounts/{type}/{id}/bills            200 [responseBills] (bills presented to the client's wallet, not paid in full)
    POST /accounts/accountid/{biller}/bills/{ref}/payments  201 responseBillPayment (from the client's own wallet;
                                                a presented bill is paid down, partial payments down to its minimum)
    POST /accounts/{type}/{id}/debitmandates    202 requestStateObject (the client, as payee, asks the holder for a
                                                mandate; active once the holder gives it with the PIN, USSD menu 8)
    GET  /accounts/{type}/{id}/debitmandates/{ref}  200 responseDebitMandate (the holder's client or the payee)
    PATCH /accounts/{type}/{id}/debitmandates/{ref} 202 requestStateObject (replace its limit, end, number of
                                                payments, frequency or status; the payee may only make it inactive)
    POST /quotations                            201 responseQuotation
    GET  /quotations/{ref}                      200 responseQuotation
    GET  /requeststates/{serverCorrelationId}   200 requestStateObject
    GET  /heartbeat                             200 responseHeartbeat

The client authenticates with its `X-API-Key`. Bodies are checked against the OpenAPI document
before anything happens; every refusal is an `errorObject` with its category and code.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.core.errors import BaobabError
from baobab.wallet.mmapi import Client, MmapiError, MobileMoneyApi, _stamp
from baobab.wallet.mmapi_spec import spec

@dataclass(frozen=True)
class Call:
    """One request as a handler sees it: who, the validated body, path and query parameters, and
    the headers the API's functions take (X-CorrelationID, X-Callback-URL)."""
    client: Client
    body: Any
    path: dict[str, str]
    headers: dict[str, Any]
    query: dict[str, str]


UUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")


def _answer(body: Any, status: int) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"X-Date": _stamp()})


def mmapi_router(api: MobileMoneyApi) -> APIRouter:
    router = APIRouter(tags=["GSMA Mobile Money API v1.1.2"])

    def endpoint(spec_path: str | None, status: int, handler: Callable[[Call], Any]) -> Callable[..., Awaitable[Response]]:
        """Authenticate, validate the body against `spec_path`'s request schema, run, answer."""
        async def answer(request: Request) -> Response:
            try:
                client = await run_in_threadpool(api.clients.authenticate, request.headers.get("x-api-key"))
                correlation = request.headers.get("x-correlationid")
                if correlation is not None and not UUID.match(correlation):
                    raise MmapiError("formatError", "X-CorrelationID must be a UUID")
                callback = request.headers.get("x-callback-url")
                if callback is not None and (urlsplit(callback).scheme not in ("http", "https") or not urlsplit(callback).netloc):
                    raise MmapiError("formatError", "X-Callback-URL must be an http(s) URL")
                body = None
                if spec_path is not None:
                    try:
                        body = json.loads(await request.body())
                    except ValueError:
                        raise MmapiError("formatError", "the body is not JSON") from None
                    found = spec().check_request(request.method, spec_path, body)
                    if found is not None:
                        raise MmapiError(found[0], "; ".join(found[1])[:256])
                call = Call(client, body, dict(request.path_params), {"correlation_id": correlation, "callback_url": callback},
                            dict(request.query_params))
                return _answer(await run_in_threadpool(handler, call), status)
            except MmapiError as exc:
                return _answer(exc.error_object(), exc.status)
            except BaobabError as exc:
                error = MmapiError.of(exc)
                return _answer(error.error_object(), error.status)
        return answer

    def limit(c: Call) -> int:
        text = c.query.get("limit", "50")
        if not text.isdigit():
            raise MmapiError("formatError", "limit is a whole number")
        return int(text)

    # (method, our path, the specification's path of the request body or None, status, what it does)
    routes: list[tuple[str, str, str | None, int, Callable[[Call], Any]]] = [
        ("POST", "/transactions", "/transactions", 202, lambda c: api.create_transaction(c.client, c.body, **c.headers)),
        ("GET", "/transactions/{ref}", None, 200, lambda c: api.transaction(c.client, c.path["ref"])),
        ("POST", "/transactions/{ref}/reversals", "/transactions/{transactionReference}/reversals", 202,
         lambda c: api.create_reversal(c.client, c.path["ref"], c.body, **c.headers)),
        ("POST", "/batchtransactions", "/batchtransactions", 202, lambda c: api.create_batch(c.client, c.body, **c.headers)),
        ("GET", "/batchtransactions/{batch}", None, 200, lambda c: api.batch(c.client, c.path["batch"])),
        ("PATCH", "/batchtransactions/{batch}", "/batchtransactions/{batchId}", 202,
         lambda c: api.approve_batch(c.client, c.path["batch"], c.body, **c.headers)),
        ("GET", "/batchtransactions/{batch}/rejections", None, 200,
         lambda c: api.batch_lines(c.client, c.path["batch"], rejected=True)),
        ("GET", "/batchtransactions/{batch}/completions", None, 200,
         lambda c: api.batch_lines(c.client, c.path["batch"], rejected=False)),
        ("GET", "/accounts/{kind}/{identifier}/balance", None, 200,
         lambda c: api.balance(c.client, c.path["kind"], c.path["identifier"])),
        ("GET", "/accounts/{kind}/{identifier}/transactions", None, 200,
         lambda c: api.statement(c.client, c.path["kind"], c.path["identifier"], limit(c))),
        ("GET", "/accounts/{kind}/{identifier}/billcompanies", None, 200,
         lambda c: api.bill_companies(c.client, c.path["kind"], c.path["identifier"])),
        ("GET", "/accounts/{kind}/{identifier}/bills", None, 200,
         lambda c: api.bills(c.client, c.path["kind"], c.path["identifier"])),
        ("POST", "/accounts/{kind}/{identifier}/bills/{bill}/payments",
         "/accounts/{identifierType}/{identifier}/bills/{billReference}/payments", 201,
         lambda c: api.pay_bill(c.client, c.path["kind"], c.path["identifier"], c.path["bill"], c.body)),
        ("POST", "/accounts/{kind}/{identifier}/debitmandates", "/accounts/{identifierType}/{identifier}/debitmandates", 202,
         lambda c: api.create_mandate(c.client, c.path["kind"], c.path["identifier"], c.body, **c.headers)),
        ("GET", "/accounts/{kind}/{identifier}/debitmandates/{ref}", None, 200,
         lambda c: api.mandate(c.client, c.path["kind"], c.path["identifier"], c.path["ref"])),
        ("PATCH", "/accounts/{kind}/{identifier}/debitmandates/{ref}",
         "/accounts/{identifierType}/{identifier}/debitmandates/{debitMandateReference}", 202,
         lambda c: api.change_mandate(c.client, c.path["kind"], c.path["identifier"], c.path["ref"], c.body, **c.headers)),
        ("POST", "/quotations", "/quotations", 201, lambda c: api.quote(c.client, c.body)),
        ("GET", "/quotations/{ref}", None, 200, lambda c: api.quotation(c.client, c.path["ref"])),
        ("GET", "/requeststates/{server_id}", None, 200, lambda c: api.request_state(c.client, c.path["server_id"])),
    ]
    for method, path, spec_path, status, handler in routes:
        router.add_api_route(path, endpoint(spec_path, status, handler), methods=[method])

    @router.get("/heartbeat")
    async def heartbeat() -> Response:
        return _answer({"serviceStatus": "available"}, 200)

    return router
