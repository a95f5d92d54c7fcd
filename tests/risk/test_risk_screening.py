"""Screening: red for exact copies, amber per near-match rule, no flag for look-alikes."""

from __future__ import annotations

import datetime as dt

import pytest

from baobab.core.errors import BaobabError
from baobab.risk.fingerprints import NetworkKey, fingerprint
from baobab.risk.screening import Flag, ScreeningIndex, decide, registry_keys

KEY = NetworkKey(b"k" * 32)
ORIGINAL = {
    "seller": "Kilimanjaro Coffee Exports Ltd",
    "buyer": "Sinar Maju Foods Sdn Bhd",
    "number": "INV-00417",
    "date": "2024-06-10",
    "currency": "USD",
    "amount": 4_860_000,
    "lines": [{"hs": "0901.11", "quantity": 9000, "unit_price": 500}, {"hs": "0901.21", "quantity": 100, "unit_price": 1600}],
}


def screened(*registered: dict, doc: dict, platform: str = "M1xchange") -> list[Flag]:
    """Register documents at RXIL (reg-0, reg-1...), then screen `doc` from `platform`, two ways."""
    index, mapping = ScreeningIndex(), {}
    for i, earlier in enumerate(registered):
        fs = fingerprint(earlier, KEY)
        index.register(fs, "RXIL", f"reg-{i}")
        for h in registry_keys(fs):
            mapping.setdefault(h, []).append(("RXIL", f"reg-{i}"))
    fs = fingerprint(doc, KEY)
    flags = index.screen(fs, platform)
    assert decide(mapping, fs, platform) == flags  # the contract's pure rule agrees with the index
    return flags


def shifted(days: int) -> str:
    return (dt.date(2024, 6, 10) + dt.timedelta(days=days)).isoformat()


def test_unrelated_invoice_not_flagged():
    assert screened(ORIGINAL, doc={**ORIGINAL, "seller": "Mombasa Tea Traders Ltd", "number": "X-1"}) == []


def test_exact_copy_is_red_and_names_the_earlier_platform():
    copy = {**ORIGINAL, "seller": "KILIMANJARO COFFEE EXPORTS LIMITED", "number": "inv 417", "date": "10/06/2024",
            "amount": "USD 48,600.00", "lines": list(reversed(ORIGINAL["lines"]))}
    [flag] = screened(ORIGINAL, doc=copy)
    assert (flag.level, flag.rule, flag.platform, flag.registration) == ("red", "exact", "RXIL", "reg-0")
    assert flag.to_json()["rules"][0] == "exact"


def test_copy_without_line_items_is_still_red():
    [flag] = screened(ORIGINAL, doc={k: v for k, v in ORIGINAL.items() if k != "lines"})
    assert flag.level == "red"


@pytest.mark.parametrize("days", [-5, -1, 1, 3, 5, 6, 20, 29])
def test_date_shifted_is_amber(days):
    [flag] = screened(ORIGINAL, doc={**ORIGINAL, "date": shifted(days)})
    assert (flag.level, flag.rule) == ("amber", "date_shifted")


@pytest.mark.parametrize("bp", [-300, -100, 100, 250, 300, 500])
def test_amount_changed_by_a_few_percent_is_amber(bp):
    amount = ORIGINAL["amount"] + ORIGINAL["amount"] * bp // 10_000
    [flag] = screened(ORIGINAL, doc={**ORIGINAL, "amount": amount})
    assert (flag.level, flag.rule) == ("amber", "amount_changed")


