"""EPCIS 2.0 documents checked against the GS1 EPCIS JSON schema (draft-07, format checking on).

Two validators read the one schema: jsonschema-rs decides (a capture of thousands of events is
checked in milliseconds, where the pure-Python validator takes seconds), and `jsonschema` explains
a refusal, picking the error that names the field.

A refused document names the first failing place as a JSON pointer (`field`, e.g.
`/epcisBody/eventList/0/action`) and the schema keyword that failed (`rule`), under the stable
code EPCIS_INVALID. EPCIS bodies stay off the ledger, so their numbers (quantities, sensor
values) may be decimals: they are parsed as JSON numbers here, never as money.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import jsonschema_rs
from jsonschema import Draft7Validator, FormatChecker
from jsonschema.exceptions import ValidationError, best_match

from baobab.core.errors import BaobabError, register_codes

register_codes({
    "EPCIS_INVALID": (400, "Not a valid EPCIS 2.0 document"),
    "EPCIS_NOT_CAPTURE": (400, "Only an EPCISDocument with events can be captured"),
})

EVENT_TYPES = ("ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent")
MAX_CAPTURE_EVENTS = 10_000


@cache
def schema() -> dict[str, Any]:
    return json.loads(resources.files("baobab.trace").joinpath("schema/EPCIS-JSON-Schema.json").read_text("utf-8"))  # type: ignore[no-any-return]


@cache
def _validator() -> Draft7Validator:
    return Draft7Validator(schema(), format_checker=FormatChecker())


@cache
def _fast() -> Any:
    return jsonschema_rs.Draft7Validator(schema(), validate_formats=True)


def pointer(path: Any) -> str:
    """RFC 6901 JSON pointer of a jsonschema error path."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def _first(errors: list[ValidationError]) -> ValidationError:
    """The error to report: jsonschema's best match, then down its context to the deepest cause
    (an `if/then` or `anyOf` failure says little; what failed inside it names the field)."""
    error = best_match(errors)
    assert error is not None
    while error.context:
        deeper = best_match(error.context)
        if deeper is None:
            break
        error = deeper
    return error


def validate(document: Any) -> None:
    """Any EPCIS 2.0 document (capture or query); raise EPCIS_INVALID naming the field."""
    if _fast().is_valid(document):
        return
    errors = list(_validator().iter_errors(document))
    if errors:
        error = _first(errors)
        field, message, rule = pointer(error.absolute_path) or "/", error.message, str(error.validator)
    else:  # the two disagree (a format only one of them checks): the deciding one's first error
        first = next(iter(_fast().iter_errors(document)))
        field, message, rule = pointer(first.instance_path) or "/", first.message, "format"
    raise BaobabError("EPCIS_INVALID", f"{field}: {message[:300]}", field=field, rule=rule)


def capture_events(document: Any) -> list[dict[str, Any]]:
    """The events of an EPCISDocument to capture, checked: the schema, then that it holds events."""
    validate(document)
    if document.get("type") != "EPCISDocument":
        raise BaobabError("EPCIS_NOT_CAPTURE", f"a capture takes an EPCISDocument, not {document.get('type')!r}", field="/type")
    events = document.get("epcisBody", {}).get("eventList")
    if not events:
        raise BaobabError("EPCIS_NOT_CAPTURE", "the document has no events", field="/epcisBody/eventList")
    if len(events) > MAX_CAPTURE_EVENTS:
        raise BaobabError("EPCIS_NOT_CAPTURE", f"at most {MAX_CAPTURE_EVENTS} events per capture", field="/epcisBody/eventList")
    for i, event in enumerate(events):
        if event.get("type") not in EVENT_TYPES:
            raise BaobabError("EPCIS_NOT_CAPTURE", f"event {i} is a {event.get('type')!r}; captured are {', '.join(EVENT_TYPES)}",
                              field=f"/epcisBody/eventList/{i}/type")
    return list(events)
