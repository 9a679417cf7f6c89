"""The stockpile problem as arrays: costs per mineral, supply gaps per scenario and period.

:func:`build_problem` turns a :class:`~.config.StockpileConfig` into a
:class:`StockpileProblem`; the solver and the evaluators only ever see arrays.

Gaps (tonnes) of scenario ``s``, mineral ``i`` and period ``t``::

    gross[s, i, t] = min(1, sum over disruptions d of share_i(d.suppliers) * d.magnitude)
                     * demand_i per period                 (for t in d's periods)

(``share_i`` of no suppliers is 1: the magnitude is then a share of demand.)
    levers[s, i, t] = min(gross, recycling_i + substitution_i * demand_i per period)
    gaps = gross - levers                                   (what stocks must cover)

Disruptions running past the horizon are cut at its end. When the scenario
probabilities sum to less than one, a final "no disruption" scenario with zero gaps
takes the rest, so that ``probabilities`` always sums to one.

Discounting (annual rate ``r``, periods of ``period_days`` days; see
:func:`discount_factors`): shortfall costs of period ``t`` (1..T) weigh
``d_t = (1 + r) ** -((t - 0.5) * period_days / 365)`` (mid-period: a period's gap is
spread over the period), the residual value of stock left at the end
``d_end = (1 + r) ** -(T * period_days / 365)``; acquisition and holding are paid at the
start. With ``r = 0`` every factor is exactly 1.0.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
from numpy.typing import NDArray

from mineralwatch.analytics.stockpile.config import MAX_DISCOUNT_RATE, StockpileConfig

#: Id of the implicit scenario that carries the probability left by the others.
NO_DISRUPTION = "no_disruption"

FloatArray = NDArray[np.float64]


def discount_factors(rate: float, periods: int, period_days: float
                     ) -> tuple[FloatArray, float]:
    """Discount factors of the periods (mid-period) and of the end of the horizon.

    Parameters
    ----------
    rate
        annual discount rate as a fraction (0.03 = 3 % a year), ``0 <= rate <= 1``.
    periods, period_days
        the horizon: ``periods`` periods of ``period_days`` days.

    Returns
    -------
    (d, d_end)
        ``d[t - 1] = (1 + rate) ** -((t - 0.5) * period_days / 365)`` for ``t = 1..T``,
        ``(T,)``, and ``d_end = (1 + rate) ** -(T * period_days / 365)``. Both are exactly
        1.0 for ``rate = 0``; ``d`` is non-increasing and ``d_end <= d[-1]``.

    Raises
    ------
    ValueError
        when ``rate`` is not a finite number in ``[0, 1]``.

    >>> d, end = discount_factors(0.1, 2, 365.0)
    >>> [round(float(x), 6) for x in d], round(end, 6)
    ([0.953463, 0.866784], 0.826446)
    """
    rate = float(rate)
    if not np.isfinite(rate) or rate < 0 or rate > MAX_DISCOUNT_RATE:
        raise ValueError(f"discount_rate must be a fraction in [0, {MAX_DISCOUNT_RATE:g}] "
                         f"(0.03 = 3 % a year), got {rate!r}")
    years = float(period_days) / 365.0
    mid = (np.arange(1, int(periods) + 1, dtype=float) - 0.5) * years
    d = np.power(1.0 + rate, -mid)
    end = float(np.power(1.0 + rate, -int(periods) * years))
    return d, end


@dataclass(frozen=True)
class StockpileProblem:
    """A two-stage stochastic stockpile problem in array form.

    Attributes
    ----------
    minerals
        mineral ids, length ``I``.
    unit_cost
        cash cost of one tonne held over the horizon (price + holding), USD/t, ``(I,)``.
    residual_value
        value recovered per tonne still in stock at the end of the horizon, ``(I,)``.
    value_lost
        cost of one tonne of shortfall, USD/t, ``(I,)``.
    gaps
        supply gaps that stocks can cover, tonnes, ``(S, I, T)``.
    probabilities
        scenario probabilities summing to one, ``(S,)``.
    budget
        cash budget for ``unit_cost @ stock``, USD.
    lot_t
        purchase lot sizes (``nan`` = continuous), ``(I,)``.
    min_stock_t, max_stock_t
        stock bounds (``inf`` = none), ``(I,)``.
    max_release_t
        largest release per period (``inf`` = none), ``(I,)``.
    cvar_alpha, cvar_weight
        CVaR level and weight of the risk-averse objective.
    discount_rate, period_days
        annual discount rate and period length (days) the discount factors come from.
    discount, end_discount
        discount factor of each period's shortfall and release, ``(T,)``, and of the
        residual value at the end of the horizon (see :func:`discount_factors`;
        ``None`` / 1.0: no discounting).
    scenario_ids
        ids of the scenarios, length ``S``.
    gross_gaps, lever_t
        gaps before emergency levers and the part levers cover, ``(S, I, T)``.
    """

    minerals: tuple[str, ...]
    unit_cost: FloatArray
    residual_value: FloatArray
    value_lost: FloatArray
    gaps: FloatArray
    probabilities: FloatArray
    budget: float
    lot_t: FloatArray
    min_stock_t: FloatArray
    max_stock_t: FloatArray
    max_release_t: FloatArray
    cvar_alpha: float = 0.95
    cvar_weight: float = 0.0
    scenario_ids: tuple[str, ...] = ()
    discount_rate: float = 0.0
    period_days: float = 91.25
    discount: FloatArray | None = field(default=None, repr=False)
    end_discount: float = 1.0
    gross_gaps: FloatArray | None = field(default=None, repr=False)
    lever_t: FloatArray | None = field(default=None, repr=False)

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(scenarios, minerals, periods)``."""
        s, i, t = self.gaps.shape
        return int(s), int(i), int(t)

    def with_budget(self, budget: float) -> StockpileProblem:
        """The same problem with another budget."""
        return replace(self, budget=float(budget))

    def with_discount_rate(self, rate: float) -> StockpileProblem:
        """The same problem discounted at another annual ``rate`` (same ``period_days``)."""
        d, end = discount_factors(rate, self.shape[2], self.period_days)
        return replace(self, discount_rate=float(rate), discount=d, end_discount=end)

    @property
    def period_discount(self) -> FloatArray:
        """Discount factor of each period, ``(T,)`` (ones without discounting)."""
        if self.discount is None:
            return np.ones(self.shape[2])
        return self.discount

    def release_worth(self) -> FloatArray:
        """Net value of releasing one tonne in period ``t``: ``d_t v_i - d_end r_i``, ``(I, T)``.

        The avoided discounted shortfall cost minus the forfeited discounted residual
        value. Releasing is worthwhile where it is ``>= 0``; since ``d_t`` falls with
        ``t``, those periods form a prefix ``1..k_i`` for each mineral.
        """
        return (self.period_discount[None, :] * self.value_lost[:, None]
                - self.end_discount * self.residual_value[:, None])

    def release_allowed(self) -> np.ndarray:
        """Where releasing stock lowers the cost (``release_worth() >= 0``), ``(I, T)`` bool.

        All true whenever ``value_lost >= residual_value`` (then ``d_t v_i >= d_end r_i``
        for every ``t`` because ``d_t >= d_end``).
        """
        return self.release_worth() >= 0


