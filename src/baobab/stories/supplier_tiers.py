"""Story 4: a car maker's confirmed payable, split down three tiers of suppliers.

Shenzhen Auto Works (the anchor) confirms an invoice of Guangdong Seating, its tier-1
supplier. Guangdong Seating keeps part and passes part to Dongguan Foam (tier 2), which
passes part to Foshan Polymer Chemicals (tier 3): a firm that never sold to the car maker
now holds a claim on it. Tier 2 discounts its share at Shenzhen Commercial Bank, tier 3 at
Guangdong Development Finance. At maturity Shenzhen Auto Works pays every holder of record
through payment instructions, which its payments agent carries out through the switch.

(The story cannot wait 90 days: the anchor pays on the day it runs, which the contract
allows, reporting the payment as early.)
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from typing import Any

from baobab.core.errors import BaobabError
from baobab.core.money import format_amount
from baobab.stories import Actors, Story, StoryReport, await_payment

SCF = "scf"
AMOUNT = 1_000_000_00  # CNY 1,000,000.00 in fen
TERM_DAYS = 90


def play(actors: Actors, report: StoryReport, progress: Callable[[str], None] | None = None) -> None:
    def ok(org: str, function: str, args: dict[str, Any]) -> dict[str, Any]:
        outcome = actors(org).submit(SCF, function, args)
        if outcome["code"] != "VALID":
            raise BaobabError("CONTRACT_ERROR", f"{org} {SCF}.{function} not committed: {outcome['code']}")
        report.payments += sum(1 for e in outcome["events"] if e["name"] == "payment_instructed")
        return outcome["response"]

    def settled(payer: str, obligation: str) -> None:
        payment = await_payment(actors(payer), SCF, obligation)
        if payment["status"] != "settled":
            raise BaobabError("CONTRACT_ERROR", f"{SCF} payment {obligation} failed: {payment.get('failure')}")

    due = (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=TERM_DAYS)).isoformat()
    invoice = f"GSS-{secrets.token_hex(3).upper()}"  # a fresh invoice number per run
    programme = f"SEATS-{invoice}"  # a programme per run, so the story runs again on the same ledger
    ok("SZ-AUTO", "open_programme", {"programme": programme, "currency": "CNY", "banks": ["SZBANK", "GDBANK"],
                                     "max_tenor_days": 180, "max_rate_bp": 800})
    root = ok("SZ-AUTO", "confirm", {"programme": programme, "supplier": "T1-SEATS", "invoice_number": invoice, "amount": AMOUNT,
                                     "currency": "CNY", "due_date": due})["claim"]
    report.documents += 1
    report.step(f"SZ-AUTO confirms T1-SEATS invoice {invoice}: CNY 1,000,000.00 due {due}", progress)

    t1 = ok("T1-SEATS", "split", {"claim_id": root, "amounts": [40_000_000, 60_000_000]})["parts"]
    ok("T1-SEATS", "transfer", {"claim_id": t1[1]["claim"], "to": "T2-FOAM"})
    report.step("T1-SEATS keeps CNY 400,000 and passes CNY 600,000 to T2-FOAM", progress)

    t2 = ok("T2-FOAM", "split", {"claim_id": t1[1]["claim"], "amounts": [35_000_000, 25_000_000]})["parts"]
    ok("T2-FOAM", "transfer", {"claim_id": t2[1]["claim"], "to": "T3-CHEM"})
    report.step("T2-FOAM keeps CNY 350,000 and passes CNY 250,000 to T3-CHEM", progress)

    for seller, claim, bank, rate_bp in (("T2-FOAM", t2[0]["claim"], "SZBANK", 450),
                                         ("T3-CHEM", t2[1]["claim"], "GDBANK", 520)):
        ok(seller, "offer_discount", {"claim_id": claim, "bank": bank, "rate_bp": rate_bp})
        sale = ok(bank, "accept_discount", {"claim_id": claim})
        settled(bank, sale["obligation"])
        report.step(f"{seller} discounts its claim at {bank} ({rate_bp} bp a year, {sale['days']} days): "
                    f"paid CNY {sale['price'] // 100:,}.{sale['price'] % 100:02d}", progress)

    tree = actors("SZ-AUTO").query(SCF, "tree", {"claim_id": root})
    if tree["total"] != AMOUNT:
        raise AssertionError(f"parts add up to {tree['total']}, not {AMOUNT}")
    paid = ok("SZ-AUTO", "pay", {"claim_id": root})
    holders = ", ".join(f"{i['payee']} {format_amount({'currency': i['currency'], 'minor': i['amount']})}" for i in paid["instructions"])
    report.step(f"At maturity SZ-AUTO pays every holder of record: {holders}", progress)
    for instruction in paid["instructions"]:
        settled("SZ-AUTO", instruction["obligation"])
    report.step("SZ-AUTO's payments agent pays every holder through the switch; each payment settled with its proof", progress)
    report.notes.append("a tier-3 supplier got bank finance against the car maker's credit")


STORY = Story(4, "A car maker's payable split down three supplier tiers, discounted at two banks",
              "weeks; tier-2+ suppliers get no bank finance", play)
