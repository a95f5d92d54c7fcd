"""Keyed fingerprints: formatting-invariance, keying, epochs, amount bands, JSON."""

from __future__ import annotations

import datetime as dt
import json
import random

import pytest
from hypothesis import given, settings, strategies as st

from baobab.core.errors import BaobabError
from baobab.risk import synth
from baobab.risk.fingerprints import (
    BUCKET_DAYS, NEAR_DAYS, RULES, FingerprintSet, NetworkKey, amount_band, fingerprint,
)
from tests.risk.sample import INVOICE

KEY = NetworkKey(bytes(range(32)), epoch=3)


def every_fp(fs: FingerprintSet) -> set[bytes]:
    return {fs.exact, *fs.near.values(), *fs.probe_rules}


def test_shape_of_a_set():
    fs = fingerprint(INVOICE, KEY)
    assert fs.epoch == 3 and len(fs.exact) == 16
    assert set(fs.near) == set(RULES[1:])
    assert {r: len(p) for r, p in fs.probes.items()} == {
        "exact": 1, "date_shifted": 3, "amount_changed": 9, "number_changed": 2 * NEAR_DAYS + 1,
        "lines_retotalled": 2 * NEAR_DAYS + 1}
    # each registered fingerprint is the first probe of its rule (its own bucket)
    assert all(fs.probes[r][0] == fp for r, fp in fs.registered().items())
    assert len(fs.probe_rules) == sum(len(p) for p in fs.probes.values())  # no accidental collisions


def test_no_lines_no_lines_fingerprint():
    fs = fingerprint({k: v for k, v in INVOICE.items() if k != "lines"}, KEY)
    assert "lines_retotalled" not in fs.near and "lines_retotalled" not in fs.probes


def test_formatting_variants_give_the_same_exact_fingerprint():
    variant = {
        "seller": "M/s. SHREE GANESH TEXTILES PRIVATE LIMITED",
        "buyer": "tata motors ltd.",
        "number": "inv 2024 25 42",
        "date": "5 March 2024",
        "currency": "inr",
        "amount": "Rs. 1,25,000.50/-",
        "lines": [{"hs": "520812", "quantity": "1,000", "unit_price": "125.00"}],
    }
    assert fingerprint(variant, KEY) == fingerprint(INVOICE, KEY)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_property_synthetic_renderings_share_every_fingerprint(seed):
    """Any two renderings by the generator (case, suffixes, M/s., zeros, separators, date,
    amount and HS formats, currency case) of one invoice give identical fingerprint sets."""
    rng = random.Random(seed)
    sellers, buyers = synth._firms(rng, 3, 3)
    inv = synth._invoice(rng, "I1", sellers, buyers)
    synth._number(sellers, [inv])
    a = synth.render(rng, inv, sellers[inv.seller], buyers[inv.buyer])
    b = synth.render(rng, inv, sellers[inv.seller], buyers[inv.buyer])
    rng.shuffle(b.get("lines", []))
    assert fingerprint(a, KEY) == fingerprint(b, KEY)


@pytest.mark.parametrize("field,value", [
    ("seller", "Shree Ganesh Exports Pvt Ltd"), ("buyer", "Tata Steel Limited"), ("number", "INV/2024-25/0043"),
    ("date", "2024-03-06"), ("currency", "USD"), ("amount", 12500051), ("kind", "purchase_order"),
])
def test_each_field_changes_the_exact_fingerprint(field, value):
    assert fingerprint({**INVOICE, field: value}, KEY).exact != fingerprint(INVOICE, KEY).exact


def test_a_different_network_key_gives_unlinkable_fingerprints():
    other = NetworkKey(bytes(range(1, 33)), epoch=3)
    a, b = fingerprint(INVOICE, KEY), fingerprint(INVOICE, other)
    assert not every_fp(a) & every_fp(b)


def test_a_new_epoch_of_the_same_secret_gives_unlinkable_fingerprints():
    a, b = fingerprint(INVOICE, KEY), fingerprint(INVOICE, NetworkKey(bytes(range(32)), epoch=4))
    assert b.epoch == 4 and not every_fp(a) & every_fp(b)


def test_rules_use_separate_subkeys():
    subkeys = {KEY.subkey(r) for r in RULES}
    assert len(subkeys) == len(RULES) and all(len(k) == 32 for k in subkeys)


def test_fingerprints_are_deterministic_under_one_key():
    again = NetworkKey(bytes(range(32)), epoch=3)
    assert fingerprint(INVOICE, KEY) == fingerprint(INVOICE, again)


