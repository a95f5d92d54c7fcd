"""Validation against the GSMA Mobile Money API v1.1.2 OpenAPI document shipped beside this file.

    spec().check_request("post", "/transactions", body)   -> None, or (errorCode, problems)
    spec().check_schema("responseTransaction", body)       -> list of problems (empty: valid)

Request bodies are referenced through `components/requestBodies`; schemas are checked with
openapi-schema-validator's OpenAPI 3.0 dialect, `$ref`s resolved inside the document.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_FILE = Path(__file__).with_name("gsma-mobile-money-api-v1.1.2.yaml")
DOCUMENT_URI = "urn:gsma:mmapi:v1.1.2"
MAX_PROBLEMS = 10


class MmapiSpec:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._registry = Registry().with_resource(DOCUMENT_URI, Resource.from_contents(document, default_specification=DRAFT4))
        self._validators: dict[str, OAS30Validator] = {}

    def _validator(self, ref: str) -> OAS30Validator:
        if ref not in self._validators:
            self._validators[ref] = OAS30Validator({"$ref": DOCUMENT_URI + ref}, registry=self._registry)
        return self._validators[ref]

    def _problems(self, ref: str, body: Any) -> tuple[bool, list[str]]:
        errors = sorted(self._validator(ref).iter_errors(body), key=lambda e: list(map(str, e.absolute_path)))
        problems = [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in errors]
        return any(e.validator == "required" for e in errors), list(dict.fromkeys(problems))[:MAX_PROBLEMS]

    def request_schema(self, method: str, path: str) -> str:
        """The `$ref` of the operation's request body schema."""
        body = self.document["paths"][path][method.lower()]["requestBody"]
        if "$ref" in body:
            body = self.document["components"]["requestBodies"][body["$ref"].rsplit("/", 1)[1]]
        return str(body["content"]["application/json"]["schema"]["$ref"])

    def check_request(self, method: str, path: str, body: Any) -> tuple[str, list[str]] | None:
        """None if `body` conforms; else the mmAPI errorCode (mandatoryValueNotSupplied for a
        missing property, formatError for a malformed one) and the problems found."""
        missing, problems = self._problems(self.request_schema(method, path), body)
        if not problems:
            return None
        return ("mandatoryValueNotSupplied" if missing else "formatError"), problems

    def check_schema(self, name: str, body: Any) -> list[str]:
        """Problems of `body` against `components/schemas/<name>` (used for what we send)."""
        return self._problems(f"#/components/schemas/{name}", body)[1]


@lru_cache(maxsize=1)
def spec() -> MmapiSpec:
    return MmapiSpec(yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8")))
