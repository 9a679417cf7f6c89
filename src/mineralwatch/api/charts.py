"""Plotly figure specs (plain dicts) for the web pages; rendered by static/app.js.

Every figure has axis titles with units and a caption naming its source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mineralwatch.codes import countries, minerals
from mineralwatch.store import Warehouse
from mineralwatch.store.cache import cached

FONT = {"family": "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", "size": 12}


def _layout(**kw: Any) -> dict[str, Any]:
    base = {"font": FONT, "margin": {"l": 50, "r": 10, "t": 36, "b": 40}, "height": 340,
            "paper_bgcolor": "#fff", "plot_bgcolor": "#fff"}
    base.update(kw)
    return base


def producer_map(name: str, rec: Mapping[Any, Any]) -> dict[str, Any]:
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
            "colorbar": {"title": {"text": "% of world"},
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


@cached
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
            xs.append(int(str(year)))
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
            xaxis={"title": {"text": "year"}, "dtick": 1, "tickformat": "d"},
            yaxis={"title": {"text": "HHI (0–10,000)"}, "rangemode": "tozero"})},
        "caption": f"Herfindahl–Hirschman index of production shares. Sources: "
                   f"{', '.join(sorted(sources))}.",
    }


def balance_figure(name: str, mineral: str, unit: str, df: Any, *,
                   source: str) -> dict[str, Any]:
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
    return {"spec": {"data": data, "layout": _layout(
        title={"text": f"{name}"}, xaxis={"title": {"text": "year"}, "dtick": 1},
        yaxis={"title": {"text": f"{mineral} ({unit})"}, "zeroline": True})},
        "caption": f"Balance = supply − demand ({unit}); band: P10–P90 of the Monte Carlo "
                   f"draws. Source: scenario {source}."}


def impact_figure(res: dict[str, Any]) -> dict[str, Any]:
    """Before/after exports per partner for an event-impact result."""
    eff = [e for e in res.get("effects", []) if e.get("before") is not None][:15]
    names = [countries.name(str(e["partner"])) for e in eff]
    data = [{"type": "bar", "name": "before", "x": names, "y": [e["before"] for e in eff]},
            {"type": "bar", "name": "after", "x": names, "y": [e["after"] for e in eff]}]
    unit = res.get("unit", "t per month")
    return {"spec": {"data": data, "layout": _layout(
        barmode="group", title={"text": f"Exports before and after {res.get('event', '')}"},
        yaxis={"title": {"text": str(unit)}})},
        "caption": f"Mean monthly exports in the windows before and after the event "
                   f"({unit}). Source: trade table "
                   f"({', '.join(res.get('sources', [])) or 'warehouse'})."}


def transshipment_figure(res: dict[str, Any]) -> dict[str, Any]:
    """Diversion scores of the candidate third countries."""
    cands = res.get("candidates", [])[:15]
    colors = ["#b8405e" if c.get("flagged") else "#1f5f8b" for c in cands]
    data = [{"type": "bar", "orientation": "h",
             "y": [countries.name(str(c["country"])) for c in cands][::-1],
             "x": [float(c["score"]) for c in cands][::-1], "marker": {"color": colors[::-1]}}]
    return {"spec": {"data": data, "layout": _layout(
        title={"text": f"Diversion evidence: {res.get('restrictor')} → ? → {res.get('target')}"},
        xaxis={"title": {"text": "evidence score (0–1)"}}, margin={"l": 140, "r": 10,
                                                                    "t": 36, "b": 40})},
        "caption": f"HS {', '.join(map(str, res.get('hs', [])))} since {res.get('since')}; "
                   "red: flagged. Source: trade table (mirror statistics), production."}


def criticality_panel(wh: Warehouse, mineral: str) -> dict[str, Any] | None:
    """EU-method decomposition: each country's term of the weighted HHI, and the effects."""
    from mineralwatch.analytics.criticality.api import criticality

    crit = criticality(wh, method="eu", material=mineral, explain=True)
    if crit.empty:
        return None
    r = crit.iloc[0].to_dict()
    exp = r.get("explain") or {}
    terms = sorted(exp.get("global_supply", []), key=lambda t: -float(t["term"]))[:10]
    importer = countries.name(str(r.get("importer", "EUU")))
    from mineralwatch.analytics.criticality.verdict import label

    verdict = label(r)
    note = (f"SR {_fmt2(r['sr'])} (bottleneck stage: {r['stage']}; extraction "
            f"{_fmt2(r.get('sr_extraction'))}, processing {_fmt2(r.get('sr_processing'))}), "
            f"EI {_fmt2(r['ei'])}: {verdict} for the {importer} at thresholds SR ≥ 1.0, "
            f"EI ≥ 2.8." + (f" EI from the {r['ei_source']}." if r.get("ei_source") else ""))
    effects = exp.get("effects", {})
    labels = {"without_t": "without trade parameter t", "without_recycling":
              "without recycling (EOL-RIR = 0)", "without_substitution": "without substitution",
              "ir_0": "import reliance 0%", "ir_1": "import reliance 100%"}
    rows = "".join(f"<li>{labels.get(k, k)}: SR {v['sr']:.2f} ({v['change']:+.2f})</li>"
                   for k, v in effects.items() if isinstance(v, dict) and "sr" in v)
    would = "".join(f"<li>{_esc(w)}</li>" for w in exp.get("would_change", []))
    spec = None
    if terms:
        spec = {"data": [{"type": "bar", "orientation": "h",
                          "y": [countries.name(t["country"]) for t in terms][::-1],
                          "x": [round(float(t["term"]), 4) for t in terms][::-1],
                          "customdata": [[t["share"], t["wgi"], t["t"]] for t in terms][::-1],
                          "hovertemplate": "%{y}: %{x:.3f}<br>share %{customdata[0]:.1%}, "
                          "WGI %{customdata[1]:.1f}, t %{customdata[2]}<extra></extra>",
                          "marker": {"color": "#1f5f8b"}}],
                "layout": _layout(title={"text": f"Contributions to HHI(WGI, t), "
                                         f"{exp.get('stage', '')}"},
                                  xaxis={"title": {"text": "share² × WGI (0–10) × t"}},
                                  margin={"l": 140, "r": 10, "t": 36, "b": 40})}
    return {"title": "Criticality (EU method)", "spec": spec,
            "caption": "Each producer's term S² × WGI × t of the governance-weighted HHI. "
                       "Source: EU CRM 2023 study tables (supply shares, t, parameters), World "
                       "Bank WGI (rescaled 0–10, 10 worst).",
            "note": note,
            "html": (f"<ul class='small'>{rows}</ul>" if rows else "")
                    + (f"<p class='small'>What would change the classification:</p>"
                       f"<ul class='small'>{would}</ul>" if would else "")}


