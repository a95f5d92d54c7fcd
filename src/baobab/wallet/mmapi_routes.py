"""The mmAPI over HTTP: the specification's paths, mounted by the node under `/mmapi/<provider>`.

    POST /transactions                          202 requestStateObject
    GET  /transactions/{ref}                    200 responseTransaction
    POST /transactions/{ref}/reversals          202 requestStateObject
    GET  /accounts/{type}/{id}/balance          200 responseAccountBalance (the client's own wallet)
    GET  /accounts/{type}/{id}/transactions     200 [responseTransaction]
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
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlsplit

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.core.errors import BaobabError
from baobab.wallet.mmapi import Client, MmapiError, MobileMoneyApi, _stamp
from baobab.wallet.mmapi_spec import spec

UUID = re.compile(r"^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")


def _answer(body: Any, status: int) -> JSONResponse:
    return JSONResponse(body, status_code=status, headers={"X-Date": _stamp()})


def mmapi_router(api: MobileMoneyApi) -> APIRouter:
    router = APIRouter(tags=["GSMA Mobile Money API v1.1.2"])

    def handled(spec_path: str | None, status: int) -> Callable[..., Any]:
        """Authenticate, validate the body against `spec_path`'s request schema, run, answer."""
        def wrap(handler: Callable[..., Any]) -> Callable[..., Awaitable[Response]]:
            async def endpoint(request: Request) -> Response:
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
                        found = spec().check_request("post", spec_path, body)
                        if found is not None:
                            raise MmapiError(found[0], "; ".join(found[1])[:256])
                    result = await run_in_threadpool(handler, client, body, dict(request.path_params),
                                                     {"correlation_id": correlation, "callback_url": callback},
                                                     dict(request.query_params))
                    return _answer(result, status)
                except MmapiError as exc:
                    return _answer(exc.error_object(), exc.status)
                except BaobabError as exc:
                    error = MmapiError.of(exc)
                    return _answer(error.error_object(), error.status)
            return endpoint
        return wrap

    @handled("/transactions", 202)
    def create_transaction(*a: Any) -> Any:
        client, body, _, headers, _ = a
        return api.create_transaction(client, body, **headers)

    @handled(None, 200)
    def get_transaction(*a: Any) -> Any:
        client, _, path, _, _ = a
        return api.transaction(client, path["ref"])

    @handled("/transactions/{transactionReference}/reversals", 202)
    def create_reversal(*a: Any) -> Any:
        client, body, path, headers, _ = a
        return api.create_reversal(client, path["ref"], body, **headers)

    @handled(None, 200)
    def balance(*a: Any) -> Any:
        client, _, path, _, _ = a
        return api.balance(client, path["kind"], path["identifier"])

    @handled(None, 200)
    def transactions(*a: Any) -> Any:
        client, _, path, _, query = a
        limit = query.get("limit", "50")
        if not limit.isdigit():
            raise MmapiError("formatError", "limit is a whole number")
        return api.statement(client, path["kind"], path["identifier"], int(limit))

    @handled("/quotations", 201)
    def create_quotation(*a: Any) -> Any:
        client, body, _, _, _ = a
        return api.quote(client, body)

    @handled(None, 200)
    def get_quotation(*a: Any) -> Any:
        client, _, path, _, _ = a
        return api.quotation(client, path["ref"])

    @handled(None, 200)
    def request_state(*a: Any) -> Any:
        client, _, path, _, _ = a
        return api.request_state(client, path["server_id"])

    router.add_api_route("/transactions", create_transaction, methods=["POST"])
    router.add_api_route("/transactions/{ref}", get_transaction, methods=["GET"])
    router.add_api_route("/transactions/{ref}/reversals", create_reversal, methods=["POST"])
    router.add_api_route("/accounts/{kind}/{identifier}/balance", balance, methods=["GET"])
    router.add_api_route("/accounts/{kind}/{identifier}/transactions", transactions, methods=["GET"])
    router.add_api_route("/quotations", create_quotation, methods=["POST"])
    router.add_api_route("/quotations/{ref}", get_quotation, methods=["GET"])
    router.add_api_route("/requeststates/{server_id}", request_state, methods=["GET"])

    @router.get("/heartbeat")
    async def heartbeat() -> Response:
        return _answer({"serviceStatus": "available"}, 200)

    return router
