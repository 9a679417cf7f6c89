"""The analytics behind each web page, run once per page: results in, rows and figures out.

Pages (``api/pages.py``, ``api/workflows.py``) ask this module for what a page shows;
figures come from the pure builders in ``api/charts.py``. Results are cached per
warehouse state (``store/cache.py``). Monte Carlo runs use the settings shared with the
report (:data:`~mineralwatch.analytics.balance.MONTE_CARLO_DRAWS`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import escape

from mineralwatch import formatting as fmt
from mineralwatch.api import charts
from mineralwatch.codes import countries, minerals
from mineralwatch.errors import ConsistencyError, MineralwatchError, NotFoundError
from mineralwatch.reports.html import _event_rows as event_rows
from mineralwatch.store import Warehouse
from mineralwatch.store.cache import cached

log = logging.getLogger(__name__)


def doc_href(doc_id: str, passage: int) -> str:
    """The passage page of a document (ids with ``/`` or spaces are encoded)."""
    return f"/documents/{quote(str(doc_id), safe='')}/{int(passage)}"


# -- mineral page ---------------------------------------------------------------------------
def data_years(wh: Warehouse, mineral: str) -> list[int]:
    """Years with production or supply-share rows for ``mineral``, newest first."""
    years: set[int] = set()
    for table, col in (("production", "quantity"), ("supply_share", "share")):
        if table in wh.tables():
            df = wh.sql(f'SELECT DISTINCT year FROM "{table}" WHERE mineral = ? AND '
                        f"{col} IS NOT NULL", [mineral])
            years |= {int(y) for y in df["year"].dropna()}
    return sorted(years, reverse=True)


def stage_concentration(wh: Warehouse, mineral: str, year: int | None
                        ) -> tuple[list[dict[str, Any]], list[str]]:
    """Concentration records per stage for one year (latest when ``None``), and notes for
    stages that have no data that year or whose source is inconsistent."""
    from mineralwatch.analytics.concentration import concentration

    recs, notes = [], []
    for stage in minerals.STAGES:
        try:
            df = concentration(wh, mineral=mineral, stage=stage, year=year)
        except NotFoundError:
            continue
        except ConsistencyError as exc:
            notes.append(f"{stage}: not computed — {str(exc).splitlines()[0]}")
            continue
        recs += df.to_dict("records")
    return recs, notes


def hhi_history(wh: Warehouse, mineral: str) -> tuple[dict[str, list[tuple[int, float]]],
                                                       list[str]]:
    """HHI per stage and year from every year of production data (e.g. BGS 1970–2021)."""
    from mineralwatch.analytics.concentration.api import choose_source, producer_shares
    from mineralwatch.analytics.concentration.indicators import hhi

    prod = wh.load("production", mineral=mineral)
    prod = prod[prod["quantity"].notna()]
    series: dict[str, list[tuple[int, float]]] = {}
    sources: set[str] = set()
    for stage, g in prod.groupby("stage"):
        pts = []
        for year, gy in g.groupby("year"):
            sid = choose_source(gy["source_id"])
            try:
                shares = producer_shares(gy[gy["source_id"] == sid], "production")[0]
            except ConsistencyError:
                continue
            if not shares.empty:
                pts.append((int(str(year)), float(hhi(shares.to_numpy(dtype="float64")))))
                sources.add(str(sid))
        if pts:
            series[str(stage)] = pts
    return series, sorted(sources)


def conc_row(r: dict[str, Any]) -> dict[str, Any]:
    """A concentration record as a table row."""
    return {"stage": r["stage"], "year": fmt.year(r["year"]), "hhi": fmt.hhi(r["hhi"]),
            "level": fmt.level(r["hhi"]), "top1": countries.name(str(r["top1_country"])),
            "top1_share": fmt.pct(r["top1_share"]), "top3": fmt.pct(r["top3_share"]),
            "top5": fmt.pct(r["top5_share"]), "n1": fmt.pct(r["n1_gap"]),
            "gw": fmt.gw_hhi(r.get("governance_weighted_hhi")),
            "n": r["n_producers"], "source": r["source_id"]}


def criticality_panel(wh: Warehouse, mineral: str) -> dict[str, Any] | None:
    """EU-method result with the per-country decomposition and the what-ifs."""
    from mineralwatch.analytics.criticality.api import criticality
    from mineralwatch.analytics.criticality.verdict import label

    crit = criticality(wh, method="eu", material=mineral, explain=True)
    if crit.empty:
        return None
    r = crit.iloc[0].to_dict()
    exp = r.get("explain") or {}
    importer = countries.name(str(r.get("importer", "EUU")))
    verdict = label(r)
    n2 = lambda v: fmt.num(v, 2, missing_text="—")  # noqa: E731
    note = (f"SR {n2(r.get('sr'))} (bottleneck stage: {fmt.code_label(r.get('stage'))}; "
            f"extraction {n2(r.get('sr_extraction'))}, processing "
            f"{n2(r.get('sr_processing'))}), EI {n2(r.get('ei'))}: {verdict} for the "
            f"{importer} at thresholds SR ≥ 1.0, EI ≥ 2.8."
            + (f" EI from the {r['ei_source']}." if r.get("ei_source") else ""))
    labels = {"without_t": "without trade parameter t", "without_recycling":
              "without recycling (EOL-RIR = 0)", "without_substitution": "without substitution",
              "ir_0": "import reliance 0%", "ir_1": "import reliance 100%"}
    items = "".join(f"<li>{escape(labels.get(k, k))}: SR {v['sr']:.2f} ({v['change']:+.2f})"
                    "</li>" for k, v in (exp.get("effects") or {}).items()
                    if isinstance(v, dict) and "sr" in v)
    would = "".join(f"<li>{escape(w)}</li>" for w in exp.get("would_change", []))
    fig = charts.criticality_figure(exp)
    return {"title": "Criticality (EU method)", "figure": fig, "note": note,
            "html": (f"<ul class='small'>{items}</ul>" if items else "")
            + (f"<p class='small'>What would change the classification:</p>"
               f"<ul class='small'>{would}</ul>" if would else "")}


def balance_panel(wh: Warehouse, mineral: str) -> dict[str, Any] | None:
    """The first shipped scenario for this mineral, with the shared Monte Carlo settings."""
    from mineralwatch.analytics.balance import (
        MONTE_CARLO_DRAWS,
        MONTE_CARLO_SEED,
        balance,
        catalogue,
        shipped_path,
    )

    match = [s for s in catalogue() if s["mineral"] == mineral]
    if not match:
        return None
    res = balance(wh, scenario=shipped_path(match[0]["file"]), draws=MONTE_CARLO_DRAWS,
                  seed=MONTE_CARLO_SEED)
    fig = charts.balance_figure(res.scenario.name, res.mineral, res.unit, res.frame(),
                                source=match[0]["file"], draws=MONTE_CARLO_DRAWS)
    link = f"/scenarios?scenario={quote(match[0]['file'])}&draws={MONTE_CARLO_DRAWS}"
    return {"title": "Balance under a policy scenario", "figure": fig, "note": None,
            "html": f"<p class='small'><a href='{link}'>Open in Scenarios</a></p>"}


def documents_panel(wh: Warehouse, mineral: str) -> dict[str, Any] | None:
    """Passages about this mineral, cited and linked."""
    from mineralwatch.documents.search import search

    if "passage" not in wh.tables() or wh.count("passage") == 0:
        return None
    hits = search(wh, minerals.table()[mineral].name, limit=5)
    if not hits:
        return None
    items = "".join(
        f"<li><a class='citation' href='{escape(doc_href(h.doc_id, h.passage))}'>"
        f"[{escape(h.doc_id)}:{h.passage}]</a> {escape(h.snippet.replace('**', ''))}</li>"
        for h in hits)
    return {"title": "Related documents", "figure": None, "note": None,
            "html": f"<ul class='small'>{items}</ul>"}


def extra_panels(wh: Warehouse, mineral: str) -> list[dict[str, Any]]:
    """Panels from the other analytics, each left out (with a log line) without data."""
    panels: list[dict[str, Any]] = []
    for make in (criticality_panel, balance_panel, documents_panel):
        try:
            panel = make(wh, mineral)
        except MineralwatchError as exc:
            log.info("%s: %s", make.__name__, exc)
            continue
        if panel is not None:
            panels.append(panel)
    return panels


@cached
def mineral_view(wh: Warehouse, mineral: str, year: int | None = None) -> dict[str, Any]:
    """Everything the mineral page shows, for one year (``None``: the latest per stage)."""
    from mineralwatch.analytics.events import load_events

    name = minerals.table()[mineral].name
    years = data_years(wh, mineral)
    if year is not None and year not in years:
        raise NotFoundError(f"No {name} data for {year}.",
                            hint="Years with data: " + (", ".join(map(str, years)) or "none"))
    recs, notes = stage_concentration(wh, mineral, year)
    series, sources = hhi_history(wh, mineral)
    history = charts.history_figure(name, series, sources)
    panels = ([{"title": history["title"], "figure": history, "note": None, "html": None}]
              if history else [])
    return {"maps": [charts.producer_map(name, r) for r in recs],
            "conc": [conc_row(r) for r in recs], "notes": notes, "years": years,
            "year": year, "panels": panels + extra_panels(wh, mineral),
            "events": event_rows(load_events(wh, mineral=mineral))}


# -- overview -----------------------------------------------------------------------------
def _criticality_map(wh: Warehouse) -> dict[str, dict[str, Any]]:
    """EU-method verdict per material: ``critical`` (True/False/None) and its label."""
    from mineralwatch.analytics.criticality.api import criticality
    from mineralwatch.analytics.criticality.verdict import label

    try:
        df = criticality(wh, method="eu")
    except MineralwatchError:
        return {}
    col = "material" if "material" in df.columns else "mineral"
    return {str(r[col]): {"critical": None if fmt.missing(r["critical"]) else
                          bool(r["critical"]), "label": label(r)}
            for r in df.to_dict("records")}


def _stage_cells(rec: Any, key: str) -> dict[str, Any]:
    if rec is None:
        return {f"{key}_hhi": "", f"{key}_hhi_value": "", f"{key}_level": "",
                f"{key}_top": "", f"{key}_share": "", f"{key}_year": ""}
    top = rec["top1_country"]
    return {f"{key}_hhi": fmt.hhi(rec["hhi"]), f"{key}_hhi_value": round(float(rec["hhi"])),
            f"{key}_level": fmt.level(rec["hhi"]),
            f"{key}_top": countries.name(str(top)) if isinstance(top, str) else "",
            f"{key}_share": fmt.pct(rec["top1_share"]), f"{key}_year": fmt.year(rec["year"])}


@cached
def overview_view(wh: Warehouse) -> dict[str, Any]:
    """Rows of the overview: mine and refining concentration, criticality, latest event."""
    from mineralwatch.analytics.concentration.api import concentration_by_stage
    from mineralwatch.analytics.events import load_events

    by = {s: concentration_by_stage(wh, stages=[s]) for s in ("mine", "refinery", "processing")}
    idx = {s: df.set_index("mineral") if not df.empty else df for s, df in by.items()}
    crit = _criticality_map(wh)
    events = event_rows(load_events(wh))
    latest: dict[str, str] = {}
    for e in events:  # newest first
        for m in e["minerals"].split(", "):
            latest.setdefault(m, f"{e['date']} {e['actor']}: {e['measure_label']}")
    ids = sorted(set().union(*(set(df["mineral"]) for df in by.values() if not df.empty)),
                 key=lambda i: minerals.table()[i].name)
    rows = []
    for mid in ids:
        m = minerals.table()[mid]
        r: dict[str, Any] = {"id": mid, "name": m.name, "name_zh": m.name_zh if m.zh else "",
                             "groups": " ".join(m.groups), "kind": m.kind}
        for key, stages in (("mine", ("mine",)), ("ref", ("refinery", "processing"))):
            rec = next((idx[s].loc[mid] for s in stages
                        if not idx[s].empty and mid in idx[s].index), None)
            r.update(_stage_cells(rec, key))
        verdict = crit.get(mid) or {}
        r["critical"], r["crit_label"] = verdict.get("critical"), verdict.get("label")
        r["event"] = latest.get(mid, "")
        rows.append(r)
    sources = sorted(set().union(*(set(df.get("source_id", [])) for df in by.values())))
    groups = sorted({g for m in ids for g in minerals.table()[m].groups})
    return {"rows": rows, "sources": sources, "groups": groups, "mine": by["mine"],
            "events": events, "crit": crit}


# -- scenarios ----------------------------------------------------------------------------
def scenario_results(wh: Warehouse, files: Sequence[Path], draws: int,
                     labels: Sequence[str] | None = None) -> dict[str, Any]:
    """Run scenario files; rows, one figure each, and one delta chart per mineral."""
    from mineralwatch.analytics.balance import MONTE_CARLO_SEED, balance

    rows, figures, errors, notes, results = [], [], [], [], []
    for i, f in enumerate(files):
        label = labels[i] if labels else f.name
        try:
            res = balance(wh, scenario=f, draws=draws, seed=MONTE_CARLO_SEED)
        except MineralwatchError as exc:
            errors.append(f"{label}: {str(exc).splitlines()[0]}")
            continue
        results.append((label, res))
        notes += [f"{res.scenario.name}: {n}" for n in res.meta.get("notes") or []]
        df = res.frame()
        figures.append(charts.balance_figure(res.scenario.name, res.mineral, res.unit, df,
                                             source=label, draws=draws))
        for r in df.to_dict("records"):
            rows.append({"scenario": res.scenario.name, "mineral": res.mineral,
                         "year": int(r["year"]), "supply": fmt.num(r["supply"]),
                         "demand": fmt.num(r["demand"]), "balance": fmt.num(r["balance"]),
                         "p10": fmt.num(r.get("p10")), "p90": fmt.num(r.get("p90")),
                         "p_deficit": fmt.num(r.get("p_deficit"), 2), "unit": res.unit})
    return {"rows": rows, "figures": delta_figures(results) + figures, "errors": errors,
            "notes": notes}


def delta_figures(results: Sequence[tuple[str, Any]]) -> list[dict[str, Any]]:
    """For each mineral run under two or more scenarios: deltas against the first."""
    out = []
    for mineral in dict.fromkeys(r.mineral for _, r in results):
        same = [(label, r) for label, r in results if r.mineral == mineral]
        if len(same) < 2:
            continue
        ref = same[0][1].frame().set_index("year")["balance"]
        deltas: dict[str, dict[int, float]] = {}
        for _label, r in same[1:]:
            b = r.frame().set_index("year")["balance"]
            common = [int(y) for y in b.index if y in ref.index]
            deltas[r.scenario.name] = {y: float(b[y] - ref[y]) for y in common}
        out.append(charts.delta_figure(same[0][1].scenario.name, mineral, same[0][1].unit,
                                       deltas, [label for label, _ in same]))
    return out


# -- screening ----------------------------------------------------------------------------
def impact_view(wh: Warehouse, event: str, actor: str, hs: list[str], date: str
                ) -> dict[str, Any]:
    """Event impact: rows, the chart, and a sentence on the total and its method."""
    from mineralwatch.analytics.screening import event_impact

    res = (event_impact(wh, event) if event else
           event_impact(wh, actor=actor, hs=hs, date=date or None))
    effects = res.get("effects", [])
    ev = res.get("event") or {}
    unit = (res.get("units") or {}).get("before", "t/month")
    title = (f"{countries.name(str(ev.get('actor')))} exports of HS "
             f"{', '.join(map(str, ev.get('hs', [])))} around {ev.get('date')}"
             + (f" (event {ev['id']})" if ev.get("id") else ""))
    rows = [{"partner": countries.name(str(e.get("partner"))),
             "before": fmt.quantity(e.get("before")), "after": fmt.quantity(e.get("after")),
             "change": "" if fmt.missing(e.get("change_pct")) else
             f"{float(e['change_pct']):+.1f}%",
             "p_value": "" if fmt.missing(e.get("p_value")) else f"{float(e['p_value']):.3g}",
             "significant": "yes" if e.get("significant") else ""} for e in effects]
    total = res.get("total") or {}
    message = impact_sentence(total, unit) if isinstance(total, dict) and total else (
        "No effect could be estimated: " + str(res.get("status") or "no trade rows."))
    figures = [charts.impact_figure(res, title, unit)] if effects else []
    return {"rows": rows, "columns": ["partner", "before", "after", "change", "p_value",
                                      "significant"],
            "headers": ["Partner", f"Before ({unit}, mean)", f"After ({unit}, mean)",
                        "Seasonally adjusted change", "p-value", "Significant"],
            "figures": figures, "message": message, "title": title}


def impact_sentence(total: dict[str, Any], unit: str) -> str:
    """The total effect in words, with what it is measured against."""
    ch, p = total.get("change_pct"), total.get("p_value")
    lo, hi = total.get("ci_low_pct"), total.get("ci_high_pct")
    ci = "" if fmt.missing(lo) or fmt.missing(hi) else f" (95% interval {lo:+.1f}% to {hi:+.1f}%)"
    before, after = total.get("before"), total.get("after")
    raw = ("" if fmt.missing(before) or fmt.missing(after) else
           f" Raw means: {fmt.quantity(before)} → {fmt.quantity(after)} "
           f"{unit} (12 months either side).")
    change = "" if fmt.missing(ch) else f"{float(ch):+.2f}%"
    pv = "" if fmt.missing(p) else f", p = {float(p):.3g}"
    return (f"Total change after the event, against the seasonal model fitted to the months "
            f"before it (same calendar months, trend removed): {change}{ci}{pv}.{raw}")


def transshipment_view(wh: Warehouse, restrictor: str, target: str, hs: list[str],
                       since: str) -> dict[str, Any]:
    """Transshipment screen: ranked candidates; no chart when nothing is flagged."""
    from mineralwatch.analytics.screening import screen_transshipment

    res = screen_transshipment(wh, restrictor, target, hs, since)
    cands = res.get("candidates", [])
    flagged = [c for c in cands if c.get("flagged")]
    rows = [{"country": countries.name(str(c["country"])),
             "score": fmt.num(c.get("score"), 2), "flagged": "yes" if c.get("flagged") else ""}
            for c in cands if float(c.get("score") or 0) > 0 or c.get("flagged")]
    if flagged:
        message = "Flagged: " + ", ".join(countries.name(str(c["country"])) for c in flagged)
    else:
        message = ("Nothing found: no third country shows a diversion pattern "
                   f"({len(cands)} screened).")
    return {"rows": rows if flagged or rows else [], "columns": ["country", "score", "flagged"],
            "headers": ["Country", "Evidence score (0–1)", "Flagged"],
            "figures": [charts.transshipment_figure(res)] if flagged else [],
            "message": message, "title": ""}


__all__ = ["balance_panel", "criticality_panel", "data_years", "delta_figures",
           "doc_href", "documents_panel", "extra_panels", "hhi_history", "impact_view",
           "mineral_view", "overview_view", "scenario_results", "stage_concentration",
           "transshipment_view"]
