"""Charts drawn on the server as inline SVG: no script, no CDN, a few hundred bytes each.

    bars([(label, value, text), ...], title)              one horizontal bar per row
    bars_against([(label, value, limit, text), ...], title)  a bar and its limit (a position against its cap)
    timeline([(when, label), ...], title)                  the steps of a record along one line
    readings([(label, value, text, outlier), ...], low, high, title)  oracles' readings against a
                                                           contract's thresholds
    paths([(label, [value, ...], limit, text), ...], title)   each row's value over time, against its limit

Every chart is an `<svg role="img">` with a `<title>` (what a screen reader says) and a `<desc>`
when given; the figures drawn are also written as text beside each mark, and the pages put a
table of the same figures next to the chart, so nothing is known only by its colour or length. Values are integers or Decimals (money in minor units is drawn as is: only the
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


def _svg(height: int, title: str, body: str, desc: str = "") -> Markup:
    described = f"<desc>{escape(desc)}</desc>" if desc else ""
    return Markup(f'<svg role="img" viewBox="0 0 {WIDTH} {height}" width="100%" '
                  f'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
                  f'<title>{escape(title)}</title>{described}{body}</svg>')


def bars(rows: Sequence[tuple[str, int | Decimal, str]], title: str, desc: str = "") -> Markup:
    scale = _scale([v for _, v, _ in rows])
    parts = []
    for i, (label, value, text) in enumerate(rows):
        y, w = i * ROW, int(abs(Decimal(value)) * scale)
        parts.append(f'<text x="0" y="{y + 17}">{escape(label[:14])}</text>'
                     f'<rect x="{LABEL}" y="{y + 5}" width="{max(w, 1)}" height="16" fill="{BAR_COLOUR}"/>'
                     f'<text x="{LABEL + w + 6}" y="{y + 17}">{escape(text)}</text>')
    return _svg(max(ROW * len(rows), ROW), title, "".join(parts), desc)


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


def readings(rows: Sequence[tuple[str, int | Decimal, str, bool]], low: int | Decimal | None,
             high: int | Decimal | None, title: str, desc: str = "") -> Markup:
    """Each oracle's reading as a dot on one scale, the contract's thresholds as red lines and the
    band between them shaded: whether the readings kept inside it. An outlier's dot is hollow."""
    span = [Decimal(v) for _, v, _, _ in rows] + [Decimal(x) for x in (low, high) if x is not None]
    if not span:
        return _svg(ROW, title, "", desc)
    bottom, top = min(span), max(span)
    pad = (top - bottom) / 10 or Decimal(1)
    bottom, top = bottom - pad, top + pad
    width = Decimal(WIDTH - LABEL - TEXT)

    def x(value: int | Decimal) -> int:
        return LABEL + int((Decimal(value) - bottom) / (top - bottom) * width)
    height = ROW * len(rows) + 8
    left, right = x(low) if low is not None else LABEL, x(high) if high is not None else LABEL + int(width)
    parts = [f'<rect x="{left}" y="0" width="{max(right - left, 1)}" height="{height}" fill="#e3efe8"/>']
    parts += [f'<rect x="{x(t)}" y="0" width="2" height="{height}" fill="{LIMIT_COLOUR}"/>' for t in (low, high) if t is not None]
    for i, (label, value, text, outlier) in enumerate(rows):
        y = i * ROW + 13
        fill = "#fff" if outlier else BAR_COLOUR
        parts.append(f'<text x="0" y="{y + 4}">{escape(label[:14])}</text>'
                     f'<circle cx="{x(value)}" cy="{y}" r="6" fill="{fill}" stroke="{BAR_COLOUR}" stroke-width="2"/>'
                     f'<text x="{LABEL + int(width) + 8}" y="{y + 4}">{escape(text)}</text>')
    return _svg(height, title, "".join(parts), desc)


def paths(rows: Sequence[tuple[str, Sequence[int | Decimal], int | Decimal, str]], title: str, desc: str = "") -> Markup:
    """Each row's values in order (a participant's net position after each transfer of a
    settlement window) as a line in its own band, zero as a grey line, its limit (the net debit
    cap) as a red line: how close it came to the cap, and when."""
    band, parts = 2 * ROW, []
    width = WIDTH - LABEL - TEXT
    for i, (label, values, limit, text) in enumerate(rows):
        top = i * band
        scale_top = max([abs(Decimal(v)) for v in values] + [abs(Decimal(limit)), Decimal(1)])

        def y(value: int | Decimal, top: int = top, scale_top: Decimal = scale_top) -> int:
            # zero in the middle of the band, the cap (or the largest swing) at its edge
            return top + ROW - int(Decimal(value) / scale_top * (ROW - 4))
        step = Decimal(width) / max(len(values) - 1, 1)
        points = " ".join(f"{LABEL + int(j * step)},{y(v)}" for j, v in enumerate(values))
        parts.append(f'<text x="0" y="{top + ROW + 4}">{escape(label[:14])}</text>'
                     f'<line x1="{LABEL}" y1="{y(0)}" x2="{LABEL + width}" y2="{y(0)}" stroke="#767676"/>'
                     f'<line x1="{LABEL}" y1="{y(limit)}" x2="{LABEL + width}" y2="{y(limit)}" stroke="{LIMIT_COLOUR}" stroke-width="2"/>'
                     f'<polyline points="{points}" fill="none" stroke="{BAR_COLOUR}" stroke-width="2"/>'
                     f'<text x="{LABEL + width + 6}" y="{top + ROW + 4}">{escape(text)}</text>')
    return _svg(max(band * len(rows), ROW), title, "".join(parts), desc)
