"""Emergency response plan for one disruption scenario.

For each disrupted mineral: the release schedule from stocks (chronological, within the
release limit), the emergency levers (recycling ramp-up, substitution), the remaining
shortfall and its cost (present value at the configuration's ``discount_rate``), and
alternative suppliers ranked by governance-weighted spare capacity.

Alternative suppliers come from the warehouse (``production``, ``capacity`` and
``governance`` tables) for the mineral's configured stage, in the latest production
year, excluding the disrupted suppliers and aggregates:

* spare capacity = ``capacity - production`` where the warehouse has capacity for that
  country and year, else the proxy ``spare_capacity_fraction * production`` (documented
  assumption of the configuration, 10 % by default);
* governance = mean of the World Bank WGI estimates (about -2.5..2.5) in the latest
  governance year, mapped to a weight ``(wgi + 2.5) / 5`` in 0..1 (0.5 when missing);
* score = spare capacity per period * governance weight; suppliers are ranked by score.

Every figure carries its source: warehouse ``source_id``s, or ``FILE: field path`` of the
configuration (with the citation the configuration gives for that field).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mineralwatch.analytics.stockpile.config import (
    MineralConfig,
    Scenario,
    StockpileConfig,
    read_stockpile_config,
)
from mineralwatch.analytics.stockpile.evaluate import drawdown, remaining_gap
from mineralwatch.analytics.stockpile.problem import (
    FloatArray,
    build_problem,
    demand_per_period,
    scenario_gaps,
)
from mineralwatch.codes import countries, units
from mineralwatch.store import Warehouse

#: How many alternative suppliers a plan lists per mineral.
TOP_ALTERNATIVES = 5

_ALTERNATIVES_SQL = """
WITH latest AS (
    SELECT max(year) AS year FROM production
    WHERE mineral = $mineral AND stage = $stage AND quantity IS NOT NULL
),
p AS (
    SELECT country, year, quantity, unit, basis, source_id FROM production
    WHERE mineral = $mineral AND stage = $stage AND quantity IS NOT NULL
      AND year = (SELECT year FROM latest)
),
c AS (
    SELECT country, year, quantity AS capacity, unit AS capacity_unit,
           source_id AS capacity_source
    FROM capacity WHERE mineral = $mineral AND stage = $stage AND quantity IS NOT NULL
),
g AS (
    SELECT country, avg(value) AS wgi, max(year) AS governance_year,
           string_agg(DISTINCT source_id, '; ') AS governance_source
    FROM governance
    WHERE year = (SELECT max(year) FROM governance) AND indicator IN ('va','pv','ge','rq','rl','cc')
    GROUP BY country
)
SELECT p.country, p.year, p.quantity, p.unit, p.basis, p.source_id, c.capacity, c.capacity_unit,
       c.capacity_source, g.wgi, g.governance_year, g.governance_source
