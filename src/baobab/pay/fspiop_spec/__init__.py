"""Validation against Mojaloop's FSPIOP v1.1 OpenAPI document, shipped unmodified beside this file.

    spec().check_body("post", "/transfers", body)      -> list of problems (empty: valid)
    spec().required_headers("post", "/transfers")      -> header names the operation requires

Each operation's request schema is compiled once by jsonschema-rs (a few microseconds a body,
where the pure-Python validator takes half a millisecond): the document's schemas use no
keyword of OpenAPI 3.0 beyond JSON Schema draft 4 (no `nullable`, no `format`). A body it refuses
is checked again with openapi-schema-validator's OpenAPI 3.0 dialect, which names the problems
(and the FSPIOP error code) as before; tests/pay/test_fspiop_validation_speed.py holds both to
the same verdicts.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import jsonschema_rs
import yaml
from jsonschema.exceptions import best_match
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

SPEC_FILE = Path(__file__).with_name("fspiop-v1.1-openapi3.yaml")
DOCUMENT_URI = "urn:fspiop:v1.1"


class FspiopSpec:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        resource = Resource.from_contents(document, default_specification=DRAFT4)
        self._registry = Registry().with_resource(DOCUMENT_URI, resource)
        self._validators: dict[tuple[str, str], OAS30Validator | None] = {}
        self._fast: dict[tuple[str, str], jsonschema_rs.Draft4Validator | None] = {}
        self._required: dict[tuple[str, str], list[str]] = {}

    def operation(self, method: str, path: str) -> dict[str, Any]:
        try:
            return self.document["paths"][path][method.lower()]  # type: ignore[no-any-return]
        except KeyError:
            raise KeyError(f"FSPIOP v1.1 has no operation {method.upper()} {path}") from None

    def _schema_ref(self, method: str, path: str) -> str | None:
        body = self.operation(method, path).get("requestBody")
        return None if body is None else str(body["content"]["application/json"]["schema"]["$ref"])

    def _validator(self, method: str, path: str) -> OAS30Validator | None:
        key = (method.lower(), path)
        if key not in self._validators:
            ref = self._schema_ref(method, path)
            self._validators[key] = None if ref is None else OAS30Validator({"$ref": DOCUMENT_URI + ref}, registry=self._registry)
        return self._validators[key]

    def fast_validator(self, method: str, path: str) -> jsonschema_rs.Draft4Validator | None:
        """The operation's request schema compiled by jsonschema-rs (its `$ref`s resolved in the document)."""
        key = (method.lower(), path)
        if key not in self._fast:
            ref = self._schema_ref(method, path)
            self._fast[key] = None if ref is None else jsonschema_rs.Draft4Validator(
                {"$ref": ref, "components": self.document["components"]})
        return self._fast[key]

    def check_body(self, method: str, path: str, body: Any) -> tuple[str, list[str]] | None:
        """None if `body` conforms to the operation's request schema; else the FSPIOP error code
        (3102 for a missing element, 3101 for a malformed one) and the problems found."""
        fast = self.fast_validator(method, path)
        if fast is None or fast.is_valid(body):
            return None
        validator = self._validator(method, path)
        errors = [] if validator is None else list(validator.iter_errors(body))
        if not errors:
            return None
        first = best_match(errors)
        problems = [f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}" for e in [first, *errors] ][:10]
        missing = any(e.validator == "required" for e in errors)
        return ("3102" if missing else "3101"), list(dict.fromkeys(problems))

    def required_headers(self, method: str, path: str) -> list[str]:
        key = (method.lower(), path)
        if key not in self._required:  # asked on every request: read from the document once
            self._required[key] = self._read_required_headers(method, path)
        return self._required[key]

    def _read_required_headers(self, method: str, path: str) -> list[str]:
        names = []
        for parameter in self.operation(method, path).get("parameters", []) + self.document["paths"][path].get("parameters", []):
            if "$ref" in parameter:
                parameter = self.document["components"]["parameters"][parameter["$ref"].rsplit("/", 1)[1]]
            if parameter.get("in") == "header" and parameter.get("required"):
                names.append(parameter["name"])
        return names


@lru_cache(maxsize=1)
def spec() -> FspiopSpec:
    return FspiopSpec(yaml.safe_load(SPEC_FILE.read_text(encoding="utf-8")))
