"""Report section: supply–demand balances of the shipped scenarios, with P10–P90 bands,
a baseline-vs-scenario comparison and the largest-supplier stress screen.

``render(wh)`` returns an HTML fragment (every text escaped, charts as inline SVG).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from mineralwatch.reports import svg
from mineralwatch.reports.svg import esc as _e

if TYPE_CHECKING:
    from mineralwatch.analytics.balance import BalanceResult
    from mineralwatch.store import Warehouse

from mineralwatch.analytics.balance.runner import MONTE_CARLO_DRAWS as DRAWS
from mineralwatch.analytics.balance.runner import MONTE_CARLO_SEED as SEED


def balance_chart(results: Sequence[BalanceResult], *, title: str | None = None,
                  source: str | None = None) -> str:
    """Inline SVG: the balance of each result per year, with its P10–P90 band if drawn.

    All results must share a unit; the caption names the sources.
    """
    if not results:
        return svg.lines([], title=title or "Balance")
    series = []
    for r in results:
        df = r.frame()
        mc = "p10" in df.columns
        series.append(svg.Series(
            name=r.scenario.name, x=df["year"].tolist(), y=df["balance"].tolist(),
            low=df["p10"].tolist() if mc else None, high=df["p90"].tolist() if mc else None))
    unit = results[0].unit
    first = results[0]
    srcs = source or "; ".join(dict.fromkeys(r.scenario.source or "scenario file"
                                             for r in results))
    band = " (band: P10–P90 of Monte Carlo draws)" if any(r.draws for r in results) else ""
    return svg.lines(series, title=title or f"{first.mineral.replace('_', ' ').title()} "
                     f"balance, {first.stage} stage{band}", x_label="year",
                     y_label=f"supply − demand ({unit}); below 0 = deficit", source=srcs)


def _table(df: pd.DataFrame, columns: Sequence[str], formats: dict[str, str]) -> str:
    head = "".join(f"<th>{_e(c)}</th>" for c in columns)
    body = []
    for row in df.to_dict(orient="records"):
        cells = []
        for c in columns:
            v: Any = row.get(c)
            if isinstance(v, float) and c in formats:
                text = format(v, formats[c]) if v == v else ""
            else:
                text = "" if v is None else str(v)
            cells.append(f"<td>{_e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f'<table class="data"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}'
            "</tbody></table>")


_NUM = {k: ",.0f" for k in ("supply", "demand", "balance", "delta_balance", "p10", "p50",
                            "p90", "deficit", "lost_exports", "baseline_balance")}
_NUM.update({"p_deficit": ".0%", "deficit_share": ".1%", "supplier_share": ".1%",
             "cut": ".0f"})


def render(wh: Warehouse | None = None) -> str:
    """The balance section as an HTML fragment."""
    from mineralwatch.analytics.balance import (
        balance,
        comparison_table,
        example_names,
        stress,
        stress_summary,
    )

    results = [balance(wh, scenario=name, draws=DRAWS, seed=SEED) for name in example_names()]
    parts = ['<section id="balance"><h2>Supply–demand balances and policy scenarios</h2>',
             "<p>Balance = supply − demand per year (negative = deficit). Bands show P10–P90 "
             f"of {DRAWS:,} Monte Carlo draws (seed {SEED}); lines the deterministic run "
             "with every uncertain input at its mean. Each scenario file states its sources "
             "and assumptions.</p>"]
    by_mineral: dict[str, list[BalanceResult]] = {}
    for r in results:
        by_mineral.setdefault(r.mineral, []).append(r)
    for mineral, rs in by_mineral.items():
        parts.append(f"<h3>{_e(mineral.replace('_', ' ').title())}</h3>")
        parts.append(balance_chart(rs))
        for r in rs:
            if r.scenario.description:
                parts.append(f"<p><strong>{_e(r.scenario.name)}</strong>: "
                             f"{_e(r.scenario.description.strip())}</p>")
        table = comparison_table(rs)
        cols = ["scenario", "stage", "year", "supply", "demand", "balance", "delta_balance",
                "p10", "p50", "p90", "p_deficit"]
        parts.append(_table(table, [c for c in cols if c in table.columns], _NUM))
        parts.append(f"<p class=\"caption\">Unit: {_e(rs[0].unit)}. delta_balance: change "
                     f"against {_e(rs[0].scenario.name)}.</p>")
    if wh is not None and "production" in wh.tables() and wh.count("production"):
        wide = stress_summary(stress(wh)).head(15)
        parts.append("<h3>Stress screen: largest supplier's exports cut</h3>")
        parts.append("<p>For every mineral in the warehouse, the largest producer's exports "
                     "fall by 10/30/50/100%. Where the warehouse holds no demand, world "
                     "production is the demand proxy (baseline balance 0) and the "
                     "supplier is assumed to export all it produces.</p>")
        cuts = [c for c in wide.columns if c.endswith("% cut")]
        parts.append(_table(wide, ["mineral", "stage", "year", "supplier", "supplier_share",
                                   *cuts], {**_NUM, **dict.fromkeys(cuts, ".1%")}))
        parts.append("<p class=\"caption\">Deficit as a share of demand at each cut; the 15 "
                     "minerals with the largest deficit at a full stop. All minerals: "
                     "<code>mineralwatch stress</code>.</p>")
    parts.append("</section>")
    return "\n".join(parts)


__all__ = ["DRAWS", "SEED", "balance_chart", "render"]