def make_problem(
    unit_cost: FloatArray,
    value_lost: FloatArray,
    gaps: FloatArray,
    probabilities: FloatArray,
    budget: float,
    *,
    residual_value: FloatArray | None = None,
    lot_t: FloatArray | None = None,
    min_stock_t: FloatArray | None = None,
    max_stock_t: FloatArray | None = None,
    max_release_t: FloatArray | None = None,
    cvar_alpha: float = 0.95,
    cvar_weight: float = 0.0,
    minerals: tuple[str, ...] | None = None,
    scenario_ids: tuple[str, ...] | None = None,
    discount_rate: float = 0.0,
    period_days: float = 91.25,
) -> StockpileProblem:
    """Build a :class:`StockpileProblem` from arrays, filling defaults.

    Probabilities summing to less than one get a zero-gap "no disruption" scenario.
    ``discount_rate`` (annual) and ``period_days`` give the discount factors (see
    :func:`discount_factors`); the default rate 0 means no discounting.

    Raises
    ------
    ValueError
        when shapes disagree, probabilities are negative or sum above one, or the
        discount rate is outside ``[0, 1]``.
    """
    gaps = np.asarray(gaps, dtype=float)
    if gaps.ndim != 3:
        raise ValueError("gaps must have shape (scenarios, minerals, periods)")
    n_s, n_i, n_t = gaps.shape
    p = np.asarray(probabilities, dtype=float)
    if p.shape != (n_s,) or (p < 0).any() or p.sum() > 1 + 1e-9:
        raise ValueError("probabilities must be (S,) non-negative and sum to at most 1")
    ids = scenario_ids or tuple(f"s{k + 1}" for k in range(n_s))
    if p.sum() < 1 - 1e-12:
        gaps = np.concatenate([gaps, np.zeros((1, n_i, n_t))], axis=0)
        p = np.append(p, 1.0 - p.sum())
        ids = (*ids, NO_DISRUPTION)

    def vec(x: FloatArray | None, default: float) -> FloatArray:
        out = np.full(n_i, default) if x is None else np.asarray(x, dtype=float)
        if out.shape != (n_i,):
            raise ValueError("per-mineral arrays must have shape (minerals,)")
        return out

    d, end = discount_factors(discount_rate, n_t, period_days)
    return StockpileProblem(
        minerals=minerals or tuple(f"m{k + 1}" for k in range(n_i)),
        unit_cost=vec(unit_cost, 0.0), residual_value=vec(residual_value, 0.0),
        value_lost=vec(value_lost, 0.0), gaps=gaps, probabilities=p, budget=float(budget),
        lot_t=vec(lot_t, np.nan), min_stock_t=vec(min_stock_t, 0.0),
        max_stock_t=vec(max_stock_t, np.inf), max_release_t=vec(max_release_t, np.inf),
        cvar_alpha=float(cvar_alpha), cvar_weight=float(cvar_weight), scenario_ids=ids,
        discount_rate=float(discount_rate), period_days=float(period_days), discount=d,
        end_discount=end,
    )


