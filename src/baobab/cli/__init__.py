"""The `baobab` command line. Each command group lives in its own module and is added here."""

from __future__ import annotations

import click

from baobab import __version__
from baobab.cli.failures import Group


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="baobab")
def cli() -> None:
    """Baobab: a shared, tamper-evident ledger for trade among developing countries."""


from baobab.cli.network import network  # noqa: E402
from baobab.cli.verify import ledger, verify  # noqa: E402

cli.add_command(network)
cli.add_command(verify)
cli.add_command(ledger)
from baobab.cli.node import compare, local, node  # noqa: E402

cli.add_command(node)
network.add_command(compare)
network.add_command(local)
from baobab.cli.oracle import oracle  # noqa: E402

cli.add_command(oracle)

from baobab.cli.up import up  # noqa: E402
from baobab.cli.demo import demo  # noqa: E402

cli.add_command(up)
cli.add_command(demo)

from baobab.cli.calls import api, call, query, token  # noqa: E402
from baobab.cli.reads import COMMANDS as READS  # noqa: E402

for command in (call, query, token, api, *READS):
    cli.add_command(command)

from baobab.cli.switch import switch  # noqa: E402
from baobab.cli.hub import hub  # noqa: E402

cli.add_command(switch)
cli.add_command(hub)

from baobab.cli.users import users  # noqa: E402

cli.add_command(users)


def main() -> None:
    cli(prog_name="baobab")
