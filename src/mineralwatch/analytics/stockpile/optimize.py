"""Optimise a stockpile for a configuration and compare it with days-of-cover rules.

>>> import mineralwatch as mw
>>> res = mw.optimize_stockpile(mw.load_stockpile_config(
...     "src/mineralwatch/data/stockpile/six_metals.yaml"))          # doctest: +SKIP
>>> res.to_dict()["plan"][0]                                          # doctest: +SKIP
{'mineral': 'chromium', 'stock_t': ..., 'cost': ..., 'days_of_cover': ...}

The class only orchestrates: :func:`~.solve.solve_stockpile` solves,
:func:`~.evaluate.evaluate_stock` evaluates the plan and every baseline the same way.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mineralwatch.analytics.stockpile.config import (
    StockpileConfig,
    parse_stockpile_config,
    read_stockpile_config,
)
from mineralwatch.analytics.stockpile.evaluate import (
    Evaluation,
    days_of_cover_stock,
    evaluate_stock,
)
from mineralwatch.analytics.stockpile.problem import StockpileProblem, build_problem
from mineralwatch.analytics.stockpile.solve import Solution, solve_stockpile


@dataclass(frozen=True)
class PlanLine:
    """Stock of one mineral in a plan (tonnes, USD, days of demand)."""

    mineral: str
    stock_t: float
    cost: float
    days_of_cover: float
    expected_shortfall_t: float
    expected_shortfall_cost: float


@dataclass(frozen=True)
class Baseline:
    """A days-of-cover rule at the same budget, evaluated like the optimised plan.

    ``days`` is the rule's base days of cover (``high_risk_days`` for high-risk minerals
    in ``plan``). ``scale`` < 1 when the rule cost more than the budget and every stock
    was scaled down by that factor. ``extra_shortfall_t`` is how much more expected shortfall the
    rule leaves than the optimised plan (positive: the plan avoids more).
    """

    rule: str
    days: float
    scale: float
    plan: tuple[PlanLine, ...]
    cost: float
    expected_shortfall_t: float
    expected_shortfall_cost: float
    extra_shortfall_t: float
    extra_shortfall_cost: float


@dataclass(frozen=True)
class StockpileResult:
    """An optimised stockpile plan, its value and the baselines.

    Attributes
    ----------
    plan
        stock per mineral.
    total_cost
        cash cost of the plan over the horizon (acquisition + holding), USD.
    expected_shortfall_t, expected_shortfall_cost
        probability-weighted shortfall left with the plan (tonnes summed over minerals;
        USD, present value at ``discount_rate``).
    no_stock_shortfall_t, no_stock_shortfall_cost
        the same without any stockpile.
    shortfall_avoided_t_per_musd, shortfall_cost_avoided_per_usd
        expected shortfall avoided per million USD spent (tonnes) and per USD (USD).
    marginal_value_of_budget
        reduction of the objective per extra USD of budget, from the budget row's dual
        (``None`` with purchase lots).
    marginal_value_of_budget_fd
        the same by a forward finite difference (``None`` when not computed).
    discount_rate
        annual discount rate of the shortfall costs and the residual value (0 = none).
    """

    name: str
    currency: str
    budget: float
    plan: tuple[PlanLine, ...]
    total_cost: float
    expected_shortfall_t: float
    expected_shortfall_cost: float
    no_stock_shortfall_t: float
    no_stock_shortfall_cost: float
    shortfall_avoided_t_per_musd: float | None
    shortfall_cost_avoided_per_usd: float | None
    marginal_value_of_budget: float | None
    marginal_value_of_budget_fd: float | None
    objective: float
    cvar: float
    baselines: tuple[Baseline, ...]
    solution: Solution = field(repr=False)
    evaluation: Evaluation = field(repr=False)
    problem: StockpileProblem = field(repr=False)
    discount_rate: float = 0.0

    def stock(self) -> dict[str, float]:
        """Mineral -> stock (tonnes)."""
        return {p.mineral: p.stock_t for p in self.plan}

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of ``mineralwatch stockpile optimize --format json`` (docs/json.md)."""
        return {
            "name": self.name,
            "currency": self.currency,
            "plan": [{"mineral": p.mineral, "stock_t": p.stock_t, "cost": p.cost,
                      "days_of_cover": p.days_of_cover} for p in self.plan],
            "budget": self.budget,
            "discount_rate": self.discount_rate,
            "total_cost": self.total_cost,
            "expected_shortfall_t": self.expected_shortfall_t,
            "expected_shortfall_cost": self.expected_shortfall_cost,
            "no_stockpile": {"expected_shortfall_t": self.no_stock_shortfall_t,
                             "expected_shortfall_cost": self.no_stock_shortfall_cost},
            "shortfall_avoided_t_per_musd": self.shortfall_avoided_t_per_musd,
            "shortfall_cost_avoided_per_usd": self.shortfall_cost_avoided_per_usd,
            "marginal_value_of_budget": self.marginal_value_of_budget,
            "marginal_value_of_budget_fd": self.marginal_value_of_budget_fd,
            "cvar": self.cvar,
            "baselines": [{"rule": b.rule, "days": b.days, "scale": b.scale, "cost": b.cost,
                           "expected_shortfall_t": b.expected_shortfall_t,
                           "expected_shortfall_cost": b.expected_shortfall_cost,
                           "extra_shortfall_t": b.extra_shortfall_t,
                           "extra_shortfall_cost": b.extra_shortfall_cost}
                          for b in self.baselines],
        }

    def records(self) -> pd.DataFrame:
        """Long table: one row per strategy (``optimised`` or a rule) and mineral."""
        rows = [{"strategy": "optimised", **_line_dict(p)} for p in self.plan]
        for b in self.baselines:
            rows += [{"strategy": b.rule, **_line_dict(p)} for p in b.plan]
        return pd.DataFrame(rows)

    def drawdown(self) -> pd.DataFrame:
        """Release and shortfall per scenario, mineral and period (periods from 1), tonnes."""
        ev, pr = self.evaluation, self.problem
        n_s, n_i, n_t = pr.shape
        s, i, t = (a.ravel() for a in np.meshgrid(np.arange(n_s), np.arange(n_i),
                                                   np.arange(n_t), indexing="ij"))
        return pd.DataFrame({
            "scenario": np.asarray(pr.scenario_ids)[s],
            "probability": pr.probabilities[s],
            "mineral": np.asarray(pr.minerals)[i],
            "period": t + 1,
            "gap_t": pr.gaps.ravel(),
            "release_t": ev.release_t.ravel(),
            "shortfall_t": ev.shortfall_t.ravel(),
        })


