"""A cooperative pays its farmers from one file: every good line is paid, every bad line is
refused with its own code, and the result file says which, line by line."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from baobab.core.errors import BaobabError
from baobab.wallet.disbursements import disburse
from tests.wallet.test_provider import ADA, BAYO, DAY, N, provider

COOP = "+2348061112223"


def test_each_line_is_paid_or_refused_on_its_own(tmp_path: Path) -> None:
    p = provider(tmp_path)
    p.register(COOP, "Ogun Cassava Cooperative", tier=3, by="agent-17", at=DAY)
    p.cash_in("agent-17", COOP, 90_000 * N, at=DAY)
    text = ("phone,amount,reference\n"
            f"{ADA},2500.00,harvest week 48\n"
            "0805 987 6543,1200.50,harvest week 48\n"     # Bayo, written as people write it
            "12345,100.00,no such number\n"
            f"{ADA},10.005,three decimals\n"
            "+2348000000001,50.00,no wallet\n"
            f"{BAYO},5000.00,above tier 1's single limit\n")
    result = list(csv.DictReader(io.StringIO(disburse(p, COOP, text, at=DAY))))
    assert [(r["line"], r["status"], r["code"]) for r in result] == [
        ("2", "paid", ""), ("3", "paid", ""), ("4", "refused", "BAD_PHONE"), ("5", "refused", "BAD_MONEY"),
        ("6", "refused", "NO_WALLET"), ("7", "refused", "LIMIT_SINGLE")]
    assert p.balance(ADA) == 2_500 * N and p.balance(BAYO) == 1_200 * N + 50
    assert all(r["movement"] for r in result if r["status"] == "paid")


def test_a_file_without_its_header_is_refused_whole(tmp_path: Path) -> None:
    p = provider(tmp_path)
    with pytest.raises(BaobabError) as refused:
        disburse(p, ADA, f"{BAYO},10.00,x\n")
    assert refused.value.code == "MALFORMED" and p.statement(BAYO) == []
