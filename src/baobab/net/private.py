"""Private data on a node: payloads whose hash is on the ledger, held only by their members' nodes.

The model is Fabric's private data collections, reduced to what Baobab needs. A proposal names
the payload by `args.private_hash` (SHA-256 of its RFC 8785 form); the payload travels with its
member list, peer to peer, only to the members' nodes, and lands in the `private_data` side
table of each. Validation never needs it: every node validates the transaction on the hash.
A member's node that cannot take it when it is shared (down, unreachable) is owed it in the
sharing node's `private_outbox`, and `Courier` delivers it once that node answers again.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.hashing import digest_hex
from baobab.core.jcs import canonicalize
from baobab.ledger.store.at_rest import Sealer
from baobab.ledger.store.postgres import PostgresStore

log = logging.getLogger(__name__)
RETRY_S = 2.0  # how often a node tries again to deliver the private data it owes
_SEALED = "sealed:"  # prefix of a payload stored AES-GCM sealed (base64), bound to its hash


class PrivateStore:
    """The `private_data` side table; with a `sealer` (the node's data key) payloads are stored
    sealed, so the database files and their backups hold no trade data in clear."""

    def __init__(self, store: PostgresStore, sealer: Sealer | None = None) -> None:
        self._store = store
        self._sealer = sealer

    def _seal(self, digest: str, data: Any) -> str:
        text = canonicalize(data)
        if self._sealer is None:
            return text.decode()
        return _SEALED + base64.b64encode(self._sealer.seal(text, digest.encode())).decode()

    def _open(self, digest: str, stored: str) -> Any:
        if stored.startswith(_SEALED):
            if self._sealer is None:
                raise BaobabError("CORRUPT", "private data is sealed and this node has no data key")
            return json.loads(self._sealer.open(base64.b64decode(stored[len(_SEALED):]), digest.encode()))
        return json.loads(stored)

    @staticmethod
    def check(item: Any, proposal: dict[str, Any] | None, own_org: str) -> dict[str, Any]:
        """{hash, members, data} of a well-formed payload this node may hold; raise otherwise."""
        if not isinstance(item, dict) or not isinstance(item.get("members"), list) or "data" not in item:
            raise BaobabError("MALFORMED", "private data is {members: [orgs], data}")
        members = sorted(set(item["members"]))
        if not members or not all(isinstance(m, str) for m in members):
            raise BaobabError("MALFORMED", "private data members are organisation ids")
        if own_org not in members:
            raise BaobabError("FORBIDDEN", f"{own_org} is not a member of this private data")
        digest = digest_hex(item["data"])
        claimed = proposal["args"].get("private_hash") if proposal is not None else item.get("hash")
        if claimed != digest:
            raise BaobabError("MALFORMED", "private data does not match the hash it is sent under")
        return {"hash": digest, "members": members, "data": item["data"]}

    def put(self, digest: str, tx_id: str, members: list[str], data: Any) -> None:
        with self._store.connection() as conn:
            conn.execute(
                "INSERT INTO private_data (hash, tx_id, members, data) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (hash) DO NOTHING",
                (digest, tx_id, canonicalize(members).decode(), self._seal(digest, data)))

    def get(self, digest: str) -> dict[str, Any] | None:
        with self._store.connection() as conn:
            row = conn.execute(
                "SELECT tx_id, members, data FROM private_data WHERE hash = %s", (digest,)).fetchone()
        if row is None:
            return None
        return {"hash": digest, "tx_id": row[0], "members": json.loads(row[1]), "data": self._open(digest, row[2])}

    # --- owed to members' nodes that were not reached ----------------------------------

    def owe(self, digest: str, member: str, sender: str, tx_id: str) -> None:
        with self._store.connection() as conn:
            conn.execute("INSERT INTO private_outbox (hash, member, sender, tx_id) VALUES (%s, %s, %s, %s) "
                         "ON CONFLICT (hash, member) DO NOTHING", (digest, member, sender, tx_id))

    def owed(self) -> list[tuple[str, str, str, str]]:
        """(hash, member, sender, tx_id) of every delivery still to make, oldest first."""
        with self._store.connection() as conn:
            rows = conn.execute("SELECT hash, member, sender, tx_id FROM private_outbox ORDER BY since").fetchall()
        return [tuple(r) for r in rows]  # type: ignore[misc]

    def delivered(self, digest: str, member: str) -> None:
        with self._store.connection() as conn:
            conn.execute("DELETE FROM private_outbox WHERE hash = %s AND member = %s", (digest, member))


Send = Callable[[str, dict[str, Any], str], None]  # (member, item, sender): deliver, or raise


class Courier:
    """Delivers what `PrivateStore.owed` lists, every RETRY_S seconds and whenever `nudge`d,
    until each member's node has taken it."""

    def __init__(self, private: PrivateStore, send: Send, name: str) -> None:
        self.private, self.send = private, send
        self._wake, self._stop = threading.Event(), threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"baobab-private-{name}", daemon=True)

    def start(self) -> "Courier":
        self._thread.start()
        return self

    def nudge(self) -> None:
        self._wake.set()

    def deliver_owed(self) -> int:
        """Try every owed delivery once; the number made."""
        made = 0
        for digest, member, sender, tx_id in self.private.owed():
            item = self.private.get(digest)
            if item is None:  # nothing left to send (cannot happen unless the row was removed by hand)
                self.private.delivered(digest, member)
                continue
            try:
                self.send(member, {"hash": digest, "members": item["members"], "data": item["data"], "tx_id": tx_id}, sender)
            except BaobabError as exc:
                log.info("private data %s for %s not delivered yet: %s", digest[:12], member, exc.code)
                continue
            self.private.delivered(digest, member)
            made += 1
        return made

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.deliver_owed()
            except Exception as exc:  # the database is away for a moment: the rows wait for the next round
                log.warning("private data deliveries: %r", exc)
            self._wake.wait(RETRY_S)
            self._wake.clear()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(10)
