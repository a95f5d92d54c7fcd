from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from baobab import embedded
from baobab.contracts import default_registry
from baobab.ledger.runtime import Registry
from tests.conftest import FAST_BLOCKS, SMALL_ORGS, Net
from tests.ledger.sample_contracts import Deals


def registry_with_samples() -> Registry:
    registry = default_registry()
    registry.install(Deals())
    return registry


@pytest.fixture
def deals_net(tmp_path: Path) -> Iterator[Net]:
    path = tmp_path / "net"
    embedded.create(path, "test-net", SMALL_ORGS, ["KEBANK", "MYBANK", "ARBANK"], block=FAST_BLOCKS)
    n = Net(path, embedded.open_node(path, registry_with_samples()))
    yield n
    n.node.close()
