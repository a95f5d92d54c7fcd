"""What commands read from their options (contract arguments) and how they print answers.

People see amounts as decimals with their currency ("1250.50 USD"); `--json` prints the wire
form ({currency, minor}) for scripts. `--csv` prints typed columns (core/table.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import click

from baobab.core.errors import BaobabError
from baobab.core.money import Money, for_display
from baobab.core.table import flatten, write_csv

raw_option = click.option("--json", "raw", is_flag=True,
                          help="print the node's JSON as sent (amounts as {currency, minor})")
args_options = [
    click.option("--args", "args_json", metavar="JSON", default=None,
                 help="the arguments as one JSON object, e.g. '{\"account\": \"KLTB-1\"}'"),
    click.option("--arg", "arg_pairs", multiple=True, metavar="KEY=VALUE",
                 help="one argument; VALUE is read as JSON when it parses (42, true, [..], {..}), else as text; "
                      "a dotted KEY nests (terms.expiry=2026-09-30)"),
    click.option("--money", "money_pairs", multiple=True, metavar="KEY=AMOUNT CUR",
                 help="an amount in major units, e.g. --money 'terms.amount=1250.50 USD', sent as {currency, minor}"),
]


def with_args(command: Any) -> Any:
    for option in reversed(args_options):
        command = option(command)
    return command


def _no_float(text: str) -> Any:
    raise click.BadParameter(f"{text} is a fraction: amounts are --money 'KEY=1.50 USD' or integers in minor units")


def _set(args: dict[str, Any], dotted: str, value: Any, hint: str) -> None:
    *parents, last = dotted.split(".")
    if not all([*parents, last]):
        raise click.BadParameter(f"{dotted!r} is not a KEY", param_hint=hint)
    here = args
    for part in parents:
        here = here.setdefault(part, {})
        if not isinstance(here, dict):
            raise click.BadParameter(f"{dotted!r}: {part} is not an object", param_hint=hint)
    here[last] = value


def contract_args(args_json: str | None, arg_pairs: tuple[str, ...], money_pairs: tuple[str, ...]) -> dict[str, Any]:
    """The contract arguments: --args, then each --arg, then each --money, later ones winning."""
    args: dict[str, Any] = {}
    if args_json is not None:
        try:
            args = json.loads(args_json, parse_float=_no_float)
        except json.JSONDecodeError as exc:
            raise click.BadParameter(f"not JSON: {exc}", param_hint="'--args'") from None
        if not isinstance(args, dict):
            raise click.BadParameter("give a JSON object", param_hint="'--args'")
    for pair in arg_pairs:
        key, sep, text = pair.partition("=")
        if not sep:
            raise click.BadParameter(f"{pair!r}: expected KEY=VALUE", param_hint="'--arg'")
        try:
            value = json.loads(text, parse_float=_no_float)
        except json.JSONDecodeError:
            value = text
        _set(args, key, value, "'--arg'")
    for pair in money_pairs:
        key, sep, text = pair.partition("=")
        amount, _, currency = text.strip().partition(" ")
        if not sep or not currency:
            raise click.BadParameter(f"{pair!r}: expected KEY=AMOUNT CUR, e.g. amount=1250.50 USD", param_hint="'--money'")
        try:
            money = Money.parse(amount, currency.strip().upper())
        except BaobabError as exc:
            raise click.BadParameter(exc.message, param_hint="'--money'") from None
        _set(args, key, money.to_json(), "'--money'")
    return args


def show(value: Any, raw: bool = False) -> None:
    click.echo(json.dumps(value if raw else for_display(value), indent=2, ensure_ascii=False))


def show_records(records: Iterable[dict[str, Any]], *, raw: bool, as_csv: bool) -> None:
    """State records ({key, value, version}): one JSON object a line, or CSV with typed columns."""
    if as_csv:
        rows = [{"key": r["key"], "version": ".".join(map(str, r.get("version") or [])), **flatten(r.get("value"), "value")}
                for r in records]
        click.echo(write_csv(rows, ["key", "version"]), nl=False)
        return
    for record in records:
        click.echo(json.dumps(record if raw else for_display(record), ensure_ascii=False))
