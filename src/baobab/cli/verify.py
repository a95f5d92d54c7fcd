"""`baobab verify`: audit a ledger from genesis; `baobab ledger export|check`: a portable copy, checked offline."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from baobab.contracts import default_registry
from baobab.core.errors import BaobabError
from baobab.embedded import LEDGER_FILE
from baobab.ledger import export as portable
from baobab.ledger.audit import AuditReport, audit
from baobab.ledger.store.at_rest import folder_sealer
from baobab.ledger.store.sqlite import SQLiteStore


@click.command()
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False, exists=True),
              help="The node's data folder.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def verify(data_dir: str, as_json: bool) -> None:
    """Run the database's own integrity check, rebuild the ledger from genesis and check every
    block, signature, policy and read version, and every derived table (transaction-id index,
    state, histories, block-hash tree) against the replay. Exits 1 and names the table and the
    first block, transaction or key that is wrong if anything was altered or damaged."""
    path = Path(data_dir) / LEDGER_FILE
    if not path.exists():
        click.echo(f"error [NOT_FOUND]: no ledger at {path}", err=True)
        sys.exit(2)
    start = time.perf_counter()
    try:
        store = SQLiteStore(path, folder_sealer(Path(data_dir)))
    except BaobabError as exc:  # not even readable as a database
        report = AuditReport(problem=exc.message, where=dict(exc.detail))
    else:
        try:
            report = audit(store, default_registry())
        finally:
            store.close()
    seconds = time.perf_counter() - start
    if as_json:
        click.echo(json.dumps({"ok": report.ok, "blocks": report.blocks, "transactions": report.transactions,
                               "valid": report.valid, "keys": report.keys, "problem": report.problem,
                               "where": report.where, "seconds": round(seconds, 3)}))
    elif report.ok:
        click.echo(f"ledger intact: {report.blocks} blocks, {report.transactions} transactions "
                   f"({report.valid} valid), {report.keys} live keys, checked in {seconds:.2f} s")
    else:
        click.echo(f"LEDGER ALTERED: {report.problem}", err=True)
    sys.exit(0 if report.ok else 1)


@click.group()
def ledger() -> None:
    """A portable copy of the ledger, and its offline check."""


@ledger.command("export")
@click.option("--data", "data_dir", default="data", show_default=True, type=click.Path(file_okay=False, exists=True),
              help="The node's data folder.")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
def export_command(data_dir: str, out: str) -> None:
    """Write every block with its validation codes and commit hash to OUT (JSON Lines, see
    docs/PROTOCOL.md), for `baobab ledger check` or any independent verifier."""
    path = Path(data_dir) / LEDGER_FILE
    if not path.exists():
        click.echo(f"error [NOT_FOUND]: no ledger at {path}", err=True)
        sys.exit(2)
    try:
        store = SQLiteStore(path, folder_sealer(Path(data_dir)))
    except BaobabError as exc:
        click.echo(f"error [{exc.code}]: {exc.message}", err=True)
        sys.exit(1)
    try:
        with open(out, "wb") as f:
            count = portable.export(store, f)
    finally:
        store.close()
    click.echo(f"exported {count} blocks to {out}")


@ledger.command("check")
@click.argument("file", type=click.Path(dir_okay=False, exists=True))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def check_command(file: str, as_json: bool) -> None:
    """Check an exported ledger offline: headers, links, orderer signatures, Merkle roots, every
    transaction validated again from genesis, codes and commit hashes. Exits 1 naming the
    first block or transaction that does not check."""
    report = portable.check(Path(file), default_registry())
    if as_json:
        click.echo(json.dumps({"ok": report.ok, "blocks": report.blocks, "transactions": report.transactions,
                               "valid": report.valid, "problem": report.problem, "where": report.where}))
    elif report.ok:
        click.echo(f"export checks: {report.blocks} blocks, {report.transactions} transactions ({report.valid} valid)")
    else:
        click.echo(f"EXPORT DOES NOT CHECK: {report.problem}", err=True)
    sys.exit(0 if report.ok else 1)