FROM p LEFT JOIN c USING (country, year) LEFT JOIN g USING (country)
"""


@dataclass(frozen=True)
class EmergencyPlan:
    """An emergency response plan (tables in tonnes; every row has a ``source``).

    Attributes
    ----------
    schedule
        one row per disrupted mineral and period: demand, gross gap, levers, release,
        stock left and remaining shortfall.
    summary
        one row per disrupted mineral: totals over the scenario; ``remaining_cost`` is
        the present value at ``discount_rate`` (mid-period discounting).
    alternatives
        ranked alternative suppliers per mineral.
    notes
        assumptions and data gaps, in words.
    discount_rate
        annual discount rate of the costs (0 = undiscounted).
    """

    config_name: str
    config_file: str
    scenario: Scenario
    currency: str
    periods: int
    period_days: float
    schedule: pd.DataFrame
    summary: pd.DataFrame
    alternatives: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    discount_rate: float = 0.0

    @property
    def expected_remaining_shortfall_t(self) -> float:
        """Shortfall left after levers and releases, summed over minerals (tonnes)."""
        return float(self.summary["remaining_t"].sum()) if len(self.summary) else 0.0


def _cite(cfg: StockpileConfig, file: str, m: MineralConfig, name: str) -> str:
    where = f"{file}: minerals[{m.mineral}].{name}"
    note = m.sources.get(name) or cfg.sources.get(name)
    return f"{where} ({note})" if note else where


def alternative_suppliers(wh: Warehouse, mineral: str, stage: str, exclude: list[str], *,
                          spare_capacity_fraction: float, period_days: float,
                          top: int = TOP_ALTERNATIVES) -> pd.DataFrame:
    """Alternative suppliers of ``mineral`` ranked by governance-weighted spare capacity.

    Returns
    -------
    pandas.DataFrame
        columns rank, country, name, year, production_t, basis (``content`` or
        ``gross`` weight, as the warehouse records it), spare_t_per_period,
        spare_basis (``capacity`` or ``proxy``), wgi, governance_weight, score, source.
        Empty when the warehouse has no production of that mineral and stage.
    """
    cols = ["rank", "country", "name", "year", "production_t", "basis", "spare_t_per_period",
            "spare_basis", "wgi", "governance_weight", "score", "source"]
    df = wh.sql(_ALTERNATIVES_SQL, {"mineral": mineral, "stage": stage})
    df = df[~df["country"].isin(exclude) & ~df["country"].map(countries.is_aggregate)]
    if df.empty:
        return pd.DataFrame(columns=cols)
    mass = df["unit"].map(units.is_mass)
    df = df[mass].copy()
    df["production_t"] = [q * units.factor(u) for q, u in zip(df["quantity"], df["unit"],
                                                                strict=True)]
    cap_t = [np.nan if pd.isna(c) or not units.is_mass(str(u)) else c * units.factor(str(u))
             for c, u in zip(df["capacity"], df["capacity_unit"], strict=True)]
    df["capacity_t"] = cap_t
    has_cap = df["capacity_t"].notna()
    spare_year = np.where(has_cap, np.clip(df["capacity_t"] - df["production_t"], 0, None),
                          spare_capacity_fraction * df["production_t"])
    df["spare_t_per_period"] = spare_year * period_days / 365.0
    df["spare_basis"] = np.where(has_cap, "capacity", "proxy")
    df["governance_weight"] = ((df["wgi"].astype(float) + 2.5) / 5.0).clip(0, 1).fillna(0.5)
    df["score"] = df["spare_t_per_period"] * df["governance_weight"]
    df["name"] = df["country"].map(countries.name)

    def source(r: pd.Series) -> str:
        parts = [f"production: {r['source_id']}"]
        parts.append(f"capacity: {r['capacity_source']}" if r["spare_basis"] == "capacity"
                     else f"spare = {spare_capacity_fraction:g} x production (proxy)")
        parts.append(f"governance: {r['governance_source']}" if pd.notna(r["wgi"])
                     else "governance: no WGI rows, weight 0.5")
        return "; ".join(parts)

    df["source"] = df.apply(source, axis=1)
    # one row per country: the largest figure where several sources report it
    df = (df.sort_values(["production_t", "source_id"], ascending=[False, True])
          .drop_duplicates("country"))
    df = df.sort_values(["score", "production_t"], ascending=False).head(top)
    df["rank"] = np.arange(1, len(df) + 1)
    return df[cols].reset_index(drop=True)


@dataclass(frozen=True)
class _Run:
    """One scenario's arrays, shared by the per-mineral sections of a plan."""

    cfg: StockpileConfig
    fname: str
    scenario: Scenario
    stock: FloatArray
    gaps: FloatArray
    gross: FloatArray
    levers: FloatArray
    release: FloatArray
    left: FloatArray
    remaining: FloatArray
    discount: FloatArray
    demand: FloatArray
    stock_source: str


