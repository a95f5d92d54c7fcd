"""Examination of a presentation under a documentary credit (UCP 600, eUCP 2.0): pure rules.

`examine(credit, presented, presented_on, days)` returns every discrepancy at once, because a
refusal must list them all in a single notice (UCP 600 art. 16(c)(ii)); each has a stable
`code`, a human-readable `text`, the `document` it concerns and the `rule` it applies.

`credit` is {"terms": <lc_terms.check_terms output>, "applicant_name", "beneficiary",
"beneficiary_name", "available": amount the credit still allows (art. 18(b), 30), "drawn_quantity",
"drawn_instalments": indexes of instalments already drawn (art. 32)}; `presented_on` is the date at
the place of presentation and `days` the banking days there (art. 29(a), 33). Each presented document is {"doc_type", "issuer" (organisation on the
ledger), "issuer_roles", "intact", "issued", "revoked", "data" (the document's fields, or None
when they cannot be trusted), "title_held" (for a transferable bill: whether it is held in
escrow by this credit)}. Data comes from `baobab.documents.types` field names.

Parties are matched on their names (case and spacing ignored) against the legal names the
network records for the credit's organisations; amounts are integer minor units and all
percentages are integer arithmetic.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from baobab.contracts.trade.banking_days import BankingDays
from baobab.contracts.trade.lc_goods import conflict, invoice_problem

# code -> (UCP 600 rule, text template). Codes are stable; texts may be reworded.
CODES: dict[str, tuple[str, str]] = {
    "DOCUMENT_TAMPERED": ("eUCP e12", "{doc}: the data does not match its hash; the document was altered"),
    "DOCUMENT_NOT_ISSUED": ("eUCP e12", "{doc}: not registered as issued on the ledger"),
    "DOCUMENT_REVOKED": ("eUCP e12", "{doc}: revoked by its issuer"),
    "DOCUMENT_WRONG_ISSUER": ("art. 20(a)(i), 28(a)", "{doc}: issued by {issuer}, which is not a {role}"),
    "DOCUMENT_MISSING": ("art. 14(a)", "{doc}: required by the credit but not presented"),
    "EXTRA_DOCUMENT": ("art. 14(g)", "{doc}: not called for by the credit (or presented twice)"),
    "DOCUMENT_DATED_AFTER_PRESENTATION": ("art. 14(i)", "{doc}: dated {dated}, after the presentation on {presented}"),
    "AMOUNT_OVER_TOLERANCE": ("art. 18(b), 30(a)", "invoice amount {amount} exceeds what the credit allows: {credit} plus {pct}% tolerance, less {drawn} drawn, leaves {limit}"),
    "AMOUNT_OVER_INSTALMENT": ("art. 32", "invoice amount {amount} exceeds instalment {number} ({limit} with tolerance)"),
    "INSTALMENT_LAPSED": ("art. 32", "instalment {number} was not drawn in its period ending {until}: the credit is no longer available for it or any later instalment"),
    "INSTALMENT_ALREADY_DRAWN": ("art. 32", "instalment {number} (shipments up to {until}) is already drawn"),
    "AMOUNT_BELOW_CREDIT": ("art. 30(c), 31", "invoice amount {amount} is below {limit} while partial drawings are not allowed"),
    "QUANTITY_OUT_OF_TOLERANCE": ("art. 30(a)-(b), 31", "invoiced quantity {qty}{drawn} is outside the credit quantity {credit} {sign}{pct}%"),
    "QUANTITY_CONFLICT": ("art. 14(d)", "{doc}: quantity {qty} conflicts with the invoiced quantity {invoiced}"),
    "LATE_SHIPMENT": ("art. 20(a)(ii)", "shipped on board on {shipped}, after the latest shipment date {latest}"),
    "LATE_PRESENTATION": ("art. 14(c)", "presented on {presented}, more than {days} days after shipment on {shipped}"),
    "PRESENTED_AFTER_EXPIRY": ("art. 6(d)(i)", "presented on {presented}, after the credit expired on {expiry}"),
    "INVOICE_NOT_BY_BENEFICIARY": ("art. 18(a)(i)", "the invoice is issued by {issuer}, not by the beneficiary {beneficiary}"),
    "INVOICE_NOT_TO_APPLICANT": ("art. 18(a)(ii)", "the invoice is made out to {buyer!r}, not to the applicant {applicant!r}"),
    "INVOICE_CURRENCY": ("art. 18(a)(iii)", "the invoice is in {currency}, the credit in {credit}"),
    "GOODS_DESCRIPTION": ("art. 18(c)", "the invoice's goods ({found}) do not correspond with the credit ({credit}): {why}"),
    "GOODS_CONFLICT": ("art. 14(d)-(e)", "{doc}: goods ({found}) conflict with the credit ({credit}){why}"),
    "INCOTERM_CONFLICT": ("art. 14(d)", "the invoice states {found}, the credit {credit}"),
    "PORT_OF_LOADING_CONFLICT": ("art. 14(d), 20(a)(iii)", "{doc}: port of loading {found}, the credit says {credit}"),
    "PORT_OF_DISCHARGE_CONFLICT": ("art. 14(d), 20(a)(iii)", "{doc}: port of discharge {found}, the credit says {credit}"),
    "PARTY_CONFLICT": ("art. 14(d)", "{doc}: {role} {found!r} conflicts with {expected!r}"),
    "ORIGIN_CONFLICT": ("art. 14(d)", "{doc}: country of origin {found} conflicts with {expected} on the invoice"),
    "CURRENCY_CONFLICT": ("art. 28(f)(i)", "{doc}: amount in {currency}, the credit in {credit}"),
    "BL_NOT_CLEAN": ("art. 27", "the bill of lading bears a clause declaring defective goods or packaging"),
    "BL_NOT_ON_BOARD": ("art. 20(a)(ii)", "the bill of lading does not show the goods shipped on board"),
    "BL_TITLE_NOT_HELD": ("MLETR art. 11", "the transferable bill of lading was not placed under the control of the credit"),
    "INSURANCE_BELOW_110": ("art. 28(f)(ii)", "insured amount {insured} is below 110% of the invoice value ({minimum})"),
    "INSURANCE_AFTER_SHIPMENT": ("art. 28(e)", "cover is effective from {effective}, after shipment on {shipped}"),
    "INSPECTION_FAILED": ("art. 14(d)", "the inspection certificate states the result {result!r}"),
}

UNREGISTERED = "unregistered_document"  # doc_type of a presented document the registry does not know
ROLE_OF = {"bill_of_lading": "carrier", "insurance_certificate": "insurer", "inspection_certificate": "inspector"}
DATE_FIELD = "issue_date"  # every document type carries it


def discrepancy(code: str, document: str | None = None, **facts: Any) -> dict[str, Any]:
    rule, template = CODES[code]
    return {"code": code, "text": template.format(doc=(document or "").replace("_", " "), **facts),
            "document": document, "rule": f"UCP 600 {rule}" if rule.startswith("art") else rule}


def same_name(a: Any, b: Any) -> bool:
    return isinstance(a, str) and isinstance(b, str) and " ".join(a.casefold().split()) == " ".join(b.casefold().split())


EXAMINATION_DAYS = 5  # art. 14(b), eUCP e7: banking days following the day of presentation


def decision_deadline(notice_of_completeness: date, days: BankingDays) -> date:
    """Last day for honour or refusal: the fifth banking day following the notice (art. 14(b), eUCP e7)."""
    return days.after(notice_of_completeness, EXAMINATION_DAYS)


def last_day(day: date, days: BankingDays) -> date:
    """A last day for presentation or an expiry date on which the bank is closed moves to its next banking day (art. 29(a))."""
    return days.next_open(day)


def amount_limit(credit_minor: int, tolerance_pct: int) -> int:
    return credit_minor * (100 + tolerance_pct) // 100


def amount_tolerance_pct(terms: dict[str, Any]) -> int:
    """"About" or "approximately" the amount: 10% either way (art. 30(a)); else the credit's own tolerance."""
    return 10 if terms["about"] else terms["amount_tolerance_pct"]  # type: ignore[no-any-return]


