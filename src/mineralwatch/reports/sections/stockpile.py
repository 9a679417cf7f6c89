"""Report section: the example stockpile plan against days-of-cover rules at the same budget.

``render(wh)`` returns an HTML fragment: an inline SVG bar chart of expected shortfall
cost per strategy (units and source in the chart), the plan per mineral and the
comparison table. Every text is escaped.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mineralwatch.reports import svg
from mineralwatch.reports.svg import esc as _e

if TYPE_CHECKING:
    from mineralwatch.analytics.stockpile import StockpileResult
    from mineralwatch.store import Warehouse

#: Heading of the section in the report.
TITLE = "Strategic stockpiles"

#: The shipped configuration the section optimises.
EXAMPLE = "six_metals.yaml"


def stockpile_chart(res: StockpileResult, *, source: str) -> str:
    """Inline SVG: expected shortfall cost of the optimised plan, each rule and no stock."""
    items = [("optimised plan", res.expected_shortfall_cost / 1e6)]
    items += [(b.rule.replace("_", " "), b.expected_shortfall_cost / 1e6)
              for b in res.baselines]
    items.append(("no stockpile", res.no_stock_shortfall_cost / 1e6))
    return svg.hbar(items, title=f"Expected shortfall cost at a budget of "
                    f"{res.budget / 1e6:,.0f} million {res.currency}",
                    unit=f"expected shortfall cost, million {res.currency} (lower is better)",
                    source=source)


def _rows(cells: list[list[str]]) -> str:
    return "".join("<tr>" + "".join(f"<td>{_e(c)}</td>" for c in r) + "</tr>" for r in cells)


def render(wh: Warehouse | None = None) -> str:
    """The stockpile section as an HTML fragment (``wh`` is not needed: the example
    configuration carries its own sourced inputs)."""
    from mineralwatch.analytics.stockpile import example_config_path, optimize_stockpile

    res = optimize_stockpile(example_config_path(EXAMPLE))
    cur = res.currency
    source = (f"mineralwatch stockpile optimiser on {EXAMPLE}: demand and prices USGS MCS "
              "2025 (2024), supplier shares USGS MCS 2025 world production; scenario "
              "probabilities, holding cost and value lost (10 x price) are assumptions")
    parts = ['<section id="stockpile"><h2>Strategic stockpile: optimised plan vs '
             "days-of-cover rules</h2>",
             f"<p>{_e(res.name)}. Two-stage stochastic programme (HiGHS): acquisition and "
             "holding cost plus expected cost of shortfall over the disruption scenarios; "
             "rules hold 60, 100 (Korea) or 180 days of demand, or Japan's 60 days with "
             "180 for high-risk metals, scaled down proportionally to the same budget.</p>",
             stockpile_chart(res, source=source)]
    head = ["mineral", "stock (t)", f"cost ({cur})", "days of cover",
            "expected shortfall (t)"]
    cells = [[p.mineral, f"{p.stock_t:,.0f}", f"{p.cost:,.0f}", f"{p.days_of_cover:,.1f}",
              f"{p.expected_shortfall_t:,.0f}"] for p in res.plan]
    parts.append('<table class="data"><thead><tr>' + "".join(f"<th>{_e(h)}</th>" for h in head)
                 + f"</tr></thead><tbody>{_rows(cells)}</tbody></table>")
    head = ["strategy", f"cost ({cur})", "scale", "expected shortfall (t)",
            f"expected shortfall cost ({cur})", f"more than optimised ({cur})"]
    cells = [["optimised", f"{res.total_cost:,.0f}", "1", f"{res.expected_shortfall_t:,.0f}",
              f"{res.expected_shortfall_cost:,.0f}", "0"]]
    cells += [[b.rule, f"{b.cost:,.0f}", f"{b.scale:.3f}", f"{b.expected_shortfall_t:,.0f}",
               f"{b.expected_shortfall_cost:,.0f}", f"{b.extra_shortfall_cost:,.0f}"]
              for b in res.baselines]
    parts.append('<table class="data"><thead><tr>' + "".join(f"<th>{_e(h)}</th>" for h in head)
                 + f"</tr></thead><tbody>{_rows(cells)}</tbody></table>")
    mv = res.marginal_value_of_budget
    parts.append(
        f'<p class="caption">Expected shortfall avoided per {_e(cur)} spent: '
        f"{res.shortfall_cost_avoided_per_usd or 0:.2f} {_e(cur)}; marginal value of budget "
        + (f"{mv:.3f} {_e(cur)} per {_e(cur)} (dual of the budget constraint; finite "
           f"difference {res.marginal_value_of_budget_fd or 0:.3f})" if mv is not None
           else "not available (purchase lots)")
        + f". Tonnes are summed over minerals; compare strategies by cost. Source: "
        f"{_e(source)}.</p>")
    parts.append("</section>")
    return "\n".join(parts)


__all__ = ["EXAMPLE", "TITLE", "render", "stockpile_chart"]
