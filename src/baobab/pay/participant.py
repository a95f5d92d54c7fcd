"""An FSP's own side of FSPIOP: what a bank or a mobile-money provider runs to meet the switch.

    fsp = Participant("payeefsp", SQLiteDatabase(path), switch_url, secret=..., signing_key=...)
    app.include_router(fsp.router())           # its callback endpoint, registered at the switch
    await fsp.run(stop)                        # delivers what it says to the switch

As a payer FSP it asks (each request written to its outbox first, so a crash loses none):
`lookup` (GET /parties), `quote` (POST /quotes), `transfer` (POST /transfers); the answers come
back as callbacks and are kept (`received`, `wait`). As a payee FSP it answers what the switch
forwards: a party lookup from the parties it serves, a quote with the ILP packet and the
condition made from its secret (pay/ilp.py), and an incoming transfer with the fulfilment once
the packet, the amount and the condition check out (or an error: 3100 for a transfer that is
not the quoted one, 3303 past its expiry).

Every message it receives is checked as the switch checks requests (content type, version,
headers, the body against the OpenAPI document), must be addressed to this FSP
(FSPIOP-Destination), and must carry a valid FSPIOP-Signature when the sender's key is known.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Iterable
from functools import partial
from datetime import datetime, timedelta, timezone
from typing import Any, Protocol

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from baobab.pay import ilp, jws
from baobab.pay.errors import FspiopError
from baobab.pay.fspiop import check_headers, from_fspiop_amount, problem, read_body, to_fspiop_amount
from baobab.pay.group_commit import GroupCommit
from baobab.pay.messages import callback_headers, content_type
from baobab.pay.outbox import Outbox
from baobab.pay.store import Database
from baobab.pay.switch import condition_of, parse_stamp, stamp

QUOTE_TTL = timedelta(minutes=5)
PAYER_NAME = "payerName"  # extension key: the originator's name, sent with a transfer for the payee's screening
SCHEMA = """
CREATE TABLE IF NOT EXISTS fsp_parties (
  type TEXT NOT NULL, id TEXT NOT NULL, party TEXT NOT NULL, behaviour TEXT NOT NULL DEFAULT 'accept',
  PRIMARY KEY (type, id));
