"""Plotly figure specs (plain dicts) for the web pages; rendered by static/app.js.

Every figure has axis titles with units and a caption naming its source.
"""

from __future__ import annotations

from typing import Any


from mineralwatch.codes import countries, minerals
from mineralwatch.store import Warehouse

FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}


def _layout(**kw: Any) -> dict[str, Any]:
    base = {"font": FONT, "margin": {"l": 50, "r": 10, "t": 36, "b": 40}, "height": 340,
            "paper_bgcolor": "#fff", "plot_bgcolor": "#fff"}
    base.update(kw)
    return base


def producer_map(name: str, rec: dict[str, Any]) -> dict[str, Any]:
    """World choropleth of producer shares for one concentration record."""
    shares = [s for s in rec["shares"] if not countries.is_aggregate(s["country"])]
    spec = {
        "data": [{
            "type": "choropleth", "locationmode": "ISO-3",
            "locations": [s["country"] for s in shares],
            "z": [round(float(s["share"]) * 100, 2) for s in shares],
            "text": [countries.name(s["country"]) for s in shares],
            "hovertemplate": "%{text}: %{z:.1f}%<extra></extra>",
            "colorscale": "Blues", "zmin": 0, "colorbar": {"title": {"text": "% of world"},
                                                           "thickness": 10},
        }],
        "layout": _layout(title={"text": f"{name}: {rec['stage']} production shares, "
                                 f"{rec['year']}"},
                          geo={"projection": {"type": "natural earth"}, "showframe": False,
                               "showcoastlines": False, "showcountries": True,
                               "countrycolor": "#ccc", "resolution": 110},
                          margin={"l": 0, "r": 0, "t": 36, "b": 0}),
    }
    return {"spec": spec, "caption": f"Share of world {rec['stage']} production, "
            f"{rec['year']}. Source: {rec['source_id']}."}


def concentration_history(wh: Warehouse, mineral: str) -> dict[str, Any] | None:
    """HHI by year and stage from every year of production data (e.g. BGS 1970–2021)."""
    from mineralwatch.analytics.concentration.api import choose_source, producer_shares
    from mineralwatch.analytics.concentration.indicators import hhi

    prod = wh.load("production", mineral=mineral)
    prod = prod[prod["quantity"].notna()]
    if prod.empty:
        return None
    traces = []
    sources: set[str] = set()
    for stage, g in prod.groupby("stage"):
        xs, ys = [], []
        for year, gy in g.groupby("year"):
            sid = choose_source(gy["source_id"])
            rows = gy[gy["source_id"] == sid]
            shares = producer_shares(rows, "production")[0]
            if shares.empty:
                continue
            xs.append(int(year))
            ys.append(round(float(hhi(shares.to_numpy(dtype="float64"))), 0))
            sources.add(str(sid))
        if xs:
            traces.append({"type": "scatter", "mode": "lines+markers", "name": str(stage),
                           "x": xs, "y": ys})
    if not traces:
        return None
    name = minerals.table()[mineral].name
    return {
        "title": "Concentration over time",
        "spec": {"data": traces, "layout": _layout(
            title={"text": f"{name}: HHI by stage"},
            xaxis={"title": {"text": "year"}},
            yaxis={"title": {"text": "HHI (0–10,000)"}, "rangemode": "tozero"})},
        "caption": f"Herfindahl–Hirschman index of production shares. Sources: "
                   f"{', '.join(sorted(sources))}.",
    }


def extra_panels(wh: Warehouse, mineral: str) -> list[dict[str, Any]]:
    """Panels from other analytics (criticality, balance, documents) where available."""
    panels: list[dict[str, Any]] = []
    return panels


__all__ = ["concentration_history", "extra_panels", "producer_map"]
