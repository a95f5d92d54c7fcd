"""A network of seven telemetry oracles, two banks, traders, an insurer, a doctors' board and a met office."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from baobab import embedded
from baobab.core.errors import BaobabError
from baobab.core.hashing import digest_hex, sha256
from baobab.core.keys import PrivateKey
from baobab.oracles.observation import make_observation
from baobab.reactors import Reactor, for_node
from tests.conftest import FAST_BLOCKS, Net

ORACLES = [f"ORACLE{i}" for i in range(1, 8)]
STATIONS = ["WX-CHOMA", "WX-MONZE", "WX-MAZABUKA"]
ORGS = [
    *({"id": o, "name": f"Telemetry {o}", "country": "IN", "roles": ["oracle"]} for o in ORACLES),
    {"id": "ESBANK", "name": "Banco Mediterraneo", "country": "ES", "roles": ["bank"]},
    {"id": "AEBANK", "name": "Gulf Trade Bank", "country": "AE", "roles": ["bank"]},
    {"id": "IBERJUS", "name": "Iberjus Bebidas", "country": "ES", "roles": ["trader"]},
    {"id": "DXB-JUICE", "name": "Dubai Fresh Juice", "country": "AE", "roles": ["trader"]},
    {"id": "MICRO-INS", "name": "Consuelo Microseguros", "country": "MX", "roles": ["insurer"]},
    {"id": "ET-HEALTH", "name": "Registered Physicians Board", "country": "ET", "roles": ["oracle"]},
    {"id": "MET-ZM", "name": "Zambia Meteorological Department", "country": "ZM", "roles": ["oracle"]},
    *({"id": s, "name": f"Weather station {s}", "country": "ZM", "roles": ["oracle"]} for s in STATIONS),
    {"id": "ZM-MOMO", "name": "Copperbelt Mobile Money", "country": "ZM", "roles": ["payment-provider"]},
    {"id": "ET-MOMO", "name": "Abyssinia Mobile Money", "country": "ET", "roles": ["payment-provider"]},
]


def utc(delta_s: int = 0) -> str:
    return (datetime.now(timezone.utc) + timedelta(seconds=delta_s)).strftime("%Y-%m-%dT%H:%M:%SZ")


def key_of(org: str, key_id: str = "probe") -> PrivateKey:
    return PrivateKey.from_seed(sha256(f"test/{org}/{key_id}".encode()))


class OracleNet(Net):
    def ok(self, org: str, contract: str, function: str, args: dict[str, Any], **extra: Any) -> Any:
        outcome = self.node.submit(self.identity(org).proposal(contract, function, args, **extra))
        assert outcome.valid, outcome
        return outcome.response

    def rejected(self, org: str, contract: str, function: str, args: dict[str, Any], **extra: Any) -> BaobabError:
        with pytest.raises(BaobabError) as info:
            self.node.submit(self.identity(org).proposal(contract, function, args, **extra))
        return info.value

    def observation(self, org: str, feed: str, value: int | bool, round_id: str | None, *, at: str | None = None,
                    key_id: str = "probe", signer: PrivateKey | None = None) -> dict[str, Any]:
        return make_observation(signer or key_of(org, key_id), oracle=org, key_id=key_id, feed=feed, value=value,
                                observed_at=at or utc(-30), evidence=digest_hex({"log": value, "by": org}),
                                round_id=round_id, nonce=os.urandom(6).hex())

    def serve(self, feed: str, oracles: list[str], kind: str = "number", unit: str = "mC",
              type: str = "temperature") -> None:
        for org in oracles:
            try:
                self.query(org, "oracles", "key", {"oracle": org, "key_id": "probe"})
            except BaobabError:
                self.ok(org, "oracles", "register_key", {"key_id": "probe", "public_key": key_of(org).public.text,
                                                         "kind": "device"})
            self.ok(org, "oracles", "register_feed", {"feed": feed, "type": type, "kind": kind, "unit": unit,
                                                      "source": "hardware"})

    def request(self, round_id: str, feed: str, f: int, **kw: Any) -> dict[str, Any]:
        args = {"round_id": round_id, "feed": feed, "f": f, "deadline": utc(60), "tolerance": 500, **kw}
        return self.ok("IBERJUS", "oracles", "request", args)

    def close_later(self, round_id: str) -> dict[str, Any]:
        """Close after the deadline: a proposal may be dated up to the network's time window ahead."""
        return self.ok("IBERJUS", "oracles", "close", {"round_id": round_id}, timestamp=utc(120) .replace("Z", ".000000Z"))

    def round(self, round_id: str, as_org: str = "IBERJUS") -> dict[str, Any]:
        return self.query(as_org, "oracles", "round", {"round_id": round_id})

    def answer(self, round_id: str, feed: str, values: dict[str, int | bool]) -> None:
        for org, value in values.items():
            self.ok(org, "oracles", "observe", {"round_id": round_id,
                                                 "observation": self.observation(org, feed, value, round_id)})

    def reactor(self, orgs: list[str] | None = None, clock: Any = None) -> Reactor:
        """The node's reactor, as `baobab up` runs it (driven here with run_once: no thread, no
        sleep; `clock` moves its time on, within the network's time window)."""
        return for_node(self.node, self.path, orgs=orgs, clock=clock)


def terms(feed: str, oracles: list[str] | None = None, f: int = 1, tolerance: int = 500, **more: Any) -> dict[str, Any]:
    """Oracle terms of one answer: by default the first four telemetry oracles, f=1."""
    return {"feed": feed, "oracles": ORACLES[:4] if oracles is None else oracles, "f": f, "tolerance": tolerance,
            "aggregation": "trimmed_median", **more}


@pytest.fixture
def onet(tmp_path: Path) -> Iterator[OracleNet]:
    path = tmp_path / "onet"
    embedded.create(path, "oracle-net", ORGS, ["ESBANK", "AEBANK"], block=FAST_BLOCKS)
    n = OracleNet(path, embedded.open_node(path))
    yield n
    n.node.close()


def agreement(net: OracleNet, agreement_id: str, condition: dict[str, Any], oracle_terms: dict[str, Any],
              expires: str | None = None, payer: str = "IBERJUS") -> dict[str, Any]:
    """IBERJUS (the payer, who bears the risk) pays DXB-JUICE EUR 12,500.00 if the condition holds."""
    return net.ok(payer, "conditional_payment", "create", {  # type: ignore[no-any-return]
        "agreement_id": agreement_id, "payer": "IBERJUS", "payee": "DXB-JUICE", "amount": 1_250_000,
        "currency": "EUR", "reference": f"INV-{agreement_id}", "condition": condition,
        "oracle_terms": oracle_terms, "expires": expires or utc(86400)})


def open_for(net: OracleNet, round_id: str, contract: str, obligation_id: str, answer: str, opener: str = "IBERJUS",
             **given: Any) -> dict[str, Any]:
    """Open the round of one answer of an obligation, under its terms."""
    return net.ok(opener, "oracles", "request", {  # type: ignore[no-any-return]
        "round_id": round_id, "deadline": utc(60), **given,
        "obligation": {"contract": contract, "id": obligation_id, "answer": answer}})