def _line_dict(p: PlanLine) -> dict[str, Any]:
    return {"mineral": p.mineral, "stock_t": p.stock_t, "cost": p.cost,
            "days_of_cover": p.days_of_cover, "expected_shortfall_t": p.expected_shortfall_t,
            "expected_shortfall_cost": p.expected_shortfall_cost}


def _lines(minerals: tuple[str, ...], ev: Evaluation, demand: np.ndarray) -> tuple[PlanLine, ...]:
    days = np.divide(ev.stock_t * 365.0, demand, out=np.zeros_like(ev.stock_t),
                     where=demand > 0)
    return tuple(PlanLine(m, float(ev.stock_t[k]), float(ev.cost[k]), float(days[k]),
                          float(ev.expected_shortfall_t[k]),
                          float(ev.expected_shortfall_cost[k]))
                 for k, m in enumerate(minerals))


def optimize_problem(problem: StockpileProblem, demand_t_per_year: np.ndarray, *,
                     baselines: dict[str, np.ndarray] | None = None,
                     name: str = "stockpile", currency: str = "USD",
                     finite_difference: bool = True, threads: int | None = None
                     ) -> StockpileResult:
    """Solve ``problem``, evaluate the plan and the days-of-cover baselines.

    Parameters
    ----------
    problem
        the array form (see :func:`~.problem.build_problem`).
    demand_t_per_year
        demand per mineral, for days of cover and the baselines, ``(I,)``.
    baselines
        rule name -> days of cover per mineral, ``(I,)`` (default: 60, 100 and 180 days
        for every mineral).
    finite_difference
        also estimate the marginal value of budget by re-solving with a budget larger
        by ``max(1e-4 * budget, 1)`` USD.
    threads
        HiGHS threads.
    """
    demand = np.asarray(demand_t_per_year, dtype=float)
    sol = solve_stockpile(problem, threads=threads)
    ev = evaluate_stock(problem, sol.stock_t)
    none = evaluate_stock(problem, np.zeros(len(problem.minerals)))
    plan = _lines(problem.minerals, ev, demand)
    es_t, es_c = float(ev.expected_shortfall_t.sum()), float(ev.expected_shortfall_cost.sum())
    spent = float(ev.cost.sum())
    avoided_t = float(none.expected_shortfall_t.sum()) - es_t
    avoided_c = float(none.expected_shortfall_cost.sum()) - es_c
    fd = None
    if finite_difference:
        step = max(1e-4 * problem.budget, 1.0)
        bigger = solve_stockpile(problem.with_budget(problem.budget + step), threads=threads)
        fd = (sol.objective - bigger.objective) / step
    compared: list[Baseline] = []
    rules = baselines if baselines is not None else {
        f"days_{d}": np.full(len(demand), float(d)) for d in (60, 100, 180)}
    for rule, days in rules.items():
        stock, scale = days_of_cover_stock(demand, problem.unit_cost, days, problem.budget)
        bev = evaluate_stock(problem, stock)
        b_t = float(bev.expected_shortfall_t.sum())
        b_c = float(bev.expected_shortfall_cost.sum())
        compared.append(Baseline(
            rule=rule, days=float(np.min(days)), scale=scale,
            plan=_lines(problem.minerals, bev, demand), cost=float(bev.cost.sum()),
            expected_shortfall_t=b_t, expected_shortfall_cost=b_c,
            extra_shortfall_t=b_t - es_t, extra_shortfall_cost=b_c - es_c))
    return StockpileResult(
        name=name, currency=currency, budget=problem.budget, plan=plan, total_cost=spent,
        expected_shortfall_t=es_t, expected_shortfall_cost=es_c,
        no_stock_shortfall_t=float(none.expected_shortfall_t.sum()),
        no_stock_shortfall_cost=float(none.expected_shortfall_cost.sum()),
        shortfall_avoided_t_per_musd=avoided_t / spent * 1e6 if spent > 0 else None,
        shortfall_cost_avoided_per_usd=avoided_c / spent if spent > 0 else None,
        marginal_value_of_budget=sol.budget_dual, marginal_value_of_budget_fd=fd,
        objective=sol.objective, cvar=ev.cvar, baselines=tuple(compared), solution=sol,
        evaluation=ev, problem=problem, discount_rate=problem.discount_rate)


