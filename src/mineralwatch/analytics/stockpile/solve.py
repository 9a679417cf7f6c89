"""The two-stage stochastic programme, built as sparse matrices and solved with HiGHS.

First stage: stock ``x_i`` (tonnes; ``x_i = q_i n_i`` with integer ``n_i`` when mineral
``i`` is bought in lots of ``q_i``). Second stage, per scenario ``s`` and period ``t``:
release ``r_sit`` with ``0 <= r_sit <= min(g_sit, m_i)`` and ``sum_t r_sit <= x_i``;
the shortfall is ``g_sit - r_sit``. With cash cost ``c_i`` (price + holding over the
horizon, paid at the start), residual value ``s_i`` of unused stock, value lost ``v_i``
and discount factors ``d_t`` of the periods (mid-period) and ``d_end`` of the end of the
horizon (all 1 without discounting; see :func:`~.problem.discount_factors`), the
second-stage cost of a scenario, in present value, is::

    Q_s = sum_it d_t v_i (g_sit - r_sit) + d_end s_i r_sit

and the programme is::

    min  sum_i (c_i - d_end s_i) x_i + (1 - w) sum_s p_s Q_s
         + w (eta + 1/(1 - alpha) sum_s p_s z_s)          (Rockafellar-Uryasev CVaR)
    s.t. sum_i c_i x_i <= B                                (budget; dual = marginal value)
         sum_t r_sit - x_i <= 0                            (drawdown within stock)
         z_s >= Q_s - eta,  z_s >= 0,  eta >= 0
         min_i <= x_i <= max_i

Release variables exist only where a gap is positive, so the matrix has one column per
positive ``(s, i, t)`` gap and one row per disrupted ``(s, i)`` pair. Money is scaled
to millions inside the solver (the budget dual is unchanged by that scaling).
"""

from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass

import highspy
import numpy as np
import scipy.sparse as sp

from mineralwatch.analytics.stockpile.problem import FloatArray, StockpileProblem
from mineralwatch.errors import ConfigError, Failure, MineralwatchError

#: Money is passed to HiGHS in millions of the currency.
MONEY_SCALE = 1e-6


@dataclass(frozen=True)
class Solution:
    """What HiGHS returned.

    Attributes
    ----------
    stock_t
        optimal stock per mineral, tonnes, ``(I,)``.
    objective
        optimal objective, USD (see the module docstring).
    budget_dual
        marginal value of budget: reduction of the objective per extra USD of budget
        (minus the dual of the budget row); ``None`` for a mixed-integer programme.
    status
        HiGHS model status, e.g. ``"Optimal"``.
    is_mip
        whether purchase lots made it a mixed-integer programme.
    n_cols, n_rows, nnz
        size of the programme.
    seconds
        wall time to build and solve.
    """

    stock_t: FloatArray
    objective: float
    budget_dual: float | None
    status: str
    is_mip: bool
    n_cols: int
    n_rows: int
    nnz: int
    seconds: float


@dataclass(frozen=True)
class _Programme:
    """The HiGHS model of a problem and what is needed to read its solution back."""

    lp: highspy.HighsLp
    lots: np.ndarray          # minerals bought in lots (integer columns)
    lot_t: FloatArray         # lot size, 1 where continuous
    stock_lower: FloatArray   # bounds of the stock columns (in lots or tonnes)
    stock_upper: FloatArray
    budget_row: int
    nnz: int


def _release_block(problem: StockpileProblem, res: FloatArray, v: FloatArray
                   ) -> tuple[tuple[np.ndarray, ...], FloatArray, FloatArray]:
    """Release columns, one per positive gap: indices, net cost per tonne, upper bounds."""
    s_idx, i_idx, t_idx = np.nonzero(problem.gaps > 0)
    gap = problem.gaps[s_idx, i_idx, t_idx]
    # net cost of releasing a tonne: d_end s_i - d_t v_i (exactly s_i - v_i when d == 1)
    release_cost = res[i_idx] - problem.period_discount[t_idx] * v[i_idx]
    upper = np.minimum(gap, problem.max_release_t[i_idx])
    return (s_idx, i_idx, t_idx), release_cost, upper


