"""Amounts are shown to people as decimals with their currency (ISO 4217 minor units decide
the decimals); exports put each field in its own column. The wire keeps {currency, minor}."""

from __future__ import annotations

import csv
import io

from baobab.core.money import Money, for_display, format_amount
from baobab.core.table import flatten, write_csv


def test_amounts_show_with_the_currencys_own_decimals() -> None:
    assert format_amount({"currency": "USD", "minor": 125050}) == "1250.50 USD"
    assert format_amount(Money("JPY", 1500)) == "1500 JPY"
    assert format_amount(Money("KWD", 5)) == "0.005 KWD"
    assert format_amount(Money("EUR", -25)) == "-0.25 EUR"


def test_display_rewrites_money_objects_and_amounts_beside_a_currency_only() -> None:
    shown = for_display({"terms": {"amount": {"currency": "USD", "minor": 100}, "days": 90},
                         "account": {"currency": "MYR", "balance": 1250, "count": 3},
                         "note": {"currency": "ZZZ", "amount": 7}})
    assert shown == {"terms": {"amount": "1.00 USD", "days": 90},
                     "account": {"currency": "MYR", "balance": "12.50 MYR", "count": 3},
                     "note": {"currency": "ZZZ", "amount": 7}}


def test_exports_have_one_typed_column_per_field() -> None:
    record = {"lc": "LC-1", "amount": {"currency": "USD", "minor": 125050}, "partial": False, "expiry": None,
              "lines": [{"qty": 3}, {"qty": 4}], "tags": []}
    assert flatten(record, "value") == {"value.lc": "LC-1", "value.amount": "1250.50", "value.amount.currency": "USD",
                                        "value.partial": "false", "value.expiry": "", "value.lines.0.qty": "3",
                                        "value.lines.1.qty": "4", "value.tags": ""}


def test_csv_rows_of_different_shapes_share_one_header() -> None:
    text = write_csv([{"key": "a", "x": "1"}, {"key": "b", "y": "2"}], ["key"])
    assert list(csv.reader(io.StringIO(text))) == [["key", "x", "y"], ["a", "1", ""], ["b", "", "2"]]