def balance_panel(wh: Warehouse, mineral: str) -> dict[str, Any] | None:
    """The first shipped scenario for this mineral, with Monte Carlo bands."""
    from mineralwatch.analytics.balance import balance
    from mineralwatch.api.workflows import scenario_dir, shipped_scenarios

    match = [s for s in shipped_scenarios() if s["mineral"] == mineral]
    if not match:
        return None
    res = balance(wh, scenario=scenario_dir() / match[0]["file"], draws=500, seed=0)
    fig = balance_figure(res.scenario.name, res.mineral, res.unit, res.frame(),
                         source=match[0]["file"])
    return {"title": "Balance under a policy scenario", "spec": fig["spec"],
            "caption": fig["caption"], "note": None, "html": None}


def documents_panel(wh: Warehouse, mineral: str) -> dict[str, Any] | None:
    """Passages about this mineral, cited and linked."""
    from mineralwatch.documents.search import search

    if wh.count("passage") == 0:
        return None
    name = minerals.table()[mineral].name
    hits = search(wh, name, limit=5)
    if not hits:
        return None
    items = "".join(
        f"<li><a class='citation' href='/documents/{_esc(h.doc_id)}/{h.passage}'>"
        f"[{_esc(h.doc_id)}:{h.passage}]</a> {_esc(h.snippet).replace('**', '')}</li>"
        for h in hits)
    return {"title": "Related documents", "spec": None, "caption": None, "note": None,
            "html": f"<ul class='small'>{items}</ul>"}


def _fmt2(v: Any) -> str:
    return "—" if v is None or v != v else f"{float(v):.2f}"


def _esc(text: object) -> str:
    from markupsafe import escape

    return str(escape(str(text)))


@cached
def extra_panels(wh: Warehouse, mineral: str) -> list[dict[str, Any]]:
    """Panels from the other analytics, each skipped (with a log line) when it has no data."""
    import logging

    from mineralwatch.errors import MineralwatchError

    panels: list[dict[str, Any]] = []
    for make in (criticality_panel, balance_panel, documents_panel):
        try:
            panel = make(wh, mineral)
        except MineralwatchError as exc:
            logging.getLogger(__name__).info("%s: %s", make.__name__, exc)
            continue
        if panel is not None:
            panels.append(panel)
    return panels


__all__ = ["balance_figure", "balance_panel", "concentration_history", "criticality_panel",
           "documents_panel", "extra_panels", "impact_figure", "producer_map",
           "transshipment_figure"]
