"""Screening names against a sanctions list: the listed person is found however the name is
written; other people are not; a customer who matches has every movement held for review."""

from __future__ import annotations

from pathlib import Path

import pytest

from baobab.compliance.sanctions import SanctionsList, demo_list, main
from baobab.core.errors import BaobabError
from baobab.pay.store import SQLiteDatabase
from baobab.wallet.provider import Provider
from baobab.wallet.kyc import scheme
from tests.wallet.test_provider import ADA, DAY, FAST, N, TARIFF

UN_XML = """<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>JOSÉ</FIRST_NAME>
<SECOND_NAME>MARÍA</SECOND_NAME><THIRD_NAME>QUIÑONES</THIRD_NAME><REFERENCE_NUMBER>XXi.001</REFERENCE_NUMBER>
<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>Pepe Quinones</ALIAS_NAME></INDIVIDUAL_ALIAS>
<INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>Pepe</ALIAS_NAME></INDIVIDUAL_ALIAS></INDIVIDUAL></INDIVIDUALS>
<ENTITIES><ENTITY><DATAID>2</DATAID><FIRST_NAME>ACME SHELL HOLDINGS LTD</FIRST_NAME><REFERENCE_NUMBER>XXe.002</REFERENCE_NUMBER>
</ENTITY></ENTITIES></CONSOLIDATED_LIST>"""


@pytest.mark.parametrize("name, reference", [
    ("José María Quiñones", "XXi.001"),
    ("JOSE MARIA QUINONES", "XXi.001"),          # accents and case folded
    ("Quinones, Jose Maria", "XXi.001"),         # order and punctuation
    ("Jose Maria Quinonez", "XXi.001"),          # one letter transliterated
    ("Pepe Quiñones", "XXi.001"),                # a good-quality alias
    ("Acme Shell Holdings Limited", "XXe.002"),  # near enough to be reviewed
    ("Acme Fresh Foods Ltd", None),
    ("Acme Shell Holdings Ltd.", "XXe.002"),
    ("Pepe", None),                              # a low-quality single-word alias is not screened
    ("Maria Gonzalez", None),
    ("", None),
])
def test_a_listed_name_is_found_however_it_is_written(name: str, reference: str | None) -> None:
    listed = SanctionsList.from_un_xml(UN_XML, source="test list")
    match = listed.screen(name)
    assert (match["reference"] if match else None) == reference
    if match:
        assert match["score"] >= listed.threshold and match["source"] == "test list"


def test_a_list_can_be_read_from_csv_and_a_bad_list_is_refused() -> None:
    listed = SanctionsList.from_csv("reference,name,aliases\nC.1,Ivan Petrovich Sidorov,Vanya Sidorov;I. P. Sidorov\n", source="csv")
    assert listed.screen("Sidorov Ivan Petrovich")["reference"] == "C.1" and listed.screen("Ivan Petrov") is None
    for bad, loader in (("<not-xml", SanctionsList.from_un_xml), ("<CONSOLIDATED_LIST/>", SanctionsList.from_un_xml),
                        ("name\nsomeone\n", SanctionsList.from_csv), ("reference,name\nR1,\n", SanctionsList.from_csv)):
        with pytest.raises(BaobabError) as caught:
            loader(bad, source="bad")
        assert caught.value.code == "BAD_SANCTIONS_LIST"


