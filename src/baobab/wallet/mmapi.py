"""The GSMA Mobile Money API (mmAPI v1.1.2) of one provider: how merchants, aggregators and NGOs
move money in its wallets.

    api = MobileMoneyApi(provider)
    key = api.clients.issue("GREEN-NGO", "+2348031234567")      # the client's own wallet
    state = api.create_transaction(client, body, correlation_id=..., callback_url=...)

Every request is asynchronous, as the specification's request-state model has it: the answer is
a `requestStateObject` (202) whose `serverCorrelationId` the client polls (`request_state`) or
whose outcome comes as a PUT to its `X-Callback-URL` (the final transaction, or an `errorObject`).

- A client moves money from its own wallet at once (status `completed`, the transaction's
  reference in `objectReference`): a disbursement, a transfer, a merchant payment.
- A transaction that debits someone else's wallet (a merchant collecting from a customer) waits
  (`pending`) until that customer authorises it with the PIN on the phone (`authorise`), or
  expires after AUTHORISE_WITHIN.
- A reversal (`POST /transactions/{ref}/reversals`) is asked by the client that paid and waits
  for the payee's consent with its PIN (`approve_reversal`), as the provider's reversals do.
- A payment the provider's screening holds (sanctions) waits until its compliance officer releases
  or refuses it.
- A batch sent with `batchStatus: created` waits, nothing paid, until another client of the same
  wallet approves it (`PATCH /batchtransactions/{id}`, `batchStatus` replaced by `approved`: four
  eyes); it is then paid line by line and `completed`. A batch sent without it is paid at once.

A request, its movement of money and the callback it owes are written in one database
transaction, so a crash loses none of them; the callback is delivered by an outbox that retries.
A repeated `X-CorrelationID` returns the first answer and moves nothing twice.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Callable

from baobab.core.errors import BaobabError
from baobab.core.money import MINOR_UNITS, Money
from baobab.pay.outbox import Outbox
from baobab.wallet.mandates import Mandates
from baobab.wallet.provider import Provider, Tariff

AUTHORISE_WITHIN = timedelta(minutes=5)
QUOTE_VALID = timedelta(minutes=10)
MAX_BATCH = 10_000
SUPPORTED_TYPES = ("transfer", "merchantpay", "disbursement")
PARTY_KEYS = ("msisdn", "storeid")  # a wallet by phone number, a merchant by till

# A refusal's stable code -> the specification's (errorCategory, errorCode, HTTP status).
ERRORS: dict[str, tuple[str, str, int]] = {
    "LIMIT_SINGLE": ("businessRule", "greaterThanTransactionMaxValue", 400),
    "LIMIT_DAILY": ("businessRule", "dailyValueLimitExceeded", 400),
    "LIMIT_MONTHLY": ("businessRule", "monthlyValueLimitExceeded", 400),
    "LIMIT_BALANCE": ("businessRule", "maxBalanceExceeded", 400),
    "LIMIT_VELOCITY": ("businessRule", "dailyVolumeLimitExceeded", 400),  # the nearest: a count, not a value, limit
    "INSUFFICIENT_FUNDS": ("businessRule", "insufficientFunds", 400),
    "NOT_REVERSIBLE": ("businessRule", "incorrectState", 400),
    "SAME_PARTIES": ("businessRule", "samePartiesError", 400),
    "DUPLICATE_REQUEST": ("businessRule", "duplicateRequest", 400),
    "QUOTE_EXPIRED": ("businessRule", "quoteHasExpired", 400),
    "HELD_REFUSED": ("businessRule", "requestDeclined", 400),
    "AUTHORISATION_EXPIRED": ("businessRule", "requestDeclined", 400),
    "UNSUPPORTED_TYPE": ("validation", "transactionTypeError", 400),
    "CURRENCY": ("validation", "currencyNotSupported", 400),
    "BAD_PHONE": ("validation", "formatError", 400),
    "BAD_AMOUNT": ("validation", "negativeValue", 400),
    "BAD_MONEY": ("validation", "formatError", 400),
    "BAD_PARTY": ("validation", "identifierError", 400),
    "formatError": ("validation", "formatError", 400),
    "mandatoryValueNotSupplied": ("validation", "mandatoryValueNotSupplied", 400),
    "NO_WALLET": ("identification", "identifierError", 404),
    "BAD_BILL_REFERENCE": ("validation", "formatError", 400),
    "BAD_DATE": ("validation", "formatError", 400),
    "NO_MANDATE": ("identification", "identifierError", 404),
    "NO_MANDATE_AUTHORITY": ("businessRule", "noMandateAuthority", 400),
    "BAD_MANDATE": ("validation", "formatError", 400),
    "NO_BILL": ("identification", "identifierError", 404),
    "BILL_EXISTS": ("businessRule", "duplicateRequest", 400),
    "BILL_PAID": ("businessRule", "incorrectState", 400),
    "BILL_OVERPAID": ("businessRule", "overPaymentNotAllowed", 400),
    "BILL_MINIMUM": ("businessRule", "underPaymentNotAllowed", 400),
    "NOT_FOUND": ("identification", "genericError", 404),
    "NOT_YOURS": ("authorisation", "clientAuthorisationError", 401),
    "SAME_APPROVER": ("authorisation", "clientAuthorisationError", 403),
    "NOT_APPROVABLE": ("businessRule", "incorrectState", 400),
    "BAD_API_KEY": ("authorisation", "clientAuthorisationError", 401),
    "WRONG_PIN": ("authorisation", "requestDeclined", 401),
    "WALLET_LOCKED": ("authorisation", "requestDeclined", 401),
}


class MmapiError(Exception):
    """A refusal in the specification's terms: category, code, HTTP status, description."""

    def __init__(self, code: str, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.category, self.code, self.status = ERRORS.get(code, ("internal", "genericError", 500))
        self.reason, self.description, self.parameters = code, description, parameters

    @classmethod
    def of(cls, exc: BaobabError) -> "MmapiError":
        return cls(exc.code, exc.message, **{k: v for k, v in exc.detail.items() if isinstance(v, (str, int))})

    def error_object(self, at: datetime | None = None) -> dict[str, Any]:
        out: dict[str, Any] = {"errorCategory": self.category, "errorCode": self.code,
                               "errordescription": self.description[:256], "errorDateTime": _stamp(at)}
        params = [{"key": "reason", "value": self.reason}] + [{"key": k, "value": str(v)[:256]} for k, v in self.parameters.items()]
        out["errorParameters"] = params[:20]
        return out


def amount_text(minor: int, currency: str) -> str:
    """Minor units as the specification writes an amount: a decimal without trailing zeros."""
    return format(Decimal(minor).scaleb(-MINOR_UNITS[currency]).normalize(), "f")


def _stamp(at: datetime | None = None) -> str:
    return (at or datetime.now(timezone.utc)).astimezone(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


SCHEMA = """
CREATE TABLE IF NOT EXISTS mm_clients (
  key_hash TEXT PRIMARY KEY, client TEXT NOT NULL, msisdn TEXT NOT NULL, issued_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mm_requests (
  server_id TEXT PRIMARY KEY, client TEXT NOT NULL, correlation_id TEXT, body_hash TEXT NOT NULL,
  kind TEXT NOT NULL, body TEXT NOT NULL, status TEXT NOT NULL, pending_reason TEXT, waits_for TEXT,
  object_ref TEXT, error TEXT, callback_url TEXT, created_at TEXT NOT NULL, expires_at TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS mm_requests_correlation ON mm_requests (client, correlation_id);
CREATE TABLE IF NOT EXISTS mm_transactions (
  reference TEXT PRIMARY KEY, client TEXT NOT NULL, type TEXT NOT NULL, body TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mm_batches (
  batch_id TEXT PRIMARY KEY, client TEXT NOT NULL, title TEXT NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS mm_batch_lines (
  batch_id TEXT NOT NULL, n INTEGER NOT NULL, body TEXT NOT NULL, reference TEXT, reason TEXT, at TEXT NOT NULL,
  PRIMARY KEY (batch_id, n));
CREATE TABLE IF NOT EXISTS mm_batch_approvals (
  batch_id TEXT PRIMARY KEY, created_by TEXT NOT NULL, approved_by TEXT, approved_at TEXT);
CREATE TABLE IF NOT EXISTS mm_quotations (
  reference TEXT PRIMARY KEY, client TEXT NOT NULL, body TEXT NOT NULL, expires_at TEXT NOT NULL);
"""


@dataclass(frozen=True)
class Client:
    name: str
    msisdn: str  # the wallet it moves money from


class ApiClients:
    """The provider's API keys: each names a client and the wallet it owns. Only a hash is kept."""

    def __init__(self, provider: Provider) -> None:
        self.p = provider

    def issue(self, client: str, phone: str) -> str:
        msisdn = self.p.msisdn(phone)
        self.p.wallet(msisdn)
        key = secrets.token_urlsafe(32)
        self.p.db.run("INSERT INTO mm_clients (key_hash, client, msisdn, issued_at) VALUES (?, ?, ?, ?)",
                      (_hash(key), client, msisdn, _stamp()))
        return key

    def authenticate(self, key: str | None) -> Client:
        row = self.p.db.one("SELECT client, msisdn FROM mm_clients WHERE key_hash = ?", (_hash(key or ""),))
        if row is None:
            raise MmapiError("BAD_API_KEY", "X-API-Key is missing or not issued by this provider")
        return Client(row[0], row[1])


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class MobileMoneyApi:
    def __init__(self, provider: Provider, *, fx_quote: Callable[[str, str, int], dict[str, Any]] | None = None) -> None:
        """`fx_quote(source, target, minor)` prices a quotation in another currency (the switch's FX quote, `pay/fx.py`)."""
        self.p, self.fx_quote = provider, fx_quote
        provider.hold_listeners.append(self._hold_decided)
        provider.db.script(SCHEMA)
        self.clients = ApiClients(provider)
        self.mandates = Mandates(provider)
        self.outbox = Outbox(provider.db, endpoints=lambda url: url)  # callbacks go to the URL each request gave

    # --- transactions ----------------------------------------------------------------------

    def create_transaction(self, client: Client, body: dict[str, Any], *, correlation_id: str | None = None,
                           callback_url: str | None = None, at: datetime | None = None) -> dict[str, Any]:
        """POST /transactions (body already valid against the specification)."""
        return self._request(client, "transaction", body, correlation_id, callback_url, at, self._start_transaction)

    def _start_transaction(self, client: Client, body: dict[str, Any], at: datetime) -> tuple[str, str | None, str | None]:
        """(status, waits_for, pending_reason) of a new transaction request; completes it when it can."""
        if body["type"] not in SUPPORTED_TYPES:
            raise MmapiError("UNSUPPORTED_TYPE", f"type {body['type']} is not offered; {', '.join(SUPPORTED_TYPES)} are")
        payer, payee, minor = self._parties(body)
        if payer == payee:
            raise MmapiError("SAME_PARTIES", "the debit and credit parties are the same wallet")
        mandate = _mandate_of(body)
        if payer != client.msisdn and mandate is None:
            self.p.wallet(payer)
            return "pending", payer, "awaiting the payer's authorisation"
        if mandate is not None:  # the payee takes it under the payer's debit mandate: no PIN
            self.mandates.authorises(mandate, payer, payee, minor, at)
        held = self.p.hold_reason(payer, payee)
        if held:
            hold = self.p.hold("mmapi", payer, payee, minor, held, reference=body.get("descriptionText", ""), at=at)
            return "pending", f"hold:{hold}", "held for compliance review"
        return "completed", None, None

    def _hold_decided(self, hold: str, movement: str | None, refusal: BaobabError | None) -> None:
        """The provider's compliance officer released or refused a payment this API holds."""
        row = self.p.db.one("SELECT server_id FROM mm_requests WHERE waits_for = ? AND status = 'pending'", (f"hold:{hold}",))
        if row is None:
            return
        if refusal is not None:
            self._fail(row[0], f"hold:{hold}", MmapiError("HELD_REFUSED", refusal.message), None)
        else:
            self._finish(row[0], waits_for=f"hold:{hold}", at=None)

    def _execute_transaction(self, client: str, body: dict[str, Any], at: datetime, *, reviewed: bool = False) -> str:
        payer, payee, minor = self._parties(body)
        mandate = _mandate_of(body)
        if mandate is not None:
            movement = self.mandates.debit(mandate, payer, payee, minor, description=body.get("descriptionText", ""),
                                           reviewed=reviewed, at=at)
        else:
            pay = self.p.transfer_reviewed if reviewed else self.p.transfer_authorised
            movement = pay(payer, payee, minor, reference=body.get("descriptionText", "")[:160], at=at)
        response = self._transaction_body(movement, body)
        self.p.db.run("INSERT INTO mm_transactions (reference, client, type, body) VALUES (?, ?, ?, ?)",
                      (movement, client, body["type"], json.dumps(response)))
        return movement

    def transaction(self, client: Client, reference: str) -> dict[str, Any]:
        """GET /transactions/{ref}: to the client that made it, or whose wallet it moved."""
        row = self.p.db.one("SELECT client, body FROM mm_transactions WHERE reference = ?", (reference,))
        if row is None:
            movement = self.p.db.one("SELECT payer, payee FROM momo_movements WHERE id = ?", (reference,))
            if movement is None or client.msisdn not in movement:
                raise MmapiError("NOT_FOUND", f"no transaction {reference}")
            return self._transaction_body(reference, None)
        body = json.loads(row[1])
        if row[0] != client.name and client.msisdn not in _msisdns(body):
            raise MmapiError("NOT_FOUND", f"no transaction {reference}")
        return body  # type: ignore[no-any-return]

    def _transaction_body(self, movement: str, request: dict[str, Any] | None) -> dict[str, Any]:
        row = self.p.db.one("SELECT kind, payer, payee, amount, fee, at FROM momo_movements WHERE id = ?", (movement,))
        if row is None:
            raise MmapiError("NOT_FOUND", f"no transaction {movement}")
        kind, payer, payee, minor, fee, at = row
        currency = self.p.scheme.currency
        body: dict[str, Any] = {
            "amount": amount_text(int(minor), currency), "currency": currency,
            "type": (request or {}).get("type") or {"reversal": "reversal", "cash_in": "deposit", "cash_out": "withdrawal"}.get(kind, "transfer"),
            "debitParty": [{"key": "msisdn", "value": payer}] if payer else [{"key": "accountid", "value": "provider"}],
            "creditParty": [{"key": "msisdn", "value": payee}] if payee else [{"key": "accountid", "value": "provider"}],
            "transactionStatus": "completed", "transactionReference": movement, "transactionReceipt": movement,
            "creationDate": _stamp(datetime.fromisoformat(at)), "modificationDate": _stamp(datetime.fromisoformat(at)),
        }
        if int(fee):
            body["fees"] = [{"feeType": "transfer fee", "feeAmount": amount_text(int(fee), currency), "feeCurrency": currency}]
        for name in ("descriptionText", "requestingOrganisationTransactionReference", "subType", "requestDate"):
            if request and name in request:
                body[name] = request[name]
        if request and request.get("creditParty", [{}])[0].get("key") == "storeid":
            body["creditParty"] = request["creditParty"]
        return body

    # --- batches ------------------------------------------------------------------------------

    def create_batch(self, client: Client, body: dict[str, Any], *, correlation_id: str | None = None,
                     callback_url: str | None = None, at: datetime | None = None) -> dict[str, Any]:
        """POST /batchtransactions: many payments from the client's own wallet (an NGO paying
        grants, a cooperative paying farmers). Each line is paid or rejected on its own, with the
        specification's reason; the others go on."""
        def start(c: Client, b: dict[str, Any], when: datetime) -> tuple[str, str | None, str | None]:
            if len(b["transactions"]) > MAX_BATCH:
                raise MmapiError("formatError", f"at most {MAX_BATCH} transactions per batch")
            return "completed", None, None
        return self._request(client, "batch", body, correlation_id, callback_url, at, start)

    def _execute_batch(self, client: str, server_id: str, body: dict[str, Any], at: datetime) -> str:
        batch = f"batch-{server_id}"
        self.p.db.run("INSERT INTO mm_batches (batch_id, client, title, created_at) VALUES (?, ?, ?, ?)",
                      (batch, client, body.get("batchTitle", ""), _stamp(at)))
        if body.get("batchStatus") == "created":  # kept, unpaid, for another client to approve
            self.p.db.run("INSERT INTO mm_batch_approvals (batch_id, created_by) VALUES (?, ?)", (batch, client))
            for n, line in enumerate(body["transactions"]):
                self.p.db.run("INSERT INTO mm_batch_lines (batch_id, n, body, at) VALUES (?, ?, ?, ?)",
                              (batch, n, json.dumps(line), _stamp(at)))
            return batch
        self._pay_lines(client, batch, body["transactions"], at)
        return batch

    def approve_batch(self, client: Client, batch: str, changes: list[dict[str, Any]], *, correlation_id: str | None = None,
                      callback_url: str | None = None, at: datetime | None = None) -> dict[str, Any]:
        """PATCH /batchtransactions/{batchId} with `batchStatus` replaced by `approved`: a client of
        the batch's wallet other than the one that created it approves it, and it is paid."""
        if [(c.get("op"), c.get("path"), c.get("value")) for c in changes] != [("replace", "/batchStatus", "approved")]:
            raise MmapiError("formatError", "a batch is updated only by replacing /batchStatus with approved")

        def start(c: Client, b: dict[str, Any], when: datetime) -> tuple[str, str | None, str | None]:
            row = self.p.db.one("SELECT a.created_by, a.approved_by, m.msisdn FROM mm_batch_approvals a "
                                "JOIN mm_batches b ON b.batch_id = a.batch_id JOIN mm_clients m ON m.client = b.client "
                                "WHERE a.batch_id = ?", (batch,))
            if row is None or row[2] != c.msisdn:
                raise MmapiError("NOT_FOUND", f"no batch {batch} of this wallet waits for approval")
            if row[1] is not None:
                raise MmapiError("NOT_APPROVABLE", f"batch {batch} was approved already")
            if row[0] == c.name:
                raise MmapiError("SAME_APPROVER", "a batch is approved by another client than the one that created it")
            return "completed", None, None
        return self._request(client, "approval", {"batchId": batch, "changes": changes}, correlation_id, callback_url, at, start)

    def _approve_batch(self, client: str, batch: str, at: datetime) -> str:
        with self.p.db.atomic():
            row = self.p.db.one("SELECT created_by FROM mm_batch_approvals WHERE batch_id = ? AND approved_by IS NULL", (batch,))
            if row is None:
                raise MmapiError("NOT_APPROVABLE", f"batch {batch} was approved already")
            self.p.db.run("UPDATE mm_batch_approvals SET approved_by = ?, approved_at = ? WHERE batch_id = ?",
                          (client, _stamp(at), batch))
            lines = [json.loads(r[0]) for r in self.p.db.all("SELECT body FROM mm_batch_lines WHERE batch_id = ? ORDER BY n", (batch,))]
            self.p.db.run("DELETE FROM mm_batch_lines WHERE batch_id = ?", (batch,))
            self._pay_lines(str(row[0]), batch, lines, at)
        return batch

    def _pay_lines(self, client: str, batch: str, lines: list[dict[str, Any]], at: datetime) -> None:
        """Each line paid or rejected on its own (its own savepoint), with the specification's reason."""
        owner = self.p.db.one("SELECT msisdn FROM mm_clients WHERE client = ?", (client,))
        for n, line in enumerate(lines):
            reference, reason = None, None
            try:
                with self.p.db.atomic():
                    if line["type"] not in SUPPORTED_TYPES:
                        raise MmapiError("UNSUPPORTED_TYPE", f"type {line['type']} is not offered")
                    payer, payee, _ = self._parties(line)
                    if owner is None or payer != owner[0]:
                        raise MmapiError("NOT_YOURS", "a batch pays from the client's own wallet")
                    reference = self._execute_transaction(client, line, at)
            except MmapiError as exc:
                reason = f"{exc.code}: {exc.description}"
            except BaobabError as exc:
                error = MmapiError.of(exc)
                reason = f"{error.code}: {error.description}"
            self.p.db.run("INSERT INTO mm_batch_lines (batch_id, n, body, reference, reason, at) VALUES (?, ?, ?, ?, ?, ?)",
                          (batch, n, json.dumps(line), reference, (reason or "")[:256] or None, _stamp(at)))
        return batch

    def _batch_body(self, batch: str) -> dict[str, Any]:
        row = self.p.db.one("SELECT b.title, b.created_at, a.batch_id, a.approved_at FROM mm_batches b "
                            "LEFT JOIN mm_batch_approvals a ON a.batch_id = b.batch_id WHERE b.batch_id = ?", (batch,))
        counts = self.p.db.one("SELECT COUNT(*), COUNT(reference), COUNT(reason) FROM mm_batch_lines WHERE batch_id = ?", (batch,))
        assert row is not None and counts is not None
        waiting = row[2] is not None and row[3] is None
        done = row[3] or row[1]  # paid when approved (or at once, without approval)
        # the specification requires both dates: a batch still waiting gives its creation date for them
        return {"batchId": batch, "batchStatus": "created" if waiting else "completed", "batchTitle": row[0],
                "creationDate": row[1], "approvalDate": done, "completionDate": done, "processingFlag": not waiting,
                "parsingSuccessCount": int(counts[0]), "completedCount": int(counts[1]), "rejectionCount": int(counts[2])}

    def batch(self, client: Client, batch: str) -> dict[str, Any]:
        """GET /batchtransactions/{batchId}, to the client that sent it."""
        row = self.p.db.one("SELECT client FROM mm_batches WHERE batch_id = ?", (batch,))
        if row is None or row[0] != client.name:
            raise MmapiError("NOT_FOUND", f"no batch {batch}")
        return self._batch_body(batch)

    def batch_lines(self, client: Client, batch: str, *, rejected: bool) -> list[dict[str, Any]]:
        """GET /batchtransactions/{batchId}/rejections or /completions."""
        self.batch(client, batch)
        rows = self.p.db.all("SELECT body, reference, reason, at FROM mm_batch_lines WHERE batch_id = ? AND "
                             f"{'reason' if rejected else 'reference'} IS NOT NULL ORDER BY n", (batch,))
        out = []
        for body, reference, reason, at in rows:
            line = json.loads(body)
            item: dict[str, Any] = {"debitParty": line["debitParty"], "creditParty": line["creditParty"]}
            if "requestingOrganisationTransactionReference" in line:
                item["requestingOrganisationTransactionReference"] = line["requestingOrganisationTransactionReference"]
            if rejected:
                item.update(rejectionDate=at, rejectionReason=reason)
            else:
                item.update(transactionReference=reference, completionDate=at, link=f"/transactions/{reference}")
            out.append(item)
        return out

    # --- reversals ---------------------------------------------------------------------------

    def create_reversal(self, client: Client, reference: str, body: dict[str, Any], *, correlation_id: str | None = None,
                        callback_url: str | None = None, at: datetime | None = None) -> dict[str, Any]:
        """POST /transactions/{ref}/reversals: the paying client asks; the payee consents with its PIN."""
        def start(c: Client, b: dict[str, Any], when: datetime) -> tuple[str, str | None, str | None]:
            row = self.p.db.one("SELECT payer, payee FROM momo_movements WHERE id = ?", (reference,))
            if row is None or row[0] != c.msisdn:
                raise MmapiError("NOT_FOUND", f"no transaction {reference} paid by this client")
            self.p.request_reversal(c.msisdn, reference, b.get("descriptionText") or "asked through the mmAPI", at=when)
            return "pending", row[1], "awaiting the payee's consent"
        return self._request(client, "reversal", {**body, "originalTransactionReference": reference}, correlation_id,
                             callback_url, at, start)

    # --- debit mandates ---------------------------------------------------------------------------

    def create_mandate(self, client: Client, identifier_type: str, identifier: str, body: dict[str, Any], *,
                       correlation_id: str | None = None, callback_url: str | None = None,
                       at: datetime | None = None) -> dict[str, Any]:
        """POST /accounts/{type}/{id}/debitmandates: the client (the payee) asks for a mandate on a
        customer's account; the holder gives it with the PIN (USSD menu 8), then it is active."""
        payer = self._identified(identifier_type, identifier)

        def start(c: Client, b: dict[str, Any], when: datetime) -> tuple[str, str | None, str | None]:
            self.mandates.check_terms(_terms(b, self.p))
            if b.get("currency", self.p.scheme.currency) != self.p.scheme.currency:
                raise MmapiError("CURRENCY", f"this provider's wallets hold {self.p.scheme.currency}")
            if payer == c.msisdn:
                raise MmapiError("SAME_PARTIES", "a client's own wallet gives no mandate to itself")
            self.p.wallet(payer)
            return "pending", payer, "awaiting the payer's authorisation"
        return self._request(client, "mandate", {**body, "payer": payer, "payee": client.msisdn}, correlation_id,
                             callback_url, at, start)

    def mandate(self, client: Client, identifier_type: str, identifier: str, reference: str) -> dict[str, Any]:
        """GET .../debitmandates/{ref}: to the account's own client or the mandate's payee."""
        self._mandate_for(client, identifier_type, identifier, reference)
        return self._mandate_body(reference)

    def change_mandate(self, client: Client, identifier_type: str, identifier: str, reference: str,
                       changes: list[dict[str, Any]], *, correlation_id: str | None = None, callback_url: str | None = None,
                       at: datetime | None = None) -> dict[str, Any]:
        """PATCH .../debitmandates/{ref} (replace /amountLimit, /endDate, /numberOfPayments,
        /frequencyType, /mandateStatus): the account's own client changes any; the payee may only
        make it inactive. A mandate is never deleted: made inactive, it authorises nothing."""
        m = self._mandate_for(client, identifier_type, identifier, reference)
        replaced = {}
        for op in changes:
            if op.get("op") != "replace" or op.get("path") not in PATCHABLE:
                raise MmapiError("formatError", f"only replace of {', '.join(PATCHABLE)}")
            replaced[op["path"].lstrip("/")] = op.get("value")
        if client.msisdn != m["payer"] and replaced != {"mandateStatus": "inactive"}:
            raise MmapiError("NOT_YOURS", "the payee may only make the mandate inactive")

        def start(c: Client, b: dict[str, Any], when: datetime) -> tuple[str, str | None, str | None]:
            return "completed", None, None
        return self._request(client, "mandate_change", {"reference": reference, "changes": replaced}, correlation_id,
                             callback_url, at, start)

    def _identified(self, identifier_type: str, identifier: str) -> str:
        if identifier_type != "msisdn":
            raise MmapiError("BAD_PARTY", "an account is identified by msisdn here")
        try:
            return self.p.msisdn(identifier)
        except BaobabError as exc:
            raise MmapiError.of(exc) from None

    def _mandate_for(self, client: Client, identifier_type: str, identifier: str, reference: str) -> dict[str, Any]:
        payer = self._identified(identifier_type, identifier)
        try:
            m = self.mandates.mandate(reference)
        except BaobabError as exc:
            raise MmapiError.of(exc) from None
        if m["payer"] != payer or client.msisdn not in (m["payer"], m["payee"]):
            raise MmapiError("NO_MANDATE", f"no debit mandate {reference} on this account for this client")
        return m

    def _mandate_body(self, reference: str) -> dict[str, Any]:
        m = self.mandates.mandate(reference)
        out: dict[str, Any] = {"mandateReference": m["reference"], "currency": m["currency"], "startDate": m["start"],
                               "mandateStatus": m["status"], "creationDate": m["created_at"][:19] + "Z"}
        if m["amount_limit"] is not None:
            out["amountLimit"] = amount_text(int(m["amount_limit"]), m["currency"])
        for key, name in (("end", "endDate"), ("payments", "numberOfPayments"), ("frequency", "frequencyType"),
                          ("requested", "requestDate")):
            if m[key] is not None:
                out[name] = m[key]
        return out

    # --- authorisations on the phone ------------------------------------------------------------

    def waiting_for(self, phone: str, *, at: datetime | None = None) -> list[dict[str, Any]]:
        """What waits for this wallet's PIN (oldest first): payments it would make, reversals it would give."""
        self._expire(at)
        msisdn = self.p.msisdn(phone)
        rows = self.p.db.all("SELECT server_id, kind, body, client FROM mm_requests WHERE status = 'pending' AND waits_for = ? "
                             "ORDER BY created_at, server_id", (msisdn,))
        out = []
        for server_id, kind, body, client in rows:
            b = json.loads(body)
            if kind == "transaction":
                _, payee, minor = self._parties(b)
            elif kind == "mandate":
                payee, minor = b["payee"], Money.parse(b["amountLimit"], self.p.scheme.currency).minor if b.get("amountLimit") else 0
            else:
                row = self.p.db.one("SELECT payer, amount FROM momo_movements WHERE id = ?", (b["originalTransactionReference"],))
                payee, minor = row[0], int(row[1])
            out.append({"server_id": server_id, "kind": kind, "client": client, "to": payee,
                        "amount": {"currency": self.p.scheme.currency, "minor": minor}})
        return out

    def authorise(self, phone: str, server_id: str, *, pin: str, at: datetime | None = None) -> dict[str, Any]:
        """The wallet's holder agrees, with the PIN, to what waits for it: the payment is made (or
        the reversal given) and the client's callback written, in one transaction."""
        msisdn = self.p.msisdn(phone)
        self.p.verify_pin(msisdn, pin)
        self._expire(at)
        return self._finish(server_id, waits_for=msisdn, at=at)

    def decline(self, phone: str, server_id: str, *, at: datetime | None = None) -> dict[str, Any]:
        return self._fail(server_id, self.p.msisdn(phone), MmapiError("HELD_REFUSED", "the account holder declined"), at)

    # --- request states -----------------------------------------------------------------------------

    def request_state(self, client: Client, server_id: str, *, at: datetime | None = None) -> dict[str, Any]:
        """GET /requeststates/{serverCorrelationId}, to the client that made the request."""
        self._expire(at)
        row = self.p.db.one("SELECT client FROM mm_requests WHERE server_id = ?", (server_id,))
        if row is None or row[0] != client.name:
            raise MmapiError("NOT_FOUND", f"no request {server_id}")
        return self._state(server_id)

    def _state(self, server_id: str) -> dict[str, Any]:
        row = self.p.db.one("SELECT status, pending_reason, object_ref, error, callback_url, expires_at FROM mm_requests "
                            "WHERE server_id = ?", (server_id,))
        assert row is not None
        status, reason, ref, error, callback, expires = row
        out: dict[str, Any] = {"serverCorrelationId": server_id, "status": status,
                               "notificationMethod": "callback" if callback else "polling"}
        if status == "pending":
            out["pendingReason"], out["expiryTime"] = reason, expires
        if ref:
            out["objectReference"] = ref
        if error:
            out["error"] = json.loads(error)
        return out

    def _request(self, client: Client, kind: str, body: dict[str, Any], correlation_id: str | None,
                 callback_url: str | None, at: datetime | None,
                 start: Callable[[Client, dict[str, Any], datetime], tuple[str, str | None, str | None]]) -> dict[str, Any]:
        when = at or datetime.now(timezone.utc)
        digest = _hash(json.dumps([kind, body], sort_keys=True))
        with self.p.db.atomic():
            if correlation_id:
                seen = self.p.db.one("SELECT server_id, body_hash FROM mm_requests WHERE client = ? AND correlation_id = ?",
                                     (client.name, correlation_id))
                if seen is not None:
                    if seen[1] != digest:
                        raise MmapiError("DUPLICATE_REQUEST", f"X-CorrelationID {correlation_id} was used for another request")
                    return self._state(seen[0])
            try:
                status, waits_for, reason = start(client, body, when)
            except BaobabError as exc:
                raise MmapiError.of(exc) from None
            server_id = str(uuid.uuid4())
            self.p.db.run("INSERT INTO mm_requests (server_id, client, correlation_id, body_hash, kind, body, status, "
                          "pending_reason, waits_for, callback_url, created_at, expires_at) "
                          "VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?, ?)",
                          (server_id, client.name, correlation_id, digest, kind, json.dumps(body), reason, waits_for,
                           callback_url, _stamp(when), _stamp(when + AUTHORISE_WITHIN)))
            if status == "completed":  # done at once: a refusal is the answer, and nothing is kept
                self._finish(server_id, waits_for=None, at=when, refusal_is_answer=True)
            return self._state(server_id)

    def _finish(self, server_id: str, *, waits_for: str | None, at: datetime | None,
                refusal_is_answer: bool = False) -> dict[str, Any]:
        when = at or datetime.now(timezone.utc)
        with self.p.db.atomic():
            row = self.p.db.one("SELECT client, kind, body, status, waits_for FROM mm_requests WHERE server_id = ?", (server_id,))
            if row is None or row[3] != "pending" or row[4] != waits_for:
                raise MmapiError("NOT_FOUND", f"no request {server_id} waits for this")
            client, kind, body = row[0], row[1], json.loads(row[2])
            try:
                with self.p.db.atomic():
                    if kind == "transaction":
                        reference = self._execute_transaction(client, body, when, reviewed=str(waits_for).startswith("hold:"))
                    elif kind == "batch":
                        reference = self._execute_batch(client, server_id, body, when)
                    elif kind == "approval":
                        reference = self._approve_batch(client, body["batchId"], when)
                    elif kind == "mandate":
                        reference = self.mandates.create(body["payer"], body["payee"], by=client, at=when, **_terms(body, self.p))
                    elif kind == "mandate_change":
                        reference = self.mandates.change(body["reference"], _terms(body["changes"], self.p, partial=True))["reference"]
                    else:
                        reference = self.p.approve_reversal_authorised(str(waits_for), body["originalTransactionReference"], at=when)
                        self._record_reversal(client, reference, body)
            except BaobabError as exc:
                if refusal_is_answer:
                    raise MmapiError.of(exc) from None
                return self._fail(server_id, waits_for, MmapiError.of(exc), when)
            self.p.db.run("UPDATE mm_requests SET status = 'completed', object_ref = ?, pending_reason = NULL WHERE server_id = ?",
                          (reference, server_id))
            if kind in ("mandate", "mandate_change"):
                final: tuple[Any, ...] | None = (json.dumps(self._mandate_body(reference)),)
            else:
                final = (json.dumps(self._batch_body(reference)),) if kind in ("batch", "approval") else \
                    self.p.db.one("SELECT body FROM mm_transactions WHERE reference = ?", (reference,))
            self._call_back(server_id, final)
            return self._state(server_id)

    def _record_reversal(self, client: str, reference: str, request: dict[str, Any]) -> None:
        body = self._transaction_body(reference, None)
        body = {k: v for k, v in body.items() if k not in ("transactionReceipt",)}
        body.update(type="reversal", originalTransactionReference=request["originalTransactionReference"])
        self.p.db.run("INSERT INTO mm_transactions (reference, client, type, body) VALUES (?, ?, ?, ?)",
                      (reference, client, "reversal", json.dumps(body)))

    def _fail(self, server_id: str, waits_for: str | None, error: MmapiError, at: datetime | None) -> dict[str, Any]:
        with self.p.db.atomic():
            row = self.p.db.one("SELECT status, waits_for FROM mm_requests WHERE server_id = ?", (server_id,))
            if row is None or row[0] != "pending" or row[1] != waits_for:
                raise MmapiError("NOT_FOUND", f"no request {server_id} waits for this")
            failure = error.error_object(at)
            self.p.db.run("UPDATE mm_requests SET status = 'failed', error = ?, pending_reason = NULL WHERE server_id = ?",
                          (json.dumps(failure), server_id))
            self._call_back(server_id, (json.dumps(failure),))
            return self._state(server_id)

    def _call_back(self, server_id: str, body: tuple[Any, ...] | None) -> None:
        row = self.p.db.one("SELECT callback_url, correlation_id FROM mm_requests WHERE server_id = ?", (server_id,))
        if row and row[0] and body:
            headers = {"Content-Type": "application/json", "X-Date": _stamp()}
            if row[1]:
                headers["X-CorrelationID"] = row[1]
            self.outbox.add(row[0], "PUT", "", headers, json.loads(body[0]))

    def _expire(self, at: datetime | None) -> None:
        """Requests nobody authorised in time fail (the payer did not answer on the phone)."""
        now = _stamp(at)
        for server_id, waits_for in self.p.db.all("SELECT server_id, waits_for FROM mm_requests WHERE status = 'pending' "
                                                  "AND waits_for NOT LIKE 'hold:%' AND expires_at < ?", (now,)):
            self._fail(server_id, waits_for, MmapiError("AUTHORISATION_EXPIRED", "not authorised in time"), at)

    # --- accounts and quotations ---------------------------------------------------------------

    def account(self, client: Client, identifier_type: str, identifier: str) -> str:
        """The wallet an /accounts path names, which must be the client's own."""
        if identifier_type != "msisdn":
            raise MmapiError("BAD_PARTY", f"accounts are identified here by msisdn, not {identifier_type}")
        try:
            msisdn = self.p.msisdn(identifier)
        except BaobabError as exc:
            raise MmapiError.of(exc) from None
        if msisdn != client.msisdn:
            raise MmapiError("NOT_YOURS", "a client reads only its own account")
        return msisdn

    # --- bills ----------------------------------------------------------------------------------

    def bill_companies(self, client: Client, identifier_type: str, identifier: str) -> list[dict[str, Any]]:
        """GET /accounts/{type}/{id}/billcompanies: the billers the client's wallet can pay, each
        with its code (`accountid` in the payment's path)."""
        self.account(client, identifier_type, identifier)
        return [{"companyName": b["name"], "serviceProvider": b["code"], "serviceProviderType": b["kind"]}
                for b in self.p.billers()]

    def pay_bill(self, client: Client, identifier_type: str, identifier: str, bill_reference: str,
                 body: dict[str, Any], *, at: datetime | None = None) -> dict[str, Any]:
        """POST /accounts/accountid/{biller code}/bills/{billReference}/payments: the client pays a
        customer's bill at the biller from its own wallet, at once (201, responseBillPayment)."""
        if identifier_type != "accountid":
            raise MmapiError("BAD_PARTY", "a bill company's account is its biller code, as accountid")
        if body["currency"] != self.p.scheme.currency:
            raise MmapiError("CURRENCY", f"this provider pays bills in {self.p.scheme.currency}")
        full = {"fullpayment": True, "partialpayment": False}.get(body.get("paymentType", ""))
        try:
            minor = Money.parse(body["amountPaid"], body["currency"]).minor
            movement = self.p.pay_bill(client.msisdn, identifier, bill_reference, minor, pin=None, full=full, at=at)
        except BaobabError as exc:
            raise MmapiError.of(exc) from None
        answer = {"currency": body["currency"], "amountPaid": body["amountPaid"], "billPaymentStatus": "completed",
                  "serviceProviderPaymentReference": movement}
        for name in ("requestingOrganisationTransactionReference", "customerReference", "paymentType"):
            if name in body:
                answer[name] = body[name]
        return answer

    def bills(self, client: Client, identifier_type: str, identifier: str) -> list[dict[str, Any]]:
        """GET /accounts/{type}/{id}/bills: the bills billers presented to the client's own wallet
        that are not paid in full (responseBills; the biller's code in the metadata, to pay one at
        /accounts/accountid/{code}/bills/{billReference}/payments)."""
        msisdn = self.account(client, identifier_type, identifier)
        text = lambda money: amount_text(money["minor"], money["currency"])  # noqa: E731
        return [{"currency": b["amount"]["currency"], "amountDue": text(b["due_amount"]), "dueDate": b["due"],
                 "billReference": b["reference"], "minimumAmountDue": text(b["minimum_due"]),
                 "billdescription": b["description"] or b["biller_name"], "billStatus": b["status"],
                 "metadata": [{"key": "serviceProvider", "value": b["biller"]}, {"key": "companyName", "value": b["biller_name"]}]}
                for b in self.p.bills(msisdn)]

    def balance(self, client: Client, identifier_type: str, identifier: str) -> dict[str, Any]:
        msisdn = self.account(client, identifier_type, identifier)
        wallet = self.p.wallet(msisdn)
        text = amount_text(wallet["balance"]["minor"], self.p.scheme.currency)
        return {"currentBalance": text, "availableBalance": text, "currency": self.p.scheme.currency,
                "accountStatus": "unavailable" if wallet["locked"] else "available"}

    def statement(self, client: Client, identifier_type: str, identifier: str, limit: int = 50) -> list[dict[str, Any]]:
        """GET /accounts/.../transactions: the wallet's latest transactions, newest first."""
        msisdn = self.account(client, identifier_type, identifier)
        return [self.transaction(client, m["id"]) for m in self.p.statement(msisdn, limit=max(1, min(limit, 200)))]

    def quote(self, client: Client, body: dict[str, Any], *, at: datetime | None = None) -> dict[str, Any]:
        """POST /quotations: the fee (from the tariff) and, for another currency, the rate and the
        amount that arrives, valid for QUOTE_VALID."""
        when = at or datetime.now(timezone.utc)
        currency = self.p.scheme.currency
        try:
            sent = Money.parse(body["requestAmount"], body["requestCurrency"])
        except BaobabError as exc:
            raise MmapiError.of(exc) from None
        target = next((m["value"] for m in body.get("metadata", []) if m["key"] == "receivingCurrency"), currency)
        if sent.currency != currency:
            raise MmapiError("CURRENCY", f"quotations are asked in {currency}")
        fee = Tariff.fee(self.p.tariff.send, sent.minor)
        quote: dict[str, Any] = {"quoteId": str(uuid.uuid4()), "quoteExpiryTime": _stamp(when + QUOTE_VALID),
                                 "sendingAmount": body["requestAmount"], "sendingCurrency": currency,
                                 "receivingAmount": body["requestAmount"], "receivingCurrency": currency,
                                 "receivingServiceProvider": self.p.scheme.country, "deliveryMethod": "directtoaccount"}
        if fee:
            quote["fees"] = [{"feeType": "transfer fee", "feeAmount": amount_text(fee, currency), "feeCurrency": currency}]
        if target != currency:
            if self.fx_quote is None:
                raise MmapiError("CURRENCY", f"no exchange from {currency} to {target} here")
            priced = self.fx_quote(currency, target, sent.minor)
            quote.update(receivingAmount=amount_text(priced["received"]["minor"], target), receivingCurrency=target,
                         fxRate=priced["applied_rate"], receivingServiceProvider=priced.get("fxp", ""))
        reference = str(uuid.uuid4())
        response = {**{k: body[k] for k in ("requestDate", "debitParty", "creditParty", "requestAmount", "requestCurrency")},
                    "quotationReference": reference, "quotationStatus": "completed", "quotes": [quote],
                    "creationDate": _stamp(when)}
        if "type" in body:
            response["type"] = body["type"]
        self.p.db.run("INSERT INTO mm_quotations (reference, client, body, expires_at) VALUES (?, ?, ?, ?)",
                      (reference, client.name, json.dumps(response), _stamp(when + QUOTE_VALID)))
        return response

    def quotation(self, client: Client, reference: str) -> dict[str, Any]:
        row = self.p.db.one("SELECT client, body FROM mm_quotations WHERE reference = ?", (reference,))
        if row is None or row[0] != client.name:
            raise MmapiError("NOT_FOUND", f"no quotation {reference}")
        return json.loads(row[1])  # type: ignore[no-any-return]

    # --- parties -----------------------------------------------------------------------------------

    def _parties(self, body: dict[str, Any]) -> tuple[str, str, int]:
        if body.get("currency", self.p.scheme.currency) != self.p.scheme.currency:
            raise MmapiError("CURRENCY", f"this provider's wallets hold {self.p.scheme.currency}")
        try:
            minor = Money.parse(body["amount"], self.p.scheme.currency).minor
        except BaobabError as exc:
            raise MmapiError.of(exc) from None
        if minor <= 0:
            raise MmapiError("BAD_AMOUNT", "the amount must be more than zero")
        return self._party(body["debitParty"]), self._party(body["creditParty"]), minor

    def _party(self, party: list[dict[str, str]]) -> str:
        known = {p["key"].lower(): p["value"] for p in party if p["key"].lower() in PARTY_KEYS}
        try:
            if "msisdn" in known:
                return self.p.msisdn(known["msisdn"])
            if "storeid" in known:
                return self.p.merchant(known["storeid"])["msisdn"]
        except BaobabError as exc:
            raise MmapiError.of(exc) from None
        raise MmapiError("BAD_PARTY", f"a party is identified by {' or '.join(PARTY_KEYS)}")


PATCHABLE = ("/amountLimit", "/endDate", "/numberOfPayments", "/frequencyType", "/mandateStatus")


def _mandate_of(body: dict[str, Any]) -> str | None:
    """The debit mandate a transaction's debit party names (key `mandatereference`), if any."""
    return next((p["value"] for p in body.get("debitParty", []) if p.get("key", "").lower() == "mandatereference"), None)


def _terms(body: dict[str, Any], p: Provider, *, partial: bool = False) -> dict[str, Any]:
    """A requestDebitMandate's (or a change's) terms as `Mandates` takes them."""
    names = {"startDate": "start", "endDate": "end", "numberOfPayments": "payments", "frequencyType": "frequency",
             "mandateStatus": "status", "requestDate": "requested"}
    out: dict[str, Any] = {names[k]: v for k, v in body.items() if k in names}
    if "amountLimit" in body:
        try:
            out["amount_limit"] = Money.parse(str(body["amountLimit"]), p.scheme.currency).minor
        except BaobabError as exc:
            raise MmapiError.of(exc) from None
    if "payments" in out and out["payments"] is not None:
        out["payments"] = int(out["payments"])
    if partial:
        out.pop("requested", None)
        return out
    out.pop("status", None)
    return out


def _msisdns(body: dict[str, Any]) -> set[str]:
    return {p["value"] for side in ("debitParty", "creditParty") for p in body.get(side, []) if p.get("key") == "msisdn"}
