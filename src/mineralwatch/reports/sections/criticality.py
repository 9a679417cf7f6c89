"""Report section: criticality matrix (SR vs EI with the EU thresholds) and decomposition.

``render(wh)`` assesses every material by the EU CRM 2023 method for the EU (or the
``importer`` given) and returns an HTML fragment: an inline SVG matrix chart and a table
that decomposes each score (weighted HHI of global supply and of sourcing, variant, import
reliance, recycling and substitution). Every text is escaped.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import pandas as pd

from mineralwatch.analytics.criticality.verdict import label
from mineralwatch.errors import NotFoundError
from mineralwatch.reports import svg
from mineralwatch.reports.svg import esc as _e

if TYPE_CHECKING:
    from mineralwatch.analytics.criticality.options import CriticalityOptions
    from mineralwatch.store import Warehouse

TITLE = "Criticality"
SOURCE = ("EU CRM 2023 study tables (supply shares, t, end uses) and parameters; "
          "World Bank WGI {year}; mineralwatch computation")


def _num(v: Any, digits: int = 2, percent: bool = False) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{float(v):.0%}" if percent else f"{float(v):.{digits}f}"


def matrix_chart(results: pd.DataFrame, options: CriticalityOptions, *,
                 importer: str) -> str:
    """Inline SVG: EI (x) against SR (y), threshold lines, critical materials highlighted."""
    both = results.dropna(subset=["sr", "ei"])
    points = [(str(n), float(e), float(s))
              for n, e, s in zip(both["name"], both["ei"], both["sr"], strict=True)]
    critical = {str(n) for n, c in zip(both["name"], both["critical"], strict=True)
                if c is True}
    return svg.scatter(
        points, title=f"Criticality matrix, importer {importer} (EU CRM 2023 method)",
        x_label="economic importance EI (EU CRM scale 0-10)",
        y_label="supply risk SR (EU CRM scale)", x_threshold=options.ei_threshold,
        y_threshold=options.sr_threshold, highlight=critical,
        source=SOURCE.format(year=options.wgi_year), width=720, height=480)


def decomposition_table(results: pd.DataFrame) -> str:
    """HTML table: one row per material with the parts of its SR and EI."""
    head = ("material", "SR", "EI", "classification", "bottleneck", "HHI<sub>WGI,t</sub> global",
            "HHI<sub>WGI,t</sub> sourcing", "variant", "IR", "EOL-RIR", "SI<sub>SR</sub>",
            "SI<sub>EI</sub>", "notes")
    rows = []
    for r in results.to_dict(orient="records"):
        stage = r.get("stage") or ""
        sfx = f"_{stage}" if stage else ""
        notes = "; ".join(str(n) for n in (r.get("notes") or []))
        cells = [
            _e(r["name"]), _num(r["sr"], 1), _num(r["ei"], 1),
            _e(label(r)),
            _e(stage), _num(r.get(f"hhi_gs{sfx}")), _num(r.get(f"hhi_sourcing{sfx}")),
            _e(r.get(f"variant{sfx}") or "–"), _num(r.get(f"ir{sfx}"), percent=True),
            _num(r.get("eol_rir"), percent=True), _num(r.get("si_sr")), _num(r.get("si_ei")),
            f'<span class="notes">{_e(notes)}</span>',
        ]
        cls = (' class="critical"' if r["critical"] is True else
               ' class="undetermined"' if r["critical"] is None else "")
        rows.append(f"<tr{cls}>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    header = "".join(f"<th>{h}</th>" for h in head)  # static markup only
    return (f'<table class="criticality"><thead><tr>{header}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _undetermined_note(undet: pd.DataFrame) -> str:
    """The materials the matrix cannot place (a score unknown), with their labels."""
    if undet.empty:
        return ""
    items = "; ".join(f"{r['name']}: {label(r)}" for r in undet.to_dict(orient="records"))
    return f'<p class="small">{_e("Not in the matrix (a score is unknown): " + items)}</p>'


def render(wh: Warehouse, *, importer: str = "EU",
           options: CriticalityOptions | None = None) -> str:
    """The criticality section as an HTML fragment (chart and decomposition table).

    Without the inputs in the warehouse, a short note says which ``mineralwatch ingest``
    commands add them.
    """
    from mineralwatch.analytics.criticality.api import criticality
    from mineralwatch.analytics.criticality.options import DEFAULT_OPTIONS

    opts = options or DEFAULT_OPTIONS
    try:
        results = criticality(wh, method="eu", importer=importer, options=opts)
    except NotFoundError as exc:
        return (f'<section id="criticality"><h2>{_e(TITLE)}</h2>'
                f'<p class="missing">{_e(exc.message)} {_e(exc.hint)}</p></section>')
    imp = str(results["importer"].iloc[0]) if len(results) else importer
    n_crit = int((results["classification"] == "critical").sum())
    undet = results[results["classification"] == "undetermined"]
    n_alone = int(undet["critical_on_sr_alone"].astype(bool).sum())
    intro = (f"{n_crit} of {len(results)} materials are critical for {imp} by the EU CRM "
             f"2023 method (SR ≥ {opts.sr_threshold} and EI ≥ {opts.ei_threshold}, values "
             f"rounded to one decimal as published); {len(undet)} are undetermined because a "
             f"score is unknown, {n_alone} of them critical on supply risk alone (EI "
             f"unknown). SR is the higher of the extraction and processing stages; the table "
             f"shows the bottleneck stage's parts.")
    return (f'<section id="criticality"><h2>{_e(TITLE)}</h2><p>{_e(intro)}</p>'
            f"<figure>{matrix_chart(results, opts, importer=imp)}</figure>"
            f"{_undetermined_note(undet)}"
            f"<h3>{_e('Decomposition per material')}</h3>{decomposition_table(results)}"
            "</section>")


__all__ = ["TITLE", "decomposition_table", "matrix_chart", "render"]
