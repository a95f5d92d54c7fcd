"""The risk engine's channels from the rules customs keeps (origin, goods, trader, trader history,
price), every flag naming its rule and reason; and the statistics exported by country and month
with their definitions."""

from __future__ import annotations

import csv
import io
import json
from decimal import Decimal
from typing import Any

from baobab.customs import statistics
from baobab.customs.misinvoicing import Item, PriceFilter
from baobab.customs.risk import RiskEngine, Rule, hit_rates


def declaration(n: int, *, declarant: str = "T1", hs: str = "852872", origin: str = "CN", unit_cents: int = 18_000,
                quantity: int = 10, **extra: Any) -> dict[str, Any]:
    return {"id": f"D{n}", "declarant": declarant, "procedure": "import", "countries": {"origin": origin, "destination": "ET"},
            "items": [{"n": 1, "hs_code": hs, "origin": origin, "unit": "NAR", "quantity": quantity,
                       "value": {"currency": "USD", "minor": unit_cents * quantity}}],
            "history": [{"status": "lodged", "at": "2026-11-02T08:00:00Z"}], "documents": [], **extra}


PRICES = PriceFilter([Item(f"P{i}", "852872", "CN", "NAR", "USD", 17_000 + 100 * (i % 20), Decimal(1)) for i in range(40)])


def test_no_rule_raised_is_green_and_the_strictest_channel_wins() -> None:
    engine = RiskEngine([Rule("O1", "origin", "yellow", "origin under watch", match="XX"),
                         Rule("G1", "goods", "yellow", "televisions: check the model", match="8528"),
                         Rule("P", "price", "red", "price")], PRICES)
    assert engine.screen(declaration(1, hs="841810")) == ("green", [])
    assert engine.screen(declaration(2)) == ("yellow", ["G1: televisions: check the model (item 1, HS 852872)"])
    channel, flags = engine.screen(declaration(3, unit_cents=2_750))
    assert channel == "red" and flags[0].startswith("G1:") and "P: unit value 27.5000 is below the range" in flags[1]
    assert "of 40 comparable declarations" in flags[1]


def test_officers_outcomes_feed_the_trader_history_rule() -> None:
    engine = RiskEngine([Rule("H", "history", "red", "often wrong", share=Decimal("0.5"), minimum=4),
                         Rule("T", "trader", "yellow", "named by intelligence", match="T9")])
    for failed in (True, True, False):
        engine.record("T1", failed)
    assert engine.screen(declaration(1)) == ("green", [])                  # 3 controls: too few to say
    engine.record("T1", True)
    assert engine.screen(declaration(2)) == ("red", ["H: often wrong (T1: 75% of 4 controls found wrong)"])
    assert engine.screen(declaration(3, declarant="T9"))[0] == "yellow"


def test_statistics_by_country_month_chapter_and_partner_with_definitions() -> None:
    released = {"status": "released", "channel": "green", "documents": [{"target_hash": "ab" * 32}],
                "history": [{"status": "lodged", "at": "2026-11-02T08:00:00Z"}, {"status": "released", "at": "2026-11-02T11:30:00Z"}],
                "assessment": {"total": {"currency": "ETB", "minor": 500}, "paid": {"reference": "x"}}}
    records = [declaration(1, **released), declaration(2, channel="red", status="under control"),
               declaration(3, hs="090111", origin="KE")]
    trade = list(csv.DictReader(io.StringIO(statistics.export("trade", records, "csv"))))
    assert [(r["partner"], r["hs_chapter"], r["items"], r["value_minor"]) for r in trade] == [
        ("CN", "85", "2", "360000"), ("KE", "09", "1", "180000")]
    out = json.loads(statistics.export("indicators", records, "json"))
    assert set(out["definitions"]) == set(out["rows"][0])
    assert out["rows"] == [{"reporter": "ET", "month": "2026-11", "lodged": 3, "released": 1, "median_hours_to_release": "3.50",
                            "green_share": "0.5000", "yellow_share": "0.0000", "red_share": "0.5000",
                            "digital_share": "0.3333", "duty_currency": "ETB", "duties_collected_minor": 500}]


def test_recorded_outcomes_teach_the_engine_which_traders_fail_control_and_each_rule_its_hit_rate() -> None:
    engine = RiskEngine([Rule("H", "history", "yellow", "often wrong", share=Decimal("0.5"), minimum=2)])
    outcomes = [{"declarant": "T1", "found": True, "rules": ["PRICE"]}, {"declarant": "T1", "found": True, "rules": ["PRICE", "G1"]},
                {"declarant": "T2", "found": False, "rules": ["G1"]}]
    engine.learn(outcomes)
    assert engine.history.share("T1") == (2, Decimal(1)) and engine.history.share("T2") == (1, Decimal(0))
    assert engine.screen(declaration(5))[0] == "yellow" and engine.screen(declaration(6, declarant="T2"))[0] == "green"
    assert hit_rates(outcomes) == {"PRICE": (2, 2), "G1": (2, 1)}


def test_a_disabled_rule_raises_nothing_and_a_price_rule_applies_its_own_thresholds() -> None:
    odd = declaration(1, unit_cents=15_000)                       # 17% under the usual 180.00
    assert RiskEngine([Rule("P", "price", "red", "price")], PRICES).screen(odd)[0] == "red"
    assert RiskEngine([Rule("P", "price", "red", "price", iqr_factor=Decimal(9), z_limit=Decimal(40))], PRICES).screen(odd) \
        == ("green", [])
    assert RiskEngine([Rule("P", "price", "red", "price", min_comparables=41)], PRICES).screen(odd) == ("green", [])
    assert RiskEngine([Rule("P", "price", "red", "price", enabled=False)], PRICES).screen(odd) == ("green", [])
