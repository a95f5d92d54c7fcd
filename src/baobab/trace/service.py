"""The traceability service of a node: capture EPCIS events, anchor them, answer queries with proofs.

    service = TraceService.at(gateway, data_dir)       # one per node, `<data>/trace.sqlite`
    service.capture("SIDAMA-COOP", "app", document, share_with=["ROAST-NL"])
    service.events("ROAST-NL", biz_step="...")           # what ROAST-NL may read
    service.event_with_proof("ROAST-NL", event_id)       # the body, its proof, the ledger's batch

A capture is kept first (validated, hashed, stored as a pending batch in one database
transaction) and then anchored: `epcis.anchor` is submitted as the capturing organisation, signed
by the node that serves it. A crash in between leaves the batch pending; `anchor_pending` (run when
the service opens) anchors it, and a batch the ledger already holds counts as anchored, so nothing
acknowledged is lost and nothing is anchored twice. In the network mode the bodies travel with the
anchoring transaction as private data, only to the members' nodes, which take them into their own
store when they next read (`take_shared`).
"""

from __future__ import annotations

import threading
import uuid
import weakref
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from baobab.core.errors import BaobabError, register_codes
from baobab.core.hashing import digest_hex
from baobab.pay.store import SQLiteDatabase
from baobab.trace import anchoring
from baobab.trace.store import ANCHORED, EventStore, StoredEvent, event_hash, utc
from baobab.trace.validation import capture_events

register_codes({
    "EPCIS_DUPLICATE": (409, "The event is already captured"),
    "EPCIS_NOT_FOUND": (404, "No such event visible to this organisation"),
    "EPCIS_NOT_ANCHORED": (503, "The events are kept but not yet anchored on the ledger"),
    # 409: the event is well formed; it conflicts with the ledger's clock, which cannot anchor the future
    "EPCIS_EVENT_IN_FUTURE": (409, "The event's time is later than the ledger's"),
})
CLOCK_SKEW = timedelta(minutes=5)  # as the epcis contract allows a capturing system's clock

