"""The hub: the switch, its account-lookup directory and the callbacks each operation owes.

Every operation runs in one database transaction with the callbacks it causes (`Outbox`), so
what the switch decided and what the participants will be told never disagree, even across a
crash. `run()` delivers callbacks and expires transfers whose time has passed (3303 to both
sides).
"""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime, timedelta, timezone
from typing import Any

from baobab.pay import jws
from baobab.pay.errors import FspiopError
from baobab.pay.fx import SwitchFx
from baobab.pay.fx_quotes import FxQuotes
from baobab.pay.fx_transfers import FxTransfers
from baobab.pay.group_commit import GroupCommit
from baobab.pay.messages import HUB_ID, addressed, callback_headers, transfer_body
from baobab.pay.outbox import Outbox
from baobab.pay.replay import DEFAULT_WINDOW, ReplayGuard
from baobab.pay.store import Database
from baobab.pay.switch import ABORTED, COMMITTED, RESERVED, Switch, Transfer, parse_stamp

EXPIRY_SWEEP_S = 1.0
PARTY_SCHEMA = """
CREATE TABLE IF NOT EXISTS switch_parties (
  type TEXT NOT NULL, id TEXT NOT NULL, fsp TEXT NOT NULL, currency TEXT, PRIMARY KEY (type, id));
"""
CLOCK_SKEW = timedelta(seconds=1)  # how far ahead of the switch's clock a payee's completion stamp may be