def test_known_answer():
    """Pins the construction (HKDF info, JCS message, truncation) for other implementations."""
    import hashlib
    import hmac
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF
    subkey = HKDF(hashes.SHA256(), 32, b"baobab/risk/fingerprint/v1",
                  b"baobab duplicate-financing fingerprint v1 epoch=3 rule=exact").derive(bytes(range(32)))
    msg = b'["invoice","shreeganeshtextiles","tatamotors","INR","inv-2024-25-42","12500050","2024-03-05"]'
    assert fingerprint(INVOICE, KEY).exact == hmac.new(subkey, msg, hashlib.sha256).digest()[:16]


@pytest.mark.parametrize("secret,epoch", [(b"short", 0), ("x" * 32, 0), (bytes(32), -1), (bytes(32), True)])
def test_bad_keys_rejected(secret, epoch):
    with pytest.raises(BaobabError) as e:
        NetworkKey(secret, epoch)
    assert e.value.code == "BAD_ARGUMENT"


def test_key_repr_hides_the_secret():
    assert "hidden" in repr(KEY) and "\\x00" not in repr(KEY)


def test_bad_input_rejected_before_fingerprinting():
    with pytest.raises(BaobabError) as e:
        fingerprint({**INVOICE, "amount": 125000.5}, KEY)
    assert e.value.code == "FLOAT_NOT_ALLOWED"


# --- amount bands ---------------------------------------------------------------------------

def test_band_edges_are_exact_integers():
    assert [amount_band(a) for a in (1, 2, 20, 21, 22)] == [0, 14, 61, 62, 63]
    # 1.05^100 = 131.50125784...: 131 is in band 99, 132 in band 100
    assert amount_band(131) == 99 and amount_band(132) == 100


@given(st.integers(100, 10**17), st.integers(0, 500))
def test_band_property_within_5_percent_is_at_most_one_apart(a, bp):
    b = a + a * bp // 10_000
    assert 0 <= amount_band(b) - amount_band(a) <= 1


@given(st.integers(100, 10**17), st.integers(1025, 5000))
def test_band_property_beyond_10_25_percent_is_at_least_two_apart(a, bp):
    b = a + -(-a * bp // 10_000)  # rounded up so that b >= 1.1025 a
    assert amount_band(b) - amount_band(a) >= 2


def test_date_bucket_width():
    # rules keeping the number tolerate any shift below one bucket, never two buckets or more
    base = fingerprint(INVOICE, KEY)
    moved = fingerprint({**INVOICE, "date": dt.date(2024, 3, 5) + dt.timedelta(days=BUCKET_DAYS)}, KEY)
    far = fingerprint({**INVOICE, "date": dt.date(2024, 3, 5) + dt.timedelta(days=2 * BUCKET_DAYS)}, KEY)
    assert base.near["date_shifted"] in moved.probes["date_shifted"]
    assert base.near["date_shifted"] not in far.probes["date_shifted"]


# --- JSON -----------------------------------------------------------------------------------

def test_json_round_trip():
    fs = fingerprint(INVOICE, KEY)
    data = json.loads(json.dumps(fs.to_json()))
    assert data["exact"] == fs.exact.hex() and data["version"] == 1
    assert FingerprintSet.from_json(data) == fs
    assert FingerprintSet.from_json(data).probe_rules == fs.probe_rules


@pytest.mark.parametrize("patch", [
    {"version": 2}, {"epoch": -1}, {"epoch": "3"}, {"exact": "zz" * 16}, {"exact": "AB" * 16}, {"exact": "ab" * 15},
    {"near": {"mystery": "ab" * 16}}, {"probes": {"exact": []}}, {"probes": []}, {"probes": {"date_shifted": ["ab" * 16]}},
    {"exact": "ab" * 16}, {"near": {"date_shifted": "ab" * 16}},
])
def test_bad_json_rejected(patch):
    data = {**fingerprint(INVOICE, KEY).to_json(), **patch}
    with pytest.raises(BaobabError) as e:
        FingerprintSet.from_json(data)
    assert e.value.code == "MALFORMED"


def test_known_answers_for_every_rule():
    """Vectors for an independent implementation (docs/DUPLICATE_FINANCING.md lists the messages)."""
    assert {r: fp.hex() for r, fp in fingerprint(INVOICE, KEY).registered().items()} == {
        "exact": "caa84e27098baa2ba216d8bcdba30cbe",
        "date_shifted": "951806ecb77b4e08ccaefa2d9e43bbe5",
        "amount_changed": "0609b56872003d3c3822b05a74d19d7b",
        "number_changed": "58c8d1b70c182afb22ac53857a522d8b",
        "lines_retotalled": "41f2611395d227905d6d200cb46a6e29",
    }
    assert amount_band(12500050) == 334
