"""Goods declarations: what a trader (or its broker) lodges with the customs of the country its
goods enter or leave, and what that customs decides.

    appoint_broker  a trader: lets a customs broker lodge declarations in its name (or withdraws it)
    lodge      the declarant (a trader, or a broker it appointed, naming it in `represents`): items
               with HS subheading, origin, quantity and customs value, the shipment's parties,
               transport, invoice and packages, and the ledger documents they come from (each
               registered, in force and readable by the declarant); to the customs of the
               destination (import) or origin (export) country. `baobab.customs.single_window`
               builds all of it from the documents themselves, nothing retyped     -> lodged
    screen     that customs: the risk channel (green, yellow, red) and each flag's explanation
               (price filters, rules) -> green: accepted; yellow or red: under control
    assess     that customs: duties and taxes from the schedule it published (customs_tariffs),
               at its exchange rate, on the values it accepts, with the preferential rate of a
               certificate of origin utilised on this declaration; a payment instruction from the
               declarant to the customs for the total, which the payments agent carries out
                                                                            -> assessed
    decide     that customs: released (only once the duties are paid, and with the certificate
               of conformity its schedule requires for the goods) or rejected, with its note
    share      the customs of an export: the export declaration, with the customs of the destination
               country (as the ASEAN Single Window exchanges export declarations), for its mirror check
    get        the declarant, its broker and the customs (and one it was shared with); other customs
               and regulators through oversight
    shared     a customs office: the export declarations other offices shared with it
    queue      a customs office: the declarations lodged with it
    mine       a declarant or broker: the declarations in its name or lodged by it, with their statuses

Statuses move only forward; each step is kept in the declaration's history.
"""

from __future__ import annotations

import re
from typing import Any

from baobab.contracts.customs.certificates import Certificates
from baobab.contracts.customs.shipment import check_shipment
from baobab.contracts.customs.tariffs import in_force
from baobab.contracts.jurisdiction import check_countries
from baobab.contracts.payment_instruction import SETTLED, PaymentInstructions, instruct
from baobab.contracts.records import Declaration, stored
from baobab.core.money import MINOR_UNITS
from baobab.customs import duties
from baobab.ledger.contract import PARTIES, Context, Contract, ContractError, Reason, function
from baobab.vocab.trade import UNIT_CODES, is_hs_code

ANY_ONE = {"role": "*"}
RULES_CONTRACT = "customs_risk"  # the office's risk rules (contracts/customs/risk_rules.py)
CHANNELS = ("green", "yellow", "red")
PROCEDURES = ("import", "export")
MAX_ITEMS = 999
MAX_DOCUMENTS = 20
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}")
_HEX64 = re.compile(r"[0-9a-f]{64}")


def duties_obligation(declaration_id: str) -> str:
    return f"{declaration_id}/duties"


