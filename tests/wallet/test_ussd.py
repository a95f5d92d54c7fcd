"""USSD sessions driven turn by turn as a gateway posts them: every screen fits one USSD screen,
money moves only at the last step, a session dropped half way leaves nothing half done, wrong
PINs lock the wallet, and the menus speak the holder's language."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from baobab.wallet.mmapi import MobileMoneyApi
from baobab.wallet.provider import Provider
from baobab.wallet.ussd import MAX_SCREEN, Ussd, ussd_router
from tests.wallet.test_provider import ADA, BAYO, DAY, N, provider


class Phone:
    """One handset in one USSD session: each call sends everything typed so far."""

    def __init__(self, client: TestClient, number: str, session: str) -> None:
        self.client, self.number, self.session, self.typed = client, number, session, []  # type: ignore[var-annotated]

    def dial(self) -> str:
        self.typed = []
        return self._post()

    def type(self, answer: str) -> str:
        self.typed.append(answer)
        return self._post()

    def _post(self) -> str:
        r = self.client.post("/ussd", data={"sessionId": self.session, "serviceCode": "*384#", "phoneNumber": self.number,
                                            "text": "*".join(self.typed)})
        assert r.status_code == 200 and len(r.text) <= MAX_SCREEN and r.text[:4] in ("CON ", "END "), r.text
        return r.text


SHOP = "+2348061112223"


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[tuple[Provider, TestClient, MobileMoneyApi]]:
    p = provider(tmp_path)
    p.cash_in("agent-17", ADA, 2_000 * N, at=DAY)
    p.register(SHOP, "Iya Basira Provisions", by="agent-17", pin="9999", at=DAY)
    p.add_merchant("4242", SHOP, "Iya Basira Provisions")
    api = MobileMoneyApi(p)
    app = FastAPI()
    app.include_router(ussd_router(Ussd(p, api=api)))
    with TestClient(app) as client:
        yield p, client, api
    p.db.close()


@pytest.fixture
def world(stack: tuple[Provider, TestClient, MobileMoneyApi]) -> tuple[Provider, TestClient]:
    return stack[0], stack[1]


def test_send_money_step_by_step_moves_it_only_at_the_pin(world) -> None:  # type: ignore[no-untyped-def]
    p, client = world
    phone = Phone(client, "08031234567", "s1")
    assert "2 Send money" in phone.dial()
    assert phone.type("2").startswith("CON ")
    phone.type("0805 987 6543")
    confirm = phone.type("150")
    assert "Bayo Adeyemi" in confirm and "150.00" in confirm and p.balance(BAYO) == 0
    done = phone.type("2468")
    assert done.startswith("END ") and p.balance(BAYO) == 150 * N


def test_a_session_dropped_before_the_pin_leaves_nothing_half_done(world) -> None:  # type: ignore[no-untyped-def]
    p, client = world
    before = (p.balance(ADA), p.balance(BAYO))
    phone = Phone(client, ADA, "s2")
    phone.dial(), phone.type("2"), phone.type(BAYO), phone.type("500")  # and the network drops the session here
    assert (p.balance(ADA), p.balance(BAYO)) == before and p.statement(ADA)[0]["kind"] == "cash_in"


def test_pay_a_merchant_by_till_and_read_the_mini_statement(world) -> None:  # type: ignore[no-untyped-def]
    p, client = world
    phone = Phone(client, ADA, "s3")
    phone.dial(), phone.type("3"), phone.type("4242")
    assert "Iya Basira" in phone.type("75.50")
    assert phone.type("2468").startswith("END ")
    statement = Phone(client, ADA, "s4")
    statement.dial(), statement.type("4")
    assert "-NGN75.50" in statement.type("2468").replace("\xa0", "")


def test_three_wrong_pins_lock_the_wallet_whatever_the_menu(world) -> None:  # type: ignore[no-untyped-def]
    p, client = world
    for session in ("a", "b", "c"):
        phone = Phone(client, ADA, session)
        phone.dial(), phone.type("1")
        assert "Wrong PIN" in phone.type("0000")
    phone = Phone(client, ADA, "d")
    phone.dial(), phone.type("1")
    assert "locked" in phone.type("2468") and p.wallet(ADA)["locked"]


def test_an_agents_cash_out_is_approved_on_the_phone(world) -> None:  # type: ignore[no-untyped-def]
    p, client = world
    p.request_cash_out("agent-17", ADA, 500 * N, at=DAY)
    phone = Phone(client, ADA, "s5")
    phone.dial()
    assert "Mama Nkechi" in phone.type("6")
    assert phone.type("2468").startswith("END ") and p.pending_cash_out(ADA) is None
    assert p.journal.balance("agent/agent-17/cash").net_credit == 2_000 * N - 500 * N


def test_the_menus_speak_swahili_once_chosen_and_an_unknown_number_is_told_so(world) -> None:  # type: ignore[no-untyped-def]
    p, client = world
    phone = Phone(client, ADA, "s6")
    phone.dial(), phone.type("7")
    assert phone.type("4") == "END Lugha imebadilishwa."
    assert "Tuma pesa" in Phone(client, ADA, "s7").dial()
    assert Phone(client, "+2348000000001", "s8").dial().startswith("CON This number has no wallet.")
    assert Phone(client, "+44 20 7946 0958", "s8b").dial().startswith("END ")    # not a number of this country


def test_bad_amounts_and_numbers_end_the_session_with_a_reason(world) -> None:  # type: ignore[no-untyped-def]
    p, client = world
    phone = Phone(client, ADA, "s9")
    phone.dial(), phone.type("2"), phone.type(BAYO)
    assert "valid amount" in phone.type("abc")
    phone.dial(), phone.type("2")
    assert phone.type("12").startswith("END ")


def collect(api: MobileMoneyApi, amount: str, later: int = 0) -> str:
    """The merchant asks, through the mmAPI, to collect `amount` from ADA: pending until she approves."""
    shop = api.clients.authenticate(api.clients.issue("IYA-BASIRA", SHOP))
    body = {"amount": amount, "currency": "NGN", "type": "merchantpay", "debitParty": [{"key": "msisdn", "value": ADA}],
            "creditParty": [{"key": "storeid", "value": "4242"}]}
    state = api.create_transaction(shop, body, at=datetime.now(timezone.utc) + timedelta(seconds=later))
    assert state["status"] == "pending"
    return str(state["serverCorrelationId"])


def test_a_payment_request_is_approved_with_the_pin_from_the_menu(stack) -> None:  # type: ignore[no-untyped-def]
    p, client, api = stack
    first = collect(api, "300")
    phone = Phone(client, ADA, "r1")
    phone.dial()
    listed = phone.type("8")
    assert "Iya Basira" in listed and "300.00" in listed
    collect(api, "999", later=2)             # another request arrives while she reads: the one she saw is paid
    assert "Pay" in phone.type("1") and p.balance(SHOP) == 0
    assert phone.type("1").startswith("CON ")
    assert "Wrong PIN" in phone.type("0000") and p.balance(SHOP) == 0
    phone.dial(), phone.type("8"), phone.type("1"), phone.type("1")
    assert phone.type("2468").startswith("END ") and p.balance(SHOP) == 300 * N
    assert [w["amount"]["minor"] for w in api.waiting_for(ADA)] == [999 * N]
    assert first not in [w["server_id"] for w in api.waiting_for(ADA)]


def test_a_payment_request_declined_or_left_half_way_moves_nothing(stack) -> None:  # type: ignore[no-untyped-def]
    p, client, api = stack
    server_id = collect(api, "300")
    dropped = Phone(client, ADA, "r2")
    dropped.dial(), dropped.type("8"), dropped.type("1"), dropped.type("1")   # the session drops before the PIN
    assert p.balance(SHOP) == 0 and [w["server_id"] for w in api.waiting_for(ADA)] == [server_id]
    stranger = Phone(client, ADA, "r3")          # a session that never listed them (the node restarted since)
    stranger.typed = ["8", "1", "1"]
    assert stranger.type("2468") == "END This session has ended; nothing was done." and p.balance(SHOP) == 0
    phone = Phone(client, ADA, "r4")
    phone.dial(), phone.type("8"), phone.type("1")
    assert phone.type("2") == "END Declined; nothing was paid."
    assert p.balance(SHOP) == 0 and api.waiting_for(ADA) == []
    assert p.db.one("SELECT status FROM mm_requests WHERE server_id = ?", (server_id,)) == ("failed",)
    assert Phone(client, ADA, "r5").type("8") == "END No payment request waits for you."


def test_a_bill_is_paid_with_its_reference_and_a_bad_reference_moves_nothing(world) -> None:  # type: ignore[no-untyped-def]
    p, client = world
    p.register("+2348069990000", "Ikeja Electric", tier=3, by="agent-17", pin="4444", at=DAY)
    p.add_biller("101", "+2348069990000", "Ikeja Electric")
    phone = Phone(client, ADA, "b1")
    assert "9 Pay bill" in phone.dial()
    assert phone.type("9") == "CON Biller number"
    assert phone.type("101").startswith("CON ")
    assert phone.type("0412-778-31") == "CON Amount"
    assert "Ikeja Electric" in phone.type("250") and p.balance("+2348069990000") == 0
    assert phone.type("2468").startswith("END Paid") and p.balance("+2348069990000") == 250 * N
    [paid] = p.statement("+2348069990000")
    assert paid["amount"]["minor"] == 250 * N and paid["reference"] == "bill 101 0412-778-31" and paid["payer"] == ADA
    bad = Phone(client, ADA, "b2")
    bad.dial(), bad.type("9"), bad.type("101"), bad.type("meter #12"), bad.type("100")
    assert bad.type("2468") == "END Not a valid bill reference." and p.balance("+2348069990000") == 250 * N
    unknown = Phone(client, ADA, "b3")
    unknown.dial(), unknown.type("9")
    assert unknown.type("999") == "END No wallet or till with that number."   # no such biller


def test_bills_presented_to_the_holder_are_listed_and_paid_down_within_their_minimum(world) -> None:  # type: ignore[no-untyped-def]
    p, client = world
    p.register("+2348069990000", "Ikeja Electric", tier=3, by="agent-17", pin="4444", at=DAY)
    p.add_biller("101", "+2348069990000", "Ikeja Electric")
    p.add_biller("102", "+2348069990000", "Lagos Water Corporation of Nigeria")
    p.present_bill("101", ADA, "INV-11", 900 * N, due="2026-12-20", minimum=300 * N)
    p.present_bill("102", ADA, "W-7", 150 * N, due="2026-12-28")
    phone = Phone(client, ADA, "pb1")
    phone.dial()
    listed = phone.type("9")
    assert listed.startswith("CON ") and "1 Ikeja Electric NGN900.00" in listed and "2 Lagos Water Corp" in listed
    assert "0 Other bill" in listed
    assert phone.type("1") == "CON Amount (NGN900.00 due, at least NGN300.00)"
    assert "Ikeja Electric INV-11" in phone.type("200")
    assert phone.type("2468") == "END Pay at least the bill's minimum, and no more than is due."   # under the minimum
    assert p.balance("+2348069990000") == 0 and p.balance(ADA) == 2_000 * N                         # nothing moved
    part = Phone(client, ADA, "pb2")
    part.dial(), part.type("9"), part.type("1"), part.type("400")
    assert part.type("2468").startswith("END Paid NGN400.00")
    assert [(b["reference"], b["due_amount"]["minor"], b["status"]) for b in p.bills(ADA)] == [
        ("INV-11", 500 * N, "partialpaid"), ("W-7", 150 * N, "unpaid")]
    whole = Phone(client, ADA, "pb3")
    whole.dial(), whole.type("9"), whole.type("2")
    whole.type("100")
    assert whole.type("2468") == "END Pay at least the bill's minimum, and no more than is due."    # no partial payment
    other = Phone(client, ADA, "pb4")                      # 0: a bill by code and reference, as before
    other.dial(), other.type("9")
    assert other.type("0") == "CON Biller number"
    other.type("101"), other.type("0412-778-31"), other.type("50")
    assert other.type("2468").startswith("END Paid NGN50.00") and p.balance("+2348069990000") == 450 * N
    unknown = Phone(client, ADA, "pb5")
    unknown.dial(), unknown.type("9")
    assert unknown.type("7") == "END Unknown choice."


def test_a_customer_opens_a_wallet_at_the_first_tier_from_the_phone(world) -> None:  # type: ignore[no-untyped-def]
    p, client = world
    new = "+2348077776666"
    phone = Phone(client, new, "o1")
    assert "1 Open a wallet" in phone.dial()
    assert phone.type("1") == "CON Your full name"
    assert phone.type("Chiamaka Nwosu").startswith("CON Choose a PIN")
    assert phone.type("1593") == "CON New PIN again"
    assert phone.type("1539") == "END The two new PINs differ; nothing changed." and not p.has_wallet(new)
    phone.dial(), phone.type("1"), phone.type("Chiamaka Nwosu"), phone.type("1593")
    assert phone.type("1593").startswith("END Your wallet is open")
    opened = p.wallet(new)
    assert (opened["name"], opened["tier"]) == ("Chiamaka Nwosu", 1)
    assert p.db.one("SELECT registered_by FROM momo_wallets WHERE msisdn = ?", (new,)) == ("self (USSD)",)
    balance = Phone(client, new, "o2")
    balance.dial(), balance.type("1")
    assert "0.00" in balance.type("1593")                                       # the PIN chosen works
    short = Phone(client, "+2348077775555", "o3")
    short.dial(), short.type("1"), short.type("Ada"), short.type("12")
    assert short.type("12") == "END A PIN is 4 to 6 digits." and not p.has_wallet("+2348077775555")
