"""UCP 600 rules of a credit's life on the ledger, each test named after the article it applies:
banking days at the place of presentation (art. 29(a), 33, 14(b)), honour capped by the credit
(art. 18(b), 30), preclusion (art. 16(f)), partial drawings and instalments (art. 31, 32),
amendments accepted by presentation (art. 10(c)), confirmation and reimbursement (art. 7(c), 8)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

from baobab import calendars
from baobab.contracts.trade.banking_days import BankingDays
from baobab.documents.wrapping import wrap_document
from baobab.stories import StoryReport
from baobab.stories import soybeans as soy
from tests.trade.conftest import rejected
from tests.trade.test_letter_of_credit import LC, at, get, unchanged

current = soy.current
TOTAL = soy.TONNES * soy.PRICE_CENTS


def midday(day: date, utc_offset_hours: int = 0) -> datetime:
    """Local noon of `day` at a place `utc_offset_hours` from UTC, as a UTC instant."""
    return datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc) - timedelta(hours=utc_offset_hours)


def credit(actors, lc_id, confirming_bank=None, **changes):
    """A credit applied, issued and advised on the story's terms with `changes`."""
    soy.load_calendars(actors)
    actors(soy.APPLICANT).submit(LC, "apply", {"lc_id": lc_id, "beneficiary": soy.BENEFICIARY, "issuing_bank": soy.ISSUING,
                                               "advising_bank": soy.ADVISING,
                                               "terms": {**soy.credit_terms(soy.today()), **changes}})
    actors(soy.ISSUING).submit(LC, "issue", {"lc_id": lc_id, **({"confirming_bank": confirming_bank} if confirming_bank else {})})
    actors(soy.ADVISING).submit(LC, "advise", {"lc_id": lc_id})
    return lc_id


def present(actors, lc_id, shipped=None, price=soy.PRICE_CENTS, tonnes=soy.TONNES, data=None):
    shipped = shipped or soy.today() - timedelta(days=1)
    return current(soy.ship_and_present(actors, StoryReport(), lc_id, shipped, price, tonnes=tonnes, data=data))


def codes(presentation):
    return sorted(d["code"] for d in presentation["examination"]["discrepancies"])


def calendar(country: str, extra_closed: tuple[str, ...] = ()) -> BankingDays:
    """The banking days the ledger holds for a country, computed off-ledger from the same sources."""
    def load(year):
        record = calendars.country_year(country, year)
        return {**record, "closed": set(record["closed"]) | set(extra_closed)}
    return BankingDays(load, country)


# --- banking days (art. 29(a), 33, 14(b)) --------------------------------------------------------

def test_art_14b_five_banking_days_skip_public_holidays_and_weekends():
    my = calendar("MY")
    assert my.after(date(2026, 12, 21), 5) == date(2026, 12, 29)  # Christmas and the weekend are not banking days
    assert my.after(date(2026, 8, 28), 1) == date(2026, 9, 1)     # Friday -> Tuesday: National Day Monday 31 August
    uae = BankingDays.fixed(weekend=(5, 6), closed=("2026-12-02", "2026-12-03"))  # UAE National Day
    assert uae.after(date(2026, 12, 1), 1) == date(2026, 12, 4)


def test_art_29a_an_expiry_on_a_closed_day_moves_to_the_next_banking_day():
    ar = calendar("AR")
    assert ar.next_open(date(2026, 12, 8)) == date(2026, 12, 9)   # Immaculate Conception
    assert ar.next_open(date(2026, 12, 5)) == date(2026, 12, 9)   # Saturday, Sunday, then 7 and 8 December closed
    assert ar.next_open(date(2026, 12, 9)) == date(2026, 12, 9)


def test_art_33_dates_are_those_of_the_place_of_presentation():
    my, ar = calendar("MY"), calendar("AR")
    assert my.local_date("2026-03-02T17:00:00.000000Z") == date(2026, 3, 3)   # 01:00 in Kuala Lumpur
    assert ar.local_date("2026-03-02T02:00:00.000000Z") == date(2026, 3, 1)   # 23:00 in Buenos Aires
    es = calendar("ES")
    assert es.local_date("2026-07-01T22:30:00.000000Z") == date(2026, 7, 2)   # summer time, UTC+2
    assert es.local_date("2026-01-01T22:30:00.000000Z") == date(2026, 1, 1)   # winter, UTC+1


