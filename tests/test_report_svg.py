"""Inline SVG charts of the report: legends and captions stay inside the frame."""

from __future__ import annotations

import re

from mineralwatch.reports import svg


def _height(chart: str) -> int:
    return int(re.search(r'viewBox="0 0 \d+ (\d+)"', chart).group(1))  # type: ignore[union-attr]


def test_legend_below_the_plot_with_full_names() -> None:
    long = "DR Congo cobalt quota 96,600 t/yr 2026-27 <with markup>"
    one = svg.lines([svg.Series(long, [2025, 2026], [1.0, -1.0])], title="t")
    two = svg.lines([svg.Series(long, [2025, 2026], [1.0, -1.0]),
                     svg.Series("seed", [2025, 2026], [0.5, 0.0])], title="t")
    assert "DR Congo cobalt quota 96,600 t/yr 2026-27 &lt;with markup&gt;" in one
    assert _height(two) == _height(one) + 15  # a legend row per series, under the axis
    legend_x = [float(x) for x in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="10"', two)]
    assert legend_x == [70.0, 70.0]  # left-aligned with the plot, not cut at the right edge


def test_long_captions_wrap() -> None:
    short = svg.lines([svg.Series("a", [1, 2], [1.0, 2.0])], title="t", source="USGS")
    long = svg.lines([svg.Series("a", [1, 2], [1.0, 2.0])], title="t",
                     source="USGS MCS 2025; " * 20)
    assert _height(long) > _height(short)
    lines = re.findall(r'<text x="8" y="[\d.]+" font-size="11" fill="#666">([^<]*)</text>', long)
    assert len(lines) > 2 and all(len(t) <= (620 - 16) // 6 for t in lines)
    assert " ".join(lines).count("USGS MCS 2025;") == 20  # nothing lost in the wrapping
