"""A demo network for the trade tests: every story organisation, fast blocks, a wide time window
so that a test can sign proposals dated in the future (banking-day deadlines, expiry)."""

from __future__ import annotations

import uuid

import pytest

from baobab import embedded
from baobab.core.errors import BaobabError
from baobab.demo import DEMO_ADMINS, DEMO_NETWORK, DEMO_ORGS
from baobab.contracts import governance
from baobab.ledger.runtime import Registry
from baobab.contracts.trade.bank_calendar import BankCalendar
from baobab.contracts.trade.documents import Documents
from baobab.contracts.trade.letter_of_credit import LetterOfCredit
from baobab.contracts.trade.payment_undertaking import PaymentUndertaking
from baobab.stories import soybeans as soy
from baobab.stories.embedded import embedded_actors
from tests.conftest import paying_reactor, synchronous_actors

FAST = {"max_txs": 50, "max_bytes": 8_000_000, "timeout_ms": 5}
YEAR_S = 366 * 24 * 3600


def trade_registry() -> Registry:
    # Only the contracts under test, so that others' work in progress cannot break these tests.
    return Registry([governance(), Documents(), BankCalendar(), LetterOfCredit(), PaymentUndertaking()])


@pytest.fixture(scope="module")
def network(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("trade")
    embedded.create(data_dir, DEMO_NETWORK, DEMO_ORGS, DEMO_ADMINS, block=FAST, time_window_s=YEAR_S)
    node = embedded.open_node(data_dir, trade_registry())
    yield node, data_dir
    node.close()


@pytest.fixture(scope="module")
def node(network):
    return network[0]


@pytest.fixture(scope="module")
def actors(network):
    node, data_dir = network
    actors = embedded_actors(node, data_dir)
    soy.load_calendars(actors)
    return actors


@pytest.fixture(scope="module")
def paying_actors(network, actors):
    """Actors with the paying banks' payments agents carrying out honours through the switch, as
    on a node (the other tests report settlements themselves, as a bank's back office would)."""
    node, data_dir = network
    return synchronous_actors(actors, paying_reactor(node, data_dir))


@pytest.fixture
def uid() -> str:
    return uuid.uuid4().hex[:8].upper()


def rejected(call, code="CONTRACT_ERROR", reason=None):
    """Run `call`, which must be refused with `code` (and contract `reason`); the error."""
    with pytest.raises(BaobabError) as err:
        call()
    assert err.value.code == code, err.value
    if reason is not None:
        assert err.value.detail.get("reason") == reason, err.value
    return err.value
