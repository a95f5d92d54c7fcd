"""Story 6 end to end on the demo network, with the payments agent carrying out the farmers'
payments: every lot traced, the farmers paid, their share shown, a low payment flagged."""

from __future__ import annotations

from baobab.gateway import gateway_of
from baobab.stories.farm_to_cup import STORY
from baobab.trace.service import TraceService


def test_story_6_plays_from_farm_to_cup(demo_net):
    TraceService.at(gateway_of(demo_net.node, keys_dir=demo_net.path / "keys"), demo_net.path)
    report = STORY.run(demo_net.actors())
    assert report.payments == 12  # every delivery settled through the switch
    assert len(report.flags) == 1 and "paid below the reference price" in report.flags[0]
    stages = report.notes[0]
    assert stages.startswith("stages: farm_gate") and "retail" in stages and "(100.00%)" in stages
