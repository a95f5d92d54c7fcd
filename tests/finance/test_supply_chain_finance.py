"""Confirmed payables split down the tiers, discounted at banks and paid at maturity."""

from __future__ import annotations

import datetime as dt
import itertools
import weakref

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baobab.contracts.finance.supply_chain_finance import discount_price

SCF = "scf"
_numbers = itertools.count(1)
PROGRAMME = {"programme": "SEATS", "currency": "CNY", "banks": ["GDBANK", "SZBANK"], "max_tenor_days": 365,
             "max_rate_bp": 1_000}
_with_programme: weakref.WeakSet = weakref.WeakSet()  # networks where SZ-AUTO runs PROGRAMME


def programme(net) -> str:
    """SZ-AUTO's programme on this network (opened on first use)."""
    if net.node not in _with_programme:
        net.ok("SZ-AUTO", SCF, "open_programme", PROGRAMME)
        _with_programme.add(net.node)
    return PROGRAMME["programme"]


def due_in(days: int) -> str:
    return (dt.datetime.now(dt.timezone.utc).date() + dt.timedelta(days=days)).isoformat()


def confirm(net, amount: int = 1_000_000_00, supplier: str = "T1-SEATS", days: int = 90) -> str:
    r = net.ok("SZ-AUTO", SCF, "confirm", {"programme": programme(net), "supplier": supplier, "invoice_number": f"GS-{next(_numbers):05d}",
                                           "amount": amount, "currency": "CNY", "due_date": due_in(days)})
    return r["claim"]


def test_confirm_makes_a_payable_claim_held_by_the_supplier(fin):
    claim_id = confirm(fin)
    claim = fin.query("T1-SEATS", SCF, "claim", {"claim_id": claim_id})
    assert (claim["anchor"], claim["holder"], claim["amount"], claim["currency"], claim["status"]) == (
        "SZ-AUTO", "T1-SEATS", 1_000_000_00, "CNY", "open")
    assert claim["due_date"] == due_in(90)
    assert [h["claim"] for h in fin.query("T1-SEATS", SCF, "holdings")] == [claim_id]


def test_an_invoice_is_confirmed_once(fin):
    args = {"programme": programme(fin), "supplier": "T1-SEATS", "invoice_number": "GS-77", "amount": 500,
            "currency": "CNY", "due_date": due_in(30)}
    fin.ok("SZ-AUTO", SCF, "confirm", args)
    err = fin.rejected("SZ-AUTO", SCF, "confirm", {**args, "invoice_number": "gs-77"})
    assert err.code == "WRONG_STATUS"


def test_split_and_transfer_down_three_tiers(fin):
    root = confirm(fin)
    parts = fin.ok("T1-SEATS", SCF, "split", {"claim_id": root, "amounts": [40_000_000, 60_000_000]})["parts"]
    fin.ok("T1-SEATS", SCF, "transfer", {"claim_id": parts[1]["claim"], "to": "T2-FOAM"})
    sub = fin.ok("T2-FOAM", SCF, "split", {"claim_id": parts[1]["claim"], "amounts": [35_000_000, 25_000_000]})["parts"]
    fin.ok("T2-FOAM", SCF, "transfer", {"claim_id": sub[1]["claim"], "to": "T3-CHEM"})

    tree = fin.query("SZ-AUTO", SCF, "tree", {"claim_id": root})
    holders = {p["holder"]: p["amount"] for p in tree["parts"] if p["status"] == "open"}
    assert holders == {"T1-SEATS": 40_000_000, "T2-FOAM": 35_000_000, "T3-CHEM": 25_000_000}
    assert tree["total"] == 1_000_000_00
    assert max(p["depth"] for p in tree["parts"]) == 2
    # each tier sees what it holds, not the rest of the tree
    assert [h["amount"] for h in fin.query("T3-CHEM", SCF, "holdings")] == [25_000_000]
    assert fin.rejected_query("T3-CHEM", SCF, "claim", {"claim_id": parts[0]["claim"]}).code == "FORBIDDEN"
    assert fin.rejected_query("T2-FOAM", SCF, "tree", {"claim_id": root}).code == "FORBIDDEN"


def test_a_part_cannot_be_transferred_twice(fin):
    root = confirm(fin)
    fin.ok("T1-SEATS", SCF, "transfer", {"claim_id": root, "to": "T2-FOAM"})
    before = fin.query("SZ-AUTO", SCF, "claim", {"claim_id": root})
    err = fin.rejected("T1-SEATS", SCF, "transfer", {"claim_id": root, "to": "T3-CHEM"})
    assert err.code == "ALREADY_TRANSFERRED"
    assert fin.query("SZ-AUTO", SCF, "claim", {"claim_id": root}) == before


