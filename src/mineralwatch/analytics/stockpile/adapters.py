"""Disruption scenarios from other analytics: balance scenarios and shock propagation.

Each adapter returns :class:`~.config.Scenario` objects whose disruptions have no
``suppliers``: their ``magnitude`` is the share of the mineral's demand lost. Add them
to a configuration with :func:`with_scenarios`, which validates the result like a file::

    >>> import mineralwatch as mw
    >>> from mineralwatch.analytics.balance import balance
    >>> from mineralwatch.analytics.stockpile import adapters
    >>> cfg = mw.load_stockpile_config(mw.stockpile_example_path())
    >>> sc = adapters.scenario_from_balance(balance(scenario="cobalt_drc_quota"),
    ...                                     probability=0.2, period_days=cfg.period_days)
    >>> cfg = adapters.with_scenarios(cfg, [sc])               # doctest: +SKIP

Mapping of years to periods: year ``start_year + k`` covers periods
``k * n + 1 .. (k + 1) * n`` with ``n = round(365 / period_days)`` periods a year;
disruptions after the horizon are dropped by :func:`with_scenarios` (they would start
after the last period).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from mineralwatch.analytics.stockpile.config import (
    Disruption,
    Scenario,
    StockpileConfig,
    parse_stockpile_config,
)
from mineralwatch.codes import countries
from mineralwatch.errors import ConfigError, Failure

if TYPE_CHECKING:
    from mineralwatch.analytics.balance import BalanceResult


def periods_per_year(period_days: float) -> int:
    """Whole periods in a year (at least one)."""
    return max(1, round(365.0 / period_days))


def _yearly_disruptions(mineral: str, shares: Sequence[float], period_days: float
                        ) -> list[Disruption]:
    n = periods_per_year(period_days)
    return [Disruption(mineral=mineral, magnitude=min(1.0, float(v)),
                       start_period=k * n + 1, duration_periods=n)
            for k, v in enumerate(shares) if v > 1e-12]


def _no_gap(what: str) -> ConfigError:
    return ConfigError(f"{what} implies no supply gap: nothing to stockpile against.",
                       [Failure("every share of demand lost is 0", value=what)],
                       hint="Pick a scenario or importer that loses supply.")


def scenario_from_balance(result: BalanceResult, *, probability: float,
                          measure: Literal["withheld", "deficit"] = "withheld",
                          period_days: float = 91.25, start_year: int | None = None,
                          scenario_id: str | None = None) -> Scenario:
    """A disruption scenario from a balance run (``mw.balance``).

    Parameters
    ----------
    result
        a :class:`~mineralwatch.analytics.balance.BalanceResult`.
    probability
        probability of the scenario over the stockpile's horizon.
    measure
        ``"withheld"``: share of demand lost = supply withheld by the scenario's policies
        / demand (an importer buying on the world market loses that share); ``"deficit"``:
        ``max(0, demand - supply) / demand``.
    period_days
        the stockpile configuration's period length.
    start_year
        the year of the first period (default: the first year of the result).
    """
    df = result.frame()
    df = df[df["year"] >= (start_year or int(df["year"].min()))].sort_values("year")
    demand = df["demand"].to_numpy(dtype=float)
    lost = (df["withheld"].to_numpy(dtype=float) if measure == "withheld"
            else np.maximum(0.0, demand - df["supply"].to_numpy(dtype=float)))
    shares = np.divide(lost, demand, out=np.zeros_like(lost), where=demand > 0)
    disruptions = _yearly_disruptions(result.mineral, shares.tolist(), period_days)
    name = result.scenario.name
    if not disruptions:
        raise _no_gap(f"balance scenario {name!r}")
    years = df["year"].astype(int).tolist()
    return Scenario(
        id=scenario_id or f"balance:{name}", probability=probability,
        description=f"{name}: {measure} supply as a share of demand, {years[0]}-{years[-1]}",
        source=f"mineralwatch balance, scenario {name!r}"
               + (f" ({result.scenario.file})" if getattr(result.scenario, "file", None)
                  else ""),
        disruptions=disruptions)


def scenario_from_shock(report: Mapping[str, Any], importer: str, *, probability: float,
                        period_days: float = 91.25, years: int = 1,
                        scenario_id: str | None = None) -> Scenario:
    """A disruption scenario for ``importer`` from a shock-propagation report (``mw.shock``).

    The share of demand lost is the importer's ``loss_t / consumption_t`` (the supply loss
    reaching it before its own stocks are drawn), held for ``years`` years.
    """
    iso = countries.to_iso3(importer)
    row = next((r for r in report.get("countries", []) if r.get("country") == iso), None)
    cons = float(row["consumption_t"]) if row else 0.0
    share = float(row["loss_t"]) / cons if row and cons > 0 else 0.0
    sh = report.get("shock", {})
    what = f"shock {sh.get('country')} cut {sh.get('cut')} on {report.get('mineral')}"
    disruptions = _yearly_disruptions(str(report.get("mineral")), [share] * years, period_days)
    if not disruptions:
        raise _no_gap(f"{what} for {iso}")
    return Scenario(
        id=scenario_id or f"shock:{sh.get('country')}:{sh.get('cut')}", probability=probability,
        description=f"{what}: {iso} loses {share:.1%} of its apparent consumption",
        source=f"mineralwatch shock propagation ({report.get('model')} model, trade year "
               f"{report.get('year')})",
        disruptions=disruptions)


def scenarios_from_shock_draws(loss_t: Sequence[float], consumption_t: float, mineral: str,
                               *, probability: float, period_days: float = 91.25,
                               prefix: str = "shock_draw") -> list[Scenario]:
    """Equiprobable scenarios from Monte Carlo draws of one importer's supply loss.

    Parameters
    ----------
    loss_t
        the importer's loss per draw (a row of ``mw.analytics.network.monte_carlo``'s
        ``loss_t``), tonnes a year.
    consumption_t
        the importer's apparent consumption (tonnes a year).
    probability
        total probability of a disruption; each draw gets ``probability / len(loss_t)``.
    """
    loss = np.asarray(loss_t, dtype=float)
    p = probability / max(1, loss.size)
    out = []
    for k, v in enumerate(loss):
        share = v / consumption_t if consumption_t > 0 else 0.0
        ds = _yearly_disruptions(mineral, [share], period_days)
        if ds:
            out.append(Scenario(id=f"{prefix}_{k}", probability=p,
                                description=f"draw {k}: {share:.1%} of demand lost",
                                source="mineralwatch shock propagation, Monte Carlo",
                                disruptions=ds))
    return out


def with_scenarios(cfg: StockpileConfig, scenarios: Sequence[Scenario], *,
                   replace: bool = False, file: str | None = None) -> StockpileConfig:
    """A new configuration with ``scenarios`` added (or instead of the old ones), validated.

    Disruptions starting after the horizon are dropped; their end is cut at the horizon.

    Raises
    ------
    ConfigError
        when the combined configuration is inconsistent (e.g. probabilities sum above 1
        or a mineral is not configured).
    """
    kept = []
    for sc in scenarios:
        ds = [d for d in sc.disruptions if d.start_period <= cfg.periods]
        if ds:
            kept.append(sc.model_copy(update={"disruptions": ds}))
    base = [] if replace else list(cfg.scenarios)
    data = cfg.model_dump()
    data["scenarios"] = [s.model_dump() for s in (*base, *kept)]
    return parse_stockpile_config(data, file=file or f"{cfg.name} + adapted scenarios")


__all__ = ["periods_per_year", "scenario_from_balance", "scenario_from_shock",
           "scenarios_from_shock_draws", "with_scenarios"]
