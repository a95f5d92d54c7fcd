"""Story 8 plays end to end: the two declarations priced at a fraction of the market go through
the red channel with their reasons, the two honest ones are released at once."""

from __future__ import annotations

from baobab.stories.ethiopia_customs import CONTRACT, IMPORTER, STORY
from tests.conftest import Net


def test_story_8_flags_exactly_the_underpriced_declarations(demo_net: Net) -> None:
    report = STORY.run(demo_net.actors())
    assert report.documents == 4 and len(report.flags) == 2
    channels = {}
    for n in range(1, 5):
        record = demo_net.query(IMPORTER, CONTRACT, "get", {"declaration_id": f"ET-IM-2026-{n:04d}"})
        channels[record["items"][0]["hs_code"]] = (record["channel"], record["status"])
    assert channels == {"852872": ("red", "released"), "401110": ("green", "released"),
                        "300490": ("red", "released"), "841810": ("green", "released")}
    again = STORY.run(demo_net.actors())                                   # played again: new declarations
    assert again.documents == 4 and len(again.flags) == 2