def test_the_demo_list_ships_with_its_source_and_the_command_screens(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    listed = demo_list()
    assert "fictional" in listed.source and listed.screen("Mwangi Kamau Njoroge")["reference"] == "DEMO.001"
    path = tmp_path / "list.xml"
    path.write_text(UN_XML, encoding="utf-8")
    assert main([str(path), "Jose Quinones Maria", "Ada Obi"]) == 0
    out = capsys.readouterr().out
    assert "XXi.001" in out and "Ada Obi: no match" in out


def test_a_customer_who_matches_is_held_and_released_only_by_review(tmp_path: Path) -> None:
    listed = SanctionsList.from_un_xml(UN_XML, source="test list")
    p = Provider(SQLiteDatabase(tmp_path / "m.sqlite"), scheme("NG"), TARIFF, hasher=FAST, screen=listed.screen)
    p.add_agent("a1", "Agent")
    p.issue_float("a1", 100_000 * N, reference="slip", at=DAY)
    p.register(ADA, "Ada Obi", by="a1", pin="2468", at=DAY)
    suspect = p.register("+2348059876543", "Jose Maria Quinones", by="a1", pin="1357", at=DAY)
    assert [s["msisdn"] for s in p.screening("hit")] == [suspect]
    p.cash_in("a1", ADA, 1_000 * N, at=DAY)
    with pytest.raises(BaobabError) as caught:
        p.send(ADA, suspect, 500 * N, pin="2468", at=DAY)
    assert caught.value.code == "HELD_FOR_REVIEW" and p.balance(suspect) == 0 and p.balance(ADA) == 1_000 * N
    [held] = p.holds()
    assert held["id"] == caught.value.detail["hold"] and held["payee"] == suspect and "XXi.001" in held["reason"]
    p.decide_screening(suspect, cleared=True, by="officer")      # a namesake, not the listed person
    assert p.release_hold(held["id"], by="officer", at=DAY) is not None
    assert p.balance(suspect) == 500 * N and p.holds() == [] and p.holds("released")[0]["decided_by"] == "officer"
    with pytest.raises(BaobabError) as again:
        p.release_hold(held["id"], by="officer")                  # once only
    assert again.value.code == "NO_HOLD"


def test_a_confirmed_match_keeps_everything_held_and_a_refusal_moves_nothing(tmp_path: Path) -> None:
    listed = SanctionsList.from_un_xml(UN_XML, source="test list")
    p = Provider(SQLiteDatabase(tmp_path / "m.sqlite"), scheme("NG"), TARIFF, hasher=FAST, screen=listed.screen)
    p.add_agent("a1", "Agent")
    p.issue_float("a1", 100_000 * N, reference="slip", at=DAY)
    suspect = p.register("+2348059876543", "Pepe Quinones", by="a1", pin="1357", at=DAY)
    with pytest.raises(BaobabError):
        p.cash_in("a1", suspect, 2_000 * N, at=DAY)
    p.decide_screening(suspect, cleared=False, by="officer")
    [held] = p.holds()
    p.refuse_hold(held["id"], by="officer", note="confirmed listed person; reported")
    assert p.balance(suspect) == 0 and p.journal.balance("agent/a1/float").net_credit == 100_000 * N
    assert p.holds("refused")[0]["note"].startswith("confirmed")
    assert p.credit_incoming(suspect, 300 * N, "t-1", payer="OTHER-FSP", at=DAY).startswith("in-")
    assert p.balance(suspect) == 0 and p.journal.balance("interop/suspense").net_credit == 300 * N  # arrived, not credited


def test_a_list_loaded_later_screens_every_customer_and_holds_a_cash_out_approved_on_the_phone(tmp_path: Path) -> None:
    listed = SanctionsList.from_un_xml(UN_XML, source="test list")
    p = Provider(SQLiteDatabase(tmp_path / "m.sqlite"), scheme("NG"), TARIFF, hasher=FAST)
    p.add_agent("a1", "Agent")
    p.issue_float("a1", 100_000 * N, reference="slip", at=DAY)
    suspect = p.register("+2348059876543", "Jose Maria Quinones", by="a1", pin="1357", at=DAY)
    p.cash_in("a1", suspect, 2_000 * N, at=DAY)         # before the list was loaded
    p.screen = listed.screen                              # the operator loads the list
    assert p.screen_all(at=DAY) == [suspect] and p.screen_all(at=DAY) == []
    p.request_cash_out("a1", suspect, 1_000 * N, at=DAY)
    with pytest.raises(BaobabError) as caught:
        p.approve_cash_out(suspect, pin="1357", at=DAY)
    assert caught.value.code == "HELD_FOR_REVIEW" and p.balance(suspect) == 2_000 * N
    assert p.holds()[0]["kind"] == "cash_out" and p.holds()[0]["agent"] == "a1"