def credit_limit(terms: dict[str, Any]) -> int:
    """The most a credit can ever pay, in its currency's minor units (art. 18(b), 30)."""
    return amount_limit(terms["amount"]["minor"], amount_tolerance_pct(terms))


def _quantity(terms: dict[str, Any], invoiced: int | None, drawn: int, add: Any) -> None:
    """Art. 30(a)-(b): the tolerance applies to the credit's quantity. With partial shipments allowed
    (art. 31), a drawing is part of it: only the quantity drawn so far plus this one may not exceed
    the credit's quantity plus tolerance; without them, the one shipment must be within it either way."""
    qpct, unit, whole = quantity_tolerance_pct(terms), terms["quantity"]["unit"], terms["quantity"]["value"]
    if invoiced is None:
        ok = False
    elif terms["partial_shipments"]:
        ok = (drawn + invoiced) * 100 <= whole * (100 + qpct)
    else:
        ok = _within(invoiced, whole, qpct)
    if not ok:
        add("QUANTITY_OUT_OF_TOLERANCE", "commercial_invoice",
            qty="in another unit" if invoiced is None else f"{invoiced} {unit}",
            drawn=f" (after {drawn} {unit} drawn)" if drawn else "", credit=f"{whole} {unit}",
            sign="+" if terms["partial_shipments"] else "+-", pct=qpct)