class Declarations(PaymentInstructions, Contract):
    name = "customs_declarations"
    reasons = {
        "NOT_THE_CUSTOMS": Reason("forbidden", "Only the customs the declaration was lodged with may do this"),
        "WRONG_CUSTOMS": Reason("invalid", "That organisation is not the customs of the declaration's country"),
        "BAD_ITEM": Reason("invalid", "An item lacks or misstates its HS code, origin, quantity, unit or value"),
        "BAD_SHIPMENT": Reason("invalid", "The shipment's parties, transport, invoice or packages are malformed"),
        "DOCUMENT_NOT_ON_LEDGER": Reason("invalid", "A referenced document is not registered, in force and readable by the declarant"),
        "BAD_ASSESSMENT": Reason("invalid", "The exchange rate, values or certificates of an assessment are malformed"),
        "NO_SCHEDULE": Reason("conflict", "The customs has published no tariff schedule"),
        "TARIFF_UNKNOWN": Reason("invalid", "The schedule does not list the goods' HS heading"),
        "NO_PREFERENCE": Reason("invalid", "The schedule grants no preference under the certificate's agreement"),
        "CERTIFICATE_NOT_UTILISED": Reason("conflict", "The certificate is not utilised on this declaration"),
        "CONFORMITY_REQUIRED": Reason("conflict", "The schedule requires a certificate of conformity for these goods"),
        "DUTIES_UNPAID": Reason("conflict", "The duties assessed are not paid"),
        "NOT_A_BROKER": Reason("invalid", "That organisation is not a customs broker"),
        "NOT_APPOINTED": Reason("forbidden", "The trader has not appointed this broker to lodge in its name"),
        "RULES_OUTDATED": Reason("conflict", "The risk rules changed since the screening was computed; screen again"),
    }

    @function(policy=ANY_ONE, callers=("trader",))
    def appoint_broker(self, ctx: Context, broker: str, appointed: bool = True) -> dict[str, Any]:
        """Called by: a trader: lets `broker` (an organisation with the broker role) lodge
        declarations in its name, or, with `appointed` false, no longer."""
        org = ctx.read("governance", f"org/{broker}") if isinstance(broker, str) and broker else None
        if org is None or "broker" not in org.get("roles", []):
            raise ContractError(f"{broker} is not a customs broker", reason="NOT_A_BROKER", broker=broker)
        record = {"trader": ctx.caller.org, "broker": broker, "appointed": bool(appointed), "at": ctx.timestamp,
                  "parties": sorted({ctx.caller.org, broker})}
        ctx.put(f"broker/{ctx.caller.org}/{broker}", record)
        ctx.emit("broker_appointed" if appointed else "broker_withdrawn", {"trader": ctx.caller.org, "broker": broker})
        return record

    @function(policy=ANY_ONE, callers=("trader", "broker"))
    def lodge(self, ctx: Context, declaration_id: str, customs: str, procedure: str, items: list[dict[str, Any]],
              countries: dict[str, Any], documents: list[str] = [],  # noqa: B006
              shipment: dict[str, Any] = {}, represents: str = "") -> dict[str, Any]:  # noqa: B006
        """Called by: a trader or customs broker, which becomes the declarant; or a broker lodging
        in the name of the trader it `represents` (which must have appointed it): the trader is then
        the declarant (it pays the duties) and the broker its agent. `customs` must be the customs
        of the destination country for an import, of the origin for an export."""
        if not _ID.fullmatch(declaration_id):
            raise ContractError("declaration_id must be 1-64 of A-Z a-z 0-9 _ . : / -")
        if procedure not in PROCEDURES:
            raise ContractError(f"procedure is one of {', '.join(PROCEDURES)}")
        countries = check_countries(countries)
        office = ctx.read("governance", f"org/{customs}")
        country = countries["destination"] if procedure == "import" else countries["origin"]
        if office is None or "customs" not in office.get("roles", []) or office.get("country") != country:
            raise ContractError(f"{customs} is not the customs of {country}", reason="WRONG_CUSTOMS", customs=customs)
        if not 0 < len(items) <= MAX_ITEMS:
            raise ContractError(f"a declaration has 1 to {MAX_ITEMS} items", reason="BAD_ITEM")
        checked = [_item(n, item) for n, item in enumerate(items, start=1)]
        referenced = self._documents(ctx, documents)
        facts = check_shipment(shipment)
        declarant, broker = self._declarant(ctx, represents)
        if ctx.get(f"declaration/{declaration_id}") is not None:
            raise ContractError(f"declaration {declaration_id} exists", reason="ALREADY_EXISTS")
        record = {"id": declaration_id, "declarant": declarant, "customs": customs, "procedure": procedure,
                  "parties": sorted({declarant, customs} | ({broker} if broker else set())), "countries": countries,
                  "shipment": facts, "items": checked, "documents": referenced, "status": "lodged", "channel": None,
                  "flags": [], "history": [{"status": "lodged", "by": ctx.caller.org, "at": ctx.timestamp}]}
        if broker:
            record["broker"] = broker
        ctx.put(f"declaration/{declaration_id}", stored(Declaration, record, f"declaration {declaration_id}"))
        ctx.set_key_policy(f"declaration/{declaration_id}", {"orgs": [customs]})
        ctx.emit("declaration_lodged", {"id": declaration_id, "customs": customs, "declarant": declarant})
        return record

    @function(policy=ANY_ONE, callers=("customs",))
    def screen(self, ctx: Context, declaration_id: str, channel: str, flags: list[str] = [],  # noqa: B006
               rules_version: int = -1) -> dict[str, Any]:
        """Called by: the customs the declaration was lodged with, once: its risk channel and the
        explanation of each flag raised. `rules_version`, when given, is the version of the office's
        risk rules (`customs_risk`) the channel was computed with: refused unless it is the current
        one, and it stays on the declaration (an outcome of control is credited to its rules)."""
        record = self._mine(ctx, declaration_id)
        if rules_version != -1:
            current = (ctx.read(RULES_CONTRACT, f"rules/{ctx.caller.org}") or {}).get("version", 0)
            if rules_version != current:
                raise ContractError(f"screened with rules version {rules_version}; the office's rules are at {current}",
                                    reason="RULES_OUTDATED", current=current)
            record = {**record, "rules_version": rules_version}
        if channel not in CHANNELS:
            raise ContractError(f"channel is one of {', '.join(CHANNELS)}")
        if record["status"] != "lodged":
            raise ContractError(f"declaration {declaration_id} is {record['status']}", reason="WRONG_STATE")
        if channel == "green" and flags:
            raise ContractError("a flagged declaration does not go through the green channel")
        status = "accepted" if channel == "green" else "under control"
        record = {**record, "channel": channel, "flags": [str(f)[:500] for f in flags]}
        return self._move(ctx, record, status, "declaration_screened", channel=channel, flags=len(flags))

    @function(policy=ANY_ONE, callers=("customs",))
    def assess(self, ctx: Context, declaration_id: str, exchange_rate: str = "1", values: dict[str, int] = {},  # noqa: B006
               certificates: list[str] = [], note: str = "") -> dict[str, Any]:  # noqa: B006
        """Called by: the customs the declaration was lodged with, after screening: duties and
        taxes under its published schedule. `exchange_rate`: units of the duty currency per unit
        of the declaration's currency; `values`: customs values it determined after control, by
        item number, in the declaration's currency; `certificates`: the certificates utilised on
        this declaration (origin: its agreement's preferential rates; conformity: as the
        schedule requires). The total becomes a payment instruction from the declarant."""
        record = self._mine(ctx, declaration_id)
        if record["status"] not in ("accepted", "under control"):
            raise ContractError(f"declaration {declaration_id} is {record['status']}", reason="WRONG_STATE")
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in values.values()) \
                or not set(values) <= {str(i["n"]) for i in record["items"]}:
            raise ContractError("values maps item numbers to customs values in minor units", reason="BAD_ASSESSMENT")
        rate = duties.exchange_rate(exchange_rate)
        used = self._utilised(ctx, declaration_id, certificates)
        country = record["countries"]["destination" if record["procedure"] == "import" else "origin"]
        schedule = in_force(ctx, country)
        if schedule is None:
            raise ContractError(f"no tariff schedule is published for {country}", reason="NO_SCHEDULE")
        origin = [c for c in used if c["kind"] == "origin"]
        if len(origin) > 1:
            raise ContractError("one certificate of origin per declaration", reason="BAD_ASSESSMENT")
        programmes = {c["scheme"] for c in used if c["kind"] == "conformity"}
        conformity = schedule.get("conformity")
        if conformity and conformity["programme"] not in programmes and \
                any(duties.needs_conformity(schedule, i["hs_code"]) for i in record["items"]):
            raise ContractError(f"{country} requires a {conformity['programme']} certificate of conformity for these goods",
                                reason="CONFORMITY_REQUIRED", programme=conformity["programme"])
        assessment = duties.assess(schedule, record["items"], rate=rate,
                                   agreement=origin[0]["scheme"] if origin else None, values=dict(values))
        assessment = {**assessment, "certificates": [c["id"] for c in used], "note": note[:500], "paid": None}
        total = assessment["total"]
        if total["minor"] > 0:
            instruct(ctx, obligation=duties_obligation(declaration_id), payer=record["declarant"], payee=ctx.caller.org,
                     amount=total, due=ctx.timestamp[:10])
        else:
            assessment["paid"] = {"reference": "nothing to pay", "at": ctx.timestamp}
        return self._move(ctx, {**record, "assessment": assessment}, "assessed", "declaration_assessed",
                          total=total, agreement=assessment["agreement"])

    @function(policy=ANY_ONE, callers=("customs",))
    def decide(self, ctx: Context, declaration_id: str, outcome: str, note: str = "") -> dict[str, Any]:
        """Called by: the customs the declaration was lodged with: `released` once assessed and the
        duties paid, or `rejected` (at any point before release), with a note (what the control found)."""
        record = self._mine(ctx, declaration_id)
        if outcome not in ("released", "rejected"):
            raise ContractError("outcome is released or rejected")
        allowed = ("assessed",) if outcome == "released" else ("accepted", "under control", "assessed")
        if record["status"] not in allowed:
            raise ContractError(f"declaration {declaration_id} is {record['status']}", reason="WRONG_STATE")
        if outcome == "released" and record["assessment"]["paid"] is None:
            raise ContractError(f"the duties of {declaration_id} are not paid", reason="DUTIES_UNPAID")
        return self._move(ctx, {**record, "note": note[:1000]}, outcome, "declaration_decided", outcome=outcome)

    @function(policy=ANY_ONE, callers=("customs",))
    def share(self, ctx: Context, declaration_id: str, customs: str) -> dict[str, Any]:
        """Called by: the customs an export declaration was lodged with: shares it with `customs`,
        the customs of its destination country, which may then read it and compare it with the
        import declaration of the same shipment (mirror check)."""
        record = self._mine(ctx, declaration_id)
        office = ctx.read("governance", f"org/{customs}") if isinstance(customs, str) and customs else None
        destination = record["countries"]["destination"]
        if record["procedure"] != "export" or office is None or "customs" not in office.get("roles", []) \
                or office.get("country") != destination:
            raise ContractError(f"{customs} is not the customs of {destination}, where this export goes",
                                reason="WRONG_CUSTOMS", customs=customs)
        shared = sorted(set(record.get("shared_with", [])) | {customs})
        record = {**record, "shared_with": shared, "parties": sorted(set(record["parties"]) | {customs})}
        ctx.put(f"declaration/{declaration_id}", stored(Declaration, record, f"declaration {declaration_id}"))
        ctx.emit("declaration_shared", {"id": declaration_id, "with": customs})
        return record

    @function(query=True, callers=("customs",))
    def shared(self, ctx: Context) -> list[dict[str, Any]]:
        """Called by: a customs office: the export declarations shared with it, newest lodging last."""
        rows = [value for _, value in ctx.range("declaration/") if ctx.caller.org in value.get("shared_with", [])]
        return sorted(rows, key=lambda r: (r["history"][0]["at"], r["id"]))

    def on_payment_settled(self, ctx: Context, instruction: dict[str, Any]) -> None:
        declaration_id = instruction["obligation"].rsplit("/", 1)[0]
        record = ctx.get(f"declaration/{declaration_id}")
        if record is not None and instruction["status"] == SETTLED:
            paid = {"reference": instruction["settlement"]["reference"], "at": ctx.timestamp}
            record = {**record, "assessment": {**record["assessment"], "paid": paid},
                      "history": record["history"] + [{"status": "duties paid", "by": ctx.caller.org, "at": ctx.timestamp}]}
            ctx.put(f"declaration/{declaration_id}", stored(Declaration, record, f"declaration {declaration_id}"))

    def on_payment_failed(self, ctx: Context, instruction: dict[str, Any]) -> None:
        """The declarant sees why its duties were not paid; customs may reject the declaration."""
        declaration_id = instruction["obligation"].rsplit("/", 1)[0]
        record = ctx.get(f"declaration/{declaration_id}")
        if record is not None:
            failed = {"reason": instruction["failure"]["reason"], "at": ctx.timestamp}
            record = {**record, "assessment": {**record["assessment"], "payment_failed": failed}}
            ctx.put(f"declaration/{declaration_id}", stored(Declaration, record, f"declaration {declaration_id}"))

    @function(query=True, callers=PARTIES)
    def get(self, ctx: Context, declaration_id: str) -> dict[str, Any]:
        """Called by: the declarant or the customs; to anyone else it does not exist."""
        return ctx.party_record(f"declaration/{declaration_id}", f"no declaration {declaration_id}")  # type: ignore[no-any-return]

    @function(query=True, callers=("customs",))
    def queue(self, ctx: Context, status: str = "") -> list[dict[str, Any]]:
        """Called by: a customs office: the declarations lodged with it (in one status, if given),
        newest lodging last."""
        rows = [value for _, value in ctx.range("declaration/")
                if value["customs"] == ctx.caller.org and (not status or value["status"] == status)]
        return sorted(rows, key=lambda r: (r["history"][0]["at"], r["id"]))

    @function(query=True, callers=("trader", "broker"))
    def mine(self, ctx: Context) -> list[dict[str, Any]]:
        """Called by: a trader or broker: the declarations in its name or that it lodged as a
        broker, newest lodging last."""
        org = ctx.caller.org
        rows = [value for _, value in ctx.range("declaration/") if org in (value["declarant"], value.get("broker"))]
        return sorted(rows, key=lambda r: (r["history"][0]["at"], r["id"]))

    @staticmethod
    def _declarant(ctx: Context, represents: str) -> tuple[str, str | None]:
        """(declarant, broker): the caller alone, or the trader a broker represents by appointment."""
        if not represents:
            return ctx.caller.org, None
        if "broker" not in ctx.caller.roles:
            raise ContractError("only a customs broker lodges in another trader's name", reason="NOT_A_BROKER")
        appointment = ctx.get(f"broker/{represents}/{ctx.caller.org}") if isinstance(represents, str) else None
        if appointment is None or not appointment["appointed"]:
            raise ContractError(f"{represents} has not appointed {ctx.caller.org} as its broker", reason="NOT_APPOINTED",
                                trader=represents)
        return represents, ctx.caller.org

    @staticmethod
    def _mine(ctx: Context, declaration_id: str) -> dict[str, Any]:
        record = ctx.get(f"declaration/{declaration_id}")
        if record is None:
            raise ContractError(f"no declaration {declaration_id}", reason="NOT_FOUND")
        if record["customs"] != ctx.caller.org:
            raise ContractError(f"{declaration_id} was lodged with {record['customs']}", reason="NOT_THE_CUSTOMS")
        return record  # type: ignore[no-any-return]

    @staticmethod
    def _move(ctx: Context, record: dict[str, Any], status: str, event: str, **payload: Any) -> dict[str, Any]:
        record = {**record, "status": status,
                  "history": record["history"] + [{"status": status, "by": ctx.caller.org, "at": ctx.timestamp}]}
        ctx.put(f"declaration/{record['id']}", stored(Declaration, record, f"declaration {record['id']}"))
        ctx.emit(event, {"id": record["id"], **payload})
        return record

    @staticmethod
    def _documents(ctx: Context, documents: list[str]) -> list[dict[str, Any]]:
        """Each referenced document as the registry knows it; the declarant must be able to read it."""
        if len(documents) > MAX_DOCUMENTS or len(set(documents)) != len(documents):
            raise ContractError(f"at most {MAX_DOCUMENTS} different documents", reason="DOCUMENT_NOT_ON_LEDGER")
        out = []
        for target_hash in documents:
            doc = ctx.read("documents", f"doc/{target_hash}") if _HEX64.fullmatch(target_hash) else None
            title = (doc or {}).get("title") or {}
            if doc is None or doc["status"] != "issued" or \
                    ctx.caller.org not in doc["readers"] and ctx.caller.org != title.get("holder"):
                raise ContractError(f"document {target_hash[:16]}... is not registered, in force and readable by "
                                    f"{ctx.caller.org}", reason="DOCUMENT_NOT_ON_LEDGER", document=target_hash)
            out.append({"target_hash": target_hash, "doc_type": doc["doc_type"], "issuer": doc["issuer"]})
        return out

    @staticmethod
    def _utilised(ctx: Context, declaration_id: str, certificates: list[str]) -> list[dict[str, Any]]:
        out = []
        for certificate_id in certificates:
            cert = ctx.read(Certificates.name, f"certificate/{certificate_id}") if isinstance(certificate_id, str) \
                and certificate_id else None
            if cert is None or cert["status"] != "utilised" or cert["used_on"] != declaration_id:
                raise ContractError(f"certificate {certificate_id} is not utilised on {declaration_id}",
                                    reason="CERTIFICATE_NOT_UTILISED", certificate=certificate_id)
            out.append(cert)
        return out


def _item(n: int, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict):
        raise ContractError(f"item {n} is an object", reason="BAD_ITEM")
    value, quantity = item.get("value"), item.get("quantity")
    hs = str(item.get("hs_code", ""))
    ok = (is_hs_code(hs) and isinstance(item.get("origin"), str) and len(item["origin"]) == 2
          and isinstance(quantity, int) and not isinstance(quantity, bool) and quantity > 0
          and item.get("unit") in UNIT_CODES and isinstance(value, dict) and value.get("currency") in MINOR_UNITS
          and isinstance(value.get("minor"), int) and not isinstance(value.get("minor"), bool) and value["minor"] >= 0)
    if not ok:
        raise ContractError(f"item {n} needs hs_code (6-10 digits), origin (country), quantity (a positive whole number "
                            "of the unit), unit (UN/ECE code) and value {currency, minor}", reason="BAD_ITEM", item=n)
    return {"n": n, "hs_code": hs, "description": str(item.get("description", ""))[:200], "origin": item["origin"],
            "quantity": quantity, "unit": item["unit"], "value": {"currency": value["currency"], "minor": value["minor"]}}
