"""`baobab hub` runs the switch alone as its own process: the operator onboards two participants
through /hub, and a lookup, a quote and a transfer travel through /fspiop to their callback
servers; /health and /metrics answer; the books reconcile after it stops."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

import baobab
from baobab.cli import cli
from baobab.net.process import free_port, stop, wait_healthy
from baobab.pay.switch import stamp
from tests.pay.servers import Fsp
from tests.pay.test_fspiop_http import CONDITION, FULFILMENT, ILP_PACKET

MSISDN = "254712345678"


def token(data: Path, name: str) -> str:
    result = CliRunner().invoke(cli, ["hub", "--data", str(data), "--issue-token", name])
    assert result.exit_code == 0, result.output
    return result.output.strip()


class Running:
    def __init__(self, data: Path) -> None:
        self.tokens = {name: token(data, name) for name in ("hub_operator", "payerfsp", "payeefsp")}
        self.payer, self.payee = Fsp("payerfsp"), Fsp("payeefsp")
        self.url = f"http://127.0.0.1:{free_port()}"
        env = {**os.environ, "PYTHONPATH": str(Path(baobab.__file__).parents[1])}
        self.process = subprocess.Popen([sys.executable, "-m", "baobab.cli", "hub", "--data", str(data),
                                         "--listen", self.url.removeprefix("http://")], env=env,
                                        stdout=subprocess.DEVNULL, stderr=(data / "hub.log").open("wb"))
        wait_healthy(self.url, self.process)
        self.http = httpx.Client(base_url=self.url, timeout=10)

    def admin(self, method: str, path: str, body: Any) -> httpx.Response:
        return self.http.request(method, "/hub" + path, json=body,
                                 headers={"Authorization": f"Bearer {self.tokens['hub_operator']}"})

    def fspiop(self, method: str, path: str, resource: str, source: str, body: Any = None, **headers: str) -> httpx.Response:
        media = f"application/vnd.interoperability.{resource}+json;version=1.1"
        h = {"Authorization": f"Bearer {self.tokens[source]}", "FSPIOP-Source": source, "Accept": media,
             "Content-Type": media, "Date": format_datetime(datetime.now(timezone.utc), usegmt=True), **headers}
        return self.http.request(method, "/fspiop" + path, json=body, headers=h)

    def close(self) -> None:
        self.http.close()
        stop(self.process)
        self.payer.served.stop(), self.payee.served.stop()


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    r = Running(tmp_path)
    yield r
    r.close()


def onboard(r: Running) -> None:
    for fsp in (r.payer, r.payee):
        assert r.admin("POST", "/participants", {"name": fsp.name, "currency": "USD"}).status_code == 201
        assert r.admin("POST", f"/participants/{fsp.name}/initialPositionAndLimits", {
            "currency": "USD", "limit": {"type": "NET_DEBIT_CAP", "value": 1000}, "initialPosition": 0}).status_code == 201
        for kind, value in (("FSPIOP_CALLBACK_URL_QUOTES", fsp.url), ("FSPIOP_CALLBACK_URL_TRANSFER_POST", fsp.url + "/transfers")):
            assert r.admin("POST", f"/participants/{fsp.name}/endpoints", {"type": kind, "value": value}).status_code == 201
        settlement = next(a for a in r.admin("GET", f"/participants/{fsp.name}/accounts", None).json()
                          if a["ledgerAccountType"] == "SETTLEMENT")
        assert r.admin("POST", f"/participants/{fsp.name}/accounts/{settlement['id']}", {
            "transferId": f"funds-in-{fsp.name}", "externalReference": "opening", "action": "recordFundsIn",
            "reason": "liquidity", "amount": {"amount": "500", "currency": "USD"}}).status_code == 202


def test_the_hub_process_carries_a_lookup_a_quote_and_a_transfer(running: Running, tmp_path: Path) -> None:
    r = running
    assert r.admin("GET", "/participants", None).status_code == 200
    refused = r.http.get("/hub/participants", headers={"Authorization": f"Bearer {r.tokens['payerfsp']}"})
    assert refused.json()["errorInformation"]["errorCode"] == "3000"  # a participant is not the operator
    onboard(r)

    assert r.fspiop("POST", f"/participants/MSISDN/{MSISDN}", "participants", "payeefsp",
                    {"fspId": "payeefsp", "currency": "USD"}).status_code == 202
    r.payee.next("PUT", f"/participants/MSISDN/{MSISDN}")
    assert r.fspiop("GET", f"/parties/MSISDN/{MSISDN}", "parties", "payerfsp").status_code == 202
    r.payee.next("GET", f"/parties/MSISDN/{MSISDN}")
    party = {"party": {"partyIdInfo": {"partyIdType": "MSISDN", "partyIdentifier": MSISDN, "fspId": "payeefsp"}}}
    r.fspiop("PUT", f"/parties/MSISDN/{MSISDN}", "parties", "payeefsp", party, **{"FSPIOP-Destination": "payerfsp"})
    assert r.payer.next("PUT", f"/parties/MSISDN/{MSISDN}")[3] == party

    quote_id, transfer_id = str(uuid.uuid4()), str(uuid.uuid4())
    quote = {"quoteId": quote_id, "transactionId": str(uuid.uuid4()), "payee": party["party"],
             "payer": {"partyIdInfo": {"partyIdType": "MSISDN", "partyIdentifier": "254700000001", "fspId": "payerfsp"}},
             "amountType": "SEND", "amount": {"currency": "USD", "amount": "12.5"},
             "transactionType": {"scenario": "TRANSFER", "initiator": "PAYER", "initiatorType": "CONSUMER"}}
    assert r.fspiop("POST", "/quotes", "quotes", "payerfsp", quote, **{"FSPIOP-Destination": "payeefsp"}).status_code == 202
    assert r.payee.next("POST", "/quotes")[3] == quote
    expires = stamp(datetime.now(timezone.utc) + timedelta(minutes=1))
    answer = {"transferAmount": {"currency": "USD", "amount": "12.5"}, "expiration": expires, "ilpPacket": ILP_PACKET,
              "condition": CONDITION}
    r.fspiop("PUT", f"/quotes/{quote_id}", "quotes", "payeefsp", answer, **{"FSPIOP-Destination": "payerfsp"})
    assert r.payer.next("PUT", f"/quotes/{quote_id}")[3] == answer

    prepare = {"transferId": transfer_id, "payerFsp": "payerfsp", "payeeFsp": "payeefsp", "amount": answer["transferAmount"],
               "ilpPacket": ILP_PACKET, "condition": CONDITION, "expiration": expires}
    assert r.fspiop("POST", "/transfers", "transfers", "payerfsp", prepare).status_code == 202
    r.payee.next("POST", "/transfers")
    done = {"fulfilment": FULFILMENT, "completedTimestamp": stamp(datetime.now(timezone.utc)), "transferState": "COMMITTED"}
    assert r.fspiop("PUT", f"/transfers/{transfer_id}", "transfers", "payeefsp", done).status_code == 200
    assert r.payer.next("PUT", f"/transfers/{transfer_id}")[3]["transferState"] == "COMMITTED"

    assert r.http.get("/health").json()["participants"] == 2
    assert 'baobab_switch_transfers{state="COMMITTED"} 1.0' in r.http.get("/metrics").text
    r.close()
    positions = CliRunner().invoke(cli, ["switch", "positions", "--data", str(tmp_path)])
    assert "12.50 USD" in positions.output
    assert CliRunner().invoke(cli, ["switch", "reconcile", "--data", str(tmp_path)]).exit_code == 0
    r.close = lambda: None  # type: ignore[method-assign]


def test_a_bad_database_url_or_address_is_one_line(tmp_path: Path) -> None:
    for args in (["--database", "mysql://x"], ["--listen", "nowhere"]):
        result = CliRunner().invoke(cli, ["hub", "--data", str(tmp_path), *args])
        assert result.exit_code == 2 and "Traceback" not in result.output, result.output