def test_amount_and_date_changed_together_is_amber():
    [flag] = screened(ORIGINAL, doc={**ORIGINAL, "amount": ORIGINAL["amount"] * 102 // 100, "date": shifted(4)})
    assert (flag.level, flag.rule) == ("amber", "amount_changed")


@pytest.mark.parametrize("days", [0, -6, 6])
def test_renumbered_is_amber(days):
    [flag] = screened(ORIGINAL, doc={**ORIGINAL, "number": "INV-00912", "date": shifted(days), "lines": []})
    assert (flag.level, flag.rule) == ("amber", "number_changed")


def test_same_lines_retotalled_is_amber():
    doc = {**ORIGINAL, "number": "INV-00913", "amount": ORIGINAL["amount"] * 118 // 100,
           "lines": list(reversed(ORIGINAL["lines"]))}
    [flag] = screened(ORIGINAL, doc=doc)
    assert (flag.level, flag.rule, flag.rules) == ("amber", "lines_retotalled", ("lines_retotalled",))


@pytest.mark.parametrize("name,patch", [
    ("monthly recurring, same goods and amount", {"number": "INV-00418", "date": "2024-07-10"}),
    ("fortnightly recurring", {"number": "INV-00418", "date": shifted(14)}),
    ("weekly recurring", {"number": "INV-00418", "date": shifted(7)}),
    ("weekly recurring, earlier", {"number": "INV-00416", "date": shifted(-7)}),
    ("same goods to another buyer", {"buyer": "Penang Coffee Roasters Sdn Bhd", "number": "INV-00418"}),
    ("same buyer, another seller, same number", {"seller": "Nyali Coffee Exports Ltd"}),
    ("number reused next year", {"date": "2025-06-10"}),
    ("same parties and week, other goods", {"number": "INV-00418", "date": shifted(2), "amount": 1_234_500,
                                            "lines": [{"hs": "0902.30", "quantity": 500, "unit_price": 2469}]}),
])
def test_genuine_look_alikes_not_flagged(name, patch):
    assert screened(ORIGINAL, doc={**ORIGINAL, **patch}) == [], name


@pytest.mark.parametrize("name,patch", [
    ("amount 11% higher without line items", {"amount": ORIGINAL["amount"] * 111 // 100, "lines": []}),
    ("re-invoiced in another currency", {"currency": "KES", "amount": 627_000_000, "lines": []}),
    ("a purchase order for the same goods", {"kind": "purchase_order"}),
    ("seller name misspelt", {"seller": "Kilimanjaro Cofee Exports Ltd"}),
    ("renumbered and moved by 7 days, no line items", {"number": "INV-00999", "date": shifted(7), "lines": []}),
])
def test_documented_limits_not_flagged(name, patch):
    """Outside what the rules can see (docs/DUPLICATE_FINANCING.md, "Limits"); pinned so a
    change of scope is a deliberate one."""
    assert screened(ORIGINAL, doc={**ORIGINAL, **patch}) == [], name


def test_large_amount_change_with_same_lines_is_caught_by_the_lines_rule():
    [flag] = screened(ORIGINAL, doc={**ORIGINAL, "amount": ORIGINAL["amount"] * 111 // 100})
    assert flag.rule == "lines_retotalled"


def test_twelve_monthly_invoices_never_flag_each_other():
    months = [{**ORIGINAL, "number": f"INV-{417 + m:05d}", "date": f"2024-{m + 1:02d}-10"} for m in range(12)]
    index = ScreeningIndex()
    for i, doc in enumerate(months):
        fs = fingerprint(doc, KEY)
        assert index.screen(fs, f"P{i % 3}") == []
        index.register(fs, f"P{i % 3}", f"r{i}")


def test_own_registrations_are_not_flags():
    assert screened(ORIGINAL, doc=ORIGINAL, platform="RXIL") == []
    assert screened(ORIGINAL, doc=ORIGINAL, platform=None)[0].level == "red"


def test_one_flag_per_earlier_registration_across_platforms():
    index = ScreeningIndex()
    index.register(fingerprint(ORIGINAL, KEY), "RXIL", "r-1")
    index.register(fingerprint(ORIGINAL, KEY), "A.TReDS", "a-7")  # financed twice already
    index.register(fingerprint(ORIGINAL, KEY), "A.TReDS", "a-8")  # same platform again: kept once
    index.register(fingerprint({**ORIGINAL, "date": shifted(2)}, KEY), "RXIL", "r-2")
    flags = index.screen(fingerprint(ORIGINAL, KEY), "M1xchange")
    assert [(f.level, f.platform, f.registration) for f in flags] == [
        ("red", "A.TReDS", "a-7"), ("red", "RXIL", "r-1"), ("amber", "RXIL", "r-2")]
    # screening from A.TReDS still sees RXIL's registrations behind its own
    assert {f.registration for f in index.screen(fingerprint(ORIGINAL, KEY), "A.TReDS")} == {"r-1", "r-2"}
    assert len(index) == 4 and index.registration(1) == ("A.TReDS", "a-7")


def test_index_refuses_mixed_epochs():
    index = ScreeningIndex()
    index.register(fingerprint(ORIGINAL, KEY), "RXIL", "r-1")
    other = fingerprint(ORIGINAL, NetworkKey(b"k" * 32, epoch=1))
    for call in (lambda: index.register(other, "RXIL", "r-2"), lambda: index.screen(other, "RXIL")):
        with pytest.raises(BaobabError) as e:
            call()
        assert e.value.code == "BAD_ARGUMENT"


def test_register_rejects_bad_arguments():
    with pytest.raises(BaobabError):
        ScreeningIndex().register(fingerprint(ORIGINAL, KEY), "", "r-1")


def test_decide_accepts_json_state():
    """The contract keeps {hex: [[platform, registration], ...]} in JSON state."""
    fs = fingerprint(ORIGINAL, KEY)
    state = {h: [["RXIL", "r-1"]] for h in registry_keys(fs)}
    [flag] = decide(state, fingerprint({**ORIGINAL, "date": shifted(3)}, KEY), "M1xchange")
    assert (flag.level, flag.rule, flag.registration) == ("amber", "date_shifted", "r-1")
