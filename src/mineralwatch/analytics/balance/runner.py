"""Run balances: the deterministic run, Monte Carlo, baselines from the warehouse, comparisons.

>>> import mineralwatch as mw
>>> res = mw.balance(scenario="cobalt_seed")              # a shipped example
>>> [r["balance"] for r in res.to_json()["years"]]
[-122000.0, -88200.0, -97200.0]

This module orchestrates; the maths is in :mod:`.model` and :mod:`.inputs`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from mineralwatch.analytics.balance.distributions import Sampler
from mineralwatch.analytics.balance.files import load_scenario
from mineralwatch.analytics.balance.inputs import (
    ModelArrays,
    compile_scenario,
    warehouse_supply,
)
from mineralwatch.analytics.balance.model import (
    ModelOutput,
    by_importer,
    deficit_probability,
    evaluate,
    percentiles,
    simulate_balance,
)
from mineralwatch.analytics.balance.scenario import (
    Scenario,
    check_years,
    parse_years,
)
from mineralwatch.codes import minerals
from mineralwatch.errors import InputError, NotFoundError
from mineralwatch.store.cache import cached

if TYPE_CHECKING:
    from mineralwatch.store import Warehouse

#: Columns of :attr:`BalanceResult.table`.
TABLE_COLUMNS = ("stage", "year", "supply", "demand", "balance", "primary", "recycling",
                 "stock_change", "withheld", "moved")
MC_COLUMNS = ("stage", "year", "p10", "p50", "p90", "p_deficit")


#: Monte Carlo settings shared by every view of a scenario (web pages, report, API
#: default): the same scenario gives the same P10/P50/P90 wherever it is shown.
MONTE_CARLO_DRAWS = 2000
MONTE_CARLO_SEED = 0


@dataclass
class BalanceResult:
    """A balance for one scenario: the deterministic table and, with draws, percentiles.

    Attributes
    ----------
    table
        one row per stage and year: supply, demand, balance (= supply - demand) and the
        components (primary supply, recycling, stock change, withheld, moved by mandates).
    monte_carlo
        P10/P50/P90 of the balance and the probability of deficit per stage and year, or
        ``None`` without draws.
    importers
        supply, demand and balance by importer where destinations are given, else ``None``.
    meta
        provenance: the scenario file and source, code version, draws and seed, how
        many warehouse production rows were used, and ``notes`` from resolving the
        scenario (which suspension of a referenced event changed which years).
    """

    scenario: Scenario
    table: pd.DataFrame
    monte_carlo: pd.DataFrame | None = None
    importers: pd.DataFrame | None = None
    draws: int = 0
    seed: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def mineral(self) -> str:
        return self.scenario.mineral

    @property
    def unit(self) -> str:
        return self.scenario.unit

    @property
    def stage(self) -> str:
        return self.scenario.stage

    def frame(self, stage: str | None = None) -> pd.DataFrame:
        """Year rows of one stage (default: the scenario's), with MC columns if drawn."""
        st = stage or self.stage
        df = self.table[self.table["stage"] == st].reset_index(drop=True)
        if self.monte_carlo is not None:
            mc = self.monte_carlo[self.monte_carlo["stage"] == st]
            df = df.merge(mc, on=["stage", "year"], how="left")
        return df

    def to_json(self) -> dict[str, Any]:
        """``{mineral, scenario, unit, stage, years: [{year, supply, demand, balance,
        [p10, p50, p90, p_deficit]}], stages: {...}, notes?}`` (see docs/json.md)."""
        cols = ["year", "supply", "demand", "balance"]
        if self.monte_carlo is not None:
            cols += ["p10", "p50", "p90", "p_deficit"]

        def rows(st: str) -> list[dict[str, Any]]:
            df = self.frame(st)[cols]
            return [{str(k): (int(v) if k == "year" else float(v)) for k, v in r.items()}
                    for r in df.to_dict(orient="records")]

        out: dict[str, Any] = {
            "mineral": self.mineral, "scenario": self.scenario.name, "unit": self.unit,
            "stage": self.stage, "years": rows(self.stage),
        }
        others = [s for s in self.table["stage"].unique() if s != self.stage]
        if others:
            out["stages"] = {s: rows(s) for s in others}
        if self.draws:
            out["draws"], out["seed"] = self.draws, self.seed
        if self.scenario.file:
            out["file"] = self.scenario.file
        notes = self.meta.get("notes") or []
        if notes:
            out["notes"] = [str(n) for n in notes]
        return out


def _table(a: ModelArrays, out: ModelOutput, draw: int = 0) -> pd.DataFrame:
    n_s, n_y = len(a.stages), len(a.years)
    data: dict[str, Any] = {
        "stage": np.repeat(np.array(a.stages), n_y),
        "year": np.tile(a.years, n_s),
    }
    for name in TABLE_COLUMNS[2:]:
        data[name] = np.asarray(getattr(out, name))[draw].reshape(-1)
    return pd.DataFrame(data)


def _mc_table(a: ModelArrays, balance: np.ndarray) -> pd.DataFrame:
    p = percentiles(balance)                                       # (3, S, Y)
    pd_ = deficit_probability(balance)                             # (S, Y)
    n_s, n_y = len(a.stages), len(a.years)
    return pd.DataFrame({
        "stage": np.repeat(np.array(a.stages), n_y), "year": np.tile(a.years, n_s),
        "p10": p[0].reshape(-1), "p50": p[1].reshape(-1), "p90": p[2].reshape(-1),
        "p_deficit": pd_.reshape(-1),
    })


def _importer_table(a: ModelArrays, out: ModelOutput) -> pd.DataFrame | None:
    if not (a.destinations[..., :-1] > 0).any():
        return None
    sup, dem = by_importer(a, out)
    rows = []
    for s, st in enumerate(a.stages):
        for k, imp in enumerate(a.importers):
            for t, y in enumerate(a.years):
                rows.append({"stage": st, "importer": imp, "year": int(y),
                             "supply": float(sup[0, s, k, t]),
                             "demand": float(dem[0, s, k, t]),
                             "balance": float(sup[0, s, k, t] - dem[0, s, k, t])})
    return pd.DataFrame(rows)


def production_rows(wh: Warehouse | None, mineral: str) -> pd.DataFrame | None:
    """The warehouse's production rows of a mineral, or ``None`` without a warehouse."""
    if wh is None or "production" not in wh.tables():
        return None
    return wh.load("production", mineral=mineral)


def run_scenario(scenario: Scenario, *, production: pd.DataFrame | None = None,
                 draws: int = 0, seed: int | None = 0) -> BalanceResult:
    """Run a resolved scenario: the deterministic table and, with ``draws``, Monte Carlo.

    The deterministic run replaces each distribution by its mean. The Monte Carlo run
    draws every distribution ``draws`` times with ``numpy.random.default_rng(seed)``,
    independently unless distributions share a common ``factor`` (a one-factor Gaussian
    copula, see :mod:`.distributions`): the same seed gives the same numbers.
    """
    a = compile_scenario(scenario, Sampler(0, seed), production)
    out = evaluate(a)
    from mineralwatch import __version__

    res = BalanceResult(scenario=scenario, table=_table(a, out),
                        importers=_importer_table(a, out), draws=draws, seed=seed,
                        meta={"file": scenario.file, "source": scenario.source,
                              "mineralwatch": __version__, "draws": draws, "seed": seed,
                              "production_rows": None if production is None
                              else len(production), "notes": list(scenario.notes)})
    if draws:
        a_mc = compile_scenario(scenario, Sampler(draws, seed), production)
        res.monte_carlo = _mc_table(a_mc, simulate_balance(a_mc))
    return res


def baseline_scenario(wh: Warehouse, mineral: str, *, years: tuple[int, int] | None = None,
                      stage: str | None = None, base_year: int | None = None) -> Scenario:
    """A scenario from the warehouse alone: latest production held flat, demand from the
    ``demand`` table or, where none is recorded, production as a demand proxy.

    With the proxy the baseline balance is zero by construction: it measures what a
    shock removes from today's market, not an existing surplus or deficit. ``base_year``
    picks the production year (default: the latest).
    """
    mid = minerals.to_id(mineral)
    demand = (wh.load("demand", mineral=mid, region="WLD") if "demand" in wh.tables()
              else None)
    return baseline_from_frames(mid, production_rows(wh, mid), demand, years=years,
                                stage=stage, base_year=base_year)


def baseline_from_frames(mineral: str, production: pd.DataFrame | None,
                         demand: pd.DataFrame | None, *,
                         years: tuple[int, int] | None = None, stage: str | None = None,
                         base_year: int | None = None) -> Scenario:
    """:func:`baseline_scenario` from frames already loaded (``production`` and ``demand``
    rows of one mineral)."""
    if production is None or production.empty:
        raise NotFoundError(f"No production data for {mineral!r} in the warehouse.",
                            hint="Load data (`mineralwatch init` or `mineralwatch ingest "
                            "usgs-mcs FILE`) or give a scenario file.")
    stages = [s for s in ("mine", "refinery", "smelter", "processing")
              if (production["stage"] == s).any()]
    st = stage or stages[0]
    base_year, supply = warehouse_supply(production, st, "t", base_year)
    if base_year is None:
        raise NotFoundError(f"No {mineral} production in tonnes at stage {st!r}.")
    series = demand_series(demand)
    basis = "demand table"
    if series is None:
        series, basis = {base_year: sum(supply.values())}, "production proxy"
    return Scenario.model_validate({
        "name": f"{mineral} baseline", "mineral": mineral,
        "years": years or (base_year, base_year + 5), "stage": st, "baseline": True,
        "description": f"Warehouse production {base_year} held flat; demand: {basis}.",
        "source": "warehouse",
        "demand": [{"sector": "all", "quantity": {"series": series}}],
    })


def demand_series(demand: pd.DataFrame | None) -> dict[int, float] | None:
    """World demand per year from ``demand`` rows of one mineral (region ``WLD``):
    scenario ``baseline`` if present, else the first scenario; ``None`` when empty."""
    if demand is None or demand.empty:
        return None
    df = demand[demand["region"] == "WLD"]
    if df.empty:
        return None
    scen = "baseline" if (df["scenario"] == "baseline").any() else sorted(df["scenario"])[0]
    df = df[df["scenario"] == scen]
    sums = df.groupby("year")["quantity"].sum()
    return {int(y): float(v) for y, v in zip(sums.index, sums.to_numpy(), strict=True)}


@cached
def balance(wh: Warehouse | None = None, mineral: str | None = None,
            scenario: str | Path | Scenario | None = None, *,
            years: tuple[int, int] | str | None = None, draws: int = 0,
            seed: int | None = 0) -> BalanceResult:
    """Supply–demand balance of a mineral: a scenario file, or the warehouse baseline.

    Parameters
    ----------
    wh
        warehouse (production for ``baseline: true``, events for ``event:``).
    mineral
        mineral id or name; needed without a scenario, checked against it otherwise.
    scenario
        a YAML path, a shipped example name (``cobalt_seed``) or a :class:`Scenario`.
    years
        ``(first, last)`` or ``"2025-2030"``: overrides the scenario's years.
    draws, seed
        Monte Carlo draws (0: deterministic only) and seed.

    Returns
    -------
    BalanceResult
    """
    try:
        yrs = None if years is None else check_years(tuple(parse_years(years)))
    except (TypeError, ValueError) as exc:
        raise InputError(f"Bad years {years!r}: {exc}.",
                         hint="Give one year (2026) or a range (2025-2030).") from None
    if scenario is None:
        if mineral is None:
            raise InputError("Give a mineral or a scenario.",
                             hint="e.g. mineral='cobalt' or scenario='cobalt_seed'.")
        if wh is None:
            raise NotFoundError("A baseline balance needs a warehouse.")
        scen = baseline_scenario(wh, mineral, years=yrs)
    else:
        scen = load_scenario(scenario, wh, years=yrs)
        if mineral is not None and minerals.to_id(mineral) != scen.mineral:
            from mineralwatch.errors import ConfigError, Failure

            raise ConfigError(
                f"The scenario is about {scen.mineral}, not {minerals.to_id(mineral)}.",
                [Failure("mineral does not match --mineral", file=scen.file,
                         column="mineral", value=scen.mineral)], file=scen.file)
    return run_scenario(scen, production=production_rows(wh, scen.mineral) if scen.baseline
                        else None, draws=draws, seed=seed)


def compare_scenarios(scenarios: Sequence[str | Path | Scenario], wh: Warehouse | None = None,
                      *, baseline: bool = False, years: tuple[int, int] | str | None = None,
                      draws: int = 0, seed: int | None = 0) -> pd.DataFrame:
    """Balances of several scenarios side by side, with the change against a reference.

    The reference is the warehouse baseline of the first scenario's mineral when
    ``baseline`` is true, else the first scenario. Rows: scenario, mineral, stage, year,
    supply, demand, balance, delta_balance (against the reference of the same mineral;
    NaN for another mineral), and p10/p50/p90/p_deficit with ``draws``.
    """
    results = [balance(wh, scenario=s, years=years, draws=draws, seed=seed) for s in scenarios]
    if baseline and results:
        ref = balance(wh, mineral=results[0].mineral, years=years or results[0].scenario.years,
                      draws=draws, seed=seed)
        results.insert(0, ref)
    return comparison_table(results)


def comparison_table(results: Sequence[BalanceResult]) -> pd.DataFrame:
    """Long table of several results with ``delta_balance`` against the first of each mineral."""
    frames = []
    refs: dict[str, pd.Series] = {}
    for r in results:
        df = r.frame()
        df.insert(0, "scenario", r.scenario.name)
        df.insert(1, "mineral", r.mineral)
        df["unit"] = r.unit
        ref = refs.setdefault(r.mineral, df.set_index("year")["balance"])
        df["delta_balance"] = df["year"].map(ref).to_numpy() - 0.0
        df["delta_balance"] = df["balance"] - df["delta_balance"]
        frames.append(df)
    if not frames:
        return pd.DataFrame(columns=["scenario", "mineral", "stage", "year", "supply", "demand",
                                     "balance", "delta_balance"])
    out = pd.concat(frames, ignore_index=True)
    keep = ["scenario", "mineral", "stage", "year", "unit", "supply", "demand", "balance",
            "delta_balance", *[c for c in MC_COLUMNS[2:] if c in out.columns]]
    return out[keep]


__all__ = [
    "MC_COLUMNS",
    "MONTE_CARLO_DRAWS",
    "MONTE_CARLO_SEED",
    "TABLE_COLUMNS",
    "BalanceResult",
    "balance",
    "baseline_from_frames",
    "baseline_scenario",
    "compare_scenarios",
    "comparison_table",
    "demand_series",
    "production_rows",
    "run_scenario",
]
