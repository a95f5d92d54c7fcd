"""Bulk transfers: one payer FSP pays many parties at one payee FSP in one message (a cooperative
paying 500 farmers at their mobile-money provider, a government paying grants).

    POST /bulkTransfers        every individual transfer is prepared on its own (its own
                               reservation, its own refusal); the bulk goes on to the payee FSP
                               with the ones reserved, or back to the payer as an error if none was
    PUT  /bulkTransfers/{ID}   the payee's results: each fulfilment commits its transfer (or
                               aborts it, as for a single transfer), each error releases it; the
                               payer is told every individual outcome, prepare refusals included
    GET  /bulkTransfers/{ID}   the outcome as it stands, to the payer or payee FSP only

A resend of the same bulk is answered like a GET; the same id with other terms gets 3106.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from typing import Any

from baobab.core.jcs import canonicalize
from baobab.pay.errors import FspiopError
from baobab.pay.hub import Hub
from baobab.pay.messages import HUB_ID, callback_headers
from baobab.pay.switch import ABORTED, COMMITTED, RESERVED, stamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS switch_bulks (
  id TEXT PRIMARY KEY, payer TEXT NOT NULL, payee TEXT NOT NULL, request_hash TEXT NOT NULL,
  state TEXT NOT NULL, completed_at TEXT);
CREATE TABLE IF NOT EXISTS switch_bulk_items (
  bulk_id TEXT NOT NULL, seq INTEGER NOT NULL, transfer_id TEXT NOT NULL, error_code TEXT, error_text TEXT,
  PRIMARY KEY (bulk_id, seq));
"""
PROCESSING, COMPLETED, REJECTED = "PROCESSING", "COMPLETED", "REJECTED"