def test_a_split_claim_is_closed(fin):
    root = confirm(fin, amount=300)
    fin.ok("T1-SEATS", SCF, "split", {"claim_id": root, "amounts": [100, 200]})
    assert fin.rejected("T1-SEATS", SCF, "transfer", {"claim_id": root, "to": "T2-FOAM"}).code == "WRONG_STATUS"
    assert fin.rejected("T1-SEATS", SCF, "split", {"claim_id": root, "amounts": [150, 150]}).code == "WRONG_STATUS"


def test_only_the_holder_acts_on_a_claim(fin):
    root = confirm(fin)
    assert fin.rejected("T2-FOAM", SCF, "transfer", {"claim_id": root, "to": "T2-FOAM"}).code == "FORBIDDEN"
    assert fin.rejected("SZ-AUTO", SCF, "split", {"claim_id": root, "amounts": [1, 99_999_999]}).code == "FORBIDDEN"
    assert fin.rejected("GDBANK", SCF, "offer_discount",
                        {"claim_id": root, "bank": "GDBANK", "rate_bp": 500}).code == "FORBIDDEN"


@pytest.mark.parametrize("args, code", [
    ({"amounts": [1, 2]}, "BAD_MONEY"),  # does not add up
    ({"amounts": [100_000_000]}, "BAD_ARGUMENT"),  # one part is no split
    ({"amounts": [100_000_001, -1]}, "BAD_MONEY"),  # negative part
    ({"amounts": [50_000_000, 50_000_000.0]}, "BAD_ARGUMENT"),  # float
    ({"amounts": [50_000_000, 50_000_000], "extra": 1}, "BAD_ARGUMENT"),
])
def test_bad_split_changes_nothing(fin, args, code):
    root = confirm(fin)
    before = fin.query("T1-SEATS", SCF, "claim", {"claim_id": root})
    assert fin.rejected("T1-SEATS", SCF, "split", {"claim_id": root, **args}).code == code
    assert fin.query("T1-SEATS", SCF, "claim", {"claim_id": root}) == before


@pytest.mark.parametrize("change, code", [
    ({"currency": "XXY"}, "BAD_MONEY"),
    ({"amount": 0}, "BAD_MONEY"),
    ({"amount": "100"}, "BAD_ARGUMENT"),
    ({"due_date": "2020-01-01"}, "BAD_ARGUMENT"),
    ({"due_date": "2030-02-30"}, "BAD_ARGUMENT"),
    ({"supplier": "NOBODY"}, "UNKNOWN_ORG"),
    ({"supplier": "SZ-AUTO"}, "BAD_ARGUMENT"),
    ({"invoice_number": "bad number!"}, "BAD_ARGUMENT"),
    ({"programme": "NONE"}, "NOT_FOUND"),
    ({"currency": "USD"}, "BAD_MONEY"),  # not the programme's currency
    ({"due_date": due_in(366)}, "BAD_ARGUMENT"),  # beyond the programme's tenor
])
def test_bad_confirmation_changes_nothing(fin, change, code):
    args = {"programme": programme(fin), "supplier": "T1-SEATS", "invoice_number": "GS-1", "amount": 100,
            "currency": "CNY", "due_date": due_in(30)}
    assert fin.rejected("SZ-AUTO", SCF, "confirm", {**args, **change}).code == code
    assert fin.query("T1-SEATS", SCF, "holdings") == []


def test_bad_transfers_and_offers(fin):
    root = confirm(fin)
    assert fin.rejected("T1-SEATS", SCF, "transfer", {"claim_id": root, "to": "NOBODY"}).code == "UNKNOWN_ORG"
    assert fin.rejected("T1-SEATS", SCF, "transfer", {"claim_id": root, "to": "T1-SEATS"}).code == "BAD_ARGUMENT"
    assert fin.rejected("T1-SEATS", SCF, "transfer", {"claim_id": "zz", "to": "T2-FOAM"}).code == "BAD_ARGUMENT"
    assert fin.rejected("T1-SEATS", SCF, "transfer", {"claim_id": "0" * 24, "to": "T2-FOAM"}).code == "NOT_FOUND"
    offer = {"claim_id": root, "bank": "T2-FOAM", "rate_bp": 500}
    assert fin.rejected("T1-SEATS", SCF, "offer_discount", offer).code == "BAD_ARGUMENT"  # not a bank
    assert fin.rejected("T1-SEATS", SCF, "offer_discount", {**offer, "bank": "KLTB"}).code == "BAD_ARGUMENT"  # not the programme's
    for rate in (0, 1_001):  # the programme's highest rate is 1,000 bp
        assert fin.rejected("T1-SEATS", SCF, "offer_discount", {**offer, "bank": "SZBANK", "rate_bp": rate}).code == "BAD_ARGUMENT"
    assert fin.query("T1-SEATS", SCF, "claim", {"claim_id": root})["status"] == "open"


