"""The hub operator's administration API, in the shapes of Mojaloop's central-ledger admin API
and central-settlement API, so that operators' tools and the Testing Toolkit's provisioning and
settlement collections work against Baobab's switch.

    router = admin_router(hub, operator)      # mounted by the node under /hub

Participants and their currencies (`POST /participants`), net debit caps
(`/initialPositionAndLimits`, `/limits`), positions, accounts (POSITION and SETTLEMENT, with
central-ledger's sign: a settlement account holding liquidity shows a negative value), funds in
and two-phase funds out (`/accounts/{id}`, `/accounts/{id}/transfers/{transferId}`), callback
endpoints, activation, hub accounts, settlement models and oracles (kept for the operator; the
switch's account lookup is its own), settlement windows and settlements.

Every call is the operator's: `operator(request)` authenticates it (401 otherwise). Amounts are
decimal strings in major units, never floating point. A refused call answers
`{"errorInformation": {...}}` with its FSPIOP code and changes nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from baobab.core.errors import BaobabError
from baobab.core.money import Money
from baobab.pay.errors import FspiopError
from baobab.pay.fspiop import problem, to_fspiop_amount
from baobab.pay.hub import Hub
from baobab.pay.switch import CLOSED, OPEN, PENDING_SETTLEMENT, SETTLED, now_utc, stamp

SCHEMA = """
CREATE TABLE IF NOT EXISTS admin_ids (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS admin_endpoints (fsp TEXT NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL,
  PRIMARY KEY (fsp, type));
CREATE TABLE IF NOT EXISTS admin_records (kind TEXT NOT NULL, name TEXT NOT NULL, body TEXT NOT NULL,
  PRIMARY KEY (kind, name));
CREATE TABLE IF NOT EXISTS admin_settlements (id INTEGER PRIMARY KEY, windows TEXT NOT NULL, state TEXT NOT NULL,
  reason TEXT NOT NULL, model TEXT NOT NULL, accounts TEXT NOT NULL, created TEXT NOT NULL, changed TEXT NOT NULL);
"""
NET_DEBIT_CAP = "NET_DEBIT_CAP"
HUB_ACCOUNT_TYPES = ("HUB_MULTILATERAL_SETTLEMENT", "HUB_RECONCILIATION")
# The endpoint types whose value tells the switch where a participant's FSPIOP API is: the base
# URL is the value with the resource path taken off (the switch adds it per callback).
BASE_ENDPOINTS = {"FSPIOP_CALLBACK_URL_QUOTES": "", "FSPIOP_CALLBACK_URL_TRANSFER_POST": "/transfers",
                  "FSPIOP_CALLBACK_URL_TRX_REQ_SERVICE": ""}
SETTLEMENT_STATES = ("PENDING_SETTLEMENT", "PS_TRANSFERS_RECORDED", "PS_TRANSFERS_RESERVED", "PS_TRANSFERS_COMMITTED",
                     "SETTLED")
Operator = Callable[[Request], Awaitable[str]]


def _amount(value: Any, currency: str) -> int:
    """Minor units of a decimal amount (a string, or a JSON integer), refusing floating point."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise FspiopError("3101", "an amount is a decimal string (or a whole number) in major units")
    try:
        return Money.parse(str(value), currency).minor
    except BaobabError as exc:
        raise FspiopError("3101", exc.message) from None


class Amount(str):
    """A decimal amount that central-ledger's shapes write as a JSON number: rendered digit for
    digit from its decimal text, never through a binary float."""


_MARK = "\x00amount\x00"
_MARKED = re.compile(r'"\\u0000amount\\u0000(-?[0-9]+(?:\.[0-9]+)?)\\u0000amount\\u0000"')


def render(value: Any) -> bytes:
    def mark(v: Any) -> Any:
        if isinstance(v, Amount):
            return f"{_MARK}{v}{_MARK}"
        if isinstance(v, dict):
            return {k: mark(x) for k, x in v.items()}
        if isinstance(v, list):
            return [mark(x) for x in v]
        return v
    return _MARKED.sub(r"\1", json.dumps(mark(value))).encode()


def _major(currency: str, minor: int) -> Amount:
    return Amount(to_fspiop_amount(currency, minor)["amount"])


class Admin:
    """The operations behind the routes (synchronous, each one database transaction)."""

    def __init__(self, hub: Hub) -> None:
        self.hub, self.switch, self.db = hub, hub.switch, hub.db
        self.db.script(SCHEMA)

    # --- ids: central-ledger numbers participants and accounts ---------------------------

    def id_of(self, key: str) -> int:
        with self.db.atomic():
            row = self.db.one("SELECT id FROM admin_ids WHERE key = ?", (key,))
            if row is None:
                self.db.run("INSERT INTO admin_ids (id, key) VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM admin_ids), ?)",
                            (key,))
                row = self.db.one("SELECT id FROM admin_ids WHERE key = ?", (key,))
            assert row is not None
            return int(row[0])

    def key_of(self, account_id: str) -> str:
        row = self.db.one("SELECT key FROM admin_ids WHERE id = ?", (int(account_id) if account_id.isdigit() else -1,))
        if row is None:
            raise FspiopError("3200", f"no account {account_id}")
        return str(row[0])

    # --- participants ---------------------------------------------------------------------

    def _require(self, name: str) -> None:
        if self.hub.endpoint(name) is None:
            raise FspiopError("3200", f"no participant {name}")

    def currencies(self, name: str) -> list[tuple[str, int]]:
        return [(str(c), int(cap)) for c, cap in self.db.all(
            "SELECT currency, net_debit_cap FROM switch_currencies WHERE fsp = ? ORDER BY currency", (name,))]

    def participant(self, name: str) -> dict[str, Any]:
        self._require(name)
        row = self.db.one("SELECT active FROM switch_participants WHERE fsp = ?", (name,))
        assert row is not None
        return {"name": name, "id": self.id_of(f"participant:{name}"), "isActive": int(row[0]),
                "links": {"self": f"/participants/{name}"}, "accounts": self.accounts(name)}

    def participants(self) -> list[dict[str, Any]]:
        return [self.participant(str(n)) for (n,) in self.db.all("SELECT fsp FROM switch_participants ORDER BY fsp")]

    def add(self, body: dict[str, Any]) -> dict[str, Any]:
        name, currency = body.get("name"), body.get("currency")
        if not isinstance(name, str) or not isinstance(currency, str):
            raise FspiopError("3102", "a participant is {name, currency}")
        with self.db.atomic():
            if self.hub.endpoint(name) is None:
                self.switch.add_participant(name, name, "", {currency: 0})
            elif currency in dict(self.currencies(name)):
                raise FspiopError("3003", f"{name} already holds {currency}")
            else:
                self.switch.add_currency(name, currency, 0)
            return self.participant(name)

    def set_active(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(body.get("isActive"), bool):
            raise FspiopError("3102", "isActive is true or false")
        self._require(name)
        self.switch.set_active(name, body["isActive"])
        return self.participant(name)

    # --- limits and positions -------------------------------------------------------------

    def set_limit(self, name: str, body: dict[str, Any], *, initial: bool) -> dict[str, Any]:
        limit, currency = body.get("limit"), body.get("currency")
        if not isinstance(limit, dict) or not isinstance(currency, str):
            raise FspiopError("3102", "a limit is {currency, limit: {type, value}}")
        if limit.get("type") != NET_DEBIT_CAP:
            raise FspiopError("3100", f"the only limit is {NET_DEBIT_CAP}")
        if initial and str(body.get("initialPosition", 0)) != "0":
            raise FspiopError("3100", "a participant starts with a zero position (funds in move its liquidity)")
        self._require(name)
        self.switch.set_net_debit_cap(name, currency, _amount(limit.get("value"), currency))
        return {"currency": currency, "limit": {"type": NET_DEBIT_CAP, "value": _major(currency, _amount(limit["value"], currency)),
                                                "alarmPercentage": limit.get("alarmPercentage", 10)}}

    def limits(self, name: str) -> list[dict[str, Any]]:
        self._require(name)
        return [{"currency": c, "limit": {"type": NET_DEBIT_CAP, "value": _major(c, cap), "alarmPercentage": 10}}
                for c, cap in self.currencies(name)]

    def positions(self, name: str) -> list[dict[str, Any]]:
        self._require(name)
        return [{"currency": c, "value": _major(c, self.switch.position(name, c)), "changedDate": stamp(now_utc())}
                for c, _ in self.currencies(name)]

    def accounts(self, name: str) -> list[dict[str, Any]]:
        out = []
        active = self.db.one("SELECT active FROM switch_participants WHERE fsp = ?", (name,))
        for currency, _ in self.currencies(name):
            position, settlement = self.switch.journal.balances(f"{name}/{currency}/position", f"{name}/{currency}/settlement")
            for kind, account, value, reserved in (
                    ("POSITION", "position", position.debits_pending + position.debits_posted - position.credits_posted, 0),
                    ("SETTLEMENT", "settlement", -settlement.net_credit, settlement.debits_pending)):
                out.append({"id": self.id_of(f"account:{name}/{currency}/{account}"), "ledgerAccountType": kind,
                            "currency": currency, "isActive": int(active[0]) if active else 0,
                            "value": _major(currency, value), "reservedValue": _major(currency, reserved),
                            "changedDate": stamp(now_utc())})
        return out

    # --- funds in and out -----------------------------------------------------------------

    def _settlement_account(self, name: str, account_id: str) -> str:
        key = self.key_of(account_id)
        prefix = f"account:{name}/"
        if not key.startswith(prefix) or not key.endswith("/settlement"):
            raise FspiopError("3200", f"account {account_id} is not a settlement account of {name}")
        return key[len(prefix):].split("/")[0]

    def funds(self, name: str, account_id: str, body: dict[str, Any]) -> None:
        self._require(name)
        currency = self._settlement_account(name, account_id)
        amount = body.get("amount")
        if not isinstance(amount, dict) or amount.get("currency") != currency or not isinstance(body.get("transferId"), str):
            raise FspiopError("3100", f"funds move {{transferId, action, amount: {{amount, currency: {currency}}}}}")
        minor = _amount(amount.get("amount"), currency)
        if body.get("action") == "recordFundsIn":
            self.switch.fund(body["transferId"], name, currency, minor)
        elif body.get("action") == "recordFundsOutPrepareReserve":
            self.switch.withdraw_prepare(body["transferId"], name, currency, minor)
        else:
            raise FspiopError("3100", "action is recordFundsIn or recordFundsOutPrepareReserve")

    def funds_out(self, name: str, account_id: str, transfer_id: str, body: dict[str, Any]) -> None:
        self._require(name)
        self._settlement_account(name, account_id)
        action = body.get("action")
        if action not in ("recordFundsOutCommit", "recordFundsOutAbort"):
            raise FspiopError("3100", "action is recordFundsOutCommit or recordFundsOutAbort")
        self.switch.withdraw_finish(transfer_id, name, commit=action == "recordFundsOutCommit")

    def hub_account(self, name: str, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("type") not in HUB_ACCOUNT_TYPES or not isinstance(body.get("currency"), str):
            raise FspiopError("3100", f"a hub account is {{type: {' or '.join(HUB_ACCOUNT_TYPES)}, currency}}")
        try:
            self.switch.journal.open_account(f"hub/{body['currency']}/reserve", body["currency"])
        except BaobabError as exc:
            raise FspiopError("3101", exc.message) from None
        self.record("hubAccount", f"{name}/{body['type']}/{body['currency']}", body)
        return {"name": name, "type": body["type"], "currency": body["currency"],
                "id": self.id_of(f"hub:{body['type']}/{body['currency']}")}

    # --- endpoints and records ------------------------------------------------------------

    def add_endpoint(self, name: str, body: dict[str, Any]) -> None:
        kind, value = body.get("type"), body.get("value")
        if not isinstance(kind, str) or not isinstance(value, str) or not kind or not value:
            raise FspiopError("3102", "an endpoint is {type, value}")
        self._require(name)
        with self.db.atomic():
            self.db.run("DELETE FROM admin_endpoints WHERE fsp = ? AND type = ?", (name, kind))
            self.db.run("INSERT INTO admin_endpoints (fsp, type, value) VALUES (?, ?, ?)", (name, kind, value))
            if kind in BASE_ENDPOINTS:
                base = value.removesuffix(BASE_ENDPOINTS[kind]).rstrip("/")
                self.hub.switch.set_endpoint(name, base)

    def endpoints(self, name: str) -> list[dict[str, str]]:
        self._require(name)
        return [{"type": t, "value": v} for t, v in self.db.all(
            "SELECT type, value FROM admin_endpoints WHERE fsp = ? ORDER BY type", (name,))]

    def record(self, kind: str, name: str, body: dict[str, Any]) -> None:
        with self.db.atomic():
            self.db.run("DELETE FROM admin_records WHERE kind = ? AND name = ?", (kind, name))
            self.db.run("INSERT INTO admin_records (kind, name, body) VALUES (?, ?, ?)", (kind, name, json.dumps(body)))

    def records(self, kind: str) -> list[dict[str, Any]]:
        return [json.loads(b) for (b,) in self.db.all("SELECT body FROM admin_records WHERE kind = ? ORDER BY name", (kind,))]

    # --- settlement windows and settlements -----------------------------------------------

    @staticmethod
    def window_body(w: dict[str, Any]) -> dict[str, Any]:
        return {"settlementWindowId": w["id"], "state": w["state"], "reason": "",
                "createdDate": w["opened_at"], "changedDate": w["settled_at"] or w["closed_at"] or w["opened_at"]}

    def windows(self, state: str | None) -> list[dict[str, Any]]:
        rows = [dict(zip(("id", "state", "opened_at", "closed_at", "settled_at"), r)) for r in self.db.all(
            "SELECT id, state, opened_at, closed_at, settled_at FROM switch_windows ORDER BY id")]
        return [self.window_body(w) for w in rows if state is None or w["state"] == state]

    def close_window(self, window_id: int, body: dict[str, Any]) -> dict[str, Any]:
        if body.get("state") != CLOSED:
            raise FspiopError("3100", "a window can only be CLOSED by the operator")
        with self.db.atomic():
            if self.switch.window(window_id)["state"] != OPEN:
                raise FspiopError("3100", f"window {window_id} is not open")
            closed = self.switch.close_window()
            return self.window_body(self.switch.window(closed + 1))

    def settle_windows(self, body: dict[str, Any]) -> dict[str, Any]:
        windows = body.get("settlementWindows")
        if not isinstance(windows, list) or not windows or not all(isinstance(w, dict) and isinstance(w.get("id"), int)
                                                                       for w in windows):
            raise FspiopError("3102", "settlementWindows is a list of {id}")
        ids = sorted({w["id"] for w in windows})
        with self.db.atomic():
            nets: dict[str, dict[str, Any]] = {}
            for window_id in ids:
                for row in self.switch.start_settlement(window_id):
                    key = f"account:{row['fsp']}/{row['currency']}/position"
                    entry = nets.setdefault(key, {"fsp": row["fsp"], "currency": row["currency"], "net": 0})
                    entry["net"] += row["net"]
            accounts = [{"participant": e["fsp"], "id": self.id_of(k), "currency": e["currency"], "net": e["net"],
                         "state": PENDING_SETTLEMENT, "reason": ""} for k, e in sorted(nets.items())]
            now = stamp(now_utc())
            self.db.run("INSERT INTO admin_settlements (id, windows, state, reason, model, accounts, created, changed) "
                        "VALUES ((SELECT COALESCE(MAX(id), 0) + 1 FROM admin_settlements), ?, ?, ?, ?, ?, ?, ?)",
                        (json.dumps(ids), PENDING_SETTLEMENT, str(body.get("reason", "")),
                         str(body.get("settlementModel", "DEFERREDNET")), json.dumps(accounts), now, now))
            row = self.db.one("SELECT MAX(id) FROM admin_settlements")
            assert row is not None
            return self.settlement(int(row[0]))

    def settlement(self, settlement_id: int) -> dict[str, Any]:
        row = self.db.one("SELECT windows, state, reason, model, accounts, created, changed FROM admin_settlements "
                          "WHERE id = ?", (settlement_id,))
        if row is None:
            raise FspiopError("3200", f"no settlement {settlement_id}")
        windows, accounts = json.loads(row[0]), json.loads(row[4])
        participants: dict[str, list[dict[str, Any]]] = {}
        for a in accounts:
            participants.setdefault(a["participant"], []).append(
                {"id": a["id"], "state": a["state"], "reason": a["reason"],
                 "netSettlementAmount": {"amount": _major(a["currency"], a["net"]), "currency": a["currency"]}})
        return {"id": settlement_id, "state": row[1], "reason": row[2], "settlementModel": row[3],
                "createdDate": row[5], "changedDate": row[6],
                "settlementWindows": [self.window_body(self.switch.window(w)) for w in windows],
                "participants": [{"id": self.id_of(f"participant:{p}"), "name": p, "accounts": a}
                                 for p, a in sorted(participants.items())]}

    def update_settlement(self, settlement_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """Record each account's progress at the settlement bank; once every account is SETTLED
        the nets move in one transaction (Switch.settle) and the settlement is SETTLED."""
        changes = body.get("participants")
        if not isinstance(changes, list):
            raise FspiopError("3102", "participants is a list of {id, accounts: [{id, state, reason}]}")
        with self.db.atomic():
            row = self.db.one("SELECT windows, state, accounts FROM admin_settlements WHERE id = ?", (settlement_id,))
            if row is None:
                raise FspiopError("3200", f"no settlement {settlement_id}")
            if row[1] == SETTLED:
                raise FspiopError("3100", f"settlement {settlement_id} is settled")
            accounts = {a["id"]: a for a in json.loads(row[2])}
            for p in changes:
                for change in (p.get("accounts") or []) if isinstance(p, dict) else []:
                    account = accounts.get(change.get("id")) if isinstance(change, dict) else None
                    if account is None:
                        raise FspiopError("3200", f"account {change} is not in settlement {settlement_id}")
                    state = change.get("state")
                    if state not in SETTLEMENT_STATES or SETTLEMENT_STATES.index(state) < SETTLEMENT_STATES.index(account["state"]):
                        raise FspiopError("3100", f"account {account['id']} cannot go from {account['state']} to {state}")
                    account.update(state=state, reason=str(change.get("reason", "")))
            states = {a["state"] for a in accounts.values()}
            overall = SETTLED if states <= {SETTLED} else min(states, key=SETTLEMENT_STATES.index)
            if overall == SETTLED:
                for window_id in json.loads(row[0]):
                    self.switch.settle(window_id)
            self.db.run("UPDATE admin_settlements SET state = ?, accounts = ?, changed = ? WHERE id = ?",
                        (overall, json.dumps(list(accounts.values())), stamp(now_utc()), settlement_id))
            return self.settlement(settlement_id)


def admin_router(hub: Hub, operator: Operator) -> APIRouter:
    admin = Admin(hub)
    router = APIRouter(tags=["Hub administration (central-ledger and central-settlement shapes)"])

    def route(method: str, template: str, status: int = 200) -> Callable[..., Any]:
        def register(work: Callable[..., Any]) -> Callable[..., Any]:
            async def endpoint(request: Request) -> Response:
                try:
                    await operator(request)
                except FspiopError as exc:
                    return problem(exc, status=401)
                try:
                    body = json.loads(await request.body() or b"null")
                    if method in ("POST", "PUT") and not isinstance(body, dict):
                        raise FspiopError("3101", "the body is a JSON object")
                    result = await run_in_threadpool(work, body, request.query_params, **request.path_params)
                except FspiopError as exc:
                    return problem(exc)
                except ValueError:
                    return problem(FspiopError("3101", "the body is not JSON"))
                if result is None:
                    return Response(status_code=status)
                return Response(render(result), status_code=status, media_type="application/json")
            endpoint.__name__ = work.__name__
            router.add_api_route(template, endpoint, methods=[method], summary=f"{method} {template}")
            return work
        return register

    @route("GET", "/participants")
    def list_participants(body: Any, query: Any) -> Any:
        return admin.participants()

    @route("POST", "/participants", 201)
    def add_participant(body: Any, query: Any) -> Any:
        return admin.add(body)

    @route("GET", "/participants/{name}")
    def get_participant(body: Any, query: Any, name: str) -> Any:
        return admin.participant(name)

    @route("PUT", "/participants/{name}")
    def activate(body: Any, query: Any, name: str) -> Any:
        return admin.set_active(name, body)

    @route("POST", "/participants/{name}/initialPositionAndLimits", 201)
    def initial_limits(body: Any, query: Any, name: str) -> Any:
        admin.set_limit(name, body, initial=True)

    @route("GET", "/participants/{name}/limits")
    def get_limits(body: Any, query: Any, name: str) -> Any:
        return admin.limits(name)

    @route("PUT", "/participants/{name}/limits")
    def put_limits(body: Any, query: Any, name: str) -> Any:
        return admin.set_limit(name, body, initial=False)

    @route("GET", "/participants/{name}/positions")
    def positions(body: Any, query: Any, name: str) -> Any:
        return admin.positions(name)

    @route("GET", "/participants/{name}/accounts")
    def accounts(body: Any, query: Any, name: str) -> Any:
        admin._require(name)
        return admin.accounts(name)

    @route("POST", "/participants/{name}/accounts", 201)
    def hub_account(body: Any, query: Any, name: str) -> Any:
        return admin.hub_account(name, body)

    @route("POST", "/participants/{name}/accounts/{id}", 202)
    def funds(body: Any, query: Any, name: str, id: str) -> Any:
        admin.funds(name, id, body)

    @route("PUT", "/participants/{name}/accounts/{id}/transfers/{transferId}", 202)
    def funds_out(body: Any, query: Any, name: str, id: str, transferId: str) -> Any:
        admin.funds_out(name, id, transferId, body)

    @route("POST", "/participants/{name}/endpoints", 201)
    def add_endpoint(body: Any, query: Any, name: str) -> Any:
        admin.add_endpoint(name, body)

    @route("GET", "/participants/{name}/endpoints")
    def get_endpoints(body: Any, query: Any, name: str) -> Any:
        return admin.endpoints(name)

    for kind, collection, key in (("settlementModel", "/settlementModels", "name"), ("oracle", "/oracles", "oracleIdType")):
        def add_record(body: Any, query: Any, kind: str = kind, key: str = key) -> Any:
            if not isinstance(body.get(key), str):
                raise FspiopError("3102", f"{key} is missing")
            admin.record(kind, body[key] + "/" + str(body.get("currency", "")), body)

        def list_records(body: Any, query: Any, kind: str = kind) -> Any:
            return admin.records(kind)

        add_record.__name__, list_records.__name__ = f"add_{kind}", f"list_{kind}s"
        route("POST", collection, 201)(add_record)
        route("GET", collection)(list_records)

    @route("GET", "/settlementWindows")
    def windows(body: Any, query: Any) -> Any:
        return admin.windows(query.get("state"))

    @route("GET", "/settlementWindows/{id}")
    def window(body: Any, query: Any, id: str) -> Any:
        return Admin.window_body(hub.switch.window(_int(id)))

    @route("POST", "/settlementWindows/{id}")
    def close_window(body: Any, query: Any, id: str) -> Any:
        return admin.close_window(_int(id), body)

    @route("POST", "/settlements")
    def settle(body: Any, query: Any) -> Any:
        return admin.settle_windows(body)

    @route("GET", "/settlements/{id}")
    def settlement(body: Any, query: Any, id: str) -> Any:
        return admin.settlement(_int(id))

    @route("PUT", "/settlements/{id}")
    def update_settlement(body: Any, query: Any, id: str) -> Any:
        return admin.update_settlement(_int(id), body)

    @route("PUT", "/participants/{name}/fxRates")
    def publish_fx_rates(body: Any, query: Any, name: str) -> Any:
        """Baobab's extension: an FX provider's mid-market rates and margin (pay/fx.py), replacing its
        earlier ones: {"marginBasisPoints": 60, "rates": [{"sourceCurrency", "targetCurrency", "midRate"}]}."""
        admin._require(name)
        try:
            rates = {(r["sourceCurrency"], r["targetCurrency"]): str(r["midRate"]) for r in body["rates"]}
            margin = body["marginBasisPoints"]
        except (KeyError, TypeError):
            raise FspiopError("3102", "fxRates is {marginBasisPoints, rates: [{sourceCurrency, targetCurrency, midRate}]}") from None
        hub.fx.publish(name, rates, margin_bp=margin)
        return hub.fx.rates(name)

    @route("GET", "/participants/{name}/fxRates")
    def fx_rates(body: Any, query: Any, name: str) -> Any:
        admin._require(name)
        return hub.fx.rates(name)

    return router


def _int(text: str) -> int:
    if not text.isdigit() or len(text) > 18:
        raise FspiopError("3101", f"{text!r} is not an id")
    return int(text)