def _instalments(instalments: list[dict[str, Any]], shipped: date, amount: int, pct: int, drawn: list[int],
                 add: Any) -> None:
    """Art. 32: each instalment is drawn for a shipment within its period; one not drawn in time ends
    the credit's availability for it and every later one."""
    index = instalment_of(instalments, shipped)
    if index is None:
        return  # shipped after the last period: LATE_SHIPMENT says so
    lapsed = next((i for i in range(index) if i not in drawn), None)
    if lapsed is not None:
        add("INSTALMENT_LAPSED", "commercial_invoice", number=lapsed + 1, until=instalments[lapsed]["until"])
    if index in drawn:
        add("INSTALMENT_ALREADY_DRAWN", "commercial_invoice", number=index + 1, until=instalments[index]["until"])
    limit = amount_limit(instalments[index]["minor"], pct)
    if amount > limit:
        add("AMOUNT_OVER_INSTALMENT", "commercial_invoice", amount=amount, number=index + 1, limit=limit)


def quantity_tolerance_pct(terms: dict[str, Any]) -> int:
    if terms["about"]:
        return 10
    return 0 if terms["quantity_counted"] else 5


def _total_quantity(items: list[dict[str, Any]], unit: str) -> int | None:
    """Sum of `quantity` over items in `unit`; None if any item is in another unit."""
    total = 0
    for item in items:
        q = item.get("quantity") or {}
        if q.get("unit") != unit:
            return None
        total += q.get("value", 0)
    return total


def _within(value: int, target: int, pct: int) -> bool:
    return target * (100 - pct) <= value * 100 <= target * (100 + pct)


def _d(text: str) -> date:
    return date.fromisoformat(text)


QUANTITY_ITEMS = {"certificate_of_origin": "goods", "inspection_certificate": "goods",
                  "phytosanitary_certificate": "commodities"}


def _descriptions(value: Any) -> list[str]:
    """Every goods description a document carries (`description`, `goods_description`), at any depth."""
    if isinstance(value, dict):
        found = [v for k, v in value.items() if k in ("description", "goods_description") and isinstance(v, str)]
        return found + [d for k, v in value.items() if isinstance(v, (dict, list)) for d in _descriptions(v)]
    if isinstance(value, list):
        return [d for v in value for d in _descriptions(v)]
    return []


def instalment_of(instalments: list[dict[str, Any]], shipped: date) -> int | None:
    """The index of the instalment whose period holds the shipment date (None: after the last)."""
    return next((i for i, item in enumerate(instalments) if shipped.isoformat() <= item["until"]), None)


def drawing_of(terms: dict[str, Any], presented: list[dict[str, Any]]) -> dict[str, Any]:
    """What a presentation draws: the invoice's claim, its quantity in the credit's unit and the
    instalment its shipment falls in (None when the documents do not say)."""
    invoice = next((p["data"] for p in presented if p["doc_type"] == "commercial_invoice" and p["data"]), None)
    bl = next((p["data"] for p in presented if p["doc_type"] == "bill_of_lading" and p["data"]), None)
    shipped = _d(bl.get("shipped_on_board_date") or bl["issue_date"]) if bl else None
    instalment = instalment_of(terms["instalments"], shipped) if terms["instalments"] and shipped else None
    return {"claim": invoice["total_amount"] if invoice else None,
            "quantity": _total_quantity(invoice["lines"], terms["quantity"]["unit"]) if invoice else None,
            "shipped": shipped.isoformat() if shipped else None, "instalment": instalment}


