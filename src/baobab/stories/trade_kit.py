"""What the trade stories share: parties, issuing documents, and checked submissions.

Documents are validated against their type, wrapped as OpenAttestation v2 on the issuer's
side, and only their hashes are anchored in the registry; the wrapped document is what the
issuer hands to the holder (and what is presented under a credit).
"""

from __future__ import annotations

from typing import Any

from baobab.contracts.jurisdiction import from_document
from baobab.core.hashing import sha256_hex
from baobab.core.jcs import canonicalize
from baobab.demo import DEMO_ORGS
from baobab.documents.wrapping import wrap_document
from baobab.documents.types import validate_document
from baobab.stories import Actor, Actors, StoryReport

_ORGS = {o["id"]: o for o in DEMO_ORGS}


class StoryFailed(AssertionError):
    """The network did not do what the story expects."""


def check(condition: Any, message: str) -> None:
    if not condition:
        raise StoryFailed(message)


def party(org_id: str) -> dict[str, Any]:
    """A document party for a network organisation: its legal name and country."""
    org = _ORGS[org_id]
    return {"name": org["name"], "country": org["country"]}


def submit(actor: Actor, contract: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
    outcome = actor.submit(contract, function, args)
    check(outcome["code"] == "VALID", f"{actor.org} {contract}.{function}: {outcome['code']}")
    return outcome["response"]


def issue_document(actor: Actor, doc_type: str, data: dict[str, Any], readers: list[str], report: StoryReport,
                   *, transferable: bool = False, holder: str | None = None) -> dict[str, Any]:
    """Validate, wrap and anchor one document (with the countries its fields name); returns the wrapped document."""
    validate_document(doc_type, data)
    wrapped = wrap_document(data)
    signature = wrapped["signature"]
    args: dict[str, Any] = {"target_hash": signature["targetHash"], "merkle_root": signature["merkleRoot"],
                            "doc_type": doc_type, "readers": readers, "content_hash": sha256_hex(canonicalize(wrapped))}
    countries = from_document(doc_type, data)
    if countries is not None:
        args["countries"] = countries
    if transferable:
        args.update(transferable=True, holder=holder)
    submit(actor, "documents", "issue", args)
    report.documents += 1
    return wrapped


def target(wrapped: dict[str, Any]) -> str:
    return wrapped["signature"]["targetHash"]


def actors_of(actors: Actors, *orgs: str) -> list[Actor]:
    return [actors(o) for o in orgs]
