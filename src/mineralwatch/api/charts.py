"""Plotly figure specs (plain dicts) for the web pages; rendered by static/app.js.

Pure functions, result -> figure: nothing here reads the warehouse or runs an analysis
(``api/views.py`` does, once per page). Every figure has axis titles with units and a
caption naming its source; ``static/app.js`` puts that caption under every exported
PNG/SVG and at the top of every data CSV.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from mineralwatch.codes import countries
from mineralwatch.formatting import code_label

FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}
#: The whole inhabited world, Pacific at the edges: Europe, Africa and the Americas whole.
WORLD_GEO = {"projection": {"type": "natural earth"}, "showframe": False,
             "showcoastlines": False, "showcountries": True, "countrycolor": "#ccc",
             "showland": True, "landcolor": "#f4f6f8", "resolution": 110,
             "fitbounds": False, "lonaxis": {"range": [-180, 180]},
             "lataxis": {"range": [-58, 84]}, "center": {"lon": 0, "lat": 13}}


def _layout(**kw: Any) -> dict[str, Any]:
    base = {"font": FONT, "margin": {"l": 50, "r": 10, "t": 36, "b": 40}, "height": 340,
            "paper_bgcolor": "#fff", "plot_bgcolor": "#fff",
            "legend": {"orientation": "h", "y": -0.2}}
    base.update(kw)
    return base


def figure(spec: dict[str, Any], caption: str, *, title: str | None = None,
           name: str = "chart") -> dict[str, Any]:
    """A figure as the pages embed it: spec, caption and a file name for exports."""
    return {"spec": spec, "caption": caption, "title": title, "name": name}


def producer_map(name: str, rec: Mapping[str, Any]) -> dict[str, Any]:
    """World choropleth of producer shares for one concentration record."""
    shares = [s for s in rec["shares"] if not countries.is_aggregate(s["country"])]
    spec = {
        "data": [{
            "type": "choropleth", "locationmode": "ISO-3",
            "locations": [s["country"] for s in shares],
            "z": [round(float(s["share"]) * 100, 2) for s in shares],
            "text": [countries.name(s["country"]) for s in shares],
            "hovertemplate": "%{text}: %{z:.1f}%<extra></extra>",
            "colorscale": [[0, "#e3eef7"], [1, "#0b3d66"]], "zmin": 0,
            "colorbar": {"title": {"text": "% of world"}, "thickness": 10},
        }],
        "layout": _layout(title={"text": f"{name}: {rec['stage']} shares, {rec['year']}"},
                          geo=WORLD_GEO, margin={"l": 0, "r": 0, "t": 36, "b": 0}),
    }
    return figure(spec, f"Share of world {rec['stage']} production, {rec['year']}. "
                  f"Source: {rec['source_id']}.", name=f"{name}-{rec['stage']}-{rec['year']}")


def history_figure(name: str, series: Mapping[str, Sequence[tuple[int, float]]],
                   sources: Sequence[str]) -> dict[str, Any] | None:
    """HHI by year, one line per stage (``series``: stage -> [(year, hhi)])."""
    traces = [{"type": "scatter", "mode": "lines+markers", "name": stage,
               "x": [x for x, _ in pts], "y": [round(y) for _, y in pts]}
              for stage, pts in series.items() if pts]
    if not traces:
        return None
    spec = {"data": traces, "layout": _layout(
        title={"text": f"{name}: HHI by stage"},
        xaxis={"title": {"text": "year"}, "tickformat": "d"},
        yaxis={"title": {"text": "HHI (0–10,000)"}, "rangemode": "tozero"})}
    return figure(spec, "Herfindahl–Hirschman index of production shares. Sources: "
                  f"{', '.join(sorted(sources))}.", title="Concentration over time",
                  name=f"{name}-hhi-history")


def balance_figure(name: str, mineral: str, unit: str, df: Any, *,
                   source: str, draws: int = 0) -> dict[str, Any]:
    """Supply, demand and balance by year, with the P10–P90 band when drawn."""
    years = [int(y) for y in df["year"]]
    data: list[dict[str, Any]] = []
    if "p10" in df.columns and df["p10"].notna().any():
        data.append({"type": "scatter", "x": years + years[::-1],
                     "y": [float(v) for v in df["p90"]] + [float(v) for v in df["p10"]][::-1],
                     "fill": "toself", "fillcolor": "rgba(31,95,139,0.15)", "mode": "lines",
                     "line": {"width": 0}, "name": "balance P10–P90", "hoverinfo": "skip"})
    for col, color in (("supply", "#3a9d5d"), ("demand", "#d9822b"), ("balance", "#1f5f8b")):
        data.append({"type": "scatter", "mode": "lines+markers", "name": col, "x": years,
                     "y": [float(v) for v in df[col]], "line": {"color": color}})
    band = (f"band: P10–P90 of {draws:,} Monte Carlo draws" if draws else
            "deterministic run (no draws)")
    return figure({"data": data, "layout": _layout(
        title={"text": name}, xaxis={"title": {"text": "year"}, "dtick": 1},
        yaxis={"title": {"text": f"{mineral} ({unit})"}, "zeroline": True})},
        f"Balance = supply − demand ({unit}); {band}. Source: scenario {source}.",
        name=f"balance-{source}")


def delta_figure(reference: str, mineral: str, unit: str,
                 deltas: Mapping[str, Mapping[int, float]], sources: Sequence[str]
                 ) -> dict[str, Any]:
    """Several scenarios' balance minus the reference's, per year, on one chart."""
    data = [{"type": "bar", "name": scen, "x": list(d), "y": [round(v, 3) for v in d.values()]}
            for scen, d in deltas.items()]
    return figure({"data": data, "layout": _layout(
        barmode="group", title={"text": f"Balance change against “{reference}”"},
        xaxis={"title": {"text": "year"}, "dtick": 1},
        yaxis={"title": {"text": f"Δ balance, {mineral} ({unit})"}, "zeroline": True})},
        f"Each scenario's balance minus the balance of “{reference}” in the same year "
        f"({unit}; negative: a deeper deficit). Sources: scenarios {', '.join(sources)}.",
        title="Comparison", name=f"delta-{mineral}")


def impact_figure(res: Mapping[str, Any], title: str, unit: str) -> dict[str, Any]:
    """Before/after exports per partner for an event-impact result."""
    eff = [e for e in res.get("effects", []) if e.get("before") is not None][:15]
    names = [countries.name(str(e["partner"])) for e in eff]
    data = [{"type": "bar", "name": "before (mean per month)", "x": names,
             "y": [e["before"] for e in eff]},
            {"type": "bar", "name": "after (mean per month)", "x": names,
             "y": [e["after"] for e in eff]}]
    return figure({"data": data, "layout": _layout(
        barmode="group", title={"text": f"Exports before and after: {title}"},
        yaxis={"title": {"text": str(unit)}})},
        f"Mean monthly exports in the windows before and after the event ({unit}); raw "
        "means, before the seasonal adjustment the table's change uses. Source: trade "
        f"table ({', '.join(res.get('sources', [])) or 'warehouse'}).", name="impact")


def transshipment_figure(res: Mapping[str, Any]) -> dict[str, Any]:
    """Diversion scores of the candidate third countries."""
    cands = res.get("candidates", [])[:15]
    colors = ["#b8405e" if c.get("flagged") else "#1f5f8b" for c in cands]
    data = [{"type": "bar", "orientation": "h", "name": "evidence score",
             "y": [countries.name(str(c["country"])) for c in cands][::-1],
             "x": [float(c["score"]) for c in cands][::-1], "marker": {"color": colors[::-1]}}]
    return figure({"data": data, "layout": _layout(
        title={"text": f"Diversion evidence: {countries.name(str(res.get('restrictor')))} → ? "
               f"→ {countries.name(str(res.get('target')))}"},
        xaxis={"title": {"text": "evidence score (0–1)"}},
        margin={"l": 140, "r": 10, "t": 36, "b": 40})},
        f"HS {', '.join(map(str, res.get('hs', [])))} since {res.get('since')}; red: "
        "flagged. Source: trade table (mirror statistics), production.", name="transshipment")


def criticality_figure(exp: Mapping[str, Any]) -> dict[str, Any] | None:
    """Each producer's term of the governance-weighted HHI (EU method, ``explain``)."""
    terms = sorted(exp.get("global_supply", []), key=lambda t: -float(t["term"]))[:10]
    if not terms:
        return None
    spec = {"data": [{"type": "bar", "orientation": "h", "name": "S² × WGI × t",
                      "y": [countries.name(t["country"]) for t in terms][::-1],
                      "x": [round(float(t["term"]), 4) for t in terms][::-1],
                      "customdata": [[t["share"], t["wgi"], t["t"]] for t in terms][::-1],
                      "hovertemplate": "%{y}: %{x:.3f}<br>share %{customdata[0]:.1%}, "
                      "WGI %{customdata[1]:.1f}, t %{customdata[2]}<extra></extra>",
                      "marker": {"color": "#1f5f8b"}}],
            "layout": _layout(title={"text": "Contributions to HHI(WGI, t), "
                                     f"{code_label(exp.get('stage', ''))}"},
                              xaxis={"title": {"text": "share² × WGI (0–10) × t"}},
                              margin={"l": 140, "r": 10, "t": 36, "b": 40})}
    return figure(spec, "Each producer's term S² × WGI × t of the governance-weighted HHI. "
                  "Source: EU CRM 2023 study tables (supply shares, t, parameters), World "
                  "Bank WGI (rescaled 0–10, 10 worst).", name="criticality-terms")


__all__ = ["WORLD_GEO", "balance_figure", "criticality_figure", "delta_figure", "figure",
           "history_figure", "impact_figure", "producer_map", "transshipment_figure"]
