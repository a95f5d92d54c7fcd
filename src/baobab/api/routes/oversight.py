"""Smart oversight: customs and regulators read every record in their jurisdiction, with
filters and CSV/JSON exports; each read is first recorded on the ledger (oversight contract),
and every organisation can list who read its records."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from baobab.api.access import SUPERVISOR_ROLES
from baobab.api.deps import CURSOR, MAX_LIMIT, caller, decode_cursor, encode_cursor, state
from baobab.api.problems import PROBLEM_RESPONSES
from baobab.contracts.oversight import entry_for
from baobab.core.errors import BaobabError
from baobab.core.table import flatten, write_csv
from baobab.gateway import Caller, tx_id_of

router = APIRouter(prefix="/v1/oversight", tags=["oversight"], responses=PROBLEM_RESPONSES)
SKIP_NAMESPACES = ("governance:", "oversight:", "_keypolicy:")
CSV_COLUMNS = ["key", "version", "tx_id", "parties", "countries"]  # then value.<path> columns (core/table.py)


def _with_tx_ids(request: Request, records: list[dict[str, Any]]) -> None:
    """Name the transaction that wrote each version, so its inclusion proof can be fetched."""
    view, cache = state(request).view, {}
    for r in records:
        number, index = r["version"]
        if number not in cache:
            entry = view.block(number)
            assert entry is not None  # a committed version's block is committed
            cache[number] = entry.transactions
        r["tx_id"] = tx_id_of(cache[number][index])


@router.get("/records", responses={200: {"content": {"application/json": {}, "text/csv": {}},
                                         "description": "records in your jurisdiction"}})
def records(request: Request, who: Caller = Depends(caller), namespace: str = Query("", max_length=64),
            prefix: str = Query("", max_length=512, description="key prefix (of full keys `ns:key` without a namespace)"), party: str = Query("", max_length=32),
            country: str = Query("", max_length=2),
            purpose: str = Query(..., min_length=1, max_length=200, description="why you read (recorded with the read)"),
            format: str = Query("json", pattern="^(json|csv)$"), limit: int = Query(100, ge=1, le=MAX_LIMIT),
            cursor: str | None = Query(None, **CURSOR)) -> Any:
    """Records a supervisor may read in its jurisdiction (filter by contract namespace, key
    prefix, party or country), as JSON or CSV. The read is recorded on the ledger before the
    answer is sent; the access-log transaction ids come back in `access` (header
    `X-Baobab-Access` for CSV)."""
    if not SUPERVISOR_ROLES & set(who.roles):
        raise BaobabError("FORBIDDEN", "only customs and regulator organisations supervise")

    def keep(item: dict[str, Any]) -> bool:
        if not namespace and item["key"].startswith(SKIP_NAMESPACES):
            return False
        return (not party or party in item["parties"]) and (not country or country in item["countries"])

    scope = f"{namespace}:{prefix}" if namespace else prefix  # without a namespace, a prefix of full keys
    query = {k: v for k, v in {"namespace": namespace, "prefix": prefix, "party": party, "country": country}.items() if v}
    found, last, access = state(request).reads.list(who, scope, decode_cursor(cursor), limit, purpose=purpose,
                                                    query=query, keep=keep)
    _with_tx_ids(request, found)
    nxt = encode_cursor(last)
    if format == "csv":
        rows = [{"key": r["key"], "version": f"{r['version'][0]}.{r['version'][1]}", "tx_id": r["tx_id"],
                 "parties": " ".join(r["parties"]), "countries": " ".join(r["countries"]), **flatten(r["value"], "value")}
                for r in found]
        headers = {"X-Baobab-Access": ",".join(access)}
        if nxt:
            headers["X-Baobab-Next-Cursor"] = nxt
        return Response(write_csv(rows, CSV_COLUMNS), media_type="text/csv", headers=headers)
    return {"records": found, "next_cursor": nxt, "access": access}


@router.get("/log")
def log(request: Request, who: Caller = Depends(caller), limit: int = Query(100, ge=1, le=MAX_LIMIT),
        cursor: str | None = Query(None, **CURSOR)) -> dict[str, Any]:
    """Supervisor reads of records you are party to (or that you made): who, when, why, what.
    A party sees, of each read, only its own records."""
    found, last, _ = state(request).reads.list(who, "oversight:access/", decode_cursor(cursor), limit)
    entries = [{"access": r["key"][len("oversight:access/"):], **entry_for(r["value"], who.org)} for r in found]
    return {"entries": entries, "next_cursor": encode_cursor(last)}
