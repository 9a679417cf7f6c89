"""Strategic stockpiles: two-stage stochastic optimisation and emergency response plans.

>>> import mineralwatch as mw
>>> cfg = mw.load_stockpile_config(mw.stockpile_example_path())      # doctest: +SKIP
>>> res = mw.optimize_stockpile(cfg)                                  # doctest: +SKIP
>>> plan = mw.emergency_plan(cfg, "cod_cobalt_export_quota")          # doctest: +SKIP

Modules: :mod:`.config` (typed configuration, readable errors), :mod:`.problem` (config ->
arrays), :mod:`.solve` (the programme in HiGHS), :mod:`.evaluate` (closed-form recourse,
CVaR, days-of-cover rules), :mod:`.optimize` (plan + baselines), :mod:`.emergency` and
:mod:`.export` (emergency plans), :mod:`.adapters` (scenarios from balances and shocks).
See ``docs/stockpile.md`` for the formulation.
"""

from mineralwatch.analytics.stockpile import adapters
from mineralwatch.analytics.stockpile.config import (
    BaselineRule,
    Disruption,
    MineralConfig,
    RiskConfig,
    Scenario,
    StockpileConfig,
    example_config_path,
    parse_stockpile_config,
    read_stockpile_config,
)
from mineralwatch.analytics.stockpile.evaluate import (
    Evaluation,
    cvar,
    days_of_cover_stock,
    drawdown,
    evaluate_stock,
)
from mineralwatch.analytics.stockpile.optimize import (
    Baseline,
    PlanLine,
    StockpileResult,
    optimize_problem,
    optimize_stockpile,
)
from mineralwatch.analytics.stockpile.problem import (
    NO_DISRUPTION,
    StockpileProblem,
    build_problem,
    discount_factors,
    make_problem,
    scenario_gaps,
)
from mineralwatch.analytics.stockpile.solve import Solution, solve_stockpile

#: The public API name asked for by the issue; reads a file (the ``read_*`` verb).
load_stockpile_config = read_stockpile_config

__all__ = [
    "NO_DISRUPTION",
    "Baseline",
    "BaselineRule",
    "Disruption",
    "Evaluation",
    "MineralConfig",
    "PlanLine",
    "RiskConfig",
    "Scenario",
    "Solution",
    "StockpileConfig",
    "StockpileProblem",
    "StockpileResult",
    "adapters",
    "build_problem",
    "cvar",
    "days_of_cover_stock",
    "discount_factors",
    "drawdown",
    "evaluate_stock",
    "example_config_path",
    "load_stockpile_config",
    "make_problem",
    "optimize_problem",
    "optimize_stockpile",
    "parse_stockpile_config",
    "read_stockpile_config",
    "scenario_gaps",
    "solve_stockpile",
]
