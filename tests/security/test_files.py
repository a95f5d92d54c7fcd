"""The data folder of a serving node is its user's alone (issue 11, item 4: the ledger file was
readable by every user of the machine), also for files the node creates while it serves and
when it was started with a loose umask."""

from __future__ import annotations

import stat


def test_every_file_of_a_serving_nodes_data_folder_is_the_owners_alone(serve) -> None:  # type: ignore[no-untyped-def]
    node = serve(umask=0o000)
    bank = node.client("KEBANK")
    bank.submit("accounts", "open", {"account": "KEBANK-files", "currency": "KES"})
    bank.request("POST", "/v1/auth/token")  # the API's own memory (nonces, tokens)
    names = {p.name for p in node.data.rglob("*")}
    assert {"ledger.sqlite", "api.sqlite", "genesis.json"} <= names
    loose = [f"{oct(stat.S_IMODE(p.stat().st_mode))} {p.relative_to(node.data.parent)}"
             for p in [node.data, *node.data.rglob("*")] if stat.S_IMODE(p.stat().st_mode) & 0o077]
    assert loose == []