def _run_scenario(cfg: StockpileConfig, fname: str, scenario: str | None,
                  stock: Mapping[str, float] | None) -> tuple[_Run, np.ndarray]:
    """Drawdown of the starting stock against the scenario's gaps (and the release mask)."""
    sc = cfg.scenario(scenario)
    k = [s.id for s in cfg.scenarios].index(sc.id)
    stock_source = "stock: given by the caller"
    if stock is None:
        stock_source = f"stock: optimised plan of {fname}"
        from mineralwatch.analytics.stockpile.optimize import optimize_stockpile

        stock = optimize_stockpile(cfg, finite_difference=False).stock()
    x = np.array([float(stock.get(m, 0.0)) for m in cfg.mineral_ids()])
    problem = build_problem(cfg)
    gross_all, levers_all = scenario_gaps(cfg)
    gaps = problem.gaps[k]
    allowed = problem.release_allowed()
    release = drawdown(x, gaps, problem.max_release_t, allowed)
    run = _Run(cfg=cfg, fname=fname, scenario=sc, stock=x, gaps=gaps, gross=gross_all[k],
               levers=levers_all[k], release=release,
               left=x[:, None] - np.cumsum(release, axis=1),
               remaining=remaining_gap(gaps, release), discount=problem.period_discount,
               demand=demand_per_period(cfg), stock_source=stock_source)
    return run, allowed


def _opening_notes(run: _Run, allowed: np.ndarray) -> list[str]:
    """How gaps and releases are computed, and which releases are withheld."""
    cfg, fname = run.cfg, run.fname
    notes = [
        f"Gap per period = demand per period x share of the affected suppliers x magnitude "
        f"(scenario {run.scenario.id!r} in {fname}); periods of {cfg.period_days:g} days.",
        "Releases are chronological: each period's gap is met from stock while it lasts, "
        "within max_release_t_per_period.",
        _discount_note(cfg, fname),
    ]
    held = [m.mineral for i, m in enumerate(cfg.minerals)
            if (run.gaps[i] > 0).any() and not allowed[i][run.gaps[i] > 0].all()]
    if held:
        notes.append(f"No release where the discounted value lost is below the discounted "
                     f"residual value of keeping the stock (d_t x value lost < d_end x "
                     f"residual value): {', '.join(held)}.")
    return notes


def _supplier_notes(run: _Run, wh: Warehouse | None, any_alternatives: bool) -> list[str]:
    """How alternative suppliers are ranked, or why they are not."""
    if wh is None:
        return ["No warehouse given: alternative suppliers are not ranked."]
    if not any_alternatives:
        return ["The warehouse has no production rows for the disrupted minerals: "
                "alternative suppliers are not ranked."]
    cfg = run.cfg
    return [f"Spare capacity = capacity - production where the warehouse has "
            f"capacity, else {cfg.spare_capacity_fraction:g} x production "
            f"(proxy: {run.fname}: spare_capacity_fraction); governance weight = "
            "(mean WGI + 2.5) / 5; score = spare per period x weight. Production "
            "and spare are on the warehouse's basis (column basis: metal content "
            "or gross weight of ore), which may differ from the demand's basis."]