def test_discount_price_is_integer_act_360():
    assert discount_price(1_000_000_00, 600, 90) == (1_500_000, 98_500_000)  # 6% a year for 90 days
    assert discount_price(333, 100, 1) == (0, 333)  # rounds the discount down
    for amount, rate, days in [(1, 1, 1), (10**17, 10_000, 3650), (987_654_321, 733, 17)]:
        discount, price = discount_price(amount, rate, days)
        assert discount + price == amount and discount == amount * rate * days // 3_600_000


def test_discounting_makes_the_bank_the_holder_and_records_the_price(fin):
    root = confirm(fin, days=90)
    fin.ok("T1-SEATS", SCF, "offer_discount", {"claim_id": root, "bank": "SZBANK", "rate_bp": 600})
    # while offered the claim cannot move; only the bank offered may accept
    assert fin.rejected("T1-SEATS", SCF, "transfer", {"claim_id": root, "to": "T2-FOAM"}).code == "WRONG_STATUS"
    assert fin.rejected("GDBANK", SCF, "accept_discount", {"claim_id": root}).code == "FORBIDDEN"
    out = fin.actors("SZBANK").submit(SCF, "accept_discount", {"claim_id": root})
    sale = out["response"]
    assert (sale["days"], sale["discount"], sale["price"]) == (90, 1_500_000, 98_500_000)
    instruction = fin.query("T1-SEATS", SCF, "payment", {"obligation": sale["obligation"]})
    assert (instruction["payer"], instruction["payee"], instruction["amount"], instruction["status"]) == (
        "SZBANK", "T1-SEATS", {"currency": "CNY", "minor": 98_500_000}, "instructed")
    claim = fin.query("SZBANK", SCF, "claim", {"claim_id": root})
    assert claim["holder"] == "SZBANK" and claim["discounts"][0]["price"] == 98_500_000
    assert fin.query("T1-SEATS", SCF, "holdings") == []
    assert fin.rejected("T1-SEATS", SCF, "transfer", {"claim_id": root, "to": "T2-FOAM"}).code == "ALREADY_TRANSFERRED"


def test_an_offer_can_be_withdrawn_or_declined(fin):
    root = confirm(fin)
    offer = {"claim_id": root, "bank": "GDBANK", "rate_bp": 450}
    fin.ok("T1-SEATS", SCF, "offer_discount", offer)
    fin.ok("GDBANK", SCF, "withdraw_offer", {"claim_id": root})
    assert fin.rejected("GDBANK", SCF, "accept_discount", {"claim_id": root}).code == "WRONG_STATUS"
    fin.ok("T1-SEATS", SCF, "offer_discount", offer)
    assert fin.rejected("T2-FOAM", SCF, "withdraw_offer", {"claim_id": root}).code == "FORBIDDEN"
    fin.ok("T1-SEATS", SCF, "withdraw_offer", {"claim_id": root})
    assert fin.query("T1-SEATS", SCF, "claim", {"claim_id": root})["status"] == "open"


