"""Evaluate a given stock: drawdown, shortfall, expected cost and CVaR (closed form).

With stock fixed, the second stage splits by scenario and mineral into a fractional
knapsack: release ``rho_t`` with ``0 <= rho_t <= min(g_t, m)`` and ``sum_t rho_t <= x``,
each tonne released in period ``t`` worth ``w_t = d_t v - d_end r`` (discounted value
lost avoided minus discounted residual value forfeited). Filling the periods in
decreasing order of ``w_t``, and only those with ``w_t >= 0``, is optimal. The discount
factors ``d_t`` fall with ``t`` (all 1 without discounting), so ``w_t`` is
non-increasing in ``t``: that order is chronological, and the periods with ``w_t >= 0``
are a prefix ``1..k``. Hence releasing each period's gap as it arises (within the
release limit) in the periods where releasing is worth it
(:meth:`~.problem.StockpileProblem.release_allowed`; every period whenever ``v >= r``)
is optimal and the recourse needs no solver. These functions evaluate the optimised
plan, the days-of-cover baselines and emergency plans with one implementation.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mineralwatch.analytics.stockpile.problem import FloatArray, StockpileProblem


def drawdown(stock_t: FloatArray, gaps: FloatArray, max_release_t: FloatArray,
             allowed: np.ndarray | None = None) -> FloatArray:
    """Chronological release schedule from stocks.

    Parameters
    ----------
    stock_t
        stock per mineral at the start, ``(I,)`` tonnes.
    gaps
        supply gaps, ``(S, I, T)`` tonnes (or ``(I, T)`` for one scenario).
    max_release_t
        release limit per period, ``(I,)`` (``inf`` for none).
    allowed
        where releasing is worth it, ``(I, T)`` bool (default: everywhere); see
        :meth:`~.problem.StockpileProblem.release_allowed`. Nothing is released elsewhere.

    Returns
    -------
    numpy.ndarray
        release per scenario, mineral and period, same shape as ``gaps``; never more
        than the gap, the limit or what is left in stock.
    """
    g = np.asarray(gaps, dtype=float)
    cap = np.minimum(g, np.asarray(max_release_t, dtype=float)[:, None])
    if allowed is not None and not np.all(allowed):
        cap = np.where(allowed, cap, 0.0)
    cum = np.minimum(np.cumsum(cap, axis=-1), np.asarray(stock_t, dtype=float)[:, None])
    return np.diff(cum, axis=-1, prepend=0.0)


def remaining_gap(gaps: FloatArray, release: FloatArray) -> FloatArray:
    """Shortfall left after releases: ``gaps - release``, rounding noise set to zero."""
    short = np.asarray(gaps, dtype=float) - release
    tiny = 1e-9 * max(1.0, float(np.max(gaps, initial=0.0)))
    return np.where(short > tiny, short, 0.0)


def cvar(losses: FloatArray, probabilities: FloatArray, alpha: float) -> float:
    """Conditional value at risk: the mean of the worst ``1 - alpha`` of a discrete loss.

    Equals ``min_eta eta + E[(L - eta)+] / (1 - alpha)`` (Rockafellar and Uryasev
    2000); ``alpha = 0`` gives the expectation.
    """
    order = np.argsort(-np.asarray(losses, dtype=float), kind="stable")
    loss = np.asarray(losses, dtype=float)[order]
    p = np.asarray(probabilities, dtype=float)[order]
    tail = 1.0 - alpha
    before = np.concatenate([[0.0], np.cumsum(p)[:-1]])
    weight = np.clip(np.minimum(p, tail - before), 0.0, None)
    return float(weight @ loss / tail)


@dataclass(frozen=True)
class Evaluation:
    """Outcome of holding ``stock_t`` in every scenario.

    Attributes
    ----------
    stock_t, cost
        stock per mineral (t) and its cash cost over the horizon (USD), ``(I,)``.
    release_t, shortfall_t
        release and remaining shortfall, ``(S, I, T)`` tonnes.
    expected_shortfall_t, expected_shortfall_cost
        probability-weighted shortfall per mineral, tonnes and USD (present value:
        period ``t`` weighted by ``d_t``), ``(I,)``.
    scenario_cost
        second-stage cost per scenario, present value: ``sum_it d_t v_i shortfall_sit +
        d_end r_i release_sit`` (discounted shortfall cost plus the discounted residual
        value of the stock released), USD, ``(S,)``.
    objective
        ``(unit_cost - d_end residual) @ stock + (1 - w) E[cost] + w CVaR(cost)``, the
        quantity the optimiser minimises.
    cvar
        CVaR of ``scenario_cost`` at the problem's level.
    """

    stock_t: FloatArray
    cost: FloatArray
    release_t: FloatArray
    shortfall_t: FloatArray
    expected_shortfall_t: FloatArray
    expected_shortfall_cost: FloatArray
    scenario_cost: FloatArray
    objective: float
    cvar: float


def evaluate_stock(problem: StockpileProblem, stock_t: FloatArray) -> Evaluation:
    """Release schedule, shortfall and costs of a stock in every scenario of ``problem``.

    Costs are present values at the problem's discount rate (see the module docstring
    for why the release schedule is optimal); with no discounting every factor is 1.0
    and the arithmetic is the undiscounted one.
    """
    x = np.asarray(stock_t, dtype=float)
    release = drawdown(x, problem.gaps, problem.max_release_t, problem.release_allowed())
    short = remaining_gap(problem.gaps, release)
    p = problem.probabilities
    d = problem.period_discount
    es_t = np.einsum("s,sit->i", p, short)
    short_pv = short * d                     # exact copy of ``short`` when d == 1
    v, r = problem.value_lost, problem.residual_value * problem.end_discount
    scen = short_pv.sum(axis=2) @ v + release.sum(axis=2) @ r
    w = problem.cvar_weight
    risk = cvar(scen, p, problem.cvar_alpha)
    objective = float((problem.unit_cost - r) @ x + (1 - w) * (p @ scen) + w * risk)
    return Evaluation(stock_t=x, cost=problem.unit_cost * x, release_t=release,
                      shortfall_t=short, expected_shortfall_t=es_t,
                      expected_shortfall_cost=np.einsum("s,sit->i", p, short_pv) * v,
                      scenario_cost=scen, objective=objective, cvar=risk)


def days_of_cover_stock(demand_t_per_year: FloatArray, unit_cost: FloatArray,
                        days: float | FloatArray, budget: float) -> tuple[FloatArray, float]:
    """Stock of a days-of-cover rule, scaled down proportionally to fit the budget.

    Parameters
    ----------
    demand_t_per_year, unit_cost
        per mineral, ``(I,)``.
    days
        days of consumption to hold, one number or one per mineral (Japan 60, up to 180
        for high-risk metals; Korea 100).
    budget
        cash budget; when the rule costs more, every mineral's stock is multiplied by
        the same factor ``budget / cost``.

    Returns
    -------
    (stock_t, scale)
        the stock per mineral and the factor applied (1 when within budget).
    """
    want = np.asarray(demand_t_per_year, dtype=float) * np.asarray(days, dtype=float) / 365.0
    cost = float(np.asarray(unit_cost) @ want)
    scale = 1.0 if cost <= budget or cost == 0 else budget / cost
    return want * scale, scale


__all__ = ["Evaluation", "cvar", "days_of_cover_stock", "drawdown", "evaluate_stock",
           "remaining_gap"]
