"""The synthetic data set and a small evaluation with precision/recall thresholds."""

from __future__ import annotations

import pytest

from baobab.risk import synth
from baobab.risk.evaluate import evaluate, main
from baobab.risk.normalise import party


@pytest.fixture(scope="module")
def presentations():
    return synth.generate(2000, seed=11)


@pytest.fixture(scope="module")
def result(presentations):
    return evaluate(presentations)


def test_generator_is_deterministic():
    assert synth.generate(300, seed=5) == synth.generate(300, seed=5)
    assert synth.generate(300, seed=5) != synth.generate(300, seed=6)


def test_stream_is_well_formed(presentations):
    first: dict[str, tuple[int, str]] = {}
    for p in presentations:
        if p.label in ("original", "genuine"):
            assert p.invoice not in first
            first[p.invoice] = (p.seq, p.platform)
        else:  # a copy: later than, and at another platform than, the invoice it copies
            seq, platform = first[p.invoice]
            assert seq < p.seq and platform != p.platform
    assert [p.seq for p in presentations] == list(range(len(presentations)))
    assert len({p.registration for p in presentations}) == len(presentations)
    firms = {party(p.document[role]) for p in presentations for role in ("seller", "buyer")}
    assert len(firms) > 1000  # invoices // 4 sellers and invoices // 3 buyers
    labels = {p.label for p in presentations}
    assert labels == {"original", "genuine", "exact", "near"}


# Thresholds. Within the design envelope (formatting changes, legal forms abbreviated or spelt
# out, zero padding; number changed; date moved up to 6 days, or up to 30 with the same number;
# amount changed up to 5%; same line items) detection is exact by construction, so those
# variants must be caught in full and the genuine look-alikes (recurring monthly/fortnightly/
# weekly, same goods to another buyer, same buyer from another seller, number reused next year,
# other goods) never flagged. The generator also includes the variants listed in
# synth.UNCAUGHT, ~5% of their class or less, which the rules cannot tell apart. They cap red
# recall at ~0.95 and amber precision/recall at ~0.96; the thresholds leave room for the
# sampling noise of a 2,000-invoice run while still failing on any regression within the envelope.
HARD = set(synth.UNCAUGHT)


def test_uncaught_variants_are_listed_and_generated(result):
    generated = {variant for _, variant in result.variants}
    assert HARD <= generated
    assert all(synth.UNCAUGHT[v] for v in HARD)  # each says why it is not caught


def test_envelope_variants_are_all_caught_and_look_alikes_never_flagged(result):
    for (label, variant), flagged in result.variants.items():
        if variant in HARD:
            continue
        expected = {"exact": "red", "near": "amber"}.get(label, "none")
        assert flagged[expected] == sum(flagged.values()) or label == "original", (label, variant, flagged)
    originals = result.variants[("original", "original")]
    assert originals["red"] == 0 and originals["amber"] <= 3  # only originals presented after a same-goods repeat


def test_precision_and_recall_thresholds(result):
    assert result.precision("red") >= 0.99
    assert result.recall("red") >= 0.93
    assert result.precision("amber") >= 0.93
    assert result.recall("amber") >= 0.93
    assert result.false_flag_rate() <= 0.01
    assert result.linked == result.flagged_copies  # every flagged copy names its original's registration


def test_cli_prints_a_table(capsys):
    main(["--invoices", "200", "--seed", "3"])
    out = capsys.readouterr().out
    assert "precision" in out and "monthly_recurring" in out and "red" in out
