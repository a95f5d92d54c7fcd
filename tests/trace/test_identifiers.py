"""GS1 keys: Digital Link URIs and EPC URNs name the same key, check digits are verified."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from baobab.core.errors import BaobabError
from baobab.trace.identifiers import canonical, parse, with_check_digit


@pytest.mark.parametrize("urn, link", [
    ("urn:epc:id:sgtin:9521234.054321.12345", "https://id.gs1.org/01/09521234543213/21/12345"),
    ("urn:epc:id:sscc:9521234.0000000001", "https://id.gs1.org/00/095212340000000013"),
    ("urn:epc:id:sgln:9521234.00001.0", "https://id.gs1.org/414/9521234000013"),
    ("urn:epc:id:sgln:9521234.00001.12", "https://id.gs1.org/414/9521234000013/254/12"),
    ("urn:epc:class:lgtin:4012345.012345.998877", "https://id.gs1.org/01/04012345123456/10/998877"),
])
def test_urn_and_digital_link_name_the_same_key(urn, link):
    assert parse(urn).digital_link() == link
    assert parse(link).epc_urn() == urn
    assert canonical(urn) == canonical(link) == link


def test_a_digital_link_on_any_domain_is_the_same_key():
    assert canonical("https://coffee.example.et/01/09521234543213/21/12345") == "https://id.gs1.org/01/09521234543213/21/12345"


@pytest.mark.parametrize("bad", [
    "https://id.gs1.org/01/09521234543214/21/12345",  # GTIN check digit 4, should be 3
    "https://id.gs1.org/00/095212340000000017",       # SSCC check digit 7, should be 3
    "https://id.gs1.org/414/9521234000015",           # GLN check digit 5, should be 3
])
def test_a_wrong_check_digit_is_refused(bad):
    with pytest.raises(BaobabError) as info:
        parse(bad)
    assert info.value.code == "GS1_INVALID"
    assert "check digit" in info.value.message


@pytest.mark.parametrize("bad", ["urn:epc:id:sgtin:9521234.05432.12345", "urn:epc:id:lgtin:4012345.012345.1",
                                 "urn:epc:class:sgtin:9521234.054321.1", "coffee", ""])
def test_a_malformed_key_is_refused(bad):
    with pytest.raises(BaobabError) as info:
        parse(bad)
    assert info.value.code == "GS1_INVALID"


def test_other_identifiers_are_kept_as_they_are():
    assert canonical("urn:epc:id:pgln:9521234.00000") == "urn:epc:id:pgln:9521234.00000"


@given(prefix_length=st.integers(6, 12), digits=st.text("0123456789", min_size=13, max_size=13),
       serial=st.text("ABCXYZ0123456789-_.", min_size=1, max_size=20))
def test_any_sgtin_goes_round_trip(prefix_length, digits, serial):
    gtin = with_check_digit(digits)
    key = parse(f"https://id.gs1.org/01/{gtin}/21/{serial}")
    urn = key.epc_urn(prefix_length)
    assert parse(urn).digital_link() == key.digital_link()