def demand_per_period(cfg: StockpileConfig) -> FloatArray:
    """Demand of each mineral per period (tonnes), ``(I,)``."""
    return np.array([m.demand_t_per_year for m in cfg.minerals]) * cfg.period_days / 365.0


def scenario_gaps(cfg: StockpileConfig) -> tuple[FloatArray, FloatArray]:
    """Gross gaps and the part emergency levers cover, each ``(S, I, T)`` (tonnes).

    Scenarios are in configuration order (no "no disruption" scenario added here).
    """
    ids = cfg.mineral_ids()
    n_s, n_i, n_t = len(cfg.scenarios), len(ids), cfg.periods
    loss = np.zeros((n_s, n_i, n_t))
    for s, sc in enumerate(cfg.scenarios):
        for d in sc.disruptions:
            i = ids.index(d.mineral)
            shares = cfg.minerals[i].supplier_shares
            share = sum(shares.get(c, 0.0) for c in d.suppliers) if d.suppliers else 1.0
            frac = share * d.magnitude
            t0 = d.start_period - 1
            loss[s, i, t0:t0 + d.duration_periods] += frac
    dem = demand_per_period(cfg)
    gross = np.minimum(loss, 1.0) * dem[None, :, None]
    lever_cap = np.array([m.recycling_t_per_period + m.substitution_fraction * d
                          for m, d in zip(cfg.minerals, dem, strict=True)])
    levers = np.minimum(gross, lever_cap[None, :, None])
    return gross, levers


def build_problem(cfg: StockpileConfig, *, budget: float | None = None) -> StockpileProblem:
    """The array form of a validated configuration (``budget`` overrides the config's)."""
    gross, levers = scenario_gaps(cfg)
    ms = cfg.minerals
    prob = make_problem(
        unit_cost=np.array([cfg.unit_cost(m) for m in ms]),
        value_lost=np.array([cfg.value_lost(m) for m in ms]),
        residual_value=np.array([m.residual_value_fraction * m.price_usd_per_t for m in ms]),
        gaps=gross - levers,
        probabilities=np.array([s.probability for s in cfg.scenarios]),
        budget=cfg.budget_usd if budget is None else budget,
        lot_t=np.array([np.nan if m.lot_t is None else m.lot_t for m in ms]),
        min_stock_t=np.array([m.min_stock_t for m in ms]),
        max_stock_t=np.array([np.inf if m.max_stock_t is None else m.max_stock_t for m in ms]),
        max_release_t=np.array([np.inf if m.max_release_t_per_period is None
                                else m.max_release_t_per_period for m in ms]),
        cvar_alpha=cfg.risk.cvar_alpha, cvar_weight=cfg.risk.cvar_weight,
        minerals=tuple(cfg.mineral_ids()), scenario_ids=tuple(s.id for s in cfg.scenarios),
        discount_rate=cfg.discount_rate, period_days=cfg.period_days,
    )
    n_extra = prob.gaps.shape[0] - gross.shape[0]
    pad = np.zeros((n_extra, *gross.shape[1:]))
    return replace(prob, gross_gaps=np.concatenate([gross, pad]),
                   lever_t=np.concatenate([levers, pad]))


__all__ = ["NO_DISRUPTION", "StockpileProblem", "build_problem", "demand_per_period",
           "discount_factors", "make_problem", "scenario_gaps"]
