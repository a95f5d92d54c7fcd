"""`baobab users ...`: the people who sign in to a node's pages, kept by the node's operator.

    baobab users add ORG NAME --role officer   a user (password read from the terminal or stdin)
    baobab users totp ORG NAME                 give the user a second factor; prints its secret once

The users file is `<data>/web.sqlite` of the node (embedded: `baobab up --data DIR`; network:
`--config` of `baobab node`, whose data folder it finds). A network node signs in the people of
the organisations it serves only, so a user of any other organisation is refused here.
"""

from __future__ import annotations

from pathlib import Path

import click

from baobab.cli.failures import USAGE, Failure, Group
from baobab.services import WEB_FILE


def _folder(data: Path | None, config_path: str | None, org: str) -> Path:
    if config_path:
        from baobab.net.config import NodeConfig

        config = NodeConfig.load(config_path)
        if org not in config.orgs:
            raise Failure(f"the node of {config_path} serves {', '.join(config.orgs)}, not {org}", USAGE)
        folder = config.api_dir
    else:
        folder = data or Path("data")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


WHERE = [
    click.option("--data", type=click.Path(file_okay=False, path_type=Path), default=None,
                 help="data folder of an embedded node (default: data)"),
    click.option("--config", "config_path", type=click.Path(dir_okay=False, exists=True), default=None,
                 help="config file of a network node (`baobab node --config`)"),
]


def where(f):  # type: ignore[no-untyped-def]
    for option in reversed(WHERE):
        f = option(f)
    return f


@click.group(cls=Group)
def users() -> None:
    """People who sign in to this node's pages (users of its organisations)."""


@users.command()
@click.argument("org")
@click.argument("name")
@click.option("--role", "roles", multiple=True, type=click.Choice(["admin", "officer", "viewer"]), required=True,
              help="what the person may do on the pages (repeatable)")
@click.option("--client", default="app", show_default=True, help="the organisation's client identity the person acts as")
@click.password_option("--password", prompt="Password", help="at least 12 characters (asked when not given)")
@where
def add(org: str, name: str, roles: tuple[str, ...], client: str, password: str, data: Path | None,
        config_path: str | None) -> None:
    """Add a user NAME of organisation ORG."""
    from baobab.web.users import Users

    store = Users(_folder(data, config_path, org) / WEB_FILE)
    try:
        user = store.add(org.upper(), name.lower(), password, list(roles), client=client)
    finally:
        store.close()
    click.echo(f"{user.org} {user.username}: {', '.join(user.roles)} (acts as {user.org}/{user.client})")


@users.command()
@click.argument("org")
@click.argument("name")
@where
def totp(org: str, name: str, data: Path | None, config_path: str | None) -> None:
    """Give user NAME a TOTP second factor; prints the secret for the authenticator app, once."""
    from baobab.web.users import Users

    store = Users(_folder(data, config_path, org) / WEB_FILE)
    try:
        store.get(org.upper(), name.lower())
        secret = store.enable_totp(org.upper(), name.lower())
    finally:
        store.close()
    click.echo(secret)
