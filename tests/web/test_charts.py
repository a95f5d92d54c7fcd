"""Charts are drawn on the server as SVG that says what it shows: a title for screen readers,
each figure written beside its bar, bars in proportion, and names escaped."""

from __future__ import annotations

import re
from decimal import Decimal

from baobab.web.charts import bars, bars_against, timeline


def widths(svg: str) -> list[int]:
    return [int(w) for w in re.findall(r'<rect x="\d+" y="\d+" width="(\d+)" height="16"', svg)]


def test_bars_are_in_proportion_and_say_their_figures() -> None:
    svg = str(bars([("KCBANK", 4, "4 reports"), ("KE-MOMO", 2, "2 reports"), ("<script>", Decimal("1"), "1")], "Reports"))
    assert svg.startswith('<svg role="img"') and "<title>Reports</title>" in svg
    big, half, quarter = widths(svg)
    assert half * 2 == big and abs(quarter * 4 - big) <= 3
    assert "4 reports" in svg and "2 reports" in svg
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_a_position_is_drawn_against_its_cap() -> None:
    svg = str(bars_against([("BANK-A", 50, 100, "50 of 100"), ("BANK-B", -10, 100, "-10 of 100")], "Positions"))
    assert widths(svg)[0] > widths(svg)[1] == 1  # a negative position draws no bar
    assert svg.count('fill="#9b1c1c"') == 2 and "50 of 100" in svg


def test_a_timeline_lists_its_steps_in_order() -> None:
    svg = str(timeline([("1 Dec", "applied · KL-FOODS"), ("2 Dec", "issued · KLTB")], "Credit"))
    assert svg.index("applied") < svg.index("issued") and svg.count("<circle") == 2
    assert str(bars([], "Nothing")).count("<rect") == 0


def test_readings_are_drawn_against_the_thresholds_with_outliers_hollow() -> None:
    from baobab.web.charts import readings

    svg = str(readings([("COLDCHAIN", 7200, "7200 mC", False), ("AEROTEMP", 11800, "11800 mC", True)], 2000, 8000,
                       "air-max", "desc"))
    assert "<title>air-max</title><desc>desc</desc>" in svg and svg.count('fill="#9b1c1c"') == 2  # two thresholds
    xs = [int(x) for x in re.findall(r'<circle cx="(\d+)"', svg)]
    low, high = (int(x) for x in re.findall(r'<rect x="(\d+)" y="0" width="2"', svg))
    assert low < xs[0] < high < xs[1]  # the honest reading inside the band, the liar's outside
    assert 'fill="#fff"' in svg and "11800 mC" in svg


def test_clearance_times_and_stage_shares_come_from_the_records() -> None:
    from baobab.web.figures import clearance_times, oracle_answers, position_paths, stage_shares

    rows = clearance_times([
        {"id": "D2", "history": [{"status": "lodged", "at": "2026-01-02T00:00:00Z"}, {"status": "released", "at": "2026-01-02T06:30:00Z"}]},
        {"id": "D1", "history": [{"status": "lodged", "at": "2026-01-01T00:00:00Z"}, {"status": "released", "at": "2026-01-01T01:00:00Z"}]},
        {"id": "D3", "history": [{"status": "lodged", "at": "2026-01-03T00:00:00Z"}]}])
    assert [(r["id"], str(r["hours"])) for r in rows] == [("D1", "1.00"), ("D2", "6.50")]
    assert "35.50 %" in str(stage_shares([{"stage": "farmers", "share_of_retail": "35.50"}, {"stage": "x", "share_of_retail": None}], "t"))
    paths = position_paths([("A", "B", "KES", 100), ("B", "A", "KES", 30), ("A", "C", "KES", 50)], {("A", "KES"): 500})
    a = next(p for p in paths if p["fsp"] == "A")
    assert a["values"] == [0, 100, 70, 120] and a["peak"] == 120 and a["end"] == 120 and a["cap"] == 500
    answers = oracle_answers({"condition": {"all": [{"answer": "sea-min", "at_least": 2000}, {"answer": "t", "before": "2026-01-01T00:00:00Z"}]}},
                             {"sea-min": {"unit": "mC", "status": "accepted", "result": {"outliers": ["X"]},
                                          "answers": {"X": {"body": {"value": 900}}, "Y": {"body": {"value": 3400}}}}})
    assert answers == [{"answer": "sea-min", "op": "at_least", "low": 2000, "high": None, "unit": "mC", "status": "accepted",
                        "result": {"outliers": ["X"]}, "readings": [{"oracle": "X", "value": 900, "outlier": True},
                                                                    {"oracle": "Y", "value": 3400, "outlier": False}]}]