def test_art_14b_the_decision_date_counts_the_examining_banks_own_closures(actors, uid):
    """Presented to the nominated bank (BPLATA, Argentina): its holidays and the closures it recorded count."""
    lc_id = credit(actors, f"LC-{uid}", available_with="advising_bank")
    on = soy.today() + timedelta(days=1)  # a closure is recorded in advance only
    rejected(lambda: actors(soy.ADVISING).submit("bank_calendar", "record_closure",
                                                 {"year": soy.today().year, "days": [soy.today().isoformat()]}),
             reason="PAST_DAYS_CHANGED")
    closed = [(on + timedelta(days=i)).isoformat() for i in range(1, 4)]
    for year in sorted({d[:4] for d in closed}):
        actors(soy.ADVISING).submit("bank_calendar", "record_closure", {"year": int(year), "days": [d for d in closed if d[:4] == year]})
    examined = present(actors, lc_id)
    ar = calendar("AR", tuple(closed))
    presented_on = date.fromisoformat(examined["examination"]["presented_on"])
    assert examined["examination"]["decision_due"] == ar.after(presented_on, 5).isoformat()
    assert examined["examination"]["place"] == f"{soy.ADVISING} (AR)"


def test_art_29a_a_credit_does_not_expire_before_the_next_banking_day(network, actors, uid):
    expiry = soy.today() + timedelta(days=40)
    expiry += timedelta(days=(5 - expiry.weekday()) % 7)  # a Saturday: Kuala Lumpur's banks are closed
    lc_id = credit(actors, f"LC-{uid}", expiry_date=expiry.isoformat())
    extended = calendar("MY").next_open(expiry)
    assert extended > expiry
    expire = lambda when: at(network, soy.ISSUING, LC, "expire", {"lc_id": lc_id}, midday(when, 8))  # noqa: E731
    rejected(lambda: expire(extended), reason="NOT_EXPIRED")
    assert expire(extended + timedelta(days=1))["response"]["status"] == "expired"


def test_calendar_past_days_cannot_be_rewritten(actors):
    year = soy.today().year
    args = calendars.country_year("MY", year)
    changed = {**args, "closed": [d for d in args["closed"] if d > soy.today().isoformat()]}  # drop the past holidays
    if changed["closed"] != args["closed"]:
        rejected(lambda: actors(soy.ISSUING).submit("bank_calendar", "publish", changed), reason="PAST_DAYS_CHANGED")
    assert actors(soy.ISSUING).submit("bank_calendar", "publish", args)["code"] == "VALID"  # the same again: nothing past moves
    rejected(lambda: actors(soy.BENEFICIARY).submit("bank_calendar", "publish", args), reason="NOT_ALLOWED")


def test_art_29a_a_place_without_a_recorded_calendar_is_refused_not_guessed(actors, node, uid):
    lc_id = f"LC-{uid}"
    actors(soy.APPLICANT).submit(LC, "apply", {"lc_id": lc_id, "beneficiary": soy.BENEFICIARY, "issuing_bank": "SZBANK",
                                               "advising_bank": soy.ADVISING, "terms": soy.credit_terms(soy.today())})
    actors("SZBANK").submit(LC, "issue", {"lc_id": lc_id})
    actors(soy.ADVISING).submit(LC, "advise", {"lc_id": lc_id})
    before = get(actors, lc_id)
    rejected(lambda: present(actors, lc_id), reason="CALENDAR_MISSING")
    assert get(actors, lc_id)["presentations"] == before["presentations"] == []


# --- honour capped by the credit (art. 18(b), 30) -------------------------------------------------