def _build_programme(problem: StockpileProblem) -> _Programme:
    """The sparse LP/MIP of the module docstring, in HiGHS's column-wise format."""
    n_s, n_i, _ = problem.shape
    p = problem.probabilities
    w, alpha = problem.cvar_weight, problem.cvar_alpha
    c = problem.unit_cost * MONEY_SCALE
    res = problem.residual_value * problem.end_discount * MONEY_SCALE   # d_end s_i
    v = problem.value_lost * MONEY_SCALE
    lots = ~np.isnan(problem.lot_t)
    q = np.where(lots, problem.lot_t, 1.0)
    (s_idx, i_idx, _), release_cost, release_upper = _release_block(problem, res, v)
    n_r = s_idx.size
    gaps_pv = problem.gaps * problem.period_discount   # d_t g_sit (a copy when d == 1)
    pairs, pair_row = np.unique(s_idx * n_i + i_idx, return_inverse=True)
    n_pairs = pairs.size
    use_cvar = w > 0
    n_cols = n_i + n_r + (1 + n_s if use_cvar else 0)
    n_rows = n_pairs + 1 + (n_s if use_cvar else 0)
    r_col = n_i + np.arange(n_r)
    budget_row = n_pairs

    rows = [pair_row, np.arange(n_pairs), np.full(n_i, budget_row)]
    cols = [r_col, pairs % n_i, np.arange(n_i)]
    vals = [np.ones(n_r), -q[pairs % n_i], c * q]
    cost = np.concatenate([(c - res) * q, (1 - w) * p[s_idx] * release_cost])
    stock_lower = np.where(lots, np.ceil(problem.min_stock_t / q - 1e-9), problem.min_stock_t / q)
    stock_upper = np.where(lots, np.floor(problem.max_stock_t / q + 1e-9), problem.max_stock_t / q)
    lower = np.concatenate([stock_lower, np.zeros(n_r)])
    upper = np.concatenate([stock_upper, release_upper])
    row_lo = np.full(n_pairs + 1, -np.inf)
    row_hi = np.concatenate([np.zeros(n_pairs), [problem.budget * MONEY_SCALE]])
    if use_cvar:
        eta, z = n_i + n_r, n_i + n_r + 1 + np.arange(n_s)
        crow = budget_row + 1 + np.arange(n_s)
        rows += [crow, crow, budget_row + 1 + s_idx]
        cols += [np.full(n_s, eta), z, r_col]
        vals += [np.ones(n_s), np.ones(n_s), -release_cost]
        cost = np.concatenate([cost, [w], w * p / (1 - alpha)])
        lower = np.concatenate([lower, np.zeros(1 + n_s)])
        upper = np.concatenate([upper, np.full(1 + n_s, np.inf)])
        row_lo = np.concatenate([row_lo, np.einsum("sit,i->s", gaps_pv, v)])
        row_hi = np.concatenate([row_hi, np.full(n_s, np.inf)])
    a = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                      shape=(n_rows, n_cols))
    a.sum_duplicates()
    a.sort_indices()

    lp = highspy.HighsLp()
    lp.num_col_, lp.num_row_ = n_cols, n_rows
    lp.col_cost_, lp.col_lower_, lp.col_upper_ = cost, lower, upper
    lp.row_lower_, lp.row_upper_ = row_lo, row_hi
    lp.offset_ = float((1 - w) * np.einsum("s,sit,i->", p, gaps_pv, v))
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    return _Programme(lp=lp, lots=lots, lot_t=q, stock_lower=stock_lower,
                      stock_upper=stock_upper, budget_row=budget_row, nnz=int(a.nnz))


