"""The stories' actors on an in-process node (the embedded mode and the tests): each signs as
its organisation's client and goes through the node's Gateway."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from baobab.client import Identity, actors_over
from baobab.gateway import gateway_of


def embedded_actors(node: Any, data_dir: str | Path, client: str = "app"):  # -> Actors
    gateway = gateway_of(node)
    return actors_over(lambda org: gateway, lambda org: Identity.load(data_dir, gateway.network, org, client))
