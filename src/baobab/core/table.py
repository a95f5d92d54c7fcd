"""Records as rows of typed columns, for CSV exports and `--csv` output.

A nested JSON value becomes one column per leaf, named by its path (`terms.expiry`,
`lines.0.quantity`), so a spreadsheet or a database import sees one field per column instead
of one JSON blob. A money object {currency, minor} becomes two columns: `path` with the
decimal amount in major units ("1250.50") and `path.currency` ("USD"); an integer amount
beside a `currency` field ({currency, balance}) is written in major units too. Booleans are written
true/false, null as an empty cell; an empty list or object as an empty cell under its path.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

from baobab.core.money import amounts_beside_currency, as_money


def flatten(value: Any, path: str = "") -> dict[str, str]:
    """{column: cell} for one JSON value; `path` names the value itself."""
    money = as_money(value)
    if money is not None:
        return {path: str(money.decimal), f"{path}.currency": money.currency}
    if isinstance(value, dict) and value:
        beside = amounts_beside_currency(value)
        out: dict[str, str] = {}
        for key, item in value.items():
            name = f"{path}.{key}" if path else str(key)
            out.update({name: str(beside[key].decimal)} if key in beside else flatten(item, name))
        return out
    if isinstance(value, list) and value:
        out = {}
        for i, item in enumerate(value):
            out.update(flatten(item, f"{path}.{i}" if path else str(i)))
        return out
    return {path: cell(value)}


def cell(value: Any) -> str:
    if value is None or value == [] or value == {}:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def write_csv(rows: Iterable[dict[str, str]], leading: Sequence[str] = ()) -> str:
    """CSV text: the `leading` columns first in that order, then every other column sorted;
    a row without a column leaves its cell empty."""
    rows = list(rows)
    rest = sorted({c for r in rows for c in r} - set(leading))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=[*leading, *rest], restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buf.getvalue()
