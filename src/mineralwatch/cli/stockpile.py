"""``mineralwatch stockpile optimize`` and ``mineralwatch plan``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from mineralwatch.cli._common import Format, FormatOpt, WarehouseOpt, console, emit, open_wh

if TYPE_CHECKING:
    from mineralwatch.analytics.stockpile.optimize import StockpileResult


def optimize(
    config: Annotated[Path, typer.Option("--config", "-c", help="Stockpile configuration "
                                         "(YAML/JSON); examples in "
                                         "mineralwatch/data/stockpile/.")],
    fmt: FormatOpt = Format.table,
    budget: Annotated[float | None, typer.Option(help="Override budget_usd.")] = None,
    discount_rate: Annotated[float | None, typer.Option(
        "--discount-rate", help="Override discount_rate: annual rate as a fraction "
        "(0.03 = 3 % a year) for shortfall costs and residual value.")] = None,
) -> None:
    from mineralwatch.analytics.stockpile import optimize_stockpile

    res = optimize_stockpile(config, budget=budget, discount_rate=discount_rate)
    if fmt == Format.json:
        emit(res.to_dict(), fmt)
        return
    if fmt == Format.csv:
        emit(res.records(), fmt)
        return
    _emit_plan(res, fmt)
    _emit_comparison(res, fmt)
    _print_marginal_value(res)


def _emit_plan(res: StockpileResult, fmt: Format) -> None:
    """The optimised stock per mineral, as a table."""
    cur = res.currency
    emit([{"mineral": p.mineral, "stock_t": p.stock_t, f"cost_{cur}": p.cost,
           "days_of_cover": p.days_of_cover, "expected_shortfall_t": p.expected_shortfall_t}
          for p in res.plan], fmt, title=f"Optimised stockpile: {res.name}",
         labels={"stock_t": "stock (t)", f"cost_{cur}": f"cost ({cur})",
                 "days_of_cover": "days of cover",
                 "expected_shortfall_t": "expected shortfall (t)"},
         formats={"stock_t": ",.0f", f"cost_{cur}": ",.0f", "days_of_cover": ",.0f",
                  "expected_shortfall_t": ",.0f"},
         caption=f"Budget {res.budget:,.0f} {cur}; spent {res.total_cost:,.0f} {cur}"
         + (f"; shortfall costs are present values at {res.discount_rate:.4g} a year"
            if res.discount_rate > 0 else ""))


def _emit_comparison(res: StockpileResult, fmt: Format) -> None:
    """The optimised plan against the days-of-cover rules at the same budget."""
    cur = res.currency
    rows = [{"strategy": "optimised", f"cost_{cur}": res.total_cost,
             "expected_shortfall_t": res.expected_shortfall_t,
             f"expected_shortfall_cost_{cur}": res.expected_shortfall_cost,
             "scale": 1.0}]
    rows += [{"strategy": b.rule, f"cost_{cur}": b.cost,
              "expected_shortfall_t": b.expected_shortfall_t,
              f"expected_shortfall_cost_{cur}": b.expected_shortfall_cost,
              "scale": b.scale} for b in res.baselines]
    rows.append({"strategy": "no stockpile", f"cost_{cur}": 0.0,
                 "expected_shortfall_t": res.no_stock_shortfall_t,
                 f"expected_shortfall_cost_{cur}": res.no_stock_shortfall_cost,
                 "scale": None})
    emit(rows, fmt, title="Optimised plan vs days-of-cover rules at the same budget",
         caption="the optimiser minimises the expected shortfall cost (value lost), not "
         "tonnes; scale < 1: the rule was scaled down proportionally to fit the budget",
         labels={f"cost_{cur}": f"cost ({cur})",
                 "expected_shortfall_t": "expected shortfall (t)",
                 f"expected_shortfall_cost_{cur}": f"shortfall cost ({cur})"},
         formats={f"cost_{cur}": ",.0f", "expected_shortfall_t": ",.0f",
                  f"expected_shortfall_cost_{cur}": ",.0f", "scale": ".3f"})


def _print_marginal_value(res: StockpileResult) -> None:
    """Shortfall avoided per unit of money and the marginal value of budget."""
    cur = res.currency
    mv = res.marginal_value_of_budget
    console.print(
        f"Expected shortfall avoided per {cur}: {res.shortfall_cost_avoided_per_usd or 0:.3g}"
        f" {cur} ({res.shortfall_avoided_t_per_musd or 0:,.1f} t per million {cur}). "
        "Marginal value of budget: "
        + (f"{mv:.4g} (dual), " if mv is not None else "n/a (purchase lots), ")
        + (f"{res.marginal_value_of_budget_fd:.4g} (finite difference)"
           if res.marginal_value_of_budget_fd is not None else ""),
        markup=False, highlight=False)


def plan(
    scenario: Annotated[Path, typer.Option("--scenario", "-s", help="Stockpile "
                                           "configuration holding the scenarios.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output file (.md or .html).")],
    scenario_id: Annotated[str | None, typer.Option(
        "--id", help="Scenario id (default: the most probable).")] = None,
    warehouse: WarehouseOpt = None,
    no_warehouse: Annotated[bool, typer.Option(
        "--no-warehouse", help="Do not rank alternative suppliers.")] = False,
) -> None:
    from mineralwatch.analytics.stockpile.emergency import emergency_plan
    from mineralwatch.analytics.stockpile.export import write_plan
    from mineralwatch.store import default_path

    wh_path = warehouse or default_path()
    if no_warehouse or not wh_path.exists():
        result = emergency_plan(scenario, scenario_id)
    else:
        with open_wh(wh_path, read_only=True) as wh:
            result = emergency_plan(scenario, scenario_id, wh=wh)
    path = write_plan(result, out)
    console.print(f"Plan for {result.scenario.id!r} written to {path} (expected remaining "
                  f"shortfall {result.expected_remaining_shortfall_t:,.0f} t).",
                  markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    """Add the stockpile commands to ``app``."""
    stockpile = typer.Typer(help="Strategic stockpiles: optimise stocks under disruption "
                            "scenarios and compare with days-of-cover rules.",
                            no_args_is_help=True)
    app.add_typer(stockpile, name="stockpile")
    stockpile.command("optimize", help="Optimise stocks per mineral for a budget (two-stage "
                      "stochastic programme, HiGHS) and compare with days-of-cover rules. "
                      "JSON shape: docs/json.md.")(optimize)
    app.command("plan", help="Emergency response plan for a disruption scenario: release "
                "schedule, levers, alternative suppliers and remaining shortfall, as "
                "Markdown or HTML (by the suffix of --out).")(plan)
