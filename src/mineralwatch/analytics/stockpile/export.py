"""Emergency plans as Markdown or HTML; every figure sits next to its source.

A row's sources are a reference (``S1``, ``S2`` ...) to the list of sources at the end of
the plan, so that a long provenance is written once, not on every row. HTML output
escapes every value (scenario descriptions and sources come from user files).
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pandas as pd

from mineralwatch.analytics.stockpile.emergency import EmergencyPlan

_SCHEDULE = [("mineral", "Mineral"), ("period", "Period"), ("demand_t", "Demand (t)"),
             ("gross_gap_t", "Gap (t)"), ("levers_t", "Recycling + substitution (t)"),
             ("release_t", "Release from stock (t)"), ("stock_left_t", "Stock left (t)"),
             ("remaining_t", "Remaining shortfall (t)"), ("source", "Source")]
_SUMMARY = [("mineral", "Mineral"), ("stock_t", "Stock at start (t)"),
            ("gross_gap_t", "Gap (t)"), ("levers_t", "Levers (t)"),
            ("release_t", "Released (t)"), ("remaining_t", "Remaining shortfall (t)"),
            ("remaining_cost", "Remaining shortfall cost ({cur}{pv})"),
            ("alternative_spare_t_per_period", "Listed alternatives' spare (t/period)"),
            ("source", "Source")]
_ALTERNATIVES = [("mineral", "Mineral"), ("rank", "Rank"), ("name", "Country"),
                 ("country", "ISO3"), ("year", "Year"), ("production_t", "Production (t)"),
                 ("basis", "Basis"),
                 ("spare_t_per_period", "Spare (t/period)"), ("spare_basis", "Spare basis"),
                 ("wgi", "WGI mean"), ("score", "Score"), ("source", "Source")]


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and pd.isna(v)):
        return "–"
    if isinstance(v, float):
        return f"{v:,.0f}" if abs(v) >= 100 else f"{v:,.2f}"
    return str(v)


class _Sources:
    """Numbers distinct source texts in order of first use: ``S1``, ``S2`` ..."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}

    def ref(self, text: Any) -> str:
        if text is None or (isinstance(text, float) and pd.isna(text)) or not str(text):
            return "–"
        key = str(text)
        return self.texts.setdefault(key, f"S{len(self.texts) + 1}")

    def items(self) -> list[tuple[str, str]]:
        return [(ref, text) for text, ref in self.texts.items()]


def _table(df: pd.DataFrame, cols: list[tuple[str, str]], cur: str, pv: str,
           sources: _Sources) -> tuple[list[str], list[list[str]]]:
    present = [(k, h.format(cur=cur, pv=pv)) for k, h in cols if k in df.columns]
    rows = [[sources.ref(r[k]) if k == "source" else _fmt(r[k]) for k, _ in present]
            for _, r in df.iterrows()]
    return [h for _, h in present], rows


def _md_cell(s: str) -> str:
    return s.replace("|", "\\|").replace("\n", " ")


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(_md_cell(h) for h in head) + " |",
           "|" + "---|" * len(head)]
    out += ["| " + " | ".join(_md_cell(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    e = html.escape
    th = "".join(f"<th>{e(h)}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _sections(plan: EmergencyPlan) -> list[tuple[str, pd.DataFrame, list[tuple[str, str]]]]:
    return [("Summary", plan.summary, _SUMMARY),
            ("Release schedule", plan.schedule, _SCHEDULE),
            ("Alternative suppliers", plan.alternatives, _ALTERNATIVES)]


def _rate(plan: EmergencyPlan) -> str:
    return f"{plan.discount_rate * 100:.4g} %"


def _pv(plan: EmergencyPlan) -> str:
    """Suffix of cost headers: empty without discounting."""
    return f", present value at {_rate(plan)} a year" if plan.discount_rate > 0 else ""


def _title(plan: EmergencyPlan) -> str:
    return f"Emergency response plan: {plan.scenario.id}"


def _facts(plan: EmergencyPlan) -> list[str]:
    sc = plan.scenario
    return [
        f"Configuration: {plan.config_name} ({plan.config_file})",
        f"Scenario: {sc.description or sc.id} — probability {sc.probability:g} "
        f"(source: {plan.config_file}: scenarios[{sc.id}].probability"
        + (f"; {sc.source}" if sc.source else "") + ")",
        f"Horizon: {plan.periods} periods of {plan.period_days:g} days",
        (f"Discount rate: {_rate(plan)} a year (costs are present values, mid-period; "
         f"source: {plan.config_file}: discount_rate)" if plan.discount_rate > 0 else
         f"Discount rate: 0 (costs undiscounted; {plan.config_file}: discount_rate)"),
        f"Expected remaining shortfall: {_fmt(plan.expected_remaining_shortfall_t)} t "
        "(after levers and releases, summed over minerals)",
    ]


def plan_to_markdown(plan: EmergencyPlan) -> str:
    """The plan as Markdown (pipes in values escaped)."""
    parts = [f"# {_md_cell(_title(plan))}", ""]
    parts += [f"- {_md_cell(f)}" for f in _facts(plan)]
    sources = _Sources()
    for name, df, cols in _sections(plan):
        parts += ["", f"## {name}", ""]
        if df.empty:
            parts.append("None.")
        else:
            parts.append(_md_table(*_table(df, cols, plan.currency, _pv(plan), sources)))
    parts += ["", "## Notes", ""] + [f"- {_md_cell(n)}" for n in plan.notes]
    if sources.texts:
        parts += ["", "## Sources", ""] + [f"- **{ref}**: {_md_cell(text)}"
                                          for ref, text in sources.items()]
    return "\n".join(parts) + "\n"


def plan_to_html(plan: EmergencyPlan) -> str:
    """The plan as a standalone HTML page (every value escaped)."""
    e = html.escape
    parts = [f"<h1>{e(_title(plan))}</h1>", "<ul>"]
    parts += [f"<li>{e(f)}</li>" for f in _facts(plan)]
    parts.append("</ul>")
    sources = _Sources()
    for name, df, cols in _sections(plan):
        parts.append(f"<h2>{e(name)}</h2>")
        parts.append("<p>None.</p>" if df.empty else _html_table(*_table(
            df, cols, plan.currency, _pv(plan), sources)))
    parts.append("<h2>Notes</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in plan.notes)
                 + "</ul>")
    if sources.texts:
        parts.append("<h2>Sources</h2><dl>" + "".join(
            f"<dt>{e(ref)}</dt><dd>{e(text)}</dd>" for ref, text in sources.items()) + "</dl>")
    style = ("body{font-family:sans-serif;max-width:72rem;margin:2rem auto}"
             "table{border-collapse:collapse;font-size:.85rem}"
             "td,th{border:1px solid #ccc;padding:.2rem .4rem;vertical-align:top}")
    return (f"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{e(_title(plan))}</title><style>{style}</style></head><body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def write_plan(plan: EmergencyPlan, path: str | Path) -> Path:
    """Write the plan as HTML (``.html``/``.htm``) or Markdown (any other suffix)."""
    p = Path(path)
    text = plan_to_html(plan) if p.suffix.lower() in (".html", ".htm") else \
        plan_to_markdown(plan)
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text, encoding="utf-8")
    return p


__all__ = ["plan_to_html", "plan_to_markdown", "write_plan"]