def optimize_stockpile(config: StockpileConfig | str | Path, *, budget: float | None = None,
                       discount_rate: float | None = None, finite_difference: bool = True,
                       threads: int | None = None) -> StockpileResult:
    """Optimise the stockpile of a configuration (a validated config or a file path).

    Parameters
    ----------
    config
        a :class:`~.config.StockpileConfig` or the path of a YAML/JSON file.
    budget
        overrides ``budget_usd`` of the configuration.
    discount_rate
        overrides ``discount_rate`` of the configuration (annual, 0.03 = 3 %).
    finite_difference
        cross-check the budget dual by re-solving with a slightly larger budget.
    threads
        HiGHS threads.

    Returns
    -------
    StockpileResult
        the plan, expected shortfall, value per unit of money, marginal value of
        budget and the days-of-cover baselines at the same budget.

    Raises
    ------
    ConfigError
        for an invalid, inconsistent or infeasible configuration.
    """
    cfg = config if isinstance(config, StockpileConfig) else read_stockpile_config(config)
    overrides: dict[str, float] = {}
    if budget is not None:  # re-validate: the minimum stocks must fit the new budget
        overrides["budget_usd"] = budget
    if discount_rate is not None:
        overrides["discount_rate"] = discount_rate
    if overrides:
        what = " and ".join(k.removesuffix("_usd") for k in overrides)
        cfg = parse_stockpile_config({**cfg.model_dump(), **overrides},
                                     file=f"{cfg.name} ({what} override)")
    problem = build_problem(cfg)
    demand = np.array([m.demand_t_per_year for m in cfg.minerals])
    rules = {b.rule: np.array(cfg.baseline_days(b)) for b in cfg.baselines}
    return optimize_problem(problem, demand, baselines=rules,
                            name=cfg.name, currency=cfg.currency,
                            finite_difference=finite_difference, threads=threads)


__all__ = ["Baseline", "PlanLine", "StockpileResult", "optimize_problem", "optimize_stockpile"]
