"""The embedded network: every organisation's peer and the orderer in one process, on SQLite.

    create(data_dir, organisations)   write keys and genesis.json to a new data folder
    open_node(data_dir)               open (or, on first use, start) the ledger in it
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from baobab.contracts import default_registry
from baobab.contracts.oversight import AUDIT_CLIENT
from baobab.vocab.roles import NETWORK_ROLES, SUPERVISORS
from baobab.core.errors import BaobabError
from baobab.core.jcs import canonicalize
from baobab.keystore import Keystore
from baobab.ledger.block import genesis_block
from baobab.ledger.commit_process import CommitProcess
from baobab.ledger.membership import check_genesis
from baobab.ledger.node import Node
from baobab.ledger.orderer.embedded import EmbeddedOrderer
from baobab.ledger.runtime import Registry
from baobab.ledger.store.at_rest import folder_sealer, secure_tree
from baobab.ledger.store.sqlite import SQLiteStore
from baobab.ledger.tx import now_rfc3339

GENESIS_FILE = "genesis.json"
LEDGER_FILE = "ledger.sqlite"


def majority(orgs: list[str]) -> dict[str, Any]:
    return {"n_of": len(orgs) // 2 + 1, "of": [{"org": o} for o in orgs]}


def create(data_dir: str | Path, network: str, organisations: list[dict[str, Any]], admins: list[str],
           *, clients: tuple[str, ...] = ("app",), block: dict[str, int] | None = None,
           time_window_s: int | None = None) -> dict[str, Any]:
    """Generate keys for each organisation (`id, name, country, roles`) and write the genesis.

    The governance policy is a majority of the admin organisations. Customs and regulators
    also get the `audit` client the node logs their reads with.
    """
    root = Path(data_dir)
    if (root / GENESIS_FILE).exists():
        raise BaobabError("BAD_GENESIS", f"{root} already holds a network")
    root.mkdir(parents=True, exist_ok=True)
    keys = Keystore(root / "keys")
    orgs = []
    for org in organisations:
        peer = keys.new(org["id"], "peer.key")
        # supervisors' reads are logged by the node, signing as their audit client (contracts/oversight.py)
        names = [*clients, *([AUDIT_CLIENT] if set(SUPERVISORS) & set(org["roles"]) and AUDIT_CLIENT not in clients else [])]
        client_keys = {c: keys.new(org["id"], "clients", f"{c}.key").public.text for c in names}
        orgs.append({**org, "peer_key": peer.public.text, "clients": client_keys})
    genesis: dict[str, Any] = {
        "network": network,
        "created": now_rfc3339(),
        "organisations": orgs,
        "admins": admins,
        "governance_policy": majority(admins),
        "orderer": {"id": "orderer", "key": keys.new("orderer.key").public.text},
        "roles": sorted(NETWORK_ROLES),
    }
    if block:
        genesis["block"] = block
    if time_window_s:
        genesis["time_window_s"] = time_window_s
    genesis = check_genesis(genesis)
    (root / GENESIS_FILE).write_bytes(canonicalize(genesis))
    secure_tree(root)
    return genesis


def load_genesis(data_dir: str | Path) -> dict[str, Any]:
    path = Path(data_dir) / GENESIS_FILE
    if not path.exists():
        raise BaobabError("NOT_FOUND", f"no network in {data_dir} (run `baobab network init`)")
    return check_genesis(json.loads(path.read_bytes()))


def open_node(data_dir: str | Path, registry: Registry | None = None, *, commit_process: bool = True) -> Node:
    """The node of the network in `data_dir`. With `commit_process` (the default), blocks are
    validated and committed in a process of their own (`ledger/commit_process.py`), so that
    endorsement and commit use two cores; without it, on the node's orderer thread."""
    root = Path(data_dir)
    genesis = load_genesis(root)
    secure_tree(root)  # owner-only, also what was made before and what is made from now on
    keys = Keystore(root / "keys")
    peer_keys = {o["id"]: keys.peer(o["id"]) for o in genesis["organisations"] if (keys.root / o["id"] / "peer.key").exists()}
    orderer_key = keys.orderer()
    registry = registry or default_registry()
    b = genesis["block"]
    orderer = EmbeddedOrderer(genesis["network"], orderer_key, b["max_txs"], b["max_bytes"], b["timeout_ms"])
    committer = CommitProcess.start(root, genesis, registry, genesis_block(genesis, orderer_key)) if commit_process else None
    try:
        store = SQLiteStore(root / LEDGER_FILE, folder_sealer(root, create=True))  # sealed at rest
        return Node(store, genesis, registry, peer_keys, orderer, orderer_key, committer=committer)
    except BaseException:
        if committer is not None:
            committer.close()
        raise


def app_from_env() -> Any:
    """uvicorn factory: the API over the data folder in BAOBAB_DATA (the node closes at shutdown)."""
    import os
    from collections.abc import AsyncIterator
    from contextlib import asynccontextmanager

    from baobab.api.app import create_app

    data_dir = Path(os.environ.get("BAOBAB_DATA", "data"))
    node = open_node(data_dir)
    app = create_app(node, data_dir)
    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> AsyncIterator[None]:
        async with inner(a):
            yield
        node.close()

    app.router.lifespan_context = lifespan
    return app
