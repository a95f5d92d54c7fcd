"""A list page examines a bounded number of rows: a caller who may read few of a namespace's
records gets short (even empty) pages with a cursor, never one request scanning the namespace,
and following the cursors reaches every record it may read."""

from __future__ import annotations

from fastapi.testclient import TestClient

from baobab.api import reads
from baobab.api.app import create_app
from baobab.api.signing import sign_request
from tests.conftest import Net


def pages(http: TestClient, net: Net, org: str, prefix: str) -> list[list[str]]:
    """The keys of each page of `GET /v1/state/accounts?prefix=`, following the cursors."""
    out, cursor = [], None
    while True:
        target = f"/v1/state/accounts?prefix={prefix}&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = http.get(target, headers=sign_request(net.identity(org).key, net.node.network, f"{org}/app",
                                                     "GET", target, b"")).json()
        out.append([r["key"] for r in page["records"]])
        cursor = page["next_cursor"]
        if not cursor:
            return out


def test_pages_stop_after_the_rows_they_may_examine_and_cursors_reach_the_end(net: Net, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    for n in range(7):
        owner = "TRADER" if n != 5 else "MYBANK"
        assert net.submit(owner, "accounts", "open", {"account": f"pg-{n}", "currency": "KES"}).valid
    monkeypatch.setattr(reads, "MAX_SCANNED", 3)
    with TestClient(create_app(net.node, net.path)) as http:
        mine = pages(http, net, "MYBANK", "acct/pg-")
        assert mine == [[], ["accounts:acct/pg-5"], []]  # three rows examined per page, at most
        trader = pages(http, net, "TRADER", "acct/pg-")
    assert [k for page in trader for k in page] == [f"accounts:acct/pg-{n}" for n in range(7) if n != 5]
    assert all(len(page) <= 2 for page in trader)
