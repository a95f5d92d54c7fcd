"""The flag rule shared by the screening index and the registry contract."""

from __future__ import annotations

from hypothesis import given, strategies as st

from baobab.risk.flags import RULES, flags_from_hits

PLATFORMS = ["RXIL", "ATREDS", "M1X"]
hit = st.tuples(st.sampled_from(RULES), st.sampled_from(PLATFORMS), st.sampled_from(["r1", "r2", "r3"]))


@given(st.lists(hit, max_size=12), st.sampled_from(PLATFORMS), st.randoms())
def test_one_flag_per_foreign_registration_red_iff_exact_and_order_free(hits, platform, rnd) -> None:
    flags = flags_from_hits(hits, platform)
    foreign = {(p, r) for _, p, r in hits if p != platform}
    assert {(f["platform"], f["registration"]) for f in flags} == foreign
    for f in flags:
        rules = {rule for rule, p, r in hits if (p, r) == (f["platform"], f["registration"])}
        assert f["rules"] == [r for r in RULES if r in rules] and f["rule"] == f["rules"][0]
        assert (f["level"] == "red") == ("exact" in rules)
    shuffled = list(hits)
    rnd.shuffle(shuffled)
    assert flags_from_hits(shuffled, platform) == flags  # every endorser computes the same list
