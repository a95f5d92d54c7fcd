"""The jurisdiction convention (contracts/jurisdiction.py) and how the access rules read it:
customs of a record's origin, destination or transit supervise it; regulators supervise the
institutions of their country, wherever the goods go."""

from __future__ import annotations

from typing import Any

import pytest

from baobab.api.access import decide
from baobab.contracts.jurisdiction import check_countries, countries_in, from_document, from_ports
from baobab.core.errors import BaobabError
from baobab.ledger.membership import Caller

ORGS = {
    "PAMPA-AGRO": {"country": "AR", "roles": ["trader"]},
    "KL-FOODS": {"country": "MY", "roles": ["trader"]},
    "SOUTHSEAS": {"country": "SG", "roles": ["carrier"]},
    "KLTB": {"country": "MY", "roles": ["bank"]},
    "BPLATA": {"country": "AR", "roles": ["bank"]},
    "KCBANK": {"country": "KE", "roles": ["bank"]},
}
AR_TO_MY = {"origin": "AR", "destination": "MY", "transit": ["SG"]}


def customs(country: str) -> Caller:
    return Caller(f"{country}-CUSTOMS", "app", ("customs",), country)


def regulator(country: str) -> Caller:
    return Caller(f"{country}-REG", "app", ("regulator",), country)


def may_read(caller: Caller, value: dict[str, Any]) -> tuple[bool, bool]:
    d = decide(caller, "trade", value, None, ORGS.get)
    return d.allowed, d.supervised


def test_explicit_countries_are_checked_and_normalised():
    assert check_countries({"origin": "AR", "destination": "MY"}) == {"origin": "AR", "destination": "MY", "transit": []}
    assert check_countries(AR_TO_MY) == AR_TO_MY
    for bad in ({"origin": "AR"}, {"origin": "AR", "destination": "XX"}, {"origin": "ar", "destination": "MY"},
                {**AR_TO_MY, "transit": ["SG", "SG"]}, {**AR_TO_MY, "transit": "SG"}, {**AR_TO_MY, "via": []},
                ["AR", "MY"], {"origin": "AR", "destination": "MY", "transit": [1]}):
        with pytest.raises(BaobabError) as err:
            check_countries(bad)
        assert err.value.code == "BAD_ARGUMENT"


def test_ports_give_countries_by_their_first_two_letters():
    assert from_ports("ARROS", "MYPKG", ["SGSIN", "MYPKG"]) == AR_TO_MY
    with pytest.raises(BaobabError):
        from_ports("XXROS", "MYPKG")  # a LOCODE-shaped code of no country


def test_documents_name_their_countries():
    bl = {"port_of_loading": "ARROS", "port_of_discharge": "MYPKG"}
    assert from_document("bill_of_lading", bl) == {"origin": "AR", "destination": "MY", "transit": []}
    # received inland in Paraguay, delivered to Kuala Lumpur: the ports' countries are transit
    inland = {**bl, "place_of_receipt": "PYASU", "port_of_discharge": "SGSIN", "place_of_delivery": "MYKUL"}
    assert from_document("bill_of_lading", inland) == {"origin": "PY", "destination": "MY", "transit": ["AR", "SG"]}
    assert from_document("certificate_of_origin", {"country_of_origin": "KE", "country_of_destination": "NL"}) \
        == {"origin": "KE", "destination": "NL", "transit": []}
    seller_buyer = {"seller": {"country": "IN"}, "buyer": {"country": "AE"}}
    assert from_document("commercial_invoice", seller_buyer)["origin"] == "IN"
    assert from_document("commercial_invoice", {**seller_buyer, "port_of_loading": "INBOM",
                                                "port_of_discharge": "ESVLC"})["destination"] == "ES"
    assert from_document("insurance_certificate", {"voyage_from": "KEMBA", "voyage_to": "NLRTM"})["origin"] == "KE"
    assert from_document("inspection_certificate", {"place_of_inspection": "ARROS"}) is None


def test_countries_in_reads_the_convention_and_plain_lists():
    assert countries_in({"countries": AR_TO_MY}) == {"AR", "MY", "SG"}
    assert countries_in({"countries": ["KE", "NL"]}) == {"KE", "NL"}
    assert countries_in({"parties": ["X"]}) is None


def test_customs_of_origin_destination_and_transit_read_as_supervisors():
    record = {"parties": ["KLTB", "BPLATA"], "countries": AR_TO_MY}
    for country in ("AR", "MY", "SG"):
        assert may_read(customs(country), record) == (True, True)
    assert may_read(customs("KE"), record) == (False, False)


def test_stated_countries_override_the_parties_countries():
    # an Argentine trader ships from Brazil to Chile: Argentina's customs has no say,
    # Brazil's and Chile's have
    record = {"parties": ["PAMPA-AGRO", "SOUTHSEAS"], "countries": {"origin": "BR", "destination": "CL", "transit": []}}
    assert may_read(customs("AR"), record) == (False, False)
    assert may_read(customs("SG"), record) == (False, False)
    assert may_read(customs("BR"), record) == (True, True)


def test_records_without_countries_fall_back_to_trader_and_carrier_countries():
    record = {"parties": ["PAMPA-AGRO", "KL-FOODS", "KLTB"]}
    assert may_read(customs("AR"), record) == (True, True)
    assert may_read(customs("MY"), record) == (True, True)
    assert may_read(customs("KE"), record) == (False, False)
    assert may_read(customs("SG"), {"parties": ["KLTB", "BPLATA"]}) == (False, False)  # banks carry no goods


def test_regulators_supervise_their_own_institutions_not_the_goods():
    credit = {"parties": ["KLTB", "BPLATA"], "countries": AR_TO_MY}
    assert may_read(regulator("MY"), credit) == (True, True)
    assert may_read(regulator("AR"), credit) == (True, True)
    assert may_read(regulator("KE"), {"parties": ["KLTB", "BPLATA"], "countries": {"origin": "KE", "destination": "MY"}}) \
        == (False, False)
    assert may_read(regulator("MY"), {"parties": ["PAMPA-AGRO", "KL-FOODS"], "countries": AR_TO_MY}) == (False, False)
    assert may_read(regulator("KE"), {"parties": ["KCBANK"]}) == (True, True)


def test_a_party_reads_without_being_a_supervisor():
    assert may_read(Caller("KLTB", "app", ("bank",), "MY"), {"parties": ["KLTB"], "countries": AR_TO_MY}) == (True, False)