CREATE TABLE IF NOT EXISTS fsp_received (
  seq INTEGER PRIMARY KEY, method TEXT NOT NULL, path TEXT NOT NULL, source TEXT NOT NULL,
  body TEXT NOT NULL, received_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS fsp_received_path ON fsp_received (path);
CREATE TABLE IF NOT EXISTS fsp_asked (key TEXT PRIMARY KEY, asked_at TEXT NOT NULL);
"""
# What a simulated payee does with an incoming transfer: the golden path's payee behaviours.
BEHAVIOURS = ("accept", "reject", "invalid_fulfilment", "silent")


class PayeeBooks(Protocol):
    """Accounts an FSP keeps for its own customers (a provider's wallets), consulted as payee."""

    def party(self, party_type: str, party_id: str) -> dict[str, Any] | None:
        """The party as a lookup shows it, or None if not kept here."""

    def may_receive(self, party_type: str, party_id: str, amount: dict[str, Any]) -> None:
        """Raise the FspiopError that refuses the amount ({currency, minor}) now (a quote)."""

    def book_incoming(self, party_type: str, party_id: str, amount: dict[str, Any], transfer_id: str, payer_fsp: str,
                      payer_name: str | None = None) -> None:
        """Credit the party for an incoming transfer (once per transfer id), or raise the FspiopError
        that refuses it; `payer_name`: the originator's name its FSP sent with it, to be screened."""


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Participant:
    def __init__(self, fsp: str, db: Database, switch_url: str, *, secret: bytes, signing_key: Any = None,
                 keys: jws.KeyOf = lambda fsp: None, credentials: Callable[[], dict[str, str]] = dict,
                 payee_fee: Callable[[dict[str, Any]], int] = lambda amount: 0, sign_gets: bool = False,
                 books: "PayeeBooks | None" = None) -> None:
        """`secret`: the payee's ILP secret (Listing 12); `signing_key`: this FSP's JWS key;
        `keys(fsp)`: the keys of the switch and the other FSPs, to check what they sign;
        `credentials()`: the headers that authenticate this FSP to the switch; `payee_fee(amount)`:
        the fee (minor units) this FSP charges its payee on a quote; `sign_gets`: its GETs carry
        a signature too, where the signature is what authenticates it to the switch; `books`: the
        accounts of the parties it keeps outside `fsp_parties` (a provider's wallets), which answer
        lookups and quotes for them and book each incoming transfer before it is fulfilled."""
        self.fsp, self.db, self.switch_url, self.books = fsp, db, switch_url, books
        self._secret, self.keys, self.payee_fee = secret, keys, payee_fee
        signer = None if signing_key is None else (
            lambda method, path, headers, body: jws.sign(signing_key, method, path, headers, body))
        self.outbox = Outbox(db, lambda _switch: switch_url, table="fsp_requests", credentials=lambda _: credentials(),
                             signer=signer, fspiop=True, sign_gets=sign_gets)
        db.script(SCHEMA)
        self._arrived = threading.Condition()
        self.grouped = GroupCommit(db)  # what concurrent callbacks record and answer shares durable commits

    # --- the parties it serves (the simulator's test API registers them) ---------------

    def add_party(self, party_type: str, party_id: str, party: dict[str, Any], behaviour: str = "accept") -> None:
        if behaviour not in BEHAVIOURS:
            raise FspiopError("3100", f"behaviour is one of {', '.join(BEHAVIOURS)}")
        with self.db.atomic():
            self.db.run("DELETE FROM fsp_parties WHERE type = ? AND id = ?", (party_type, party_id))
            self.db.run("INSERT INTO fsp_parties (type, id, party, behaviour) VALUES (?, ?, ?, ?)",
                        (party_type, party_id, json.dumps(party), behaviour))

    def parties(self) -> list[dict[str, Any]]:
        return [{"idType": t, "idValue": i, "party": json.loads(p), "behaviour": b}
                for t, i, p, b in self.db.all("SELECT type, id, party, behaviour FROM fsp_parties ORDER BY type, id")]

    def remove_party(self, party_type: str, party_id: str) -> bool:
        with self.db.atomic():
            found = self.db.one("SELECT 1 FROM fsp_parties WHERE type = ? AND id = ?", (party_type, party_id))
            self.db.run("DELETE FROM fsp_parties WHERE type = ? AND id = ?", (party_type, party_id))
        return found is not None

    def _party(self, party_type: str, party_id: str) -> tuple[dict[str, Any], str] | None:
        row = self.db.one("SELECT party, behaviour FROM fsp_parties WHERE type = ? AND id = ?", (party_type, party_id))
        if row is None and self.books is not None:
            kept = self.books.party(party_type, party_id)
            return None if kept is None else (kept, "accept")
        return None if row is None else (json.loads(row[0]), str(row[1]))

    def _booked(self, party_type: str, party_id: str) -> bool:
        """The party is kept in `books` (a provider's wallet), not among this FSP's own parties
        (the organisations it banks, which the ledger's payments reach): the books take its payments."""
        return self.books is not None and self.db.one(
            "SELECT 1 FROM fsp_parties WHERE type = ? AND id = ?", (party_type, party_id)) is None

    def address(self, party_type: str, party_id: str) -> str:
        """The party's ILP address at this FSP."""
        return f"g.{self.fsp}.{party_type.lower()}.{party_id}"

    # --- as a payer FSP: requests to the switch -----------------------------------------

    def _send(self, method: str, path: str, resource: str, destination: str | None, body: Any = None) -> None:
        headers = callback_headers(resource, self.fsp, destination or "")
        if destination is None:
            del headers["FSPIOP-Destination"]
        if method in ("GET", "POST"):
            headers["Accept"] = content_type(resource)
        with self.db.atomic():
            self.outbox.add("switch", method, path, headers, body)

    def lookup(self, party_type: str, party_id: str) -> None:
        self._send("GET", f"/parties/{party_type}/{party_id}", "parties", None)

    def quote(self, quote_id: str, transaction_id: str, payee_fsp: str, payee: dict[str, Any], payer: dict[str, Any],
              amount: dict[str, Any], amount_type: str = "SEND", scenario: str = "TRANSFER",
              fees: dict[str, Any] | None = None) -> None:
        """POST /quotes: `payee` and `payer` are PartyIdInfo objects; `amount` is {currency, minor};
        `fees`: the payer FSP's own fee within a SEND amount (a cross-currency quote's cost counts it)."""
        body = {"quoteId": quote_id, "transactionId": transaction_id, "payee": {"partyIdInfo": payee},
                "payer": {"partyIdInfo": payer}, "amountType": amount_type,
                "amount": to_fspiop_amount(amount["currency"], amount["minor"]),
                "transactionType": {"scenario": scenario, "initiator": "PAYER", "initiatorType": "CONSUMER"}}
        if fees is not None:
            body["fees"] = to_fspiop_amount(fees["currency"], fees["minor"])
        self._send("POST", "/quotes", "quotes", payee_fsp, body)

    def transfer(self, transfer_id: str, payee_fsp: str, quote: dict[str, Any], expiration: str,
                 payer_name: str | None = None) -> None:
        """POST /transfers on the terms of the payee's quote (its amount, packet and condition);
        `payer_name`: the originator's full name, which travels with the payment (extension
        PAYER_NAME) so that the payee's FSP screens it before it credits anyone."""
        body: dict[str, Any] = {
            "transferId": transfer_id, "payerFsp": self.fsp, "payeeFsp": payee_fsp, "amount": quote["transferAmount"],
            "ilpPacket": quote["ilpPacket"], "condition": quote["condition"], "expiration": expiration}
        if payer_name:
            body["extensionList"] = {"extension": [{"key": PAYER_NAME, "value": payer_name[:128]}]}
        self._send("POST", "/transfers", "transfers", payee_fsp, body)

    def ask_transfer(self, transfer_id: str) -> None:
        self._send("GET", f"/transfers/{transfer_id}", "transfers", None)

    def ask_fsp(self, party_type: str, party_id: str) -> None:
        """GET /participants: which FSP serves the party (the switch's directory answers)."""
        self._send("GET", f"/participants/{party_type}/{party_id}", "participants", None)

    def asked_at(self, key: str) -> datetime | None:
        row = self.db.one("SELECT asked_at FROM fsp_asked WHERE key = ?", (key,))
        return None if row is None else parse_stamp(str(row[0]))

    def ask_once(self, key: str, send: Callable[[], None]) -> bool:
        """Make a request unless one named `key` was made before (a retry after a crash or a
        timeout asks nothing twice): True if it is made now."""
        with self.db.atomic():
            if self.db.one("SELECT 1 FROM fsp_asked WHERE key = ?", (key,)) is not None:
                return False
            self.db.run("INSERT INTO fsp_asked (key, asked_at) VALUES (?, ?)", (key, stamp(_now())))
            send()
        return True

    # --- what came back -----------------------------------------------------------------

    def received(self, *paths: str) -> tuple[str, dict[str, Any]] | None:
        """The latest callback received at one of `paths` (its path and body), if any."""
        marks = ", ".join("?" * len(paths))
        row = self.db.one(f"SELECT path, body FROM fsp_received WHERE path IN ({marks}) ORDER BY seq DESC LIMIT 1", paths)
        return None if row is None else (str(row[0]), json.loads(row[1]))

    def wait(self, paths: Iterable[str], timeout: float) -> tuple[str, dict[str, Any]]:
        """Block until a callback arrives at one of `paths` (a hang guard, not a delay)."""
        paths = tuple(paths)
        with self._arrived:
            if not self._arrived.wait_for(lambda: self.received(*paths) is not None, timeout):
                raise TimeoutError(f"{self.fsp}: nothing arrived at {paths} in {timeout} s")
        found = self.received(*paths)
        assert found is not None
        return found

    def outcome(self, resource: str, resource_id: str) -> tuple[str, dict[str, Any]] | None:
        """('ok', body) or ('error', errorInformation body) once the callback for it has come."""
        found = self.received(f"/{resource}/{resource_id}", f"/{resource}/{resource_id}/error")
        if found is None:
            return None
        return ("error" if found[0].endswith("/error") else "ok"), found[1]

    def await_outcome(self, resource: str, resource_id: str, timeout: float) -> tuple[str, dict[str, Any]] | None:
        """`outcome`, once it has come or `timeout` seconds have passed (then None)."""
        with self._arrived:
            self._arrived.wait_for(lambda: self.outcome(resource, resource_id) is not None, timeout)
        return self.outcome(resource, resource_id)

    def _keep(self, method: str, path: str, source: str, body: Any) -> None:
        """Record a callback (in the group commit's transaction); `_arrived` is told once it is durable."""
        self.db.run("INSERT INTO fsp_received (seq, method, path, source, body, received_at) "
                    "VALUES ((SELECT COALESCE(MAX(seq), 0) + 1 FROM fsp_received), ?, ?, ?, ?, ?)",
                    (method, path, source, json.dumps(body), stamp(_now())))

    def _tell_arrived(self) -> None:
        with self._arrived:
            self._arrived.notify_all()

    # --- as a payee FSP: answers to what the switch forwards ----------------------------

    def answer_party(self, party_type: str, party_id: str, source: str) -> None:
        path = f"/parties/{party_type}/{party_id}"
        found = self._party(party_type, party_id)
        if found is None:
            self._send("PUT", path + "/error", "parties", source,
                       FspiopError("3204", f"{self.fsp} serves no {party_type} {party_id}").information())
            return
        party = {"partyIdInfo": {"partyIdType": party_type, "partyIdentifier": party_id, "fspId": self.fsp}, **found[0]}
        self._send("PUT", path, "parties", source, {"party": party})

    def answer_quote(self, body: dict[str, Any], source: str) -> None:
        quote_id = body["quoteId"]
        payee = body["payee"]["partyIdInfo"]
        if self._party(payee["partyIdType"], payee["partyIdentifier"]) is None:
            self._send("PUT", f"/quotes/{quote_id}/error", "quotes", source,
                       FspiopError("3204", f"{self.fsp} serves no such payee").information())
            return
        amount = from_fspiop_amount(body["amount"])
        if self.books is not None and self._booked(payee["partyIdType"], payee["partyIdentifier"]):
            try:
                self.books.may_receive(payee["partyIdType"], payee["partyIdentifier"], amount)
            except FspiopError as exc:
                self._send("PUT", f"/quotes/{quote_id}/error", "quotes", source, exc.information())
                return
        fee = self.payee_fee(amount)
        if body["amountType"] == "SEND":  # the payer sends the amount; the payee's fee comes out of it
            transfer, received = amount["minor"], amount["minor"] - fee
        else:  # RECEIVE: the payee gets the amount; the payer sends the fee on top
            transfer, received = amount["minor"] + fee, amount["minor"]
        if received <= 0:
            self._send("PUT", f"/quotes/{quote_id}/error", "quotes", source,
                       FspiopError("5200", "the amount does not cover the payee's fee").information())
            return
        currency = amount["currency"]
        transaction = {"transactionId": body["transactionId"], "quoteId": quote_id, "payee": body["payee"],
                       "payer": body["payer"], "amount": to_fspiop_amount(currency, transfer),
                       "transactionType": body["transactionType"]}
        packet = ilp.encode(transfer, self.address(payee["partyIdType"], payee["partyIdentifier"]), transaction)
        self._send("PUT", f"/quotes/{quote_id}", "quotes", source, {
            "transferAmount": to_fspiop_amount(currency, transfer),
            "payeeReceiveAmount": to_fspiop_amount(currency, received),
            "payeeFspFee": to_fspiop_amount(currency, fee),
            "expiration": stamp(_now() + QUOTE_TTL), "ilpPacket": packet,
            "condition": condition_of(ilp.fulfilment(self._secret, packet))})

    def answer_transfer(self, body: dict[str, Any], source: str) -> None:
        transfer_id, payer = body["transferId"], body["payerFsp"]
        try:
            fulfilment, behaviour = self._check_incoming(body)
            party_type, _, party_id = ilp.decode(body["ilpPacket"]).account[len(f"g.{self.fsp}."):].partition(".")
            if behaviour == "accept" and self.books is not None and self._booked(party_type.upper(), party_id):
                # booked before the fulfilment leaves
                said = {e["key"]: e["value"] for e in body.get("extensionList", {}).get("extension", [])}
                self.books.book_incoming(party_type.upper(), party_id, from_fspiop_amount(body["amount"]), transfer_id, payer,
                                         payer_name=said.get(PAYER_NAME))
        except FspiopError as exc:
            self._send("PUT", f"/transfers/{transfer_id}/error", "transfers", payer, exc.information())
            return
        if behaviour == "silent":  # the payee never answers: the switch's expiry decides
            return
        if behaviour == "reject":
            self._send("PUT", f"/transfers/{transfer_id}/error", "transfers", payer,
                       FspiopError("5100", "the payee declined the transfer").information())
            return
        if behaviour == "invalid_fulfilment":
            fulfilment = ilp.fulfilment(self._secret, transfer_id)  # well-formed, but not the condition's preimage
        self._send("PUT", f"/transfers/{transfer_id}", "transfers", payer,
                   {"fulfilment": fulfilment, "completedTimestamp": stamp(_now()), "transferState": "COMMITTED"})

    def _check_incoming(self, body: dict[str, Any]) -> tuple[str, str]:
        """The fulfilment of an incoming transfer, once it is the one this FSP quoted (section 6.7)."""
        packet = ilp.decode(body["ilpPacket"])
        prefix = f"g.{self.fsp}."
        if not packet.account.startswith(prefix):
            raise FspiopError("3100", f"the ILP packet is addressed to {packet.account}, not to {self.fsp}")
        party_type, _, party_id = packet.account[len(prefix):].partition(".")
        found = self._party(party_type.upper(), party_id)
        if found is None:
            raise FspiopError("3204", f"{self.fsp} serves no {party_type} {party_id}")
        if packet.amount != from_fspiop_amount(body["amount"])["minor"]:
            raise FspiopError("3100", "the transfer's amount is not the quoted one")
        fulfilment = ilp.fulfilment(self._secret, body["ilpPacket"])
        if condition_of(fulfilment) != body["condition"]:
            raise FspiopError("3100", "the condition is not the one this FSP quoted")
        if parse_stamp(body["expiration"]) <= _now():
            raise FspiopError("3303", "the transfer has expired")
        return fulfilment, found[1]

    # --- the endpoint -------------------------------------------------------------------

    def router(self) -> APIRouter:
        router = APIRouter(tags=[f"FSPIOP v1.1 callbacks ({self.fsp})"])

        def route(http_method: str, template: str, resource: str, answer: Callable[..., None] | None) -> None:
            has_body = http_method != "GET"

            async def endpoint(request: Request) -> Response:
                path = template.format(**request.path_params)  # wherever the router is mounted
                try:
                    check_headers(request, resource, http_method.lower(), template, has_body)
                    destination = request.headers.get("fspiop-destination")
                    if destination is not None and destination != self.fsp:
                        raise FspiopError("3100", f"FSPIOP-Destination {destination} is not {self.fsp}")
                    raw = await request.body()
                    if has_body:
                        jws.check(self.keys, request.headers, raw, required=False)
                    body = await read_body(request, http_method.lower(), template) if has_body else None
                except FspiopError as exc:
                    return problem(exc)
                source = request.headers.get("fspiop-source", "")
                if answer is None:
                    await self.grouped(self._keep, http_method, path, source, body)
                    self._tell_arrived()
                    return Response(status_code=200)
                await self.grouped(partial(answer, body, source, **request.path_params))
                return Response(status_code=202)

            endpoint.__name__ = f"{http_method.lower()}_{template.strip('/').replace('/', '_').replace('{', '').replace('}', '')}"
            router.add_api_route(template, endpoint, methods=[http_method])

        route("GET", "/parties/{Type}/{ID}", "parties",
              lambda body, source, Type, ID: self.answer_party(Type, ID, source))
        route("POST", "/quotes", "quotes", lambda body, source: self.answer_quote(body, source))
        route("POST", "/transfers", "transfers", lambda body, source: self.answer_transfer(body, source))
        for template, resource in (("/parties/{Type}/{ID}", "parties"), ("/quotes/{ID}", "quotes"),
                                   ("/transfers/{ID}", "transfers"), ("/participants/{Type}/{ID}", "participants"),
                                   ("/bulkTransfers/{ID}", "bulkTransfers"), ("/bulkQuotes/{ID}", "bulkQuotes"),
                                   ("/transactionRequests/{ID}", "transactionRequests")):
            route("PUT", template, resource, None)
            route("PUT", template + "/error", resource, None)
        route("PATCH", "/transfers/{ID}", "transfers", None)
        return router

    def test_api(self) -> APIRouter:
        """The simulator's test API (as Mojaloop's simulator has it): register the parties it serves."""
        router = APIRouter(prefix="/repository", tags=[f"payee simulator {self.fsp}"])

        @router.post("/parties", status_code=204)
        async def add(request: Request) -> Response:
            try:
                body = json.loads(await request.body())
                party_type, party_id = body["idType"], body["idValue"]
                name = {k: body[k] for k in ("firstName", "middleName", "lastName") if body.get(k)}
                party: dict[str, Any] = {"name": body.get("displayName") or " ".join(name.values())}
                if name or body.get("dateOfBirth"):
                    party["personalInfo"] = {**({"complexName": name} if name else {}),
                                             **({"dateOfBirth": body["dateOfBirth"]} if body.get("dateOfBirth") else {})}
                await run_in_threadpool(self.add_party, party_type, party_id, party, body.get("behaviour", "accept"))
            except (ValueError, KeyError, TypeError):
                return problem(FspiopError("3102", "a party is {idType, idValue, displayName...}"))
            except FspiopError as exc:
                return problem(exc)
            return Response(status_code=204)

        @router.get("/parties")
        async def listing() -> JSONResponse:
            return JSONResponse(await run_in_threadpool(self.parties))

        @router.delete("/parties/{Type}/{ID}", status_code=204)
        async def remove(Type: str, ID: str) -> Response:
            if not await run_in_threadpool(self.remove_party, Type, ID):
                return problem(FspiopError("3204", f"no party {Type} {ID}"))
            return Response(status_code=204)

        return router

    async def run(self, stop: asyncio.Event) -> None:
        await self.outbox.run(stop)
