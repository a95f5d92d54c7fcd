"""Story 8: customs in Ethiopia flags import invoices priced far below the market, collects the
duties through the payments backbone, and grants a preference on a certificate of origin.

The report found 80% of the Ethiopian import invoices it checked were fake, priced far below the
market to evade duty. The Ethiopian Customs Commission publishes its tariff schedule on the
ledger. Addis Merkato Import Trading lodges four import declarations of goods from China; customs
screens them with its risk rules, among them the price filters of `baobab.customs.misinvoicing`
run against its own past declarations (at its own node: its history never leaves it). The two
priced at a fraction of the usual go through the red channel, each flag saying which unit value,
which reference range and how many comparables; after control they are assessed on the reference
value, the two others on the invoice. The importer also buys roses from Naivasha in Kenya: its
declaration is built from the invoice, packing list and air waybill already on the ledger,
nothing retyped, and Kenya's customs sends a certificate of origin under the AfCFTA as a W3C
Verifiable Credential, which Ethiopian customs receives, checks and uses on that one declaration
for the preferential rate (a second use is refused).
The importer's payments agent pays every assessment through the switch, and customs releases
each declaration once its duties are paid: release is on the ledger, and the importer sees every
status.
"""

from __future__ import annotations

import math
import random
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

from baobab.core.errors import BaobabError
from baobab.credentials import Signer
from baobab.credentials.issuer import Issuer
from baobab.customs import certificates, duties, risk, single_window
from baobab.customs.misinvoicing import Item, PriceFilter
from baobab.customs.risk import RiskEngine, default_rules, items_of
from baobab.customs.schedules import demo_schedule
from baobab.stories import Actors, Story, StoryReport, await_payment
from baobab.stories.trade_kit import check, issue_document, party, submit

IMPORTER, CUSTOMS = "ADDIS-IMPORT", "ET-CUSTOMS"
FARM, KE_CUSTOMS, AIRLINE = "NAIVASHA", "KE-CUSTOMS", "SKYCARGO"
CONTRACT = "customs_declarations"
EXCHANGE_RATE = "150.00"  # ETB per USD: the customs' rate of the day in the demo
# (HS subheading, description, unit, typical unit value in USD, spread of its logarithm)
GOODS = [("852872", "colour television receivers, 43 inch", "NAR", 180, 0.18),
         ("401110", "new pneumatic tyres for cars", "NAR", 55, 0.15),
         ("300490", "medicaments in measured doses", "KGM", 24, 0.30),
         ("841810", "combined refrigerator-freezers", "NAR", 310, 0.16)]
# What the importer declares: (goods index, quantity, unit value in USD as invoiced)
DECLARED = [(0, 400, "27.50"), (1, 1_200, "54.00"), (2, 2_500, "6.10"), (3, 150, "298.00")]
STEMS, STEM_CENTS = 40_000, 22


def customs_history(seed: int = 8, per_goods: int = 60) -> list[Item]:
    """Ethiopian Customs' own past declarations of these goods (generated for the story)."""
    rng = random.Random(seed)
    history = []
    for hs6, _, unit, typical, spread in GOODS:
        for n in range(per_goods):
            unit_value = Decimal(str(round(typical * math.exp(rng.gauss(0, spread)), 2)))
            quantity = rng.randint(20, 2_000)
            history.append(Item(f"ET-PAST-{hs6}-{n}", hs6, rng.choice(["CN", "TR", "IN", "AE"]), unit, "USD",
                                int(unit_value * quantity * 100), Decimal(quantity)))
    return history


