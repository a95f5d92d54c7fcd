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
