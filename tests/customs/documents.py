"""Story 5's documents (flowers from Naivasha to Rotterdam), issued on a demo network: what the
single window builds declarations from."""

from __future__ import annotations

from typing import Any

from baobab.stories import StoryReport
from baobab.stories.flowers import BUYER, FARM, documents
from baobab.stories.trade_kit import issue_document

SHIPPED = "2026-11-20"


def issue_flower_documents(actors: Any, ref: str = "T1", readers: tuple[str, ...] = ()) -> dict[str, dict[str, Any]]:
    """The invoice, packing list and bill of lading of story 5, anchored by their issuers and
    readable by the farm, the buyer and `readers`; the wrapped documents by type."""
    wrapped = {}
    for doc_type, (issuer, data) in documents(ref, SHIPPED).items():
        if doc_type not in ("commercial_invoice", "packing_list", "bill_of_lading"):
            continue
        holder = {"transferable": True, "holder": FARM} if doc_type == "bill_of_lading" else {}
        wrapped[doc_type] = issue_document(actors(issuer), doc_type, data, [FARM, BUYER, *readers], StoryReport(), **holder)
    return wrapped