class BulkTransfers:
    def __init__(self, hub: Hub) -> None:
        self.hub, self.db, self.switch = hub, hub.db, hub.switch
        self.db.script(SCHEMA)

    def prepare(self, body: dict[str, Any], core_items: list[dict[str, Any]], source: str, headers: dict[str, str]) -> None:
        """`core_items`: the individual transfers in the switch core's shape (amount in minor units)."""
        bulk_id, payer, payee = body["bulkTransferId"], body["payerFsp"], body["payeeFsp"]
        request_hash = hashlib.sha256(canonicalize(body)).hexdigest()
        with self.db.atomic():
            row = self.db.one("SELECT request_hash, payer FROM switch_bulks WHERE id = ?", (bulk_id,))
            if row is not None:
                if row[0] != request_hash or row[1] != source:
                    self._error(source, bulk_id, FspiopError("3106", f"bulk transfer {bulk_id} was sent with other terms"))
                else:
                    self._tell(bulk_id, source)
                return
            if source != payer:
                self._error(source, bulk_id, FspiopError("3100", f"FSPIOP-Source {source} is not the payer FSP {payer}"))
                return
            self.db.run("INSERT INTO switch_bulks (id, payer, payee, request_hash, state) VALUES (?, ?, ?, ?, ?)",
                        (bulk_id, payer, payee, request_hash, PROCESSING))
            accepted = []
            for seq, (item, core) in enumerate(zip(body["individualTransfers"], core_items)):
                error: FspiopError | None = None
                try:
                    self.switch.prepare({**core, "payerFsp": payer, "payeeFsp": payee, "expiration": body["expiration"]},
                                        source=source)
                except FspiopError as exc:
                    error = exc
                else:
                    accepted.append(item)
                self.db.run("INSERT INTO switch_bulk_items (bulk_id, seq, transfer_id, error_code, error_text) "
                            "VALUES (?, ?, ?, ?, ?)", (bulk_id, seq, core["transferId"],
                                                       error and error.code, error and error.description))
            if not accepted:
                self.db.run("UPDATE switch_bulks SET state = ?, completed_at = ? WHERE id = ?", (REJECTED, _now(), bulk_id))
                self._error(source, bulk_id, FspiopError("4000", "no individual transfer of the bulk could be reserved"))
                return
            self.hub.outbox.add(payee, "POST", "/bulkTransfers", {**headers, "FSPIOP-Destination": payee},
                                {**body, "individualTransfers": accepted})

    def fulfil(self, bulk_id: str, body: dict[str, Any], source: str) -> None:
        """The payee's PUT with one result per individual transfer."""
        with self.db.atomic():
            bulk = self._for_party(bulk_id, source)
            if source != bulk["payee"]:
                raise FspiopError("3100", f"only the payee FSP {bulk['payee']} completes bulk transfer {bulk_id}")
            if bulk["state"] != PROCESSING:
                raise FspiopError("3100", f"bulk transfer {bulk_id} is {bulk['state']}")
            mine = {r[0] for r in self.db.all("SELECT transfer_id FROM switch_bulk_items WHERE bulk_id = ? AND error_code IS NULL",
                                              (bulk_id,))}
            for result in body.get("individualTransferResults") or []:
                transfer_id = result.get("transferId")
                if transfer_id not in mine:
                    continue  # not part of this bulk: nothing to do with it
                try:
                    if result.get("fulfilment"):
                        self.switch.fulfil(transfer_id, result["fulfilment"], source=source)
                    else:
                        code = str((result.get("errorInformation") or {}).get("errorCode", "5100"))
                        self.switch.reject(transfer_id, code if code.isdigit() and len(code) == 4 else "5100", source=source)
                except FspiopError:
                    pass  # aborted (bad fulfilment, expired): the transfer's own state says why
            for transfer_id in mine:  # a transfer the payee left out is released
                t = self.switch.find(transfer_id)
                if t is not None and t.state == RESERVED:
                    self.switch.reject(transfer_id, "5100", source=source)
            self.db.run("UPDATE switch_bulks SET state = ?, completed_at = ? WHERE id = ?", (COMPLETED, _now(), bulk_id))
            self._tell(bulk_id, bulk["payer"])

    def report(self, bulk_id: str, source: str) -> None:
        with self.db.atomic():
            try:
                self._for_party(bulk_id, source)
            except FspiopError as exc:
                self._error(source, bulk_id, exc)
                return
            self._tell(bulk_id, source)

    def results(self, bulk_id: str) -> dict[str, Any]:
        """PUT /bulkTransfers/{ID}: the bulk's state and each individual transfer's outcome."""
        bulk = self._bulk(bulk_id)
        assert bulk is not None
        results = []
        for transfer_id, code, text in self.db.all("SELECT transfer_id, error_code, error_text FROM switch_bulk_items "
                                                   "WHERE bulk_id = ? ORDER BY seq", (bulk_id,)):
            t = None if code else self.switch.find(transfer_id)
            if t is not None and t.state == COMMITTED:
                results.append({"transferId": transfer_id, "fulfilment": t.fulfilment})
            elif t is not None and t.state == ABORTED:
                results.append({"transferId": transfer_id, "errorInformation": FspiopError(
                    t.error_code or "5100", f"transfer {transfer_id} was aborted").information()["errorInformation"]})
            elif code:
                results.append({"transferId": transfer_id, "errorInformation": FspiopError(code, text).information()["errorInformation"]})
        body: dict[str, Any] = {"bulkTransferState": bulk["state"], "individualTransferResults": results}
        if bulk["completed_at"]:
            body["completedTimestamp"] = bulk["completed_at"]
        return body

    def _tell(self, bulk_id: str, fsp: str) -> None:
        self.hub.outbox.add(fsp, "PUT", f"/bulkTransfers/{bulk_id}", callback_headers("bulkTransfers", HUB_ID, fsp),
                            self.results(bulk_id))

    def _error(self, fsp: str, bulk_id: str, error: FspiopError) -> None:
        self.hub.outbox.add(fsp, "PUT", f"/bulkTransfers/{bulk_id}/error", callback_headers("bulkTransfers", HUB_ID, fsp),
                            error.information())

    def _bulk(self, bulk_id: str) -> dict[str, Any] | None:
        row = self.db.one("SELECT payer, payee, state, completed_at FROM switch_bulks WHERE id = ?", (bulk_id,))
        return None if row is None else dict(zip(("payer", "payee", "state", "completed_at"), row))

    def _for_party(self, bulk_id: str, source: str) -> dict[str, Any]:
        bulk = self._bulk(bulk_id)
        if bulk is None or source not in (bulk["payer"], bulk["payee"]):  # a third party learns nothing
            raise FspiopError("3208", f"no bulk transfer {bulk_id}")
        return bulk


def _now() -> str:
    return stamp(datetime.now(timezone.utc))