def rose_documents(ref: str, on: str) -> dict[str, tuple[str, dict[str, Any]]]:
    """doc_type -> (issuer, data): roses flown from Nairobi to Addis Ababa."""
    stems, amount = {"value": STEMS, "unit": "PCE"}, {"currency": "USD", "minor": STEMS * STEM_CENTS}
    roses = "Fresh cut roses, 60 cm"
    gross = {"value": 1_400, "unit": "KGM"}
    return {
        "commercial_invoice": (FARM, {
            "invoice_number": f"INV-ET-{ref}", "issue_date": on, "seller": party(FARM), "buyer": party(IMPORTER),
            "currency": "USD", "incoterms": {"rule": "CPT", "place": "Addis Ababa"},
            "lines": [{"line_number": 1, "description": roses, "hs_code": "060311", "country_of_origin": "KE",
                       "quantity": stems, "unit_price": {"currency": "USD", "minor": STEM_CENTS}, "line_amount": amount}],
            "total_amount": amount, "country_of_export": "KE", "country_of_destination": "ET"}),
        "packing_list": (FARM, {
            "packing_list_number": f"PL-ET-{ref}", "issue_date": on, "shipper": party(FARM), "consignee": party(IMPORTER),
            "packages": [{"marks": f"NAIVASHA/{ref}/1-200", "package_type": "BX", "count": 200,
                          "contents": [{"description": roses, "quantity": stems, "hs_code": "060311"}], "gross_weight": gross}],
            "total_packages": 200, "total_gross_weight": gross, "invoice_number": f"INV-ET-{ref}"}),
        "bill_of_lading": (AIRLINE, {
            "kind": "air_waybill", "document_number": f"AWB-{ref}", "issue_date": on, "carrier": party(AIRLINE),
            "shipper": party(FARM), "consignee": party(IMPORTER), "port_of_loading": "KENBO", "port_of_discharge": "ETADD",
            "goods": [{"description": roses, "package_type": "BX", "package_count": 200, "gross_weight": gross,
                       "hs_code": "060311"}],
            "freight": "prepaid", "clean": True, "shipped_on_board": False, "transferable": False,
            "flight_number": "GS714"}),
    }


