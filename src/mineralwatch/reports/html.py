"""The offline HTML report: ``mineralwatch report --out DIR``.

Writes ``index.html`` (concentration overview, policy-event timeline, and one section per
analytic found in :mod:`mineralwatch.reports.sections`) and ``minerals/<id>.html`` (producer
shares by stage, the concentration table with sources, the event timeline). Pages are
self-contained: inline CSS and SVG, no script, no request outside the file.
"""

from __future__ import annotations

import importlib
import json
import logging
import pkgutil
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from mineralwatch import __version__
from mineralwatch.codes import countries, minerals
from mineralwatch.errors import MineralwatchError
from mineralwatch.formatting import code_label, gw_hhi, level, missing, pct
from mineralwatch.formatting import hhi as fmt_hhi
from mineralwatch.reports import svg
from mineralwatch.schema import citation_label
from mineralwatch.store import Warehouse

log = logging.getLogger(__name__)


@dataclass
class Section:
    """A rendered report section."""

    title: str
    html: str


def _env() -> Environment:
    return Environment(loader=PackageLoader("mineralwatch.reports", "templates"),
                       autoescape=select_autoescape(["html"]))


def _as_list(v: Any) -> list[Any]:
    if v is None:
        return []
    if isinstance(v, str):
        try:
            parsed = json.loads(v)
        except json.JSONDecodeError:
            return [v]
        return parsed if isinstance(parsed, list) else [parsed]
    if isinstance(v, float) and pd.isna(v):
        return []
    return list(v)


def _is_web_url(url: object) -> bool:
    """Only http(s) links are rendered as links (never javascript: or data: URLs)."""
    return isinstance(url, str) and urlparse(url).scheme in ("http", "https")


