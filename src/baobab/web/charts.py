"""Charts drawn on the server as inline SVG: no script, no CDN, a few hundred bytes each.

    bars([(label, value, text), ...], title)              one horizontal bar per row
    bars_against([(label, value, limit, text), ...], title)  a bar and its limit (a position against its cap)
    timeline([(when, label), ...], title)                  the steps of a record along one line

Every chart is an `<svg role="img">` with a `<title>` (what a screen reader says), and the
figures drawn are also written as text beside each bar, so nothing is known only by its colour
or length. Values are integers or Decimals (money in minor units is drawn as is: only the
proportions matter; the text says the amount).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from markupsafe import Markup, escape

WIDTH = 360
ROW = 26
LABEL = 96
TEXT = 84
BAR_COLOUR = "#1f5f3f"
LIMIT_COLOUR = "#9b1c1c"


def _scale(values: Sequence[int | Decimal]) -> Decimal:
    top = max((abs(Decimal(v)) for v in values), default=Decimal(0))
    return Decimal(WIDTH - LABEL - TEXT) / top if top else Decimal(0)


def _svg(height: int, title: str, body: str) -> Markup:
    return Markup(f'<svg role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
                  f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
                  f'<title>{escape(title)}</title>{body}</svg>')


def bars(rows: Sequence[tuple[str, int | Decimal, str]], title: str) -> Markup:
    scale = _scale([v for _, v, _ in rows])
    parts = []
    for i, (label, value, text) in enumerate(rows):
        y, w = i * ROW, int(abs(Decimal(value)) * scale)
        parts.append(f'<text x="0" y="{y + 17}">{escape(label[:14])}</text>'
                     f'<rect x="{LABEL}" y="{y + 5}" width="{max(w, 1)}" height="16" fill="{BAR_COLOUR}"/>'
                     f'<text x="{LABEL + w + 6}" y="{y + 17}">{escape(text)}</text>')
    return _svg(max(ROW * len(rows), ROW), title, "".join(parts))


def bars_against(rows: Sequence[tuple[str, int | Decimal, int | Decimal, str]], title: str) -> Markup:
    """Each row's value as a bar and its limit as a red mark: how close a position is to its cap."""
    scale = _scale([x for _, v, cap, _ in rows for x in (v, cap)])
    parts = []
    for i, (label, value, limit, text) in enumerate(rows):
        y, w, at = i * ROW, int(max(Decimal(value), Decimal(0)) * scale), LABEL + int(abs(Decimal(limit)) * scale)
        parts.append(f'<text x="0" y="{y + 17}">{escape(label[:14])}</text>'
                     f'<rect x="{LABEL}" y="{y + 5}" width="{max(w, 1)}" height="16" fill="{BAR_COLOUR}"/>'
                     f'<rect x="{at}" y="{y + 2}" width="3" height="22" fill="{LIMIT_COLOUR}"/>'
                     f'<text x="{max(LABEL + w, at) + 8}" y="{y + 17}">{escape(text)}</text>')
    return _svg(max(ROW * len(rows), ROW), title, "".join(parts))


def timeline(steps: Sequence[tuple[str, str]], title: str) -> Markup:
    """Steps in order along a vertical line, each with its time and what happened."""
    parts = [f'<line x1="12" y1="10" x2="12" y2="{max(ROW * len(steps) - 8, 10)}" stroke="#767676" stroke-width="2"/>']
    for i, (when, label) in enumerate(steps):
        y = i * ROW + 13
        parts.append(f'<circle cx="12" cy="{y}" r="6" fill="{BAR_COLOUR}"/>'
                     f'<text x="28" y="{y + 4}">{escape(when)}</text><text x="150" y="{y + 4}">{escape(label[:28])}</text>')
    return _svg(max(ROW * len(steps), ROW), title, "".join(parts))