def _mineral_section(run: _Run, i: int, m: MineralConfig, wh: Warehouse | None
                     ) -> tuple[list[dict[str, Any]], dict[str, Any], pd.DataFrame]:
    """Schedule rows, summary row and alternative suppliers of the ``i``-th mineral."""
    cfg, fname, sc = run.cfg, run.fname, run.scenario
    affected = sorted({c for d in sc.disruptions if d.mineral == m.mineral for c in d.suppliers})
    src_gap = (f"{fname}: scenarios[{sc.id}].disruptions ({', '.join(affected)}); "
               f"{_cite(cfg, fname, m, 'supplier_shares')}; "
               f"{_cite(cfg, fname, m, 'demand_t_per_year')}")
    src_lever = (f"{_cite(cfg, fname, m, 'recycling_t_per_period')}; "
                 f"{_cite(cfg, fname, m, 'substitution_fraction')}")
    rows = [{"mineral": m.mineral, "period": t + 1, "demand_t": run.demand[i],
             "gross_gap_t": run.gross[i, t], "levers_t": run.levers[i, t],
             "release_t": run.release[i, t], "stock_left_t": run.left[i, t],
             "remaining_t": run.remaining[i, t],
             "source": f"gap: {src_gap}; levers: {src_lever}; {run.stock_source}"}
            for t in range(cfg.periods)]
    alt = (alternative_suppliers(wh, m.mineral, m.stage, affected,
                                 spare_capacity_fraction=cfg.spare_capacity_fraction,
                                 period_days=cfg.period_days)
           if wh is not None else pd.DataFrame())
    if not alt.empty:
        alt.insert(0, "mineral", m.mineral)
    value_source = (_cite(cfg, fname, m, "value_lost_usd_per_t")
                    if m.value_lost_usd_per_t is not None else
                    f"{fname}: value_lost_price_multiple ({cfg.value_lost_price_multiple:g}) "
                    f"x {_cite(cfg, fname, m, 'price_usd_per_t')}")
    summary = {
        "mineral": m.mineral, "stock_t": run.stock[i], "gross_gap_t": run.gross[i].sum(),
        "levers_t": run.levers[i].sum(), "release_t": run.release[i].sum(),
        "remaining_t": run.remaining[i].sum(),
        "remaining_cost": (run.remaining[i] * run.discount).sum() * cfg.value_lost(m),
        "alternative_spare_t_per_period": (float(alt["spare_t_per_period"].sum())
                                           if not alt.empty else float("nan")),
        "source": f"gap: {src_gap}; value lost: {value_source}",
    }
    return rows, summary, alt


def emergency_plan(config: StockpileConfig | str | Path, scenario: str | None = None, *,
                   stock: Mapping[str, float] | None = None, wh: Warehouse | None = None,
                   file: str | None = None) -> EmergencyPlan:
    """Emergency response plan for one scenario of a stockpile configuration.

    Parameters
    ----------
    config
        a validated configuration or the path of its file.
    scenario
        scenario id (default: the most probable scenario).
    stock
        mineral -> stock at the start (tonnes); default: the optimised plan.
    wh
        warehouse with production, capacity and governance rows for the alternative
        suppliers (optional: without it the plan lists none).
    file
        name of the configuration used in source references (default: the path's name
        or the configuration's ``name``).

    Returns
    -------
    EmergencyPlan
    """
    if isinstance(config, StockpileConfig):
        cfg, fname = config, file or config.name
    else:
        cfg, fname = read_stockpile_config(config), file or Path(config).name
    run, allowed = _run_scenario(cfg, fname, scenario, stock)
    notes = _opening_notes(run, allowed)
    rows: list[dict[str, Any]] = []
    summary: list[dict[str, Any]] = []
    alts: list[pd.DataFrame] = []
    for i, m in enumerate(cfg.minerals):
        if not (run.gross[i] > 0).any():
            continue
        m_rows, m_summary, alt = _mineral_section(run, i, m, wh)
        rows += m_rows
        summary.append(m_summary)
        if not alt.empty:
            alts.append(alt)
    notes += _supplier_notes(run, wh, bool(alts))
    return EmergencyPlan(
        config_name=cfg.name, config_file=fname, scenario=run.scenario, currency=cfg.currency,
        periods=cfg.periods, period_days=cfg.period_days,
        schedule=pd.DataFrame(rows), summary=pd.DataFrame(summary),
        alternatives=pd.concat(alts, ignore_index=True) if alts else pd.DataFrame(),
        notes=tuple(notes), discount_rate=cfg.discount_rate)


def _discount_note(cfg: StockpileConfig, fname: str) -> str:
    """How the costs of the plan are discounted, in words."""
    if cfg.discount_rate == 0:
        return (f"Costs are undiscounted (discount_rate 0 in {fname}): value lost x "
                "remaining shortfall.")
    return (f"Costs are present values at a discount rate of {cfg.discount_rate:.4g} a year "
            f"({cfg.discount_rate * 100:.4g} %, {fname}: discount_rate): the shortfall of "
            f"period t is weighted by (1 + rate)^-((t - 0.5) x {cfg.period_days:g} / 365) "
            "(mid-period).")


__all__ = ["TOP_ALTERNATIVES", "EmergencyPlan", "alternative_suppliers", "emergency_plan"]
