"""Story 8 plays end to end: the two declarations priced at a fraction of the market go through
the red channel with their reasons and are assessed on the reference value; the roses'
declaration is built from its documents and gets the AfCFTA rate on its certificate of origin;
every assessment is paid through the switch and every declaration released."""

from __future__ import annotations

from baobab.stories.ethiopia_customs import CONTRACT, IMPORTER, STORY
from tests.conftest import Net


def test_story_8_flags_the_underpriced_collects_duties_and_uses_the_certificate_once(demo_net: Net) -> None:
    report = STORY.run(demo_net.actors())
    assert len(report.flags) == 2 and report.payments == 5
    assert any("a second time is refused: CERTIFICATE_USED" in note for note in report.notes)
    rows = {}
    for record in demo_net.query(IMPORTER, CONTRACT, "mine", {}):
        a = record["assessment"]
        rows[record["items"][0]["hs_code"]] = (record["channel"], record["status"], a["lines"][0]["charges"][0]["rate"],
                                               a["paid"] is not None, record["documents"] != [])
    assert rows == {"852872": ("red", "released", "35", True, False), "401110": ("green", "released", "20", True, False),
                    "300490": ("red", "released", "0", True, False), "841810": ("green", "released", "30", True, False),
                    "060311": ("green", "released", "0", True, True)}
    tv = demo_net.query(IMPORTER, CONTRACT, "get", {"declaration_id": "ET-IM-2026-0001"})
    assert tv["assessment"]["lines"][0]["declared_value"]["minor"] > tv["items"][0]["value"]["minor"] * 4  # re-valued
    again = STORY.run(demo_net.actors())                                   # played again: new declarations, same schedule
    assert len(again.flags) == 2 and again.payments == 5