STORE_FILE = "trace.sqlite"
CONTRACT = "epcis"
_SERVICES: "weakref.WeakKeyDictionary[Any, TraceService]" = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class TraceService:
    def __init__(self, gateway: Any, store: EventStore) -> None:
        self.gateway, self.store = gateway, store

    @classmethod
    def at(cls, gateway: Any, data_dir: str | Path) -> "TraceService":
        """The node's one service (made on first use, pending batches anchored then)."""
        node = getattr(gateway, "_node", gateway)
        with _LOCK:
            service = _SERVICES.get(node)
            if service is None:
                service = cls(gateway, EventStore(SQLiteDatabase(Path(data_dir) / STORE_FILE)))
                _SERVICES[node] = service
                service.anchor_pending()
        return service

    @classmethod
    def of(cls, gateway: Any) -> "TraceService":
        """The service already opened for this gateway's node."""
        service = _SERVICES.get(getattr(gateway, "_node", gateway))
        if service is None:
            raise BaobabError("NOT_FOUND", "no traceability service runs on this node")
        return service

    # --- ledger ----------------------------------------------------------------------------

    def _signed(self, org: str, client: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
        return self.gateway.signer(org, [client, "app"]).proposal(CONTRACT, function, args)  # type: ignore[no-any-return]

    def ask(self, org: str, client: str, contract: str, function: str, args: dict[str, Any]) -> Any:
        """A contract query as `org`'s client (its access rules apply)."""
        return self.gateway.evaluate(self.gateway.signer(org, [client, "app"]).proposal(contract, function, args))

    def share(self, org: str, client: str, key: str) -> dict[str, Any]:
        """The value share of the goods `key` names (baobab.trace.value_share), as `org` traces them."""
        from baobab.trace.value_share import share_of

        self.take_shared(org)
        return share_of(self.store, org, key, lambda fn, args: self.ask(org, client, "deliveries", fn, args)).to_dict()

    def ledger_batch(self, org: str, client: str, batch_id: str) -> dict[str, Any] | None:
        try:
            return self.gateway.evaluate(self._signed(org, client, "batch", {"batch_id": batch_id}))  # type: ignore[no-any-return]
        except BaobabError as exc:
            if exc.detail.get("reason") == "BATCH_NOT_FOUND" or exc.code == "NOT_FOUND":
                return None
            raise

    # --- capture ---------------------------------------------------------------------------

    def capture(self, org: str, client: str, document: Any, share_with: list[str] | tuple[str, ...] = ()) -> dict[str, Any]:
        """Validate, keep and anchor the events of an EPCISDocument; the capture job's answer."""
        events = capture_events(document)
        hashes = [event_hash(e) for e in events]
        if len(set(hashes)) != len(hashes):
            first = next(i for i, h in enumerate(hashes) if hashes.index(h) != i)
            raise BaobabError("EPCIS_DUPLICATE", f"event {first} repeats an earlier event of the document",
                              field=f"/epcisBody/eventList/{first}")
        seen = self.store.known(hashes)
        if seen:
            first = next(i for i, h in enumerate(hashes) if h in seen)
            raise BaobabError("EPCIS_DUPLICATE", f"event {first} was captured before", field=f"/epcisBody/eventList/{first}",
                              event_hash=hashes[first])
        latest = datetime.now(timezone.utc) + CLOCK_SKEW
        for i, event in enumerate(events):
            if utc(event["eventTime"]) > utc(latest.isoformat()):
                raise BaobabError("EPCIS_EVENT_IN_FUTURE", f"event {i} happened at {event['eventTime']}, after now",
                                  field=f"/epcisBody/eventList/{i}/eventTime")
        members = sorted({org, *share_with})
        known = self.gateway.view.members()
        unknown = [m for m in members if known.org(m) is None]
        if unknown:  # refused before anything is kept: the ledger would refuse the anchoring
            raise BaobabError("UNKNOWN_ORG", f"no member organisation {', '.join(unknown)} to share with", orgs=unknown)
        batch_id = f"{org}/{uuid.uuid4().hex}"
        root = anchoring.root_of(hashes)
        self.store.add_batch(batch_id, org, members, document.get("@context", []), root, events, hashes, _now())
        return self.anchor(batch_id, client)

    def anchor(self, batch_id: str, client: str = "app") -> dict[str, Any]:
        """Anchor a kept batch (again after a crash: a batch already on the ledger counts as anchored)."""
        batch = self.store.batch(batch_id)
        if batch is None:
            raise BaobabError("EPCIS_NOT_FOUND", f"no batch {batch_id}")
        if batch["status"] != ANCHORED:
            org = batch["org"]
            on_ledger = self.ledger_batch(org, client, batch_id)
            if on_ledger is None:
                on_ledger = self._submit_anchor(batch, client)
            self.store.mark_anchored(batch_id, on_ledger["tx_id"], int(on_ledger.get("block", -1)), on_ledger["anchored_at"])
            batch = self.store.batch(batch_id)
            assert batch is not None
        return self.capture_job(batch)

    def _submit_anchor(self, batch: dict[str, Any], client: str) -> dict[str, Any]:
        args = {"batch_id": batch["batch_id"], "merkle_root": batch["merkle_root"], "size": batch["size"],
                "members": batch["members"], "latest_event_time": batch["latest_event_time"]}
        private = None
        if len(batch["members"]) > 1 and hasattr(getattr(self.gateway, "_node", None), "share_private"):
            data = {"batch_id": batch["batch_id"], "context": batch["context"],
                    "events": self.store.batch_events(batch["batch_id"])}
            args["private_hash"] = digest_hex(data)
            private = {"members": batch["members"], "data": data}
        signed = self._signed(batch["org"], client, "anchor", args)
        try:
            outcome = self.gateway.submit(signed, private=private) if private else self.gateway.submit(signed)
        except BaobabError as exc:
            self.store.mark_failed(batch["batch_id"], f"{exc.code} {exc.message}")
            raise BaobabError("EPCIS_NOT_ANCHORED", f"events kept as batch {batch['batch_id']}; anchoring failed: "
                              f"{exc.message}", batch_id=batch["batch_id"]) from None
        result = outcome if isinstance(outcome, dict) else outcome.to_dict()
        if result["code"] != "VALID":
            self.store.mark_failed(batch["batch_id"], result["code"])
            raise BaobabError("EPCIS_NOT_ANCHORED", f"events kept as batch {batch['batch_id']}; the anchor was {result['code']}",
                              batch_id=batch["batch_id"])
        return {**result["response"], "block": result["block"]}

    def anchor_pending(self) -> int:
        """Anchor every batch a crash left pending; how many were."""
        done = 0
        for batch_id in self.store.pending_batches():
            try:
                self.anchor(batch_id)
                done += 1
            except BaobabError:
                continue  # stays pending; the next open or capture tries again
        return done

    def capture_job(self, batch: dict[str, Any]) -> dict[str, Any]:
        """The REST binding's capture job, with the anchoring it got."""
        anchored = batch["status"] == ANCHORED
        return {"captureID": batch["batch_id"], "running": not anchored, "success": anchored,
                "captureErrorBehaviour": "rollback", "errors": [] if anchored or not batch["error"] else [batch["error"]],
                "eventIDs": [e.get("eventID") or f"urn:sha256:{h}" for e, h in
                             zip(self.store.batch_events(batch["batch_id"]), self.store.batch_hashes(batch["batch_id"]))],
                "anchor": {"batch_id": batch["batch_id"], "merkle_root": batch["merkle_root"], "size": batch["size"],
                           "tx_id": batch["tx_id"], "block": batch["block"], "anchored_at": batch["anchored_at"],
                           "members": batch["members"]}}

    def capture_job_for(self, org: str, capture_id: str) -> dict[str, Any]:
        batch = self.store.batch(capture_id)
        if batch is None or org not in batch["members"]:
            raise BaobabError("EPCIS_NOT_FOUND", f"no capture {capture_id} visible to {org}")
        return self.capture_job(batch)

    # --- reading ---------------------------------------------------------------------------

    def events(self, org: str, **filters: Any) -> list[StoredEvent]:
        self.take_shared(org)
        return self.store.query(org, **filters)

    def query_document(self, org: str, events: list[StoredEvent]) -> dict[str, Any]:
        """An EPCISQueryDocument holding `events` (valid against the GS1 schema)."""
        context = self.store.contexts({e.batch_id for e in events}) or ["https://ref.gs1.org/standards/epcis/epcis-context.jsonld"]
        return {"@context": context, "type": "EPCISQueryDocument", "schemaVersion": "2.0", "creationDate": _now(),
                "epcisBody": {"queryResults": {"queryName": "SimpleEventQuery",
                                               "resultsBody": {"eventList": [e.body for e in events]}}}}

    def proof(self, stored: StoredEvent) -> dict[str, Any]:
        hashes = self.store.batch_hashes(stored.batch_id)
        return {"event_hash": stored.event_hash, "batch_id": stored.batch_id, "position": stored.position,
                "size": len(hashes), "path": anchoring.proof_for(hashes, stored.position)}

    def event_with_proof(self, org: str, event_id: str, client: str = "app") -> dict[str, Any]:
        """The event, its inclusion proof, the ledger's batch record, and the verdict on the three."""
        self.take_shared(org)
        stored = self.store.event(org, event_id)
        if stored is None:
            raise BaobabError("EPCIS_NOT_FOUND", f"no event {event_id} visible to {org}")
        proof = self.proof(stored)
        batch = self.ledger_batch(org, client, stored.batch_id)
        return {"event": stored.body, "proof": proof, "batch": batch,
                "verification": anchoring.verify(stored.body, proof, batch).to_dict()}

    # --- network mode: bodies shared with this node's organisations -------------------------

    def take_shared(self, org: str) -> int:
        """Take into this node's store the batches shared with `org` that arrived as private data
        (network mode); in the embedded mode every organisation's store is this one already."""
        private = getattr(getattr(self.gateway, "_node", None), "private", None)
        if private is None or not self.gateway.serves(org):
            return 0
        taken, after = 0, ""
        while True:
            page = self.gateway.evaluate(self._signed(org, "app", "shared_with_me", {"after": after}))
            for record in page:
                if record.get("private_hash") and self.store.batch(record["batch_id"]) is None:
                    item = private.get(record["private_hash"])
                    if item is not None and self._keep_shared(record, item["data"]):
                        taken += 1
            if len(page) < 500:
                return taken
            after = page[-1]["batch_id"]

    def _keep_shared(self, record: dict[str, Any], data: dict[str, Any]) -> bool:
        events = data["events"]
        hashes = [event_hash(e) for e in events]
        if anchoring.root_of(hashes) != record["merkle_root"] or self.store.known(hashes):
            return False  # not what was anchored, or already kept from another batch: never kept twice
        self.store.add_batch(record["batch_id"], record["by"], record["members"], data.get("context", []),
                             record["merkle_root"], events, hashes, record["anchored_at"])
        self.store.mark_anchored(record["batch_id"], record["tx_id"], -1, record["anchored_at"])
        return True
