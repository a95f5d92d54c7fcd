"""RFC 9457 problem details for every error the API returns, keyed by Baobab's stable codes."""

from __future__ import annotations

from typing import Any

from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict

from baobab.core.errors import CODES, BaobabError
import baobab.vocab.errors  # noqa: F401  (registers the domain's error codes)

MEDIA_TYPE = "application/problem+json"


class Problem(BaseModel):
    """An error: `code` is stable and what clients should key on; `type` documents it."""

    model_config = ConfigDict(extra="allow")
    type: str
    title: str
    status: int
    detail: str
    code: str
    instance: str | None = None


def problem_type(code: str) -> str:
    return f"/v1/problems/{code}"


def problem_body(error: BaobabError, instance: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"type": problem_type(error.code), "title": error.title, "status": error.status,
                            "detail": error.message, "code": error.code}
    if instance:
        body["instance"] = instance
    for name, value in error.detail.items():
        if name not in body:
            body[name] = value
    return body


def problem_response(error: BaobabError, instance: str | None = None, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(problem_body(error, instance), status_code=error.status, media_type=MEDIA_TYPE, headers=headers)


_PROBLEM_CONTENT = {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
# Documented on every route: any request can meet auth, size, validation or ledger errors.
PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": Problem, "content": _PROBLEM_CONTENT,
             "description": "; ".join(sorted({title for s, title in CODES.values() if s == status}))}
    for status in sorted({s for s, _ in CODES.values()})
}