class Hub:
    def __init__(self, db: Database, *, signing_key: Any = None, replay_window: timedelta = DEFAULT_WINDOW,
                 **switch_options: Any) -> None:
        """`signing_key`: the switch signs what it says itself (FSPIOP-Signature, pay/jws.py);
        `replay_window`: how far a signed request's date may be from the switch's clock, and how
        long its signature is remembered so that it cannot be sent again (pay/replay.py)."""
        self.db = db
        self.switch = Switch(db, **switch_options)
        signer = None if signing_key is None else (
            lambda method, path, headers, body: jws.sign(signing_key, method, path, headers, body))
        self.outbox = Outbox(db, self.endpoint, signer=signer, fspiop=True)
        self.fx = SwitchFx(db)  # FX providers' prices, and the switch's FX quotes (pay/fx.py)
        self.fx_quotes = FxQuotes(self)  # cross-currency quotes over FSPIOP (pay/fx_quotes.py)
        self.fx_transfers = FxTransfers(self, self.fx_quotes)  # and their two legs (pay/fx_transfers.py)
        self.replay = ReplayGuard(db, replay_window)
        self.grouped = GroupCommit(db)  # what requests ask of the switch, sharing durable commits
        db.script(PARTY_SCHEMA)

    def endpoint(self, fsp: str) -> str | None:
        row = self.db.one("SELECT endpoint FROM switch_participants WHERE fsp = ?", (fsp,))
        return None if row is None else str(row[0])

    def _require_participant(self, fsp: str | None, code: str = "3201") -> str:
        if not fsp or self.endpoint(fsp) is None:
            raise FspiopError(code, f"{fsp!r} is not a participant of this switch")
        return fsp

    # --- transfers ----------------------------------------------------------------------

    def prepare(self, core: dict[str, Any], source: str, headers: dict[str, str], body: dict[str, Any],
                raw: bytes | None = None) -> None:
        transfer_id = core["transferId"]
        with self.db.atomic():
            try:
                fx = self.fx_transfers.takes(core, source)
                if fx is not None:  # cross-currency: two legs through the FX provider
                    self.fx_transfers.prepare(core, source, fx, said=body.get("extensionList"))
                    return
                existing = self.switch.find(transfer_id)
                t = self.switch.prepare(core, source=source)
            except FspiopError as exc:
                self.outbox.add(source, "PUT", f"/transfers/{transfer_id}/error",
                                callback_headers("transfers", HUB_ID, source), exc.information())
                return
            if existing is None:  # new: the payee FSP is asked to accept it
                self.outbox.add(t.payee, "POST", "/transfers", addressed(headers, t.payee), body, raw=raw)
            elif t.state != RESERVED:  # a resend of a finished transfer is answered like a GET
                self._tell(t, source)

    def fulfil(self, transfer_id: str, body: dict[str, Any], source: str, headers: dict[str, str] | None = None,
               raw: bytes | None = None, version: tuple[int, int] = (1, 1)) -> None:
        """The payee's PUT: COMMITTED with its fulfilment (passed on to the payer as the payee said
        it, signature and all), or RESERVED (v1.1: commit, then tell the payee with a PATCH).
        A PUT saying ABORTED changes nothing (a payee rejects with PUT .../error); RESERVED in a
        v1.0 message is refused to the payee; a resend is told the transfer as it stands, a
        modified one gets 3106; a completion stamped in the future aborts with 3100."""
        state = body.get("transferState")
        if state == ABORTED:
            return
        path = f"/transfers/{transfer_id}"
        legs = self.fx_transfers.find(transfer_id)
        if legs is not None and not (state == RESERVED and version < (1, 1)):
            self.fx_transfers.fulfil(legs, body, source, headers, raw)
            return
        if state == RESERVED and version < (1, 1):
            with self.db.atomic():
                self.switch.get(transfer_id, source=source)
                self.outbox.add(source, "PUT", path + "/error", callback_headers("transfers", HUB_ID, source),
                                FspiopError("3100", "transferState RESERVED is spoken from API version 1.1").information())
            return
        with self.db.atomic():
            before = self.switch.get(transfer_id, source=source)
            if source == before.payee and before.state == COMMITTED:
                if body.get("fulfilment") == before.fulfilment:
                    self._tell(before, source)
                else:
                    self.outbox.add(source, "PUT", path + "/error", callback_headers("transfers", HUB_ID, source),
                                    FspiopError("3106", f"transfer {transfer_id} was fulfilled otherwise").information())
                return
            completed = body.get("completedTimestamp")
            if source == before.payee and before.state == RESERVED and isinstance(completed, str) \
                    and parse_stamp(completed) > datetime.now(timezone.utc) + CLOCK_SKEW:
                failure = FspiopError("3100", "completedTimestamp is in the future")
                self.switch.reject(transfer_id, failure.code, source=source)
                self._tell_both(before, failure)
            else:
                failure = None
                try:
                    t = self.switch.fulfil(transfer_id, body.get("fulfilment", ""), source=source)
                except FspiopError as exc:
                    t = self.switch.find(transfer_id)
                    if t is None or source != t.payee or t.state != ABORTED or t.error_code != exc.code:
                        raise  # not this participant's to fulfil: answered at once
                    self._tell_both(t, exc)  # the abort is news for both sides
                    return
                if state == COMMITTED and headers is not None and raw is not None:
                    self.outbox.add(t.payer, "PUT", path, addressed(headers, t.payer), body, raw=raw)
                else:
                    self._tell(t, t.payer)
                if state == RESERVED:
                    self.outbox.add(t.payee, "PATCH", path, callback_headers("transfers", HUB_ID, t.payee),
                                    {"completedTimestamp": t.completed_at, "transferState": t.state})
        if failure is not None:
            raise failure

    def _tell_both(self, t: Transfer, error: FspiopError) -> None:
        for fsp in (t.payer, t.payee):
            self.outbox.add(fsp, "PUT", f"/transfers/{t.id}/error", callback_headers("transfers", HUB_ID, fsp),
                            error.information())

    def reject(self, transfer_id: str, body: dict[str, Any], source: str, headers: dict[str, str] | None = None,
               raw: bytes | None = None) -> None:
        """The payee's rejection, passed on to the payer as the payee said it."""
        headers = headers or callback_headers("transfers", source, "")
        code = str(body.get("errorInformation", {}).get("errorCode", "5100"))
        legs = self.fx_transfers.find(transfer_id)
        if legs is not None:
            self.fx_transfers.reject(legs, body, source, headers, raw)
            return
        with self.db.atomic():
            before = self.switch.get(transfer_id, source=source)
            if source == before.payee and before.state != RESERVED:  # a resend: told how it stands, or 3106
                if before.state == ABORTED and before.error_code == code:
                    self._tell(before, source)
                else:
                    self.outbox.add(source, "PUT", f"/transfers/{transfer_id}/error", callback_headers("transfers", HUB_ID, source),
                                    FspiopError("3106", f"transfer {transfer_id} is already {before.state}").information())
                return
            t = self.switch.reject(transfer_id, code if code.isdigit() and len(code) == 4 else "5100", source=source)
            self.outbox.add(t.payer, "PUT", f"/transfers/{transfer_id}/error", addressed(headers, t.payer), body, raw=raw)

    def report_transfer(self, transfer_id: str, source: str) -> None:
        with self.db.atomic():
            legs = self.fx_transfers.find(transfer_id)
            if legs is not None and self.fx_transfers.report(legs, source):
                return
            try:
                self._tell(self.switch.get(transfer_id, source=source), source)
            except FspiopError as exc:
                self.outbox.add(source, "PUT", f"/transfers/{transfer_id}/error", callback_headers("transfers", HUB_ID, source),
                                exc.information())

    def _tell(self, t: Transfer, fsp: str) -> None:
        """The transfer as it stands (a GET, or a resend of a finished prepare): PUT /transfers/{ID}
        with its state, an aborted one carrying the cause in its extension list."""
        self.outbox.add(fsp, "PUT", f"/transfers/{t.id}", callback_headers("transfers", HUB_ID, fsp), transfer_body(t))

    def expire(self, at: datetime | None = None) -> list[Transfer]:
        with self.db.atomic():
            expired = self.switch.expire(at)
            for t in expired:
                error = FspiopError("3303", f"transfer {t.id} expired at {t.expiration}")
                for fsp, known_as in self.fx_transfers.told_of_expiry(t):  # an FX leg: under the payer's id
                    self.outbox.add(fsp, "PUT", f"/transfers/{known_as}/error", callback_headers("transfers", HUB_ID, fsp),
                                    error.information())
            return expired

    # --- account lookup and forwarding --------------------------------------------------

    def register_party(self, party_type: str, party_id: str, body: dict[str, Any], source: str) -> None:
        if body.get("fspId") != source:
            raise FspiopError("3100", f"{source} registers only parties it serves itself")
        with self.db.atomic():
            self.add_party(party_type, party_id, source, body.get("currency"))
            self.outbox.add(source, "PUT", f"/participants/{party_type}/{party_id}",
                            callback_headers("participants", HUB_ID, source), {"fspId": source})

    def add_party(self, party_type: str, party_id: str, fsp: str, currency: str | None = None) -> None:
        """Record in the directory that `fsp` serves the party (the operator's onboarding, no callback)."""
        with self.db.atomic():
            self._require_participant(fsp)
            self.db.run("DELETE FROM switch_parties WHERE type = ? AND id = ?", (party_type, party_id))
            self.db.run("INSERT INTO switch_parties (type, id, fsp, currency) VALUES (?, ?, ?, ?)",
                        (party_type, party_id, fsp, currency))

    def serving(self, party_type: str, party_id: str) -> str | None:
        row = self.db.one("SELECT fsp FROM switch_parties WHERE type = ? AND id = ?", (party_type, party_id))
        return None if row is None else str(row[0])

    def lookup_participant(self, party_type: str, party_id: str, source: str) -> None:
        with self.db.atomic():
            fsp = self.serving(party_type, party_id)
            path = f"/participants/{party_type}/{party_id}"
            if fsp is None:
                self.outbox.add(source, "PUT", path + "/error", callback_headers("participants", HUB_ID, source),
                                FspiopError("3204", f"no FSP serves {party_type} {party_id}").information())
            else:
                self.outbox.add(source, "PUT", path, callback_headers("participants", HUB_ID, source), {"fspId": fsp})

    def forward_party_lookup(self, party_type: str, party_id: str, source: str, headers: dict[str, str]) -> None:
        with self.db.atomic():
            fsp = self.serving(party_type, party_id)
            path = f"/parties/{party_type}/{party_id}"
            if fsp is None:
                self.outbox.add(source, "PUT", path + "/error", callback_headers("parties", HUB_ID, source),
                                FspiopError("3204", f"no FSP serves {party_type} {party_id}").information())
            else:
                self.outbox.add(fsp, "GET", path, addressed(headers, fsp), None)

    def forward(self, destination: str | None, method: str, path: str, headers: dict[str, str], body: Any,
                raw: bytes | None = None) -> None:
        """Pass a message to the FSP it is addressed to, its FSPIOP headers and body bytes kept."""
        fsp = self._require_participant(destination)
        with self.db.atomic():
            self.outbox.add(fsp, method, path, headers, body, raw=raw)

    # --- running ------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Deliver callbacks and sweep expired transfers until `stop` is set."""
        async def sweep() -> None:
            while not stop.is_set():
                await asyncio.to_thread(self.expire, datetime.now(timezone.utc))
                try:
                    await asyncio.wait_for(stop.wait(), EXPIRY_SWEEP_S)
                except asyncio.TimeoutError:
                    pass

        await asyncio.gather(self.outbox.run(stop), sweep())



class HubThread:
    """`Hub.run` on its own event loop in a background thread, for a node that hosts the switch
    beside a synchronous server: callbacks leave and expired transfers abort while it runs (and
    the same for anything with such a `run(stop)`: the outboxes of the FSPs a node hosts)."""

    def __init__(self, hub: Any) -> None:
        self.hub = hub
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._main, name="switch-callbacks", daemon=True)

    def start(self) -> HubThread:
        self._thread.start()
        self._ready.wait()
        return self

    def _main(self) -> None:
        async def run() -> None:
            self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
            self._ready.set()
            await self.hub.run(self._stop)

        asyncio.run(run())

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)
