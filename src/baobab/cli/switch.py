"""`baobab switch ...`: the payments switch a node hosts, for its operator.

    baobab switch positions   each participant's liquidity, position and net debit cap
    baobab switch windows     recent settlement windows
    baobab switch report N    a window's net positions per participant and currency
    baobab switch reconcile   prove that account totals, journal and transfers agree (exit 1 if not)

Read from `<data>/switch.sqlite` (the node may be running: its writes wait for ours).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from baobab.cli.failures import Failure, Group
from baobab.core.money import Money
from baobab.pay.store import SQLiteDatabase
from baobab.pay.switch import Switch
from baobab.services import SWITCH_FILE

DATA = click.option("--data", type=click.Path(path_type=Path), default=Path("data"), show_default=True,
                    help="data folder of the node that hosts the switch")


@contextmanager
def opened(data: Path) -> Iterator[Switch]:
    path = data / SWITCH_FILE
    if not path.exists():
        raise Failure(f"no switch in {data} (the node creates {SWITCH_FILE} when it starts)", 3)
    db = SQLiteDatabase(path)
    try:
        yield Switch(db)
    finally:
        db.close()


def _money(currency: str, minor: int) -> str:
    return str(Money(currency, minor))


@click.group(cls=Group)
def switch() -> None:
    """The payments switch this node hosts (FSPIOP participants, positions, settlement)."""


@switch.command()
@DATA
def positions(data: Path) -> None:
    """Each participant's liquidity, position and net debit cap, per currency."""
    with opened(data) as s:
        for p in s.positions():
            c = p["currency"]
            click.echo(f"{p['fsp']:<12} {c}  liquidity {_money(c, p['liquidity']):>22}  position {_money(c, p['position']):>22}"
                       f"  cap {_money(c, p['net_debit_cap']):>22}  may send {_money(c, p['headroom']):>22}"
                       + ("" if p["active"] else "  (inactive)"))


@switch.command()
@DATA
def windows(data: Path) -> None:
    """The most recent settlement windows."""
    with opened(data) as s:
        for w in s.windows():
            click.echo(f"{w['id']:>6}  {w['state']:<19} opened {w['opened_at']}  closed {w['closed_at'] or '-'}"
                       f"  settled {w['settled_at'] or '-'}")


@switch.command()
@click.argument("window", type=int)
@DATA
def report(window: int, data: Path) -> None:
    """A settlement window's net positions (positive: owes the others)."""
    with opened(data) as s:
        for r in s.settlement_report(window):
            c = r["currency"]
            click.echo(f"{r['fsp']:<12} sent {_money(c, r['sent']):>22}  received {_money(c, r['received']):>22}"
                       f"  net {_money(c, r['net']):>22}  ({r['transfers']} transfers)")


@switch.command()
@DATA
def reconcile(data: Path) -> None:
    """Prove that account totals, the journal's transfers and the switch's transfers agree."""
    with opened(data) as s:
        problems = s.reconcile()
    for problem in problems:
        click.echo(problem)
    if problems:
        raise Failure(f"{len(problems)} disagreements in the switch's books")
    click.echo("reconciled: every account's totals match its journal entries, debits equal credits per currency, "
               "and every transfer's state matches its journal entry")
