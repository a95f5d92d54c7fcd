"""Payments to a provider on another node, as FSPIOP messages: the payer provider's FSP quotes and
transfers, the payee's FSP (with the provider's wallets as its books) credits the wallet before
it fulfils. The two FSPs meet through a switch relayed here in process, message by message, so
each step (and a crash between two) can be looked at; tests/network plays the same on two nodes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from baobab.core.errors import BaobabError
from baobab.pay.errors import FspiopError
from baobab.pay.fspiop import from_fspiop_amount
from baobab.pay.hub import Hub
from baobab.pay.participant import Participant
from baobab.pay.store import SQLiteDatabase
from baobab.pay.switch import ABORTED, COMMITTED, RESERVED
from baobab.wallet.interop import SwitchLink
from baobab.wallet.provider import Provider
from tests.wallet.test_interop import ADA, CHIDI, DAY, N, two_providers



class Relay:
    """The switch between two FSPs, in process: what one says is handled by the switch and passed
    to the other at once. `before_transfer()` runs as the switch forwards a transfer; `drop`
    names messages lost on the way (a node stopped before sending them)."""

    def __init__(self, hub: Hub, fsps: dict[str, Participant]) -> None:
        self.hub, self.fsps = hub, fsps
        self.before_transfer: Callable[[], None] = lambda: None
        self.drop: set[str] = set()
        for fsp, p in fsps.items():
            p._send = self._sender(fsp)  # type: ignore[method-assign]

    def _sender(self, source: str) -> Callable[..., None]:
        def send(method: str, path: str, resource: str, destination: str | None, body: Any = None) -> None:
            if f"{method} {path.split('/')[1]}" in self.drop:
                return
            to = self.fsps[destination] if destination else None
            if (method, path) == ("POST", "/quotes"):
                to.answer_quote(body, source)  # type: ignore[union-attr]
            elif (method, path) == ("POST", "/transfers"):
                try:
                    self.hub.switch.prepare({**body, "amount": from_fspiop_amount(body["amount"])}, source=source)
                except FspiopError as exc:
                    self.fsps[source]._keep("PUT", f"/transfers/{body['transferId']}/error", "switch", exc.information())
                    return
                self.before_transfer()
                to.answer_transfer(body, source)  # type: ignore[union-attr]
            elif method == "PUT" and path.startswith("/transfers/"):
                transfer_id = path.split("/")[2]
                if path.endswith("/error"):
                    self.hub.switch.reject(transfer_id, body["errorInformation"]["errorCode"], source=source)
                else:
                    try:
                        self.hub.switch.fulfil(transfer_id, body["fulfilment"], source=source)
                    except FspiopError as exc:
                        to._keep("PUT", path + "/error", "switch", exc.information())  # type: ignore[union-attr]
                        return
                to._keep(method, path, source, body)  # type: ignore[union-attr]
            else:
                to._keep(method, path, source, body)  # type: ignore[union-attr]
        return send


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[SwitchLink, SwitchLink, Relay]]:
    hub, links = two_providers(tmp_path)
    fsps = {fsp: Participant(fsp, SQLiteDatabase(tmp_path / f"fsp-{fsp}.sqlite"), "http://127.0.0.1:1/fspiop",
                             secret=fsp.encode() * 4) for fsp in links}
    for fsp, link in links.items():
        link.join(fsps[fsp], wait_s=0)
    yield links["LAGOS-PAY"], links["ABUJA-WALLET"], Relay(hub, fsps)
    hub.db.close()


def pay(lagos: SwitchLink, amount: int) -> dict[str, Any]:
    return lagos.send(ADA, CHIDI, amount, pin="2468", links={"LAGOS-PAY": lagos})  # the payee is not in this process


def test_the_payee_node_credits_the_wallet_and_fulfils_and_the_payer_commits(world) -> None:  # type: ignore[no-untyped-def]
    lagos, abuja, relay = world
    done = pay(lagos, 1_200 * N)
    assert done["state"] == COMMITTED and relay.hub.switch.find(done["transfer_id"]).state == COMMITTED  # type: ignore[union-attr]
    assert lagos.provider.balance(ADA) == 1_800 * N and abuja.provider.balance(CHIDI) == 1_200 * N
    assert relay.hub.switch.position("LAGOS-PAY", "NGN") == 1_200 * N
    assert lagos.provider.journal.balance("interop/switch").net_credit == 1_200 * N
    assert abuja.provider.fulfilled_incoming() == [done["transfer_id"]]
    assert abuja.recover({}) == 1 and abuja.provider.fulfilled_incoming() == []  # the switch committed: the credit stands
    assert abuja.provider.balance(CHIDI) == 1_200 * N


def near_maximum(p: Provider, msisdn: str, short_of: int) -> int:
    """Fund the wallet up to `short_of` below its tier's maximum balance (money it received over
    months, so no day's limit is in the way); the maximum."""
    cap = p.scheme.tier(1).balance_max
    assert cap is not None
    with p.db.atomic():
        p.journal.transfer(f"months-{msisdn}", "issuance", f"wallet/{msisdn}", cap - short_of - p.balance(msisdn),
                           DAY.isoformat())
    return cap


