"""The tariff schedules shipped with Baobab (`customs/tariffs/<country>.json`): demo schedules for
the stories, which a customs publishes on the ledger (`customs_tariffs.publish`) as its own."""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

from baobab.customs.duties import check_schedule


def demo_schedule(country: str) -> dict[str, Any]:
    """The shipped schedule of `country`, checked as the contract checks it."""
    text = (files("baobab.customs") / "tariffs" / f"{country}.json").read_text(encoding="utf-8")
    return check_schedule(json.loads(text))
