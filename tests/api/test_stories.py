"""The report's stories, played over HTTP against a real node process with the same code
the embedded mode uses (`http_actors` implements the stories' Actors)."""

from __future__ import annotations

import pytest

from baobab.cli.demo import discover_stories

STORIES = discover_stories()


def test_there_are_stories_to_play():
    assert STORIES


@pytest.mark.parametrize("story", STORIES, ids=lambda s: f"story-{s.number}")
def test_story_over_http(node, story, tmp_path):  # type: ignore[no-untyped-def]
    progress: list[str] = []
    services = {}
    if story.needs:  # mobile money runs beside the stories, as `baobab demo --url` runs it
        from argon2 import PasswordHasher

        from baobab.demo import DEMO_ORGS
        from baobab.wallet.services import standalone_mobile_money
        services["mobile_money"] = standalone_mobile_money(tmp_path, DEMO_ORGS, secret=b"s" * 32,
                                                           hasher=PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
    report = story.run(node.actors(), progress.append, services)
    assert report.steps == len(progress) > 0


def test_financing_platforms_do_not_see_each_others_registrations(node):  # type: ignore[no-untyped-def]
    story = next((s for s in STORIES if s.number == 3), None)
    if story is None:
        pytest.skip("story 3 not written yet")
    if not list(node.client("RXIL").keys("financing_registry")):  # when run on its own
        story.run(node.actors())
    rxil = [r["key"] for r in node.client("RXIL").keys("financing_registry")]
    others = [r["key"] for org in ("ATREDS", "M1X") for r in node.client(org).keys("financing_registry")]
    assert rxil and not set(rxil) & set(others)
