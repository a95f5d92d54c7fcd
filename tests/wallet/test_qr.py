"""EMVCo merchant-presented QR: the specification's own example payload (EMV QRCPS-MPM, its CRC
A13A) decodes field by field; a misread character fails the CRC; what we encode decodes back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baobab.core.errors import BaobabError
from baobab.core.money import Money
from baobab.wallet.qr import MerchantQR, crc, decode, encode, parse_tlv

# The example payload of EMVCo's merchant-presented mode specification (v1.1), CRC A13A.
SPEC_EXAMPLE = ("00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN"
                "5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***"
                "0708A60086670902ME91320016A0112233449988770708123456786304A13A")


def test_the_specification_example_decodes_field_by_field() -> None:
    qr = decode(SPEC_EXAMPLE)
    assert (qr.name, qr.city, qr.country, qr.mcc, qr.currency) == ("BEST TRANSPORT", "BEIJING", "CN", "4111", "CNY")
    assert qr.amount == Money("CNY", 2372) and qr.reference is None
    assert set(qr.accounts) == {"29", "31"} and qr.accounts["31"] == "0012D15600000001030812345678"
    assert dict(parse_tlv(qr.other["64"])) == {"00": "ZH", "01": "最佳运输", "02": "北京"}  # lengths count characters
    assert crc(SPEC_EXAMPLE[:-4]) == "A13A"


@pytest.mark.parametrize("payload", [
    SPEC_EXAMPLE.replace("BEST TRANSPORT", "BEST TRANSPORU"),   # one character misread
    SPEC_EXAMPLE[:-4] + "0000",
    SPEC_EXAMPLE[:-8],                                           # no CRC at all
    "not a qr code",
])
def test_a_misread_or_altered_payload_is_refused(payload: str) -> None:
    with pytest.raises(BaobabError) as refused:
        decode(payload)
    assert refused.value.code == "BAD_QR"


NAMES = st.text(alphabet=st.characters(whitelist_categories=("Lu", "Ll", "Nd"), max_codepoint=0x24F), min_size=1, max_size=25)


@given(name=NAMES, minor=st.none() | st.integers(1, 10**9), reference=st.none() | st.from_regex(r"[A-Z0-9]{1,20}", fullmatch=True))
def test_what_we_encode_decodes_back(name: str, minor: int | None, reference: str | None) -> None:
    qr = MerchantQR(name=name, city="Nairobi", country="KE", mcc="5411", currency="KES",
                    accounts={"29": "0012ke.momo.rvmm0109TILL-4242"}, amount=None if minor is None else Money("KES", minor),
                    reference=reference)
    assert decode(encode(qr)) == qr