def examine(credit: dict[str, Any], presented: list[dict[str, Any]], presented_on: date,
            days: BankingDays) -> list[dict[str, Any]]:
    """Every discrepancy of the presentation, in a stable order (by rule group, then document)."""
    terms = credit["terms"]
    found: list[dict[str, Any]] = []
    add = lambda code, doc=None, **facts: found.append(discrepancy(code, doc, **facts))  # noqa: E731

    # 1. documents: verification, issuer, which ones and how many
    usable: dict[str, dict[str, Any]] = {}
    seen: set[str] = set()
    for doc in presented:
        kind = doc["doc_type"]
        if not doc["issued"]:  # the registry does not know it, so neither its type nor its issuer
            add("DOCUMENT_NOT_ISSUED", kind)
            continue
        if kind not in terms["required_documents"] or kind in seen:
            add("EXTRA_DOCUMENT", kind)
            continue
        seen.add(kind)
        if not doc["intact"]:
            add("DOCUMENT_TAMPERED", kind)
        elif doc["revoked"]:
            add("DOCUMENT_REVOKED", kind)
        else:
            role = ROLE_OF.get(kind)
            if role and role not in doc["issuer_roles"]:
                add("DOCUMENT_WRONG_ISSUER", kind, issuer=doc["issuer"], role=role)
            if doc.get("data") is not None:
                usable[kind] = doc
    for kind in terms["required_documents"]:
        if kind not in seen:
            add("DOCUMENT_MISSING", kind)

    # 2. dates: shipment, presentation period, expiry, documents dated after presentation
    bl = usable.get("bill_of_lading")
    bl_data = bl["data"] if bl else None
    shipped: date | None = None
    if bl_data is not None:
        if not bl_data.get("shipped_on_board"):
            add("BL_NOT_ON_BOARD", "bill_of_lading")
        shipped = _d(bl_data.get("shipped_on_board_date") or bl_data["issue_date"])
        if shipped > _d(terms["latest_shipment_date"]):
            add("LATE_SHIPMENT", "bill_of_lading", shipped=shipped.isoformat(), latest=terms["latest_shipment_date"])
        if presented_on > last_day(shipped + timedelta(days=terms["presentation_days"]), days):
            add("LATE_PRESENTATION", None, presented=presented_on.isoformat(), days=terms["presentation_days"],
                shipped=shipped.isoformat())
    if presented_on > last_day(_d(terms["expiry_date"]), days):
        add("PRESENTED_AFTER_EXPIRY", None, presented=presented_on.isoformat(), expiry=terms["expiry_date"])
    for kind, doc in usable.items():
        dated = doc["data"].get(DATE_FIELD)
        if dated and _d(dated) > presented_on:
            add("DOCUMENT_DATED_AFTER_PRESENTATION", kind, dated=dated, presented=presented_on.isoformat())

    # 3. the invoice against the credit
    invoice_doc = usable.get("commercial_invoice")
    invoice = invoice_doc["data"] if invoice_doc else None
    invoiced_qty: int | None = None
    currency, credit_minor = terms["amount"]["currency"], terms["amount"]["minor"]
    if invoice is not None:
        if invoice_doc["issuer"] != credit["beneficiary"]:  # type: ignore[index]
            add("INVOICE_NOT_BY_BENEFICIARY", "commercial_invoice", issuer=invoice_doc["issuer"],  # type: ignore[index]
                beneficiary=credit["beneficiary"])
        if not same_name(invoice["buyer"]["name"], credit["applicant_name"]):
            add("INVOICE_NOT_TO_APPLICANT", "commercial_invoice", buyer=invoice["buyer"]["name"],
                applicant=credit["applicant_name"])
        if invoice["currency"] != currency:
            add("INVOICE_CURRENCY", "commercial_invoice", currency=invoice["currency"], credit=currency)
        amount = invoice["total_amount"]["minor"]
        pct = amount_tolerance_pct(terms)
        available = credit["available"]
        if amount > available:
            add("AMOUNT_OVER_TOLERANCE", "commercial_invoice", amount=amount, credit=credit_minor, pct=pct,
                drawn=amount_limit(credit_minor, pct) - available, limit=available)
        if terms["instalments"] and shipped is not None:
            _instalments(terms["instalments"], shipped, amount, pct, credit.get("drawn_instalments", []), add)
        low = credit_minor * (100 - max(pct, 5)) // 100
        if not terms["partial_shipments"] and amount < low:
            add("AMOUNT_BELOW_CREDIT", "commercial_invoice", amount=amount, limit=low)
        if invoice["incoterms"]["rule"] != terms["incoterm"]:
            add("INCOTERM_CONFLICT", "commercial_invoice", found=invoice["incoterms"]["rule"], credit=terms["incoterm"])
        described = "; ".join(line["description"] for line in invoice["lines"])
        why = invoice_problem(terms["goods_description"], described)
        if why:
            add("GOODS_DESCRIPTION", "commercial_invoice", found=described, credit=terms["goods_description"], why=why)
        invoiced_qty = _total_quantity(invoice["lines"], terms["quantity"]["unit"])
        _quantity(terms, invoiced_qty, credit.get("drawn_quantity", 0), add)

    # 4. data in each document against the credit and the invoice
    for kind, doc in usable.items():
        data = doc["data"]
        for field, code in (("port_of_loading", "PORT_OF_LOADING_CONFLICT"), ("port_of_discharge", "PORT_OF_DISCHARGE_CONFLICT"),
                            ("voyage_from", "PORT_OF_LOADING_CONFLICT"), ("voyage_to", "PORT_OF_DISCHARGE_CONFLICT")):
            credit_field = "port_of_loading" if "LOADING" in code else "port_of_discharge"
            if data.get(field) is not None and data[field] != terms[credit_field]:
                add(code, kind, found=data[field], credit=terms[credit_field])
        if kind != "commercial_invoice":
            for text in _descriptions(data):
                why = conflict(terms["goods_description"], text)
                if why:
                    add("GOODS_CONFLICT", kind, found=text, credit=terms["goods_description"], why=": " + why)
        hs_codes = sorted({item["hs_code"] for key in ("lines", "goods", "commodities")
                           for item in data.get(key) or [] if item.get("hs_code")})
        if any(code[:6] != terms["hs_code"][:6] for code in hs_codes):
            add("GOODS_CONFLICT", kind, found="HS " + ", ".join(hs_codes), credit="HS " + terms["hs_code"], why="")
        items = data.get(QUANTITY_ITEMS.get(kind, ""))
        if items and invoiced_qty is not None:
            qty = _total_quantity(items, terms["quantity"]["unit"])
            if qty is not None and qty != invoiced_qty:
                add("QUANTITY_CONFLICT", kind, qty=qty, invoiced=invoiced_qty)
        if invoice is not None and kind != "commercial_invoice":
            for role in ("consignee",):
                party = data.get(role)
                if party and kind in ("packing_list", "certificate_of_origin") and not same_name(party["name"], invoice["buyer"]["name"]):
                    add("PARTY_CONFLICT", kind, role=role, found=party["name"], expected=invoice["buyer"]["name"])
            origin = data.get("country_of_origin")
            origins = {line["country_of_origin"] for line in invoice["lines"]}
            if origin and origins and origin not in origins:
                add("ORIGIN_CONFLICT", kind, found=origin, expected=", ".join(sorted(origins)))

    # 5. transport document
    if bl_data is not None:
        if not bl_data.get("clean"):
            add("BL_NOT_CLEAN", "bill_of_lading")
        if bl_data.get("transferable") and not bl["title_held"]:  # type: ignore[index]
            add("BL_TITLE_NOT_HELD", "bill_of_lading")

    # 6. insurance
    cover = usable.get("insurance_certificate")
    if cover is not None:
        insured = cover["data"]["insured_amount"]
        if insured["currency"] != currency:
            add("CURRENCY_CONFLICT", "insurance_certificate", currency=insured["currency"], credit=currency)
        else:
            basis = invoice["total_amount"]["minor"] if invoice is not None else credit_minor
            if insured["minor"] * 100 < basis * 110:
                add("INSURANCE_BELOW_110", "insurance_certificate", insured=insured["minor"], minimum=-(-basis * 110 // 100))
        if shipped is not None and _d(cover["data"]["effective_date"]) > shipped:
            add("INSURANCE_AFTER_SHIPMENT", "insurance_certificate", effective=cover["data"]["effective_date"],
                shipped=shipped.isoformat())

    # 7. inspection
    inspection = usable.get("inspection_certificate")
    if inspection is not None and inspection["data"]["result"] != "pass":
        add("INSPECTION_FAILED", "inspection_certificate", result=inspection["data"]["result"])
    return found