def test_a_payee_over_its_maximum_balance_is_refused_at_the_quote_5200(world) -> None:  # type: ignore[no-untyped-def]
    lagos, abuja, relay = world
    cap = near_maximum(abuja.provider, CHIDI, 100 * N)
    with pytest.raises(BaobabError) as refused:
        pay(lagos, 500 * N)
    assert refused.value.code == "SWITCH_REFUSED" and refused.value.detail["fspiop_code"] == "5200"
    assert lagos.provider.balance(ADA) == 3_000 * N and lagos.provider.pending_outgoing() == []
    assert abuja.provider.balance(CHIDI) == cap - 100 * N and relay.hub.switch.position("LAGOS-PAY", "NGN") == 0
    assert relay.hub.switch.db.all("SELECT id FROM switch_transfers") == []   # refused before any reservation


def test_limits_are_checked_again_when_the_transfer_arrives(world) -> None:  # type: ignore[no-untyped-def]
    lagos, abuja, relay = world
    caps: list[int] = []
    relay.before_transfer = lambda: caps.append(near_maximum(abuja.provider, CHIDI, 100 * N))  # meanwhile, it filled up
    with pytest.raises(BaobabError) as refused:
        pay(lagos, 500 * N)
    assert refused.value.detail["fspiop_code"] == "5200"
    [t] = relay.hub.switch.db.all("SELECT state, error_code FROM switch_transfers")
    assert tuple(t) == (ABORTED, "5200")                                   # the switch released the reservation
    assert lagos.provider.balance(ADA) == 3_000 * N and abuja.provider.balance(CHIDI) == caps[0] - 100 * N
    assert abuja.provider.fulfilled_incoming() == [] and relay.hub.switch.position("LAGOS-PAY", "NGN") == 0


def test_a_fulfilment_lost_on_the_way_leaves_the_payment_reserved_until_the_switch_decides(world) -> None:  # type: ignore[no-untyped-def]
    lagos, abuja, relay = world
    relay.drop = {"PUT transfers"}  # the payee's node credited, then stopped before its fulfilment left
    done = pay(lagos, 700 * N)
    assert done["state"] == RESERVED and lagos.provider.balance(ADA) == 2_300 * N
    assert abuja.provider.balance(CHIDI) == 700 * N and lagos.recover({}) == 0 and abuja.recover({}) == 0  # undecided
    relay.hub.switch.expire(datetime(2099, 1, 1, tzinfo=timezone.utc))   # no fulfilment: the switch expires it
    assert lagos.recover({}) == 1 and abuja.recover({}) == 1
    assert lagos.provider.balance(ADA) == 3_000 * N                       # the payer's money back
    assert abuja.provider.balance(CHIDI) == 0                             # the credit taken back
    assert lagos.recover({}) == 0 and abuja.recover({}) == 0              # once


def test_a_payment_whose_quote_never_came_is_given_back_and_recovery_leaves_one_in_flight_alone(world) -> None:  # type: ignore[no-untyped-def]
    lagos, abuja, relay = world
    relay.drop = {"PUT quotes"}
    with pytest.raises(BaobabError) as refused:
        pay(lagos, 300 * N)
    assert refused.value.detail["fspiop_code"] == "3300" and lagos.provider.balance(ADA) == 3_000 * N
    with lagos._sending("t-1"):  # a payment this process is sending: reserved, not yet asked
        lagos.provider.reserve_outgoing(ADA, 100 * N, "t-1", payee=CHIDI)
        assert lagos.recover({}) == 0 and lagos.provider.pending_outgoing() == ["t-1"]
    assert lagos.recover({}) == 1 and lagos.provider.balance(ADA) == 3_000 * N  # after a crash: never sent, given back