def test_art_18b_honour_never_exceeds_the_credit_plus_tolerance_whatever_is_waived(actors, uid):
    lc_id = credit(actors, f"LC-{uid}")
    examined = present(actors, lc_id, price=soy.PRICE_CENTS * 2)
    assert codes(examined) == ["AMOUNT_OVER_TOLERANCE"]
    actors(soy.APPLICANT).submit(LC, "waive", {"lc_id": lc_id})
    over = rejected(lambda: actors(soy.ISSUING).submit(LC, "honour", {"lc_id": lc_id, "amount": TOTAL * 105 // 100 + 1}),
                    reason="OVER_AVAILABLE")
    assert "at most 21000000.00 USD" in over.message  # decimals with the currency, never minor units
    lc = actors(soy.ISSUING).submit(LC, "honour", {"lc_id": lc_id})["response"]
    assert current(lc)["honour"]["amount"] == {"currency": "USD", "minor": TOTAL * 105 // 100}
    assert current(lc)["honour"]["claimed"]["minor"] == TOTAL * 2
    assert lc["available"] == {"currency": "USD", "minor": 0} and lc["status"] == "drawn"


def test_art_18b_honour_is_never_in_another_currency(actors, uid):
    lc_id = credit(actors, f"LC-{uid}")
    data = soy.document_data(lc_id, soy.today() - timedelta(days=1))
    invoice = data["commercial_invoice"]
    for money in (invoice["total_amount"], invoice["lines"][0]["unit_price"], invoice["lines"][0]["line_amount"]):
        money["currency"] = "EUR"
    invoice["currency"] = "EUR"
    examined = present(actors, lc_id, data=data)
    assert codes(examined) == ["INVOICE_CURRENCY"]
    actors(soy.APPLICANT).submit(LC, "waive", {"lc_id": lc_id})
    rejected(lambda: actors(soy.ISSUING).submit(LC, "honour", {"lc_id": lc_id}), reason="CLAIM_CURRENCY")
    lc = actors(soy.ISSUING).submit(LC, "honour", {"lc_id": lc_id, "amount": TOTAL})["response"]
    assert current(lc)["honour"]["amount"] == {"currency": "USD", "minor": TOTAL}


# --- preclusion (art. 16(f)) ------------------------------------------------------------------------

def test_art_16f_without_a_refusal_in_time_honour_is_due_and_cannot_be_escaped(network, actors, node, uid):
    lc_id = credit(actors, f"LC-{uid}", latest_shipment_date=(soy.today() - timedelta(days=5)).isoformat())
    examined = present(actors, lc_id, shipped=soy.today() - timedelta(days=3))
    assert codes(examined) == ["LATE_SHIPMENT"]
    due = date.fromisoformat(examined["examination"]["decision_due"])
    after = midday(due + timedelta(days=1), 8)
    rejected(lambda: at(network, soy.ISSUING, LC, "refuse", {"lc_id": lc_id}, after), reason="DECISION_DEADLINE_PASSED")
    expiry = date.fromisoformat(get(actors, lc_id)["terms"]["expiry_date"])
    rejected(lambda: at(network, soy.ISSUING, LC, "expire", {"lc_id": lc_id}, midday(expiry + timedelta(days=10), 8)),
             reason="HONOUR_DUE")
    actors(soy.BENEFICIARY).submit(LC, "consent_cancellation", {"lc_id": lc_id})
    rejected(lambda: at(network, soy.ISSUING, LC, "cancel", {"lc_id": lc_id, "reason": "applicant insolvent"}, after),
             reason="HONOUR_DUE")
    honoured = at(network, soy.ISSUING, LC, "honour", {"lc_id": lc_id}, after)["response"]
    assert current(honoured)["status"] == "honoured" and current(honoured)["honour"]["precluded"] is True


def test_art_16f_a_presentation_in_examination_keeps_the_credit_alive(network, actors, uid):
    on = soy.today()
    lc_id = credit(actors, f"LC-{uid}", expiry_date=(on + timedelta(days=1)).isoformat(),
                   latest_shipment_date=(on - timedelta(days=5)).isoformat())
    examined = present(actors, lc_id, shipped=on - timedelta(days=3))
    due = date.fromisoformat(examined["examination"]["decision_due"])
    assert calendar("MY").next_open(on + timedelta(days=1)) < due
    rejected(lambda: at(network, soy.ISSUING, LC, "expire", {"lc_id": lc_id}, midday(due, 8)), reason="PRESENTATION_OPEN")
    at(network, soy.ISSUING, LC, "refuse", {"lc_id": lc_id}, midday(due, 8))
    assert at(network, soy.ISSUING, LC, "expire", {"lc_id": lc_id}, midday(due, 8))["response"]["status"] == "expired"


# --- partial drawings and instalments (art. 31, 32) ------------------------------------------------

def test_art_31_a_credit_is_drawn_by_several_presentations_up_to_its_amount(actors, uid):
    lc_id = credit(actors, f"LC-{uid}", partial_shipments=True)
    first = present(actors, lc_id, tonnes=20_000)
    assert codes(first) == []  # a partial drawing is not measured against the whole quantity (art. 30(b))
    actors(soy.ISSUING).submit(LC, "honour", {"lc_id": lc_id})
    second = present(actors, lc_id, tonnes=30_000)
    assert codes(second) == [] and second["number"] == 2
    lc = actors(soy.ISSUING).submit(LC, "honour", {"lc_id": lc_id})["response"]
    assert lc["drawn"]["minor"] == TOTAL and lc["available"]["minor"] == TOTAL * 5 // 100
    assert lc["drawn"]["quantity"] == soy.TONNES
    third = present(actors, lc_id, tonnes=3_000)  # beyond 50,000 t + 5% and beyond the balance
    assert codes(third) == ["AMOUNT_OVER_TOLERANCE", "QUANTITY_OUT_OF_TOLERANCE"]


def test_art_31_partial_drawings_prohibited_leave_one_drawing(actors, node, uid):
    lc_id = credit(actors, f"LC-{uid}", partial_shipments=False)
    assert codes(present(actors, lc_id, tonnes=20_000)) == ["AMOUNT_BELOW_CREDIT", "QUANTITY_OUT_OF_TOLERANCE"]
    actors(soy.ISSUING).submit(LC, "refuse", {"lc_id": lc_id})
    assert codes(present(actors, lc_id)) == []  # a new presentation after a refusal
    lc = actors(soy.ISSUING).submit(LC, "honour", {"lc_id": lc_id})["response"]
    assert lc["status"] == "drawn" and [p["status"] for p in lc["presentations"]] == ["refused", "honoured"]
    again = wrap_document(soy.document_data(lc_id, soy.today())["commercial_invoice"])
    unchanged(actors, node, lc_id, lambda: actors(soy.BENEFICIARY).submit(LC, "present", {"lc_id": lc_id, "documents": [again]}),
              "WRONG_STATE")


def test_art_32_instalments_by_period_and_a_missed_one_ends_availability(actors, uid):
    on = soy.today()
    instalments = [{"until": (on - timedelta(days=4)).isoformat(), "minor": 20_000 * soy.PRICE_CENTS},
                   {"until": (on + timedelta(days=20)).isoformat(), "minor": 30_000 * soy.PRICE_CENTS}]
    missed = credit(actors, f"LC-{uid}M", instalments=instalments, partial_shipments=True)
    assert codes(present(actors, missed, shipped=on - timedelta(days=1), tonnes=30_000)) == ["INSTALMENT_LAPSED"]

    lc_id = credit(actors, f"LC-{uid}", instalments=instalments, partial_shipments=True)
    assert codes(present(actors, lc_id, shipped=on - timedelta(days=6), tonnes=25_000)) == ["AMOUNT_OVER_INSTALMENT"]
    actors(soy.ISSUING).submit(LC, "refuse", {"lc_id": lc_id})
    assert codes(present(actors, lc_id, shipped=on - timedelta(days=6), tonnes=20_000)) == []
    actors(soy.ISSUING).submit(LC, "honour", {"lc_id": lc_id})
    assert codes(present(actors, lc_id, shipped=on - timedelta(days=5), tonnes=10_000)) == ["INSTALMENT_ALREADY_DRAWN"]
    actors(soy.ISSUING).submit(LC, "refuse", {"lc_id": lc_id})
    assert codes(present(actors, lc_id, shipped=on - timedelta(days=1), tonnes=30_000)) == []
    lc = actors(soy.ISSUING).submit(LC, "honour", {"lc_id": lc_id})["response"]
    assert lc["status"] == "drawn" and lc["drawn"]["instalments"] == [0, 1]


# --- amendments (art. 10(c)) ------------------------------------------------------------------------

def test_art_10c_a_presentation_complying_with_a_pending_amendment_accepts_it(actors, uid):
    lc_id = credit(actors, f"LC-{uid}")
    actors(soy.ISSUING).submit(LC, "amend", {"lc_id": lc_id, "changes": {"amount_tolerance_pct": 10}})
    examined = present(actors, lc_id, price=soy.PRICE_CENTS * 108 // 100)  # +8%: only the amended credit allows it
    assert codes(examined) == []
    lc = get(actors, lc_id)
    assert lc["terms"]["amount_tolerance_pct"] == 10
    assert lc["amendments"][0]["status"] == "accepted" and lc["amendments"][0]["how"] == "presentation 1"


def test_art_10c_no_amendment_stays_pending_after_a_presentation(actors, uid):
    lc_id = credit(actors, f"LC-{uid}")
    actors(soy.ISSUING).submit(LC, "amend", {"lc_id": lc_id, "changes": {"port_of_discharge": "SGSIN"}})
    examined = present(actors, lc_id)  # complies with the credit as it stands, not with the amendment
    assert codes(examined) == []
    lc = get(actors, lc_id)
    assert lc["terms"]["port_of_discharge"] == "MYPKG" and lc["amendments"][0]["status"] == "rejected"


# --- confirmation and reimbursement (art. 7(c), 8) ---------------------------------------------------

def instructed(outcome):
    return [(e["payload"]["payer"], e["payload"]["payee"], e["payload"]["obligation"].split("/drawing/")[1])
            for e in outcome["events"] if e["name"] == "payment_instructed"]


def test_art_8c_a_confirming_bank_that_honours_is_reimbursed_by_the_issuing_bank(actors, uid):
    lc_id = credit(actors, f"LC-{uid}", confirming_bank=soy.ADVISING)
    actors(soy.ADVISING).submit(LC, "confirm", {"lc_id": lc_id})
    assert present(actors, lc_id)["examination"]["place"] == f"{soy.ADVISING} (AR)"  # presented to the confirming bank
    outcome = actors(soy.ADVISING).submit(LC, "honour", {"lc_id": lc_id})
    assert instructed(outcome) == [(soy.ADVISING, soy.BENEFICIARY, "1"), (soy.ISSUING, soy.ADVISING, "1/reimbursement"),
                                   (soy.APPLICANT, soy.ISSUING, "1/applicant")]


def test_art_7c_a_nominated_bank_that_honours_is_reimbursed_and_no_other_bank_decides(actors, node, uid):
    not_nominated = credit(actors, f"LC-{uid}N")
    present(actors, not_nominated)
    unchanged(actors, node, not_nominated, lambda: actors(soy.ADVISING).submit(LC, "honour", {"lc_id": not_nominated}),
              "NOT_ISSUING_BANK")
    lc_id = credit(actors, f"LC-{uid}", available_with="advising_bank")
    present(actors, lc_id)
    unchanged(actors, node, lc_id, lambda: actors("ESBANK").submit(LC, "honour", {"lc_id": lc_id}), "NOT_ISSUING_BANK")
    outcome = actors(soy.ADVISING).submit(LC, "honour", {"lc_id": lc_id})
    assert (soy.ISSUING, soy.ADVISING, "1/reimbursement") in instructed(outcome)
    # the reimbursement is the issuing bank's to settle; settling it does not pay the drawing
    actors(soy.ISSUING).submit(LC, "payment_settled", {"obligation": f"{lc_id}/drawing/1/reimbursement", "reference": "R1"})
    assert current(get(actors, lc_id))["status"] == "honoured"
    actors(soy.ADVISING).submit(LC, "payment_settled", {"obligation": f"{lc_id}/drawing/1", "reference": "P1"})
    assert current(get(actors, lc_id))["status"] == "paid" and get(actors, lc_id)["status"] == "paid"


# --- a refused presentation cured with the same bill (art. 16(c)) -------------------------------------

def test_art_16_a_refused_presentation_is_cured_with_the_same_bill_which_passes_on_payment(actors, uid):
    from baobab.stories.trade_kit import issue_document, target
    lc_id = credit(actors, f"LC-{uid}")
    data = soy.document_data(lc_id, soy.today() - timedelta(days=1))
    good_invoice = data["commercial_invoice"]
    wrapped = {t: issue_document(actors(soy.ISSUERS[t]), t, d, soy.READERS, StoryReport(),
                                 **({"transferable": True, "holder": soy.BENEFICIARY} if t == "bill_of_lading" else {}))
               for t, d in data.items() if t != "commercial_invoice"}
    wrong = {**good_invoice, "buyer": soy.party("SZ-AUTO")}
    first = issue_document(actors(soy.BENEFICIARY), "commercial_invoice", wrong, soy.READERS, StoryReport())
    bl = target(wrapped["bill_of_lading"])
    actors(soy.BENEFICIARY).submit(LC, "ship", {"lc_id": lc_id, "bill_of_lading": bl})
    actors(soy.BENEFICIARY).submit("documents", "deposit", {"target_hash": bl, "contract": LC, "ref": lc_id})
    docs = list(wrapped.values())
    examined = current(actors(soy.BENEFICIARY).submit(LC, "present", {"lc_id": lc_id, "documents": [first, *docs]})["response"])
    assert codes(examined) == ["INVOICE_NOT_TO_APPLICANT", "PARTY_CONFLICT"] and examined["titles"] == [bl]
    actors(soy.ISSUING).submit(LC, "refuse", {"lc_id": lc_id})
    corrected = issue_document(actors(soy.BENEFICIARY), "commercial_invoice", good_invoice, soy.READERS, StoryReport())
    cured = current(actors(soy.BENEFICIARY).submit(LC, "present", {"lc_id": lc_id, "documents": [corrected, *docs]})["response"])
    assert codes(cured) == [] and cured["titles"] == [bl]
    actors(soy.ISSUING).submit(LC, "honour", {"lc_id": lc_id})
    actors(soy.ISSUING).submit(LC, "payment_settled", {"obligation": f"{lc_id}/drawing/2", "reference": "S2"})
    title = actors(soy.APPLICANT).query("documents", "status", {"target_hash": bl})["title"]
    assert title["holder"] == soy.APPLICANT
    assert [h["action"] for h in title["history"]][-4:] == ["presented", "returned_after_refusal", "presented",
                                                             "released_on_payment"]


def test_art_33_a_presentation_is_dated_at_its_place_not_in_utc(network, actors, uid):
    """Presented to BPLATA in Buenos Aires (UTC-3) at 01:00 UTC: it is still the day before there."""
    from baobab.stories.trade_kit import issue_document, target
    lc_id = credit(actors, f"LC-{uid}", available_with="advising_bank")
    data = soy.document_data(lc_id, soy.today() - timedelta(days=1))
    wrapped = {t: issue_document(actors(soy.ISSUERS[t]), t, d, soy.READERS, StoryReport(),
                                 **({"transferable": True, "holder": soy.BENEFICIARY} if t == "bill_of_lading" else {}))
               for t, d in data.items()}
    bl = target(wrapped["bill_of_lading"])
    actors(soy.BENEFICIARY).submit(LC, "ship", {"lc_id": lc_id, "bill_of_lading": bl})
    actors(soy.BENEFICIARY).submit("documents", "deposit", {"target_hash": bl, "contract": LC, "ref": lc_id})
    tomorrow = soy.today() + timedelta(days=1)
    when = datetime(tomorrow.year, tomorrow.month, tomorrow.day, 1, tzinfo=timezone.utc)
    lc = at(network, soy.BENEFICIARY, LC, "present", {"lc_id": lc_id, "documents": list(wrapped.values())}, when)["response"]
    assert current(lc)["examination"]["presented_on"] == soy.today().isoformat()


def test_contracts_never_read_a_holiday_library_at_run_time():
    """Deadlines come from calendars on the ledger; no trade contract module imports holidays or pytz."""
    import ast
    from pathlib import Path

    import baobab.contracts.trade as trade
    for path in Path(trade.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not [n for n in names if n.split(".")[0] in ("holidays", "pytz", "zoneinfo")], path.name


def test_malformed_calendars_are_refused_and_change_nothing(actors, node):
    good = calendars.country_year("AR", soy.today().year + 2)
    for change in ({"country": "XX"}, {"year": 1999}, {"weekend": [5, 5]}, {"weekend": [7]},
                   {"closed": ["2099-13-01"]}, {"closed": [f"{soy.today().year}-01-01"]},
                   {"offsets": []}, {"offsets": [{"from": f"{good['year']}-02-01T00:00:00Z", "minutes": 0}]},
                   {"offsets": [{"from": f"{good['year']}-01-01T00:00:00Z", "minutes": 900}]}, {"source": ""}):
        height = node.height()
        rejected(lambda: actors(soy.ISSUING).submit("bank_calendar", "publish", {**good, **change}), "BAD_ARGUMENT")
        assert node.height() == height, change
