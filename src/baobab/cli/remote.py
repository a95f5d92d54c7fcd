"""The command line's one door to a node: the options that name the node and the identity,
and the signed client built from them. Every command that talks to a node gets its client
here, so a change of client adapter is made in this module alone."""

from __future__ import annotations

import re
from urllib.parse import quote
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from baobab.client import Identity
from baobab.http_client import BaobabClient, health

DEFAULT_URL = "http://127.0.0.1:8700"
IDENTITY = re.compile(r"^([A-Z0-9][A-Z0-9_-]{1,31})(?:/([a-z0-9][a-z0-9_.-]{0,31}))?$")
F = TypeVar("F", bound=Callable[..., Any])


def node_options(command: F) -> F:
    """--url, --data and --as, each also read from the environment (BAOBAB_URL, BAOBAB_DATA,
    BAOBAB_AS), so a shell session can set them once."""
    for option in reversed([
        click.option("--url", envvar="BAOBAB_URL", default=DEFAULT_URL, show_default=True, show_envvar=True,
                     help="the node's API"),
        click.option("--data", envvar="BAOBAB_DATA", default=Path("data"), show_default=True, show_envvar=True,
                     type=click.Path(file_okay=False, path_type=Path), help="data folder holding the keystore (keys/)"),
        click.option("--as", "identity", envvar="BAOBAB_AS", required=True, show_envvar=True, metavar="ORG[/NAME]",
                     help="client identity whose key signs the requests: keys/ORG/clients/NAME.key (NAME default app)"),
    ]):
        command = option(command)
    return command


def parse_identity(text: str) -> tuple[str, str]:
    match = IDENTITY.match(text)
    if match is None:
        raise click.BadParameter(f"{text!r}: expected ORG/NAME, e.g. KLTB/app", param_hint="'--as'")
    return match.group(1), match.group(2) or "app"


def connect(url: str, data: Path, identity: str) -> BaobabClient:
    """A client of the node at `url` that signs every request with `identity`'s key from
    `data/keys`; the network's name comes from the node itself."""
    from baobab.net.tls import node_client

    org, name = parse_identity(identity)
    http = node_client(url, data, org, timeout=60.0)  # https: pinned to the anchor of org's node (net/tls.py)
    network = health(url, http=http)["network"]
    return BaobabClient(url, Identity.load(data, network, org, name), http=http)


def get_json(client: BaobabClient, path: str, **params: Any) -> Any:
    """GET a path of the node (query parameters left out when None), its JSON answer."""
    return client.request("GET", path, params={k: v for k, v in params.items() if v is not None} or None).json()


def segment(text: str) -> str:
    """A namespace or key as a path part: `/` stays (keys may contain it), the rest escaped."""
    return quote(text, safe="/")