def _run_highs(prog: _Programme, *, threads: int | None, mip_rel_gap: float,
               time_limit: float | None) -> highspy.Highs:
    """Pass the programme to a quiet HiGHS with the options asked for, and run it."""
    h = _quiet_highs()
    is_mip = bool(prog.lots.any())
    if threads is not None:
        h.setOptionValue("threads", int(threads))
    if time_limit is not None:
        h.setOptionValue("time_limit", float(time_limit))
    if is_mip:
        h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.passModel(prog.lp)
    if is_mip:
        integer = np.flatnonzero(prog.lots).astype(np.int32)
        h.changeColsIntegrality(integer.size, integer,
                                np.ones(integer.size, dtype=np.uint8))  # 1 = integer
    h.run()
    return h


def _check_status(h: highspy.Highs, problem: StockpileProblem) -> str:
    """HiGHS's status label; a typed error unless the solution is optimal."""
    status = h.getModelStatus()
    label = str(h.modelStatusToString(status))
    if status == highspy.HighsModelStatus.kInfeasible:
        raise ConfigError("The stockpile programme is infeasible.",
                          [Failure("budget_usd: smaller than the cost of the minimum stocks",
                                   value=problem.budget)],
                          hint="Raise budget_usd or lower min_stock_t.")
    if status != highspy.HighsModelStatus.kOptimal:
        raise MineralwatchError(f"HiGHS stopped without an optimal plan: {label}.",
                                hint="Raise the time limit or simplify the problem.")
    return label


def solve_stockpile(problem: StockpileProblem, *, threads: int | None = None,
                    mip_rel_gap: float = 1e-6, time_limit: float | None = None) -> Solution:
    """Solve the stockpile programme of ``problem`` with HiGHS.

    Parameters
    ----------
    problem
        the arrays (see :class:`~.problem.StockpileProblem`).
    threads
        HiGHS threads (default: HiGHS's choice).
    mip_rel_gap
        relative optimality gap for purchase lots.
    time_limit
        seconds before HiGHS stops.

    Raises
    ------
    ConfigError
        when the programme is infeasible (minimum stocks above the budget).
    MineralwatchError
        when HiGHS stops without an optimal solution.
    """
    t0 = time.perf_counter()
    prog = _build_programme(problem)
    h = _run_highs(prog, threads=threads, mip_rel_gap=mip_rel_gap, time_limit=time_limit)
    label = _check_status(h, problem)
    sol = h.getSolution()
    n_i = problem.shape[1]
    is_mip = bool(prog.lots.any())
    units = np.asarray(sol.col_value[:n_i], dtype=float)
    stock = _fit_budget(np.clip(units, prog.stock_lower, prog.stock_upper) * prog.lot_t + 0.0,
                        problem, prog.lots)
    dual = None if is_mip else -float(np.asarray(sol.row_dual)[prog.budget_row])
    objective = float(h.getInfo().objective_function_value) / MONEY_SCALE
    return Solution(stock_t=stock, objective=objective, budget_dual=dual, status=label,
                    is_mip=is_mip, n_cols=prog.lp.num_col_, n_rows=prog.lp.num_row_,
                    nnz=prog.nnz, seconds=time.perf_counter() - t0)


def _quiet_highs() -> highspy.Highs:
    """A silent HiGHS instance (its constructor prints a banner on the C-level stdout)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # pragma: no cover - no file descriptor 1
        h = highspy.Highs()
    else:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
            h = highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(devnull)
            os.close(saved)
    h.setOptionValue("output_flag", False)
    return h


def _fit_budget(stock: FloatArray, problem: StockpileProblem, lots: np.ndarray) -> FloatArray:
    """Remove solver-tolerance overspend (continuous minerals only) so the budget holds."""
    spend = float(problem.unit_cost @ stock)
    over = spend - problem.budget
    if over <= 0:
        return stock
    flex = ~lots & (stock > problem.min_stock_t)
    flex_spend = float(problem.unit_cost[flex] @ stock[flex])
    if flex_spend <= over:
        return stock
    out = stock.copy()
    out[flex] *= 1 - over / flex_spend
    return np.maximum(out, problem.min_stock_t)


__all__ = ["MONEY_SCALE", "Solution", "solve_stockpile"]
