"""`baobab ledger export` writes a file that `baobab ledger check` verifies offline, and a
changed byte in it is named."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.conftest import Net
from tests.ledger.test_audit import build


def baobab(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "baobab.cli", *args], capture_output=True, text=True)


def exported(net: Net, tmp_path: Path) -> Path:
    build(net)
    out = tmp_path / "ledger.jsonl"
    result = baobab("ledger", "export", "--data", str(net.path), str(out))
    assert result.returncode == 0, result.stderr
    return out


def check(path: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = baobab("ledger", "check", str(path), "--json")
    return result.returncode, json.loads(result.stdout)


def test_an_exported_ledger_checks_offline(net: Net, tmp_path: Path) -> None:
    code, report = check(exported(net, tmp_path))
    assert code == 0 and report["ok"] and report["blocks"] == 9 and report["transactions"] == report["valid"] == 8


def test_a_recorded_code_changed_in_the_export_is_named(net: Net, tmp_path: Path) -> None:
    path = exported(net, tmp_path)
    lines = path.read_text().splitlines()
    entry = json.loads(lines[4])  # block 3
    entry["codes"] = ["MVCC_READ_CONFLICT"]
    lines[4] = json.dumps(entry)
    path.write_text("\n".join(lines) + "\n")
    code, report = check(path)
    assert code == 1 and report["where"]["block"] == 3 and "tx_id" in report["where"]


def test_a_changed_amount_in_the_export_is_named(net: Net, tmp_path: Path) -> None:
    path = exported(net, tmp_path)
    text = path.read_text()
    altered = text.replace('"amount":12', '"amount":92', 1)
    assert altered != text
    path.write_text(altered)
    code, report = check(path)
    assert code == 1 and not report["ok"] and "block" in report["where"]


def test_a_truncated_export_does_not_check(net: Net, tmp_path: Path) -> None:
    path = exported(net, tmp_path)
    lines = path.read_text().splitlines()
    path.write_text("\n".join(lines[:-1]) + "\n")
    code, report = check(path)
    assert code == 1 and not report["ok"]