def test_a_held_payment_released_by_the_officer_goes_to_the_other_node_the_same_way(world) -> None:  # type: ignore[no-untyped-def]
    from tests.wallet.test_interop import SUSPECT, held_payment

    lagos, abuja, relay = world
    hold = held_payment(lagos, {"LAGOS-PAY": lagos}, 500 * N)
    lagos.provider.decide_screening(SUSPECT, cleared=True, by="officer")
    sent = lagos.release(hold, by="officer", links={"LAGOS-PAY": lagos})
    assert sent is not None and sent["state"] == COMMITTED
    assert lagos.provider.balance(SUSPECT) == 1_500 * N and abuja.provider.balance(CHIDI) == 500 * N
    assert relay.hub.switch.position("LAGOS-PAY", "NGN") == 500 * N


def test_an_originator_on_the_payee_providers_list_is_refused_5400_and_held_nothing_credited(world) -> None:  # type: ignore[no-untyped-def]
    """The originator's name travels with the transfer (extension payerName), as a remittance
    company sends it: the payee's provider screens it before crediting anyone."""
    from baobab.pay.switch import stamp
    from baobab.wallet.fspiop_wallets import PARTY_TYPE, party_id

    lagos, abuja, relay = world
    abuja.provider.screen = lambda name: {"listed": "QUINONES, Rafael", "reference": "XXi.001", "score": 96} \
        if "Quinones" in name else None
    sender = relay.fsps["LAGOS-PAY"]
    sender.quote("q-1", "t-1", "ABUJA-WALLET", {"partyIdType": PARTY_TYPE, "partyIdentifier": party_id(CHIDI), "fspId": "ABUJA-WALLET"},
                 {"partyIdType": "ACCOUNT_ID", "partyIdentifier": "t-1", "fspId": "LAGOS-PAY"}, {"currency": "NGN", "minor": 500 * N})
    kind, terms = sender.outcome("quotes", "q-1") or ("", {})
    assert kind == "ok"                                              # the quote names no one yet
    for transfer_id, name in (("t-1", "Rafael Quinones"), ("t-2", "Ravi Kumar")):
        sender.transfer(transfer_id, "ABUJA-WALLET", terms, stamp(datetime(2099, 1, 1, tzinfo=timezone.utc)), payer_name=name)
    kind, refusal = sender.outcome("transfers", "t-1") or ("", {})
    assert kind == "error" and refusal["errorInformation"]["errorCode"] == "5400"
    assert relay.hub.switch.find("t-1").state == ABORTED                # type: ignore[union-attr]
    [held] = abuja.provider.holds()
    assert held["kind"] == "incoming" and held["payee"] == CHIDI and held["reference"] == "t-1"
    assert "Rafael Quinones" in held["reason"] and "XXi.001" in held["reason"]
    assert sender.outcome("transfers", "t-2")[0] == "ok"               # type: ignore[index]
    assert abuja.provider.balance(CHIDI) == 500 * N                     # the one that passed, once


def test_the_fsps_own_parties_are_paid_as_before_beside_its_wallets(world) -> None:  # type: ignore[no-untyped-def]
    """The organisations a provider's FSP serves itself (the provider's own account, which the
    ledger's payments reach) are not wallets: their quotes and transfers do not go to the books."""
    from baobab.pay.switch import stamp

    lagos, abuja, relay = world
    payee = relay.fsps["ABUJA-WALLET"]
    payee.add_party("BUSINESS", "ABUJA-WALLET", {"name": "Abuja Wallet Ltd"})
    sender = relay.fsps["LAGOS-PAY"]
    sender.quote("q-own", "t-own", "ABUJA-WALLET", {"partyIdType": "BUSINESS", "partyIdentifier": "ABUJA-WALLET", "fspId": "ABUJA-WALLET"},
                 {"partyIdType": "ACCOUNT_ID", "partyIdentifier": "t-own", "fspId": "LAGOS-PAY"}, {"currency": "NGN", "minor": 900 * N})
    kind, terms = sender.outcome("quotes", "q-own") or ("", {})
    assert kind == "ok", terms
    sender.transfer("t-own", "ABUJA-WALLET", terms, stamp(datetime(2099, 1, 1, tzinfo=timezone.utc)))
    assert (sender.outcome("transfers", "t-own") or ("", {}))[1].get("transferState") == COMMITTED
    assert abuja.provider.fulfilled_incoming() == []                    # no wallet was credited
