"""Story 6: coffee from Ethiopian farmers to a roaster, each lot traced, farmers paid by mobile
money at the collection station, each stage's share of the retail price shown.

SIDAMA-COOP buys red cherries from its members at four collection stations and captures each
delivery as an EPCIS event (the farmer is the source, by a party GLN the cooperative gives them);
the events are kept by the cooperative, shared with the roaster ROAST-NL, and anchored on the
ledger by their batch's Merkle root. Each delivery is paid into the farmer's wallet at ET-MOMO:
the payment instruction names the delivery event and its proof of anchoring, and the cooperative's
payments agent carries it out through the switch, recording the settlement proof. The cherries
become parchment and green coffee (transformations whose yields are checked against the declared
ranges), are bagged, loaded into a container that travels under a bill of lading issued by
EA-LINES, received and roasted by ROAST-NL. The roaster traces a bag back to the farmers and
how much of each delivery it holds, the cooperative follows a delivery forward, and the value
share shows what the farmers got of the retail price, against the published reference price.

The exchange rates are the demonstration's stated assumptions (trace/data/exchange_rates.json),
not market quotes.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from baobab.wallet.ledger_payments import wallets_beside_ledger
from baobab.stories import Actors, Story, StoryReport, await_payment
from baobab.stories.trade_kit import check, issue_document, party, submit, target
from baobab.trace.client import epcis_of
from baobab.trace.coffee import coffee_chain, yield_problems

COOP, ROASTER, MOMO, CARRIER = "SIDAMA-COOP", "ROAST-NL", "ET-MOMO", "EA-LINES"
CHERRY_ETB_PER_KG = 120  # the cooperative's price for red cherries
LOW_PAYER_ETB_PER_KG = 55  # what one station paid a farmer: below the reference once converted
EXPORT_USD_PER_KG = Decimal("6.10")  # green coffee, FOB Djibouti, to the roaster
RETAIL_EUR_PER_KG = Decimal("44.00")  # roasted beans in the roaster's shop (250 g for 11 EUR)


def lot_number(key: str) -> str:
    return key.rsplit("/", 1)[1]


def farmer_phone(farmer: str) -> str:
    """The demonstration's wallet number of a farmer (by the farmer's party GLN)."""
    return f"+2519110{farmer.rsplit('/', 1)[1][7:12]}"


def play(actors: Actors, report: StoryReport, progress: Callable[[str], None] | None = None,
         services: dict[str, Any] | None = None) -> None:
    run = uuid.uuid4().hex[:6].upper()
    mm = wallets_beside_ledger(services)
    coop, roaster = epcis_of(actors(COOP)), epcis_of(actors(ROASTER))
    today = date.today().isoformat()
    bl = issue_document(actors(CARRIER), "bill_of_lading", {
        "kind": "ocean_bill_of_lading", "document_number": f"BL-ET-{run}", "issue_date": today,
        "carrier": party(CARRIER), "shipper": party(COOP), "consignee": party(ROASTER), "notify_party": party(ROASTER),
        "port_of_loading": "DJJIB", "port_of_discharge": "NLRTM",
        "goods": [{"description": "green Arabica coffee, Sidama, in 60 kg jute bags", "package_type": "BG",
                   "package_count": 6, "gross_weight": {"value": 363, "unit": "KGM"}, "hs_code": "090111"}],
        "freight": "prepaid", "clean": True, "shipped_on_board": True, "shipped_on_board_date": today,
        "vessel_name": "MV Awash", "transferable": False, "number_of_originals": 1,
        "containers": [{"number": "CSQU3054383", "size_type": "22G1"}]}, [COOP, ROASTER], report)
    report.step(f"{CARRIER} issues the bill of lading once; the ledger holds its hash", progress)

    chain = coffee_chain(farmers=12, green_lots=3, deliveries_per_lot=4, bags_per_lot=2, seed=6, run=run,
                         bill_of_lading=f"urn:baobab:document:{target(bl)}",
                         start=datetime.now(timezone.utc) - timedelta(days=40))
    problems = yield_problems(chain.events())
    check(not problems, f"the chain breaks its declared yields: {problems}")
    jobs = []
    for org, document, share_with in chain.documents:
        job = (coop if org == COOP else roaster).capture(document, share_with)
        check(job["success"], f"{org}'s capture was not anchored")
        jobs.append(job)
    report.documents += len(jobs)
    report.step(f"{len(chain.deliveries)} deliveries at the stations, processing, bagging, loading and roasting "
                f"captured as {len(chain.events())} EPCIS events, kept by their owners, anchored in {len(jobs)} batches",
                progress)

    if mm is not None:  # the provider opens the farmers' wallets and knows each by the farmer's party key
        from baobab.wallet.services import ensure_wallet

        for farmer in sorted({d.farmer for d in chain.deliveries}):
            ensure_wallet(mm, MOMO, farmer_phone(farmer), f"Sidama farmer {lot_number(farmer)}", by=COOP)
            mm.providers[MOMO].link_alias(farmer_phone(farmer), farmer)
        before = {f: mm.providers[MOMO].balance(farmer_phone(f)) for f in {d.farmer for d in chain.deliveries}}
        report.step(f"{MOMO} opens a wallet for each farmer, known on the ledger only by the farmer's party key", progress)

    # each delivery paid into the farmer's wallet, linked to the delivery event and its proof
    delivery_ids = jobs[0]["eventIDs"][:len(chain.deliveries)]
    low_paid = chain.deliveries[0].farmer  # in the first lot, whose bags are roasted
    for delivery, event_id in zip(chain.deliveries, delivery_ids):
        shown = coop.event(event_id)
        check(shown["verification"]["valid"], f"delivery event {event_id} is not provably anchored")
        price = LOW_PAYER_ETB_PER_KG if delivery.farmer == low_paid else CHERRY_ETB_PER_KG
        proof = shown["proof"]
        submit(actors(COOP), "deliveries", "pay_delivery", {
            "delivery_id": lot_number(delivery.lot), "lot": delivery.lot, "farmer": delivery.farmer,
            "event_hash": proof["event_hash"], "batch_id": proof["batch_id"], "position": proof["position"],
            "path": proof["path"], "wallet_provider": MOMO, "quantity_g": int(delivery.kg * 1000),
            "amount": {"currency": "ETB", "minor": int(delivery.kg * price * 100)}, "due": today})
    for delivery in chain.deliveries:
        payment = await_payment(actors(COOP), "deliveries", lot_number(delivery.lot))
        check(payment["status"] == "settled", f"delivery {delivery.lot}: {payment.get('failure')}")
        report.payments += 1
    report.step(f"{len(chain.deliveries)} farmers paid by mobile money at {MOMO}, each payment linked to its "
                "delivery event's proof and settled through the switch", progress)
    if mm is not None:
        credited_wallets(actors, mm, chain.deliveries, before)
        report.step(f"{MOMO} credits each farmer's wallet; the SMS receipt names the transfer the ledger records "
                    "with the delivery as its settlement", progress)

    for green in chain.green_lots:
        green_kg = Decimal(str(next(q["quantity"] for e in chain.events() for q in e.get("outputQuantityList", [])
                                    if q["epcClass"] == green)))
        submit(actors(COOP), "deliveries", "record_sale", {
            "sale_id": f"{run}/{lot_number(green)}", "lot": green, "stage": "export", "buyer": ROASTER,
            "quantity_g": int(green_kg * 1000), "amount": {"currency": "USD", "minor": int(green_kg * EXPORT_USD_PER_KG * 100)}})
    roasted_kg = Decimal(str(chain.events()[-1]["outputQuantityList"][0]["quantity"]))
    submit(actors(ROASTER), "deliveries", "record_sale", {
        "sale_id": f"{run}/{lot_number(chain.roasted_lot)}", "lot": chain.roasted_lot, "stage": "retail",
        "quantity_g": int(roasted_kg * 1000), "amount": {"currency": "EUR", "minor": int(roasted_kg * RETAIL_EUR_PER_KG * 100)}})
    report.step("the cooperative records its export price per green lot, the roaster its retail price", progress)

    bag = roaster.backward(chain.bags[0])
    check(bag["deliveries"], "the roaster cannot trace the bag back to its deliveries")
    container = roaster.backward(chain.container)
    check(any(t["type"] == "bol" for t in container["business_transactions"]), "the container lost its bill of lading")
    report.step(f"the roaster traces bag {lot_number(chain.bags[0])} back to {len(bag['farmers'])} farmers "
                f"({', '.join(f'{q} kg' for q in list(bag['farmers'].values())[:3])}...), and the container to "
                f"{len(container['farmers'])} farmers and its bill of lading", progress)
    onward = coop.forward(chain.deliveries[0].lot)
    check(any(k.startswith("https://id.gs1.org/00/") for k in onward["holders"]), "a delivery cannot be followed to the container")
    report.step("the cooperative follows a farmer's delivery forward into parchment, green coffee, bags, the "
                "container and the roasted lot", progress)

    share = roaster.share(chain.roasted_lot)
    check(share["farmers_share_of_retail_pct"] is not None, "no farmers' share could be computed")
    report.step(f"farmers received {share['farmers_share_of_retail_pct']}% of the retail price of roasted lot "
                f"{lot_number(chain.roasted_lot)}; farm gate {share['farm_gate_per_kg_gce']} USD per kg green-coffee "
                f"equivalent against the reference {share['reference_per_kg']}", progress)
    for farmer in share["farmers_below_reference"]:
        report.flags.append(f"farmer {farmer.rsplit('/', 1)[1]} paid below the reference price per kg green-coffee equivalent")
    if share["living_income_reference"] is None:
        report.step("no living-income reference price is published for Ethiopian coffee: the farm-gate price is "
                    "checked against Fairtrade's minimum only (trace/data/reference_prices.json)", progress)
    for farmer in share["farmers_below_living_income"]:
        report.flags.append(f"farmer {farmer.rsplit('/', 1)[1]} paid below the living-income reference price")
    report.notes.append("stages: " + "; ".join(f"{s['stage']} {s['per_kg_gce']} USD/kg GCE ({s['share_of_retail']}%)"
                                                  for s in share["stages"]))


def credited_wallets(actors: Actors, mm: Any, deliveries: list[Any], before: dict[str, int]) -> None:
    """Check that every delivery's payment reached the farmer's wallet, under the settlement
    reference the ledger holds for the delivery, with an SMS receipt saying so."""
    provider, paid, movements = mm.providers[MOMO], {}, {}
    for delivery in deliveries:
        record = actors(COOP).query("deliveries", "delivery", {"delivery_id": lot_number(delivery.lot)})
        line = mm.ledger.await_booked(actors(COOP), MOMO, farmer_phone(delivery.farmer), "deliveries",
                                      lot_number(delivery.lot))
        check(line["kind"] == "receive" and line["id"] == f"in-{record['settlement']['reference']}",
              f"delivery {delivery.lot}: the wallet was not credited under its settlement ({line['kind']})")
        paid[delivery.farmer] = paid.get(delivery.farmer, 0) + record["amount"]["minor"]
        movements[delivery.lot] = (delivery.farmer, line["id"])
    for farmer, minor in paid.items():
        check(provider.balance(farmer_phone(farmer)) - before[farmer] == minor, f"{farmer}'s wallet does not show its pay")
    mm.deliver_sms()
    for lot, (farmer, movement) in movements.items():
        texts = mm.sms.to(provider.msisdn(farmer_phone(farmer)))
        check(any(COOP in t and movement in t for t in texts), f"no SMS receipt names the payment of delivery {lot}")


STORY = Story(6, "Coffee from Ethiopian farmers to a roaster: every lot traced, farmers paid and their share shown",
              "farmers never see the chain", play, uses=("mobile_money",))
