"""Small, dependency-free SVG charts for offline reports (no JavaScript, no CDN).

Every chart function returns an ``<svg>`` string with escaped text, a title, axis units
and an optional source caption. Shared by every report section::

    from mineralwatch.reports import svg
    svg.hbar([("China", 0.69), ("USA", 0.12)], title="Rare earths, mine 2024",
             unit="share of world", percent=True, source="USGS MCS 2025")

Functions: :func:`hbar` (horizontal bars), :func:`scatter` (points with optional
threshold lines, e.g. the criticality matrix), :func:`lines` (series with optional
bands, e.g. balances with P10–P90), :func:`timeline` (dated events).
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

from markupsafe import escape

PALETTE = ("#1f5f8b", "#d9822b", "#3a9d5d", "#b8405e", "#7a5fa3", "#8c6d3f", "#4f9da6",
           "#c2a83e")
_ACCENT = PALETTE[3]  # reference lines (thresholds, dates)
FONT = "font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif"


def esc(text: object) -> str:
    """``text`` as a string, HTML/SVG-escaped (the one escaping of every report)."""
    return str(escape(str(text)))


_e = esc


def _clip(text: str, n: int) -> str:
    """``text`` cut to ``n`` characters with an ellipsis (full text goes in a tooltip)."""
    return text if len(text) <= n else text[: n - 1] + "…"


def fmt_number(v: float, *, percent: bool = False, digits: int = 1) -> str:
    """Human formatting: 0.694 -> '69.4%' with ``percent``; 96600 -> '96,600'."""
    if percent:
        return f"{v * 100:.{digits}f}%"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:,.1f}"
    return f"{v:,.{max(digits, 2)}f}"


def _nice_ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    if hi <= lo:
        hi = lo + 1
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw)) if raw > 0 else 1
    step = min((m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw), default=raw)
    start = math.floor(lo / step) * step
    ticks = []
    t = start
    while t <= hi + step * 1e-9:
        ticks.append(round(t, 12))
        t += step
    return ticks


def _frame(width: int, height: int, title: str, body: str, caption: str | None) -> str:
    # a long caption (sources) wraps onto further lines instead of running off the frame
    rows = textwrap.wrap(caption, max(20, (width - 16) // 6)) if caption else []
    height += 13 * max(0, len(rows) - 1)
    cap = "".join(f'<text x="8" y="{height - 6 - 13 * (len(rows) - 1 - i)}" font-size="11" '
                  f'fill="#666">{_e(r)}</text>' for i, r in enumerate(rows))
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'width="100%" style="max-width:{width}px;{FONT}" role="img" '
            f'aria-label="{_e(title)}"><title>{_e(title)}</title>'
            f'<text x="8" y="18" font-size="14" font-weight="600" fill="#222">{_e(title)}</text>'
            f"{body}{cap}</svg>")


def hbar(items: Sequence[tuple[str, float]], *, title: str, unit: str = "",
         percent: bool = False, source: str | None = None, width: int = 560,
         color: str = PALETTE[0], max_items: int = 12) -> str:
    """Horizontal bar chart of labelled values (largest first as given)."""
    items = list(items)[:max_items]
    bar_h, gap, left, top = 18, 6, 150, 30
    height = top + len(items) * (bar_h + gap) + 40
    vmax = max([v for _, v in items] + [1e-12])
    plot_w = width - left - 70
    parts = []
    for i, (label, v) in enumerate(items):
        y = top + i * (bar_h + gap)
        w = max(0.0, v) / vmax * plot_w
        parts.append(
            f'<text x="{left - 6}" y="{y + 13}" font-size="12" text-anchor="end" fill="#333">'
            f"<title>{_e(label)}</title>{_e(_clip(label, 22))}</text>"
            f'<rect x="{left}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{color}">'
            f"<title>{_e(label)}: {_e(fmt_number(v, percent=percent))}</title></rect>"
            f'<text x="{left + w + 4:.1f}" y="{y + 13}" font-size="11" fill="#333">'
            f"{_e(fmt_number(v, percent=percent))}</text>")
    axis_y = top + len(items) * (bar_h + gap) + 4
    parts.append(f'<text x="{left}" y="{axis_y + 12}" font-size="11" fill="#555">'
                 f"{_e(unit)}</text>")
    cap = f"Source: {source}" if source else None
    return _frame(width, height, title, "".join(parts), cap)


@dataclass
class Series:
    """A named series of (x, y) points with an optional band (low, high) per point."""

    name: str
    x: Sequence[float]
    y: Sequence[float]
    low: Sequence[float] | None = None
    high: Sequence[float] | None = None
    color: str | None = None
    dashed: bool = False
    extra: dict[str, str] = field(default_factory=dict)


def _scale(lo: float, hi: float, a: float, b: float) -> Callable[[float], float]:
    span = (hi - lo) or 1.0
    return lambda v: a + (v - lo) / span * (b - a)


def _y_grid(ticks: Sequence[float], sy: Callable[[float], float], left: int, x_end: int,
            stroke: str) -> list[str]:
    """Horizontal grid lines with their value labels left of the plot."""
    return [f'<line x1="{left}" x2="{x_end}" y1="{sy(t):.1f}" y2="{sy(t):.1f}" '
            f'stroke="{stroke}"/><text x="{left - 6}" y="{sy(t) + 4:.1f}" font-size="11" '
            f'text-anchor="end" fill="#555">{_e(fmt_number(t))}</text>' for t in ticks]


def _vline(x: float, top: int, bottom: int, label: str = "") -> str:
    """A dashed vertical reference line (a threshold, an effective date), labelled at top."""
    text = (f'<text x="{x + 4:.1f}" y="{top + 10}" font-size="11" fill="{_ACCENT}">'
            f"{_e(label)}</text>" if label else "")
    return (f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{top}" y2="{bottom}" stroke="{_ACCENT}" '
            f'stroke-dasharray="4,3"/>{text}')


def _axis_labels(x_label: str, y_label: str, *, left: int, right: int, top: int,
                 bottom: int, width: int, height: int) -> str:
    """The x-axis label under the plot and the rotated y-axis label left of it."""
    mid_y = f"{(top + height - bottom) / 2:.0f}"
    return (f'<text x="{(left + width - right) / 2:.0f}" y="{height - bottom + 32}" '
            f'font-size="11" text-anchor="middle" fill="#555">{_e(x_label)}</text>'
            f'<text x="14" y="{mid_y}" font-size="11" fill="#555" '
            f'transform="rotate(-90 14 {mid_y})" text-anchor="middle">{_e(y_label)}</text>')


def lines(series: Sequence[Series], *, title: str, x_label: str = "", y_label: str = "",
          source: str | None = None, width: int = 620, height: int = 320,
          zero_line: bool = True, x_integer: bool = True,
          x_ticks: Sequence[tuple[float, str]] | None = None,
          markers: Sequence[tuple[float, str]] = (), dots: bool = True,
          x_range: tuple[float, float] | None = None) -> str:
    """Line chart with optional shaded bands (e.g. P10–P90) and a zero line.

    Parameters
    ----------
    series
        The series to draw; a series with ``low`` and ``high`` gets a shaded band.
    title, x_label, y_label, source
        Chart title, axis labels and the source caption.
    zero_line
        Include 0 in the y range and draw it when the range crosses it.
    x_integer
        Label every distinct x as an integer (years); otherwise as a number.
    x_ticks
        ``(x, label)`` pairs labelling the x axis instead of every distinct x (e.g. one
        label a year on a monthly series).
    markers
        ``(x, label)`` pairs drawn as dashed vertical lines (e.g. an effective date).
    dots
        Draw each point with a tooltip (off for long series).
    x_range
        The x axis's extent (default: the series' smallest and largest x).
    """
    xs = [float(x) for s in series for x in s.x]
    ys = [float(v) for s in series for v in list(s.y) + list(s.low or []) + list(s.high or [])]
    if not xs:
        return _frame(width, 60, title, '<text x="8" y="40">no data</text>', None)
    if zero_line:
        ys.append(0.0)
    left, right, top, bottom = 70, 20, 30, 60
    yt = _nice_ticks(min(ys), max(ys))
    x_lo, x_hi = x_range if x_range is not None else (min(xs), max(xs))
    sx = _scale(x_lo, x_hi, left, width - right)
    sy = _scale(yt[0], yt[-1], height - bottom, top)
    parts = _y_grid(yt, sy, left, width - right, "#e5e5e5")
    if x_ticks is None:
        x_ticks = [(x, str(int(x)) if x_integer else fmt_number(x)) for x in sorted(set(xs))]
    for x, label in x_ticks:
        parts.append(f'<text x="{sx(x):.1f}" y="{height - bottom + 16}" font-size="11" '
                     f'text-anchor="middle" fill="#555">{_e(label)}</text>')
    if zero_line and yt[0] < 0 < yt[-1]:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{sy(0):.1f}" '
                     f'y2="{sy(0):.1f}" stroke="#999"/>')
    for x, label in markers:
        parts.append(_vline(sx(x), top, height - bottom, label))
    for i, s in enumerate(series):
        color = s.color or PALETTE[i % len(PALETTE)]
        if s.low is not None and s.high is not None:
            pts = [f"{sx(x):.1f},{sy(h):.1f}" for x, h in zip(s.x, s.high, strict=True)]
            pts += [f"{sx(x):.1f},{sy(lo):.1f}"
                    for x, lo in reversed(list(zip(s.x, s.low, strict=True)))]
            parts.append(f'<polygon points="{" ".join(pts)}" fill="{color}" '
                         f'fill-opacity="0.18" stroke="none"/>')
        line = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in zip(s.x, s.y, strict=True))
        dash = ' stroke-dasharray="5,4"' if s.dashed else ""
        parts.append(f'<polyline points="{line}" fill="none" stroke="{color}" '
                     f'stroke-width="2"{dash}/>')
        if dots:
            for x, y in zip(s.x, s.y, strict=True):
                parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" '
                             f'fill="{color}"><title>{_e(s.name)} {_e(x)}: '
                             f"{_e(fmt_number(y))}</title></circle>")
        # the legend goes under the x axis, one row a series, so that long scenario
        # names are neither cut by the frame nor drawn over the lines
        ly = height - bottom + 38 + i * 15
        name = _clip(s.name, (width - left - 20) // 6)
        parts.append(f'<rect x="{left}" y="{ly}" width="10" height="10" fill="{color}"/>'
                     f'<text x="{left + 14}" y="{ly + 9}" font-size="11" fill="#333">'
                     f'<title>{_e(s.name)}</title>{_e(name)}</text>')
    parts.append(_axis_labels(x_label, y_label, left=left, right=right, top=top,
                              bottom=bottom, width=width, height=height))
    return _frame(width, height + 15 * len(series), title, "".join(parts),
                  f"Source: {source}" if source else None)


def scatter(points: Sequence[tuple[str, float, float]], *, title: str, x_label: str,
            y_label: str, x_threshold: float | None = None,
            y_threshold: float | None = None, highlight: set[str] | None = None,
            source: str | None = None, width: int = 620, height: int = 420) -> str:
    """Labelled scatter plot with optional threshold lines (e.g. EI 2.8, SR 1.0)."""
    if not points:
        return _frame(width, 60, title, '<text x="8" y="40">no data</text>', None)
    left, right, top, bottom = 60, 20, 30, 60
    xs = [p[1] for p in points] + ([x_threshold] if x_threshold is not None else [])
    ys = [p[2] for p in points] + ([y_threshold] if y_threshold is not None else [])
    xt, yt = _nice_ticks(0, max(xs)), _nice_ticks(0, max(ys))
    sx = _scale(xt[0], xt[-1], left, width - right)
    sy = _scale(yt[0], yt[-1], height - bottom, top)
    parts = _y_grid(yt, sy, left, width - right, "#eee")
    for t in xt:
        parts.append(f'<text x="{sx(t):.1f}" y="{height - bottom + 16}" font-size="11" '
                     f'text-anchor="middle" fill="#555">{_e(fmt_number(t))}</text>')
    if x_threshold is not None:
        parts.append(_vline(sx(x_threshold), top, height - bottom))
    if y_threshold is not None:
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{sy(y_threshold):.1f}" '
                     f'y2="{sy(y_threshold):.1f}" stroke="{_ACCENT}" stroke-dasharray="4,3"/>')
    for label, x, y in points:
        hot = highlight is not None and label in highlight
        color = PALETTE[3] if hot else PALETTE[0]
        parts.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="4" fill="{color}">'
                     f"<title>{_e(label)}: {_e(fmt_number(x))}, {_e(fmt_number(y))}</title>"
                     f'</circle><text x="{sx(x) + 5:.1f}" y="{sy(y) - 4:.1f}" font-size="10" '
                     f'fill="#333">{_e(label)}</text>')
    parts.append(_axis_labels(x_label, y_label, left=left, right=right, top=top,
                              bottom=bottom, width=width, height=height))
    return _frame(width, height, title, "".join(parts),
                  f"Source: {source}" if source else None)


def timeline(events: Sequence[tuple[date, str, str]], *, title: str,
             source: str | None = None, width: int = 720) -> str:
    """Dated events on a horizontal axis: (date, label, category) triples."""
    events = sorted(events, key=lambda e: e[0])
    if not events:
        return _frame(width, 60, title, '<text x="8" y="40" font-size="12">no events</text>',
                      None)
    left, right, top = 20, 20, 40
    row_h = 18
    height = top + len(events) * row_h + 50
    d0, d1 = events[0][0].toordinal(), events[-1][0].toordinal()
    sx = _scale(d0, d1 if d1 > d0 else d0 + 1, left + 6, width - right - 260)
    cats = sorted({c for _, _, c in events})
    colors = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(cats)}
    axis_y = top + len(events) * row_h + 6
    parts = [f'<line x1="{left}" x2="{width - right}" y1="{axis_y}" y2="{axis_y}" '
             f'stroke="#999"/>']
    for i, (d, label, cat) in enumerate(events):
        x, y = sx(d.toordinal()), top + i * row_h
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{y + 5}" y2="{axis_y}" '
                     f'stroke="#ddd"/><circle cx="{x:.1f}" cy="{y + 5}" r="5" '
                     f'fill="{colors[cat]}"><title>{_e(d.isoformat())} {_e(label)}</title>'
                     f'</circle><text x="{x + 9:.1f}" y="{y + 9}" font-size="11" fill="#222">'
                     f"<title>{_e(label)}</title>{_e(d.isoformat())} · "
                     f"{_e(_clip(label, max(12, int((width - right - x - 80) / 6))))}</text>")
    years = range(events[0][0].year, events[-1][0].year + 1)
    for yr in years:
        x = sx(date(yr, 1, 1).toordinal())
        if left <= x <= width - right:
            parts.append(f'<text x="{x:.1f}" y="{axis_y + 14}" font-size="10" '
                         f'text-anchor="middle" fill="#555">{yr}</text>')
    return _frame(width, height + 10, title, "".join(parts),
                  f"Source: {source}" if source else None)


__all__ = ["PALETTE", "Series", "esc", "fmt_number", "hbar", "lines", "scatter", "timeline"]
