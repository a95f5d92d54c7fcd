"""`baobab switch`: the operator reads positions and windows as money, proves the books agree,
and learns at once (exit 1) when a row of the journal was changed behind the switch's back."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from baobab.cli import cli
from baobab.pay.store import SQLiteDatabase
from baobab.pay.switch import Switch, condition_of

FULFILMENT = "UNlJ98hZTY_dsw0cAqw4i_UN3v4utt7CZFB4yfLbVFA"


def a_switch_with_one_transfer(data: Path) -> None:
    switch = Switch(SQLiteDatabase(data / "switch.sqlite"))
    switch.add_participant("KEBANK", "Kenya Trade Bank", "http://127.0.0.1:1/k", {"KES": 10_000_00})
    switch.add_participant("KE-MOMO", "Rift Valley Mobile Money", "http://127.0.0.1:1/m", {"KES": 10_000_00})
    switch.fund("f", "KEBANK", "KES", 5_000_00)
    switch.prepare({"transferId": "t1", "payerFsp": "KEBANK", "payeeFsp": "KE-MOMO", "amount": {"currency": "KES", "minor": 1_250_00},
                    "condition": condition_of(FULFILMENT), "expiration": "2099-01-01T00:00:00.000Z"}, source="KEBANK")
    switch.fulfil("t1", FULFILMENT, source="KE-MOMO")
    switch.db.close()


def test_positions_windows_and_report_are_written_as_money(tmp_path: Path) -> None:
    a_switch_with_one_transfer(tmp_path)
    run = CliRunner().invoke
    positions = run(cli, ["switch", "positions", "--data", str(tmp_path)])
    assert positions.exit_code == 0 and "1250.00 KES" in positions.output and "125000" not in positions.output
    assert "OPEN" in run(cli, ["switch", "windows", "--data", str(tmp_path)]).output
    report = run(cli, ["switch", "report", "1", "--data", str(tmp_path)])
    lines = {line.split()[0]: line for line in report.output.splitlines()}
    assert report.exit_code == 0 and "net 1250.00 KES" in " ".join(lines["KEBANK"].split()) and "net -1250.00 KES" in " ".join(lines["KE-MOMO"].split())


def test_reconcile_proves_the_books_and_names_a_tampered_account(tmp_path: Path) -> None:
    a_switch_with_one_transfer(tmp_path)
    assert CliRunner().invoke(cli, ["switch", "reconcile", "--data", str(tmp_path)]).exit_code == 0
    db = SQLiteDatabase(tmp_path / "switch.sqlite")
    db.run("UPDATE journal_accounts SET credits_posted = credits_posted + 1 WHERE id = 'KE-MOMO/KES/position'")
    db.close()
    result = CliRunner().invoke(cli, ["switch", "reconcile", "--data", str(tmp_path)])
    assert result.exit_code == 1 and "KE-MOMO/KES/position" in result.output and "Traceback" not in result.output


def test_an_unknown_window_or_a_missing_switch_is_one_line(tmp_path: Path) -> None:
    assert CliRunner().invoke(cli, ["switch", "positions", "--data", str(tmp_path)]).exit_code == 3
    a_switch_with_one_transfer(tmp_path)
    result = CliRunner().invoke(cli, ["switch", "report", "99", "--data", str(tmp_path)])
    assert result.exit_code == 1 and "3200" in result.output and "Traceback" not in result.output