def test_the_anchor_pays_every_holder_of_record_through_payment_instructions(fin):
    root = confirm(fin)
    parts = fin.ok("T1-SEATS", SCF, "split", {"claim_id": root, "amounts": [30_000_000, 70_000_000]})["parts"]
    fin.ok("T1-SEATS", SCF, "transfer", {"claim_id": parts[1]["claim"], "to": "T2-FOAM"})
    fin.ok("T2-FOAM", SCF, "offer_discount", {"claim_id": parts[1]["claim"], "bank": "GDBANK", "rate_bp": 500})
    fin.ok("GDBANK", SCF, "accept_discount", {"claim_id": parts[1]["claim"]})

    assert fin.rejected("T1-SEATS", SCF, "pay", {"claim_id": root}).code == "FORBIDDEN"
    assert fin.rejected("SZ-AUTO", SCF, "pay", {"claim_id": parts[0]["claim"]}).code == "BAD_ARGUMENT"
    out = fin.actors("SZ-AUTO").submit(SCF, "pay", {"claim_id": root})
    paid = {(i["payee"], i["amount"]) for i in out["response"]["instructions"]}
    assert paid == {("T1-SEATS", 30_000_000), ("GDBANK", 70_000_000)}
    assert out["response"]["total"] == 1_000_000_00
    events = [e["payload"] for e in out["events"] if e["name"] == "payment_instructed"]
    assert {(e["payer"], e["payee"], e["amount"]["currency"], e["obligation"]) for e in events} == {
        ("SZ-AUTO", "T1-SEATS", "CNY", f"{parts[0]['claim']}/maturity/1"),
        ("SZ-AUTO", "GDBANK", "CNY", f"{parts[1]['claim']}/maturity/1")}
    assert fin.rejected("SZ-AUTO", SCF, "pay", {"claim_id": root}).code == "WRONG_STATUS"
    assert fin.rejected("GDBANK", SCF, "transfer", {"claim_id": parts[1]["claim"], "to": "SZBANK"}).code == "WRONG_STATUS"

    settled = {"obligation": f"{parts[1]['claim']}/maturity/1", "reference": "CNAPS:2025:000123"}
    assert fin.rejected("GDBANK", SCF, "payment_settled", settled).code == "NOT_PAYER"  # only the payer reports
    fin.ok("SZ-AUTO", SCF, "payment_settled", settled)
    claim = fin.query("GDBANK", SCF, "claim", {"claim_id": parts[1]["claim"]})
    assert (claim["status"], claim["settlement_ref"]) == ("paid", "CNAPS:2025:000123")
    assert fin.rejected("SZ-AUTO", SCF, "payment_settled", {**settled, "reference": "again"}).code == "PAYMENT_CLOSED"


def test_a_failed_maturity_payment_reopens_the_claim_for_the_anchor_to_pay_again(fin):
    root = confirm(fin)
    fin.ok("SZ-AUTO", SCF, "pay", {"claim_id": root})
    fin.ok("SZ-AUTO", SCF, "payment_failed", {"obligation": f"{root}/maturity/1", "reason": "3100 payee account closed"})
    assert fin.query("T1-SEATS", SCF, "claim", {"claim_id": root})["status"] == "open"
    again = fin.ok("SZ-AUTO", SCF, "pay", {"claim_id": root})
    assert [i["obligation"] for i in again["instructions"]] == [f"{root}/maturity/2"]


# --- programme terms and the purchase price (SCF rules) ------------------------------------

def test_a_discount_whose_purchase_price_would_be_zero_or_negative_is_refused(fin):
    fin.ok("SZ-AUTO", SCF, "open_programme", {**PROGRAMME, "programme": "LONG", "max_tenor_days": 720,
                                              "max_rate_bp": 10_000})
    tiny = fin.ok("SZ-AUTO", SCF, "confirm", {"programme": "LONG", "supplier": "T1-SEATS", "invoice_number": "TINY-1",
                                              "amount": 1, "currency": "CNY", "due_date": due_in(400)})["claim"]
    assert discount_price(1, 10_000, 400) == (1, 0)  # 100% a year for 400 days eats the whole claim
    err = fin.rejected("T1-SEATS", SCF, "offer_discount", {"claim_id": tiny, "bank": "SZBANK", "rate_bp": 10_000})
    assert (err.code, err.detail["price"]) == ("BAD_MONEY", 0)
    big = fin.ok("SZ-AUTO", SCF, "confirm", {"programme": "LONG", "supplier": "T1-SEATS", "invoice_number": "BIG-1",
                                             "amount": 1_000, "currency": "CNY", "due_date": due_in(700)})["claim"]
    err = fin.rejected("T1-SEATS", SCF, "offer_discount", {"claim_id": big, "bank": "SZBANK", "rate_bp": 10_000})
    assert err.code == "BAD_MONEY" and err.detail["price"] < 0
    assert fin.query("T1-SEATS", SCF, "claim", {"claim_id": big})["status"] == "open"


