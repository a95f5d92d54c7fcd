"""`baobab hub`: the payments switch alone, for an operator who runs it on its own machine.

    baobab hub --data hub-data --issue-token hub_operator   a token for the operator's admin API (shown once)
    baobab hub --data hub-data --issue-token KEBANK         a participant's token for FSPIOP
    baobab hub --data hub-data --listen 0.0.0.0:8460        run: /fspiop, /hub, /health, /metrics

The switch's books are `<data>/switch.sqlite` (so `baobab switch positions --data <data>` reads
them), or a PostgreSQL database with `--database postgresql://...`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import click

from baobab import datalock
from baobab.cli.failures import Failure
from baobab.cli.up import listen, serve

DEFAULT_LISTEN = "127.0.0.1:8460"


def _open(data: Path, database: str | None):  # type: ignore[no-untyped-def]
    from baobab.pay.store import PostgresDatabase, SQLiteDatabase
    from baobab.services import SWITCH_FILE

    if database is None:
        return SQLiteDatabase(data / SWITCH_FILE)
    if not database.startswith(("postgresql://", "postgres://")):
        raise Failure(f"--database {database!r} is not a postgresql:// URL", 2)
    try:
        return PostgresDatabase(database)
    except Exception as exc:  # psycopg's OperationalError: no server, bad credentials
        raise Failure(f"cannot reach the database: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}", 3) from None


@click.command()
@click.option("--data", type=click.Path(path_type=Path), default=Path("hub-data"), show_default=True,
              help="the switch's folder: its SQLite books (switch.sqlite) unless --database is given")
@click.option("--database", metavar="URL", default=None,
              help="keep the switch's books in PostgreSQL instead (postgresql://user:pass@host/db)")
@click.option("--listen", "address", default=DEFAULT_LISTEN, show_default=True, metavar="HOST:PORT",
              help="where the switch listens")
@click.option("--replay-window", type=click.IntRange(1, 3600), default=300, show_default=True, metavar="SECONDS",
              help="a signed FSPIOP request must be dated within this many seconds of the switch's clock, "
                   "and its signature is refused if sent again meanwhile (3105)")
@click.option("--issue-token", metavar="NAME", default=None,
              help="issue a bearer token for participant NAME (or hub_operator, for the /hub admin API), "
                   "print it once and exit")
def hub(data: Path, database: str | None, address: str, replay_window: int, issue_token: str | None) -> None:
    """Run the payments switch alone: FSPIOP v1.1 under /fspiop, the operator's administration API
    (Mojaloop central-ledger shapes) under /hub, /health and Prometheus /metrics.

    Participants and the operator authenticate with bearer tokens issued by --issue-token.
    Onboard participants through /hub (participants, positions and limits, endpoints, funds in);
    read positions and settlement with `baobab switch ... --data DATA`.
    """
    from baobab.pay.hub import Hub
    from baobab.pay.hub_server import Credentials

    host, _, port_text = address.rpartition(":")
    if not host or not port_text.isdigit():
        raise Failure(f"--listen {address!r} is not HOST:PORT", 2)
    with datalock.hold(data):  # one switch per folder
        db = _open(data, database)
        try:
            hub_ = Hub(db, replay_window=timedelta(seconds=replay_window))
            credentials = Credentials(db)
            if issue_token is not None:
                click.echo(credentials.issue(issue_token))
                return
            _serve(hub_, credentials, host, int(port_text))
        finally:
            db.close()


def _serve(hub_, credentials, host: str, port: int) -> None:  # type: ignore[no-untyped-def]
    from baobab.pay.hub_server import hub_app

    sock = listen(host, port)
    try:
        click.echo(f"Switch listening on http://{host}:{port}  (FSPIOP /fspiop, admin /hub, /health, /metrics)")
        serve(hub_app(hub_, credentials), sock)
    finally:
        sock.close()
        click.echo("Switch stopped.")
