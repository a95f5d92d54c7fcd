"""Expected failures end with one `Error: ...` line and a non-zero exit status, never a
traceback: 1 the node refused, 2 a bad invocation, 3 the command cannot run here."""

from __future__ import annotations

import socket
import subprocess

import pytest
from click.testing import CliRunner

from baobab import datalock
from baobab.cli import cli
from baobab.cli.output import contract_args

from baobab.net.process import free_port

from .conftest import BAOBAB, Up


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*BAOBAB, *args], capture_output=True, text=True, timeout=120)


def assert_one_line(result: subprocess.CompletedProcess[str], status: int, text: str) -> None:
    assert result.returncode == status, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error: ")]
    assert len(errors) == 1 and text in errors[0], result.stderr


def test_no_node_at_the_url_is_one_line_and_status_3(tmp_path) -> None:  # type: ignore[no-untyped-def]
    url = f"http://127.0.0.1:{free_port()}"
    assert_one_line(run("head", "--url", url, "--data", str(tmp_path), "--as", "KLTB/app"), 3,
                    f"cannot reach a Baobab node at {url}")
    assert_one_line(run("demo", "--url", url, "--data", str(tmp_path)), 3, "cannot reach a Baobab node")


def test_a_url_that_is_no_url_is_a_bad_invocation(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert_one_line(run("head", "--url", "localhost:8700", "--data", str(tmp_path), "--as", "KLTB"), 2, "not a node URL")


def test_a_port_in_use_refuses_before_the_ledger_opens(tmp_path) -> None:  # type: ignore[no-untyped-def]
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert_one_line(run("up", "--data", str(tmp_path / "d"), "--port", str(port)), 3, f"port {port} on 127.0.0.1 is in use")
    assert not (tmp_path / "d" / "genesis.json").exists() and not (tmp_path / "d" / "ledger.sqlite").exists()


def test_a_second_up_on_a_data_folder_in_use_refuses_before_opening_the_ledger(tmp_path) -> None:  # type: ignore[no-untyped-def]
    data = tmp_path / "d"
    with datalock.hold(data):
        assert_one_line(run("up", "--data", str(data), "--port", str(free_port())), 3, f"data folder {data} is in use")
        assert_one_line(run("demo", "--data", str(data)), 3, "is in use")
    assert not (data / "genesis.json").exists() and not (data / "ledger.sqlite").exists()


def test_a_data_folder_that_cannot_be_made_is_one_line_and_status_3(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "file").write_text("not a folder")
    assert_one_line(run("up", "--once", "--data", str(tmp_path / "file" / "data")), 3, "Not a directory")


@pytest.mark.parametrize("args, message", [
    (["up", "--data", __file__, "--once"], "is a file"),
    (["demo", "--story", "99"], "no such story"),
    (["head"], "Missing option '--as'"),
    (["head", "--as", "kltb"], "expected ORG/NAME"),
    (["call", "accounts"], "Missing argument 'FUNCTION'"),
    (["call", "accounts", "open", "--as", "KLTB", "--arg", "account"], "expected KEY=VALUE"),
    (["call", "accounts", "open", "--as", "KLTB", "--args", "{oops"], "not JSON"),
    (["call", "accounts", "open", "--as", "KLTB", "--args", "[1]"], "give a JSON object"),
    (["call", "accounts", "issue", "--as", "KLTB", "--arg", "amount=12.5"], "is a fraction"),
    (["call", "x", "y", "--as", "KLTB", "--money", "amount=12.505 USD"], "more decimals than the currency allows"),
    (["call", "x", "y", "--as", "KLTB", "--money", "amount=12"], "expected KEY=AMOUNT CUR"),
    (["api", "GET", "v1/head", "--as", "KLTB"], "a path on the node"),
    (["api", "GET", "/v1/head", "--as", "KLTB", "--body", "@/nonexistent/body.json"], "cannot read"),
    (["block", "-1", "--as", "KLTB"], "-1"),
])
def test_a_bad_invocation_is_one_line_and_status_2(args: list[str], message: str) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"  # the bad invocation must be caught before any request
    takes_url = len(args) > 1 and args[0] not in ("up", "demo")
    result = CliRunner().invoke(cli, [*args, "--url", nowhere] if takes_url else args)
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert message in result.stderr and "Traceback" not in result.output


def test_a_refusal_by_the_node_is_one_line_with_its_code_and_status_1(up: Up) -> None:
    missing = up.run("get", "accounts", "acct/NOBODY")
    assert missing.exit_code == 1 and missing.stderr.strip() == "Error: NOT_FOUND: no key accounts:acct/NOBODY"
    no_key = up.run("head", identity="KLTB/nokey")
    assert no_key.exit_code == 1 and no_key.stderr.startswith("Error: UNKNOWN_IDENTITY: no key file")
    assert up.run("call", "accounts", "open", "--arg", "account=KLTB-TWICE", "--arg", "currency=MYR").exit_code == 0
    refused = up.run("call", "accounts", "open", "--arg", "account=KLTB-TWICE", "--arg", "currency=MYR")
    assert refused.exit_code == 1 and refused.stdout == ""
    assert refused.stderr.startswith("Error: CONTRACT_ERROR") and len(refused.stderr.splitlines()) == 1


def test_money_options_are_sent_in_minor_units() -> None:
    assert contract_args(None, ("terms.expiry=2026-09-30", "n=3"), ("terms.amount=1250.50 USD",)) == {
        "terms": {"expiry": "2026-09-30", "amount": {"currency": "USD", "minor": 125050}}, "n": 3}


def test_every_command_explains_itself_with_help() -> None:
    def paths(group, prefix):  # type: ignore[no-untyped-def]
        for name, command in group.commands.items():
            yield [*prefix, name]
            if hasattr(command, "commands"):
                yield from paths(command, [*prefix, name])

    for path in paths(cli, []):
        result = CliRunner().invoke(cli, [*path, "--help"], prog_name="baobab")
        assert result.exit_code == 0 and result.stdout.startswith(f"Usage: baobab {' '.join(path)}"), path