def test_the_programme_sets_the_longest_tenor_and_the_highest_rate(fin):
    for bad in ({"max_tenor_days": 0}, {"max_tenor_days": 721}, {"max_rate_bp": 0}, {"max_rate_bp": 10_001},
                {"banks": ["T2-FOAM"]}, {"banks": []}, {"currency": "XXY"}):
        assert fin.rejected("SZ-AUTO", SCF, "open_programme", {**PROGRAMME, "programme": "BAD", **bad}).code in (
            "BAD_ARGUMENT", "BAD_MONEY")
    fin.ok("SZ-AUTO", SCF, "open_programme", {**PROGRAMME, "programme": "SHORT", "max_tenor_days": 30, "max_rate_bp": 300})
    args = {"programme": "SHORT", "supplier": "T1-SEATS", "amount": 10_000, "currency": "CNY"}
    assert fin.rejected("SZ-AUTO", SCF, "confirm", {**args, "invoice_number": "S-1", "due_date": due_in(31)}).code == "BAD_ARGUMENT"
    claim = fin.ok("SZ-AUTO", SCF, "confirm", {**args, "invoice_number": "S-2", "due_date": due_in(30)})["claim"]
    assert fin.rejected("T1-SEATS", SCF, "offer_discount", {"claim_id": claim, "bank": "SZBANK", "rate_bp": 301}).code == "BAD_ARGUMENT"
    fin.ok("T1-SEATS", SCF, "offer_discount", {"claim_id": claim, "bank": "SZBANK", "rate_bp": 300})


def test_the_odd_minor_unit_stays_with_the_seller():
    # 1,000.01 at 3.65% for 1 day: the exact discount is 10.139 minor units; 10 are deducted, the
    # fraction of a unit stays with the seller (the bank never deducts more than the exact figure)
    assert discount_price(100_001, 365, 1) == (10, 99_991)
    discount, price = discount_price(999_999, 777, 77)
    assert discount == 999_999 * 777 * 77 // 3_600_000 and price * 3_600_000 >= 999_999 * (3_600_000 - 777 * 77)


def test_thirteen_tiers_deep(fin):
    """The report cites supply chains 13 layers deep: pass a part down 13 times."""
    claim = confirm(fin, amount=2**13 * 100)
    holder = "T1-SEATS"
    chain = ["T2-FOAM", "T3-CHEM"]
    for depth in range(13):
        amount = fin.query(holder, SCF, "claim", {"claim_id": claim})["amount"]
        parts = fin.ok(holder, SCF, "split", {"claim_id": claim, "amounts": [amount // 2, amount - amount // 2]})["parts"]
        nxt = chain[depth % 2] if holder != chain[depth % 2] else chain[(depth + 1) % 2]
        fin.ok(holder, SCF, "transfer", {"claim_id": parts[1]["claim"], "to": nxt})
        claim, holder = parts[1]["claim"], nxt
    assert claim.count(".") == 13
    tree = fin.query("SZ-AUTO", SCF, "tree", {"claim_id": claim.split(".")[0]})
    assert tree["total"] == 2**13 * 100 and len(tree["parts"]) == 14


# --- conservation of amounts -------------------------------------------------------------

TIERS = ["T1-SEATS", "T2-FOAM", "T3-CHEM", "SZBANK", "GDBANK"]
operation = st.tuples(st.sampled_from(["split", "transfer"]), st.integers(0, 10**6), st.lists(st.integers(1, 1000), min_size=2, max_size=4), st.sampled_from(TIERS))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(amount=st.integers(2, 10**12), ops=st.lists(operation, min_size=1, max_size=8))
def test_any_splits_and_transfers_keep_the_sum(shared_fin, amount, ops):
    net = shared_fin
    root = confirm(net, amount=amount)
    for kind, pick, weights, to in ops:
        tree = net.query("SZ-AUTO", SCF, "tree", {"claim_id": root})
        leaves = [p for p in tree["parts"] if p["status"] == "open"]
        leaf = leaves[pick % len(leaves)]
        if kind == "split":
            # proportional parts, each at least 1 minor unit, adjusted so that they add up
            n = min(len(weights), leaf["amount"])
            if n < 2:
                continue
            parts = [max(1, leaf["amount"] * w // sum(weights[:n])) for w in weights[:n]]
            parts[-1] = leaf["amount"] - sum(parts[:-1])
            if parts[-1] < 1:
                continue
            net.ok(leaf["holder"], SCF, "split", {"claim_id": leaf["claim"], "amounts": parts})
        elif to != leaf["holder"]:
            net.ok(leaf["holder"], SCF, "transfer", {"claim_id": leaf["claim"], "to": to})
        tree = net.query("SZ-AUTO", SCF, "tree", {"claim_id": root})
        assert tree["total"] == amount
        assert sum(p["amount"] for p in tree["parts"] if p["status"] == "open") == amount
    held = sum(h["amount"] for org in TIERS for h in net.query(org, SCF, "holdings") if h["claim"].startswith(root))
    assert held == amount
