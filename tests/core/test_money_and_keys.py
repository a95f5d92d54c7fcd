import pytest

from baobab.core.errors import BaobabError
from baobab.core.keys import PrivateKey, PublicKey
from baobab.core.money import Money


def test_parse_respects_each_currency_minor_units() -> None:
    assert Money.parse("1250.50", "USD") == Money("USD", 125050)
    assert Money.parse("1500", "UGX") == Money("UGX", 1500)  # no minor unit
    assert Money.parse("1.234", "KWD") == Money("KWD", 1234)  # three decimals
    with pytest.raises(BaobabError) as e:
        Money.parse("10.001", "KES")
    assert e.value.code == "BAD_MONEY"
    assert str(Money("ETB", 123456)) == "1234.56 ETB"


def test_no_floats_no_unknown_currency_no_mixing() -> None:
    with pytest.raises(BaobabError):
        Money("USD", 10.5)  # type: ignore[arg-type]
    with pytest.raises(BaobabError):
        Money("XYZ", 1)
    with pytest.raises(BaobabError):
        Money("USD", 1) + Money("EUR", 1)
    assert Money("USD", 100_000).percent(110 * 100) == Money("USD", 110_000)


def test_signatures_are_bound_to_purpose_and_body() -> None:
    key = PrivateKey.generate()
    sig = key.sign("proposal", {"a": 1})
    assert key.public.verify("proposal", {"a": 1}, sig)
    assert not key.public.verify("endorsement", {"a": 1}, sig)
    assert not key.public.verify("proposal", {"a": 2}, sig)
    assert not PrivateKey.generate().public.verify("proposal", {"a": 1}, sig)
    assert not key.public.verify("proposal", {"a": 1}, "not base64!")
    assert PublicKey.from_text(key.public.text) == key.public
    assert PrivateKey.from_text(key.seed_text).public == key.public