def _event_rows(events: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for e in events.to_dict("records"):
        d = e.get("effective") or e.get("announced")
        d = None if d is None or (isinstance(d, float) and pd.isna(d)) else pd.Timestamp(d).date()
        cites = []
        for c in _as_list(e.get("citations")):
            if isinstance(c, dict):
                url = c.get("url")
                cites.append({"url": url if _is_web_url(url) else None,
                              "label": citation_label(c), "doc_id": c.get("doc_id"),
                              "passage": c.get("passage")})
            else:
                cites.append({"url": None, "label": str(c)})
        rows.append({
            "id": e.get("id"), "date": d.isoformat() if d else "", "_date": d,
            "actor": countries.name(str(e.get("actor"))), "actor_iso3": e.get("actor"),
            "measure": e.get("measure"), "measure_label": code_label(e.get("measure")),
            "minerals": ", ".join(str(m) for m in _as_list(e.get("minerals"))),
            "target": ", ".join(str(t) for t in _as_list(e.get("target"))),
            "instrument": "" if missing(e.get("instrument")) else str(e["instrument"]),
            "status": e.get("status"),
            "citations": cites, "title": e.get("title") or e.get("id"),
            "note": "" if missing(e.get("note")) else str(e["note"]),
        })
    rows.sort(key=lambda r: r["_date"] or date.min, reverse=True)
    return rows


def _timeline(rows: list[dict[str, Any]], title: str) -> str:
    pts = [(r["_date"], f"{r['actor']}: {r['title']}", r["measure"] or "")
           for r in rows if r["_date"] is not None]
    return svg.timeline(pts[:40], title=title, source="mineralwatch event register "
                        "(policy_event table); citations in the table below")


def _concentration(wh: Warehouse, mineral: str | None) -> pd.DataFrame:
    from mineralwatch.analytics.concentration.api import concentration_by_stage

    return concentration_by_stage(wh, mineral)


def _events(wh: Warehouse, mineral: str | None = None) -> pd.DataFrame:
    from mineralwatch.analytics.events import load_events

    return load_events(wh, mineral=mineral)


def discover_sections() -> list[tuple[str, Callable[..., str]]]:
    """Report sections: modules in :mod:`mineralwatch.reports.sections` with ``render``."""
    from mineralwatch.reports import sections

    out = []
    for info in sorted(pkgutil.iter_modules(sections.__path__), key=lambda i: i.name):
        mod = importlib.import_module(f"mineralwatch.reports.sections.{info.name}")
        render = getattr(mod, "render", None)
        if callable(render):
            title = getattr(mod, "TITLE", info.name.replace("_", " ").capitalize())
            out.append((title, render))
    return out


def _sections(wh: Warehouse) -> list[Section]:
    out = []
    for title, render in discover_sections():
        try:
            out.append(Section(title, render(wh)))
        except MineralwatchError as exc:
            msg = str(exc).splitlines()[0]
            out.append(Section(title, f'<p class="muted">Not available: {svg.esc(msg)}</p>'))
    return out


def _shares_chart(row: Mapping[Hashable, Any], name: str) -> str:
    shares = _as_list(row.get("shares"))
    items = [(countries.name(s["country"]), float(s["share"])) for s in shares
             if not countries.is_aggregate(s["country"])]
    return svg.hbar(items, title=f"{name}: {row['stage']} production shares, {row['year']}",
                    unit="share of world production", percent=True,
                    source=str(row.get("source_id", "")))


def build_report(wh: Warehouse, out: str | Path, *, minerals_: Iterable[str] | None = None,
                 progress: Callable[[str], None] | None = None) -> Path:
    """Write the HTML report to directory ``out``; returns the path of ``index.html``."""
    out = Path(out)
    (out / "minerals").mkdir(parents=True, exist_ok=True)
    env = _env()
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    common = {"version": __version__, "generated": now,
              "warehouse": str(wh.path) if wh.path else ":memory:"}
    conc = _concentration(wh, None)
    all_events = _events(wh)
    wanted = ({minerals.to_id(m) for m in minerals_} if minerals_ is not None else
              set(conc["mineral"]) if not conc.empty else set())
    overview = []
    if not conc.empty:
        for r in conc.sort_values(["mineral", "stage"]).to_dict("records"):
            if r["mineral"] not in wanted:
                continue
            overview.append({
                "mineral": r["mineral"], "name": minerals.table()[r["mineral"]].name,
                "stage": r["stage"], "year": r["year"], "hhi_text": fmt_hhi(r["hhi"]),
                "level": level(r["hhi"]), "top1_name": countries.name(str(r["top1_country"])),
                "top1_text": pct(r["top1_share"]), "top3_text": pct(r["top3_share"]),
                "n_producers": r["n_producers"], "source_id": r.get("source_id", ""),
            })
    ev_rows = _event_rows(all_events)
    for m in sorted(wanted):
        if progress:
            progress(m)
        mineral = minerals.table()[m]
        mrows = conc[conc["mineral"] == m].to_dict("records") if not conc.empty else []
        charts = [_shares_chart(r, mineral.name) for r in mrows]
        table_rows = [{
            "stage": r["stage"], "year": r["year"], "hhi": fmt_hhi(r["hhi"]),
            "top1": f"{pct(r['top1_share'])} {countries.name(str(r['top1_country']))}",
            "top3": pct(r["top3_share"]), "top5": pct(r["top5_share"]),
            "n1": pct(r["n1_gap"]), "n": r["n_producers"],
            "gw": gw_hhi(r.get("governance_weighted_hhi", r.get("gw_hhi"))),
            "basis": r.get("basis", "production"), "source": r.get("source_id", ""),
        } for r in mrows]
        mev = _event_rows(_events(wh, m))
        html = env.get_template("mineral.html").render(
            **common, root="../", title=mineral.name, name=mineral.name,
            name_zh=mineral.name_zh if mineral.zh else "", charts=charts, rows=table_rows,
            events=mev, timeline=_timeline(mev, f"Policy events: {mineral.name}") if mev else "")
        (out / "minerals" / f"{m}.html").write_text(html, "utf-8")
    notes = []
    if conc.attrs.get("normalised"):
        notes.append(f"{len(conc.attrs['normalised'])} share sets summed to slightly more "
                     "than 100% in the source (rounding) and were scaled to 100%.")
    notes += [f"Left out as inconsistent: {s.rstrip('.')}." for s in conc.attrs.get("skipped", [])]
    index = env.get_template("index.html").render(
        **common, root="", title="Overview", overview=overview, events=ev_rows, notes=notes,
        timeline=_timeline(ev_rows, "Export controls and related measures"),
        sections=_sections(wh))
    path = out / "index.html"
    path.write_text(index, "utf-8")
    return path


__all__ = ["Section", "build_report", "discover_sections"]
