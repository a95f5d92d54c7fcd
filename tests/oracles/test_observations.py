"""Replayed, stale, future-dated, wrongly signed or malformed observations are refused with stable codes."""

from __future__ import annotations

import pytest

from baobab.core.keys import PrivateKey
from tests.oracles.conftest import ORACLES, OracleNet, utc

FEED = "reefer/MSKU2/temp-max"


@pytest.fixture
def net4(onet: OracleNet) -> OracleNet:
    onet.serve(FEED, ORACLES[:4])
    onet.request("r", FEED, f=1, oracles=ORACLES[:4])
    return onet


def submit(net: OracleNet, obs: dict) -> str:
    return net.rejected(obs["body"]["oracle"], "oracles", "observe", {"round_id": "r", "observation": obs}).detail.get("reason")


def test_replayed_observation_is_refused(net4: OracleNet) -> None:
    obs = net4.observation("ORACLE1", FEED, 5000, "r")
    net4.ok("ORACLE1", "oracles", "observe", {"round_id": "r", "observation": obs})
    assert submit(net4, obs) == "OBSERVATION_REPLAYED"
    # a second, different answer from the same oracle in the same round is refused too
    assert submit(net4, net4.observation("ORACLE1", FEED, 5100, "r")) == "OBSERVATION_REPLAYED"


def test_stale_and_future_observations_are_refused(net4: OracleNet) -> None:
    assert submit(net4, net4.observation("ORACLE1", FEED, 5000, "r", at=utc(-2 * 3600))) == "OBSERVATION_STALE"
    assert submit(net4, net4.observation("ORACLE1", FEED, 5000, "r", at=utc(600))) == "OBSERVATION_FUTURE"


def test_wrong_signatures_are_refused(net4: OracleNet) -> None:
    forged = net4.observation("ORACLE1", FEED, 5000, "r", signer=PrivateKey.generate())
    assert submit(net4, forged) == "BAD_SIGNATURE"
    tampered = net4.observation("ORACLE1", FEED, 5000, "r")
    tampered["body"]["value"] = 1000
    assert submit(net4, tampered) == "BAD_SIGNATURE"
    unregistered = net4.observation("ORACLE1", FEED, 5000, "r", key_id="spare-probe")
    assert submit(net4, unregistered) == "BAD_SIGNATURE"


def test_revoked_keys_no_longer_sign(net4: OracleNet) -> None:
    net4.ok("ORACLE2", "oracles", "revoke_key", {"key_id": "probe", "reason": "probe stolen"})
    assert submit(net4, net4.observation("ORACLE2", FEED, 5000, "r")) == "BAD_SIGNATURE"


@pytest.mark.parametrize("change", [
    {"value": 5.5}, {"value": "5000"}, {"observed_at": "yesterday"}, {"evidence": "abc"}, {"extra": 1},
])
def test_malformed_observations_are_refused_and_change_nothing(net4: OracleNet, change: dict) -> None:
    obs = net4.observation("ORACLE1", FEED, 5000, "r")
    obs["body"] = {**obs["body"], **change}
    height = net4.node.height()
    assert submit(net4, obs) == "BAD_OBSERVATION"
    assert net4.node.height() == height and net4.round("r")["answers"] == {}


def test_only_oracles_register_feeds_and_keys(net4: OracleNet) -> None:
    err = net4.rejected("IBERJUS", "oracles", "register_key",
                        {"key_id": "k", "public_key": PrivateKey.generate().public.text, "kind": "device"})
    assert err.code in ("CONTRACT_ERROR", "ENDORSEMENT_POLICY_FAILURE")
    bad_kind = net4.rejected("ORACLE1", "oracles", "register_feed",
                             {"feed": "x/y", "type": "weather", "kind": "number", "unit": "mm", "source": "hardware"})
    assert bad_kind.code == "CONTRACT_ERROR"
