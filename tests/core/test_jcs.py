import json
import math
from pathlib import Path

import pytest
from hypothesis import given, strategies as st

from baobab.core.errors import BaobabError
from baobab.core.jcs import canonicalize, format_number, loads_strict

VECTORS = Path(__file__).parent / "vectors" / "jcs"


@pytest.mark.parametrize("name", sorted(p.name for p in (VECTORS / "input").glob("*.json")))
def test_rfc8785_vectors(name: str) -> None:
    value = json.loads((VECTORS / "input" / name).read_text(encoding="utf-8"))
    assert canonicalize(value) == (VECTORS / "output" / name).read_bytes()


@pytest.mark.parametrize("x, text", [
    (0.0, "0"), (-0.0, "0"), (1.0, "1"), (-1.5, "-1.5"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
    (1e-7, "1e-7"), (1e-6, "0.000001"), (123456789.123, "123456789.123"), (5e-324, "5e-324"),
    (1.7976931348623157e308, "1.7976931348623157e+308"),
])
def test_ecmascript_number_form(x: float, text: str) -> None:
    assert format_number(x) == text


def test_nan_and_infinity_are_refused() -> None:
    for x in (math.nan, math.inf, -math.inf):
        with pytest.raises(BaobabError) as e:
            format_number(x)
        assert e.value.code == "MALFORMED"


def test_members_sort_by_utf16_code_units() -> None:
    # U+1F600 is the surrogate pair D83D DE00, which sorts before U+E000 in UTF-16
    assert canonicalize({"\ue000": 1, "\U0001f600": 2}) == '{"\U0001f600":2,"\ue000":1}'.encode()


def test_lone_surrogate_is_refused() -> None:
    with pytest.raises(BaobabError):
        canonicalize({"a": "\ud800"})


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(json_values)
def test_canonical_form_is_stable_json_with_sorted_keys(value: object) -> None:
    text = canonicalize(value)
    assert json.loads(text) == value
    assert canonicalize(json.loads(text)) == text


def test_strict_loader_refuses_floats_nan_and_duplicate_members() -> None:
    with pytest.raises(BaobabError) as e:
        loads_strict('{"amount": 10.5}')
    assert e.value.code == "FLOAT_NOT_ALLOWED"
    for bad in ('{"a": NaN}', '{"a": 1, "a": 2}', "{", "[1,]"):
        with pytest.raises(BaobabError) as e:
            loads_strict(bad)
        assert e.value.code == "MALFORMED"
    assert loads_strict('{"a": [1, "x", null, true]}') == {"a": [1, "x", None, True]}


def test_integers_beyond_the_safe_range_are_refused() -> None:
    assert canonicalize(2**53 - 1) == b"9007199254740991"
    for big in (2**53, -(2**53), 10**30):
        with pytest.raises(BaobabError) as e:
            canonicalize({"amount": big})
        assert e.value.code == "MALFORMED"


@pytest.mark.parametrize("value", [{1: "a"}, {"a": (1, 2)}, {"k": [1.5, True]}, {"\U0001f600": 1, "\ue000": 2}])
def test_values_off_the_fast_path_still_canonicalise_exactly(value: object) -> None:
    if isinstance(value, dict) and 1 in value:
        with pytest.raises(BaobabError):
            canonicalize(value)
    else:
        assert json.loads(canonicalize(value)) == json.loads(json.dumps(value))