def play(actors: Actors, report: StoryReport, progress: Callable[[str], None] | None = None) -> None:
    importer, customs = actors(IMPORTER), actors(CUSTOMS)
    run, on = uuid.uuid4().hex[:6].upper(), datetime.now(timezone.utc).date().isoformat()
    schedule = demo_schedule("ET")
    try:
        customs.query("customs_tariffs", "schedule", {"country": "ET"})
    except BaobabError:
        submit(customs, "customs_tariffs", "publish", {"schedule": schedule})
    report.step(f"{CUSTOMS} publishes its tariff schedule {schedule['version']} on the ledger", progress)

    ids = []
    for n, (goods, quantity, unit_value) in enumerate(DECLARED, start=1):
        hs6, description, unit, _, _ = GOODS[goods]
        item = {"hs_code": hs6, "description": description, "origin": "CN", "quantity": quantity, "unit": unit,
                "value": {"currency": "USD", "minor": int(Decimal(unit_value) * quantity * 100)}}
        declaration_id = _unique(importer, f"ET-IM-2026-{n:04d}")
        submit(importer, CONTRACT, "lodge", {"declaration_id": declaration_id, "customs": CUSTOMS, "procedure": "import",
                                             "items": [item], "countries": {"origin": "CN", "destination": "ET"}})
        ids.append(declaration_id)
        report.documents += 1
    report.step(f"{IMPORTER} lodges {len(ids)} import declarations of goods from China", progress)

    wrapped = {doc_type: issue_document(actors(issuer), doc_type, data, [FARM, IMPORTER, CUSTOMS], report)
               for doc_type, (issuer, data) in rose_documents(run, on).items()}
    roses = _unique(importer, f"ET-IM-2026-{len(DECLARED) + 1:04d}")
    single_window.lodge(importer, wrapped, declaration_id=roses, customs=CUSTOMS)
    ids.append(roses)
    check(single_window.differences(customs.query(CONTRACT, "get", {"declaration_id": roses}), wrapped) == [],
          "the roses' declaration says what its documents do not")
    report.step(f"{FARM} and {AIRLINE} issue invoice, packing list and air waybill; {IMPORTER} lodges {roses} built "
                "from them, nothing retyped, and customs finds every field in the documents", progress)

    engine = RiskEngine(default_rules(), PriceFilter(customs_history()))
    red, values = [], {}
    prices = engine.prices
    assert prices is not None
    for declaration_id in ids:
        record = customs.query(CONTRACT, "get", {"declaration_id": declaration_id})
        channel, flags = engine.screen(record)
        submit(customs, CONTRACT, "screen", {"declaration_id": declaration_id, "channel": channel, "flags": flags})
        if channel != "green":
            red.append(declaration_id)
            report.flags.append(f"{channel} channel for {declaration_id}: {flags[0].split(': ', 1)[1]}")
            reference = prices.reference(items_of(record)[0])
            assert reference is not None
            unit_value = reference.median.exp().quantize(Decimal("0.01"))
            values[declaration_id] = {"1": int(unit_value * record["items"][0]["quantity"] * 100)}
    report.step(f"{CUSTOMS} screens them with its rules and its own price history: {len(red)} red, "
                f"{len(ids) - len(red)} green", progress)
    for declaration_id in red:
        submit(customs, "customs_risk", "record_outcome", {
            "declaration_id": declaration_id, "found": True, "adjusted_values": values[declaration_id],
            "note": "invoice price below the market; customs value set at the reference unit value"})
    rates = risk.hit_rates(customs.query("customs_risk", "outcomes", {}))
    report.step(f"{CUSTOMS}'s officers record what the controls found: {len(red)} under-invoiced, revalued; "
                f"the price rule's hit rate is {rates.get('PRICE', (0, 0))[1]} of {rates.get('PRICE', (0, 0))[0]}", progress)

    certificate_id = f"KE-CO-{run}"
    co = certificates.origin_document(certificate_id, on, authority=party(KE_CUSTOMS), exporter=party(FARM),
                                      consignee=party(IMPORTER), destination="ET", agreement="AfCFTA",
                                      goods=[{"hs_code": "060311", "description": "Fresh cut roses",
                                              "quantity": {"value": STEMS, "unit": "PCE"}, "origin_criterion": "WO"}])
    authority = Issuer(actors(KE_CUSTOMS), Signer.generate())
    authority.register()                                  # its signing key, bound on the ledger to KE-CUSTOMS
    sent = certificates.issue_credential(authority, "origin", certificate_id, co, importer=IMPORTER,
                                         importing_customs=CUSTOMS, countries={"origin": "KE", "destination": "ET"},
                                         scheme="AfCFTA")
    report.documents += 1
    certificates.receive_credential(customs, certificate_id, sent)
    submit(customs, "customs_certificates", "utilise", {"certificate_id": certificate_id, "declaration_id": roses})
    report.step(f"{KE_CUSTOMS} issues certificate of origin {certificate_id} (AfCFTA) as a verifiable credential and "
                f"sends it; {CUSTOMS} verifies its proof, issuer and status on the ledger and uses it on {roses}", progress)
    try:
        submit(customs, "customs_certificates", "utilise", {"certificate_id": certificate_id, "declaration_id": ids[0]})
    except BaobabError as refusal:
        report.notes.append(f"using {certificate_id} a second time is refused: {refusal.detail.get('reason')}")

    total = 0
    for declaration_id in ids:
        args: dict[str, Any] = {"declaration_id": declaration_id, "exchange_rate": EXCHANGE_RATE}
        if declaration_id in values:
            args.update(values=values[declaration_id], note="invoice value rejected; assessed on the reference unit value")
        if declaration_id == roses:
            args["certificates"] = [certificate_id]
        assessed = submit(customs, CONTRACT, "assess", args)
        total += assessed["assessment"]["total"]["minor"]
    rose_line = customs.query(CONTRACT, "get", {"declaration_id": roses})["assessment"]["lines"][0]
    without = duties.percent(rose_line["customs_value"]["minor"], schedule["duty"]["0603"])
    report.step(f"{CUSTOMS} assesses duties and VAT: {Decimal(total).scaleb(-2):,} ETB in all; the roses' duty is "
                f"{rose_line['charges'][0]['rate']}% under the AfCFTA instead of {schedule['duty']['0603']}% "
                f"({Decimal(without).scaleb(-2):,} ETB saved)", progress)

    for declaration_id in ids:
        payment = await_payment(importer, CONTRACT, f"{declaration_id}/duties")
        check(payment["status"] == "settled", f"duties of {declaration_id} not paid: {payment.get('failure')}")
        report.payments += 1
        submit(customs, CONTRACT, "decide", {"declaration_id": declaration_id, "outcome": "released", "note": "duties paid"})
    report.step(f"{IMPORTER}'s payments agent pays each assessment through the switch; {CUSTOMS} releases all "
                f"{len(ids)} declarations once paid", progress)
    mine = {d["id"]: d["status"] for d in importer.query(CONTRACT, "mine", {})}
    check(all(mine[d] == "released" for d in ids), "the importer does not see its declarations released")
    seen = importer.query(CONTRACT, "get", {"declaration_id": red[0]}) if red else None
    if seen is not None:
        report.notes.append(f"the importer sees why: {seen['flags'][0][:90]}...")


def _unique(actor: Any, base: str) -> str:
    """The first free id from `base` (a story played again on the same ledger lodges new declarations)."""
    for n in range(1000):
        candidate = base if n == 0 else f"{base}-{n}"
        try:
            actor.query(CONTRACT, "get", {"declaration_id": candidate})
        except BaobabError:
            return candidate
    raise RuntimeError("no free declaration id")


STORY = Story(8, "Customs in Ethiopia: underpriced invoices flagged, duties paid, a certificate of origin used once",
              "invoices taken at face value; 80% of those checked were fake", play)
