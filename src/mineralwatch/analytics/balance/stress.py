"""Stress screening: what if the largest supplier's exports fall by 10/30/50/100%?

For every mineral with production in the warehouse, at its first stage with data (mine
before refinery) and its latest year:

- the largest supplier is the country (not ``WLD``/``XOT``) with the most production;
- its exports are ``export_share`` of its production (default 1: everything it produces
  reaches the world market; USGS gives no exports, so this is an upper bound on the shock);
- demand is the warehouse ``demand`` table (region ``WLD``) where it has the mineral and
  year; otherwise **world production is the demand proxy**, so the baseline balance is
  zero and the shocked balance is minus the lost exports (``demand_basis`` says which);
- a cut of k% is an export quota of ``(1 - k) x exports``: run through the same balance
  model as any scenario (all cuts of a mineral in one vectorised evaluation, one "draw"
  per cut).

The table is ranked, per cut, by the deficit as a share of demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from mineralwatch.analytics.balance.distributions import Sampler
from mineralwatch.analytics.balance.inputs import compile_scenario, warehouse_supply
from mineralwatch.analytics.balance.model import evaluate
from mineralwatch.analytics.balance.runner import baseline_from_frames
from mineralwatch.analytics.balance.scenario import Flow, Supply
from mineralwatch.codes import minerals as mineral_codes
from mineralwatch.errors import InputError, NotFoundError

if TYPE_CHECKING:
    from mineralwatch.store import Warehouse

STRESS_COLUMNS = ("cut", "rank", "mineral", "stage", "year", "supplier", "supplier_share",
                  "lost_exports", "supply", "demand", "demand_basis", "baseline_balance",
                  "balance", "deficit", "deficit_share", "unit")


def stress(wh: Warehouse, *, cuts: Sequence[float] = (10, 30, 50, 100),
           minerals: Sequence[str] | None = None, year: int | None = None,
           export_share: float = 1.0) -> pd.DataFrame:
    """Ranked deficits when each mineral's largest supplier cuts its exports.

    Parameters
    ----------
    wh
        warehouse with ``production`` (and optionally ``demand``) rows.
    cuts
        export cuts in percent (0-100).
    minerals
        restrict to these minerals (default: every mineral with production).
    year
        production year (default: each mineral's latest).
    export_share
        share of the largest supplier's production that it exports (0-1).

    Returns
    -------
    pandas.DataFrame
        columns :data:`STRESS_COLUMNS`, one row per cut and mineral, ranked per cut.
    """
    bad = [c for c in cuts if not 0 <= float(c) <= 100]
    if bad or not 0 <= export_share <= 1:
        raise InputError(f"Cuts must be percentages in 0-100 and export_share in 0-1; got "
                         f"cuts={list(cuts)}, export_share={export_share}.")
    if "production" not in wh.tables() or wh.count("production") == 0:
        raise NotFoundError("No production data in the warehouse to screen.",
                            hint="Run `mineralwatch init` or ingest a USGS MCS file.")
    production = wh.load("production")
    demand = wh.load("demand", region="WLD") if "demand" in wh.tables() else None
    ids = sorted(production["mineral"].astype(str).unique())
    if minerals is not None:
        wanted = set(mineral_codes.to_ids(minerals))
        ids = [m for m in ids if m in wanted]
    rows = []
    for mid in ids:
        rows.extend(stress_one(production[production["mineral"] == mid], None if demand is None
                               else demand[demand["mineral"] == mid], mid, cuts, year,
                               export_share))
    df = pd.DataFrame(rows, columns=[c for c in STRESS_COLUMNS if c != "rank"])
    if df.empty:
        return pd.DataFrame(columns=list(STRESS_COLUMNS))
    df = df.sort_values(["cut", "deficit_share", "deficit", "mineral"],
                        ascending=[True, False, False, True]).reset_index(drop=True)
    df.insert(1, "rank", df.groupby("cut").cumcount() + 1)
    return df[list(STRESS_COLUMNS)]


def stress_one(production: pd.DataFrame, demand: pd.DataFrame | None, mineral: str,
               cuts: Sequence[float], year: int | None = None,
               export_share: float = 1.0) -> list[dict[str, object]]:
    """Stress rows of one mineral from its ``production`` and ``demand`` rows."""
    if production.empty:
        return []
    try:
        base = baseline_from_frames(mineral, production, demand, base_year=year)
    except NotFoundError:
        return []
    base_year, supply = warehouse_supply(production, base.stage, "t", year)
    named = {c: q for c, q in supply.items() if c != "XOT"}
    if base_year is None or not named:
        return []
    base = base.with_years((base_year, base_year))
    top = max(named, key=lambda c: named[c])
    q = named[top]
    total = sum(supply.values())
    top_supply = Supply(country=top, production=Flow(value=q),
                        domestic_use=Flow(value=q * (1 - export_share)))
    scen = base.model_copy(update={"supply": [top_supply]})
    a = compile_scenario(scen, Sampler(0), production)
    s_i, c_i = a.stages.index(base.stage), a.countries.index(top)
    # every cut at once: one "draw" per cut, an export quota of (1 - cut) x exports
    k = np.asarray([float(c) / 100 for c in cuts])
    qshare = np.repeat(a.quota_share[:1], len(k), axis=0)
    qshare[:, s_i, c_i, :] = ((1 - k) * export_share)[:, None]
    shocked = evaluate(replace(a, quota_share=qshare))
    baseline_balance = float(evaluate(a).balance[0, s_i, 0])
    basis = ("production proxy" if "production proxy" in (base.description or "")
             else "demand table")
    out = []
    for j, cut in enumerate(cuts):
        need = float(shocked.demand[j, s_i, 0])
        bal = float(shocked.balance[j, s_i, 0])
        out.append({
            "cut": float(cut), "mineral": mineral, "stage": base.stage, "year": base_year,
            "supplier": top, "supplier_share": q / total if total else float("nan"),
            "lost_exports": float(shocked.withheld[j, s_i, 0]),
            "supply": float(shocked.supply[j, s_i, 0]), "demand": need,
            "demand_basis": basis, "baseline_balance": baseline_balance, "balance": bal,
            "deficit": max(-bal, 0.0),
            "deficit_share": max(-bal, 0.0) / need if need > 0 else float("nan"),
            "unit": "t",
        })
    return out


def stress_summary(df: pd.DataFrame) -> pd.DataFrame:
    """The stress screen for reading: one row per mineral and stage, one column per cut.

    Columns ``mineral, stage, year, supplier, supplier_share`` and, per cut ``c``, the
    deficit as a share of demand (``"<c>% cut"``, 0-1), ranked by the deficit at the
    largest cut. The long form of :func:`stress` (one row per cut, every quantity) is the
    one to compute with.
    """
    keys = ["mineral", "stage", "year", "supplier", "supplier_share"]
    if df.empty:
        return pd.DataFrame(columns=keys)
    wide = df.pivot_table(index=keys, columns="cut", values="deficit_share", aggfunc="first")
    cuts = list(wide.columns)
    wide = wide.sort_values(cuts[-1], ascending=False, kind="stable").reset_index()
    wide.columns = [f"{c:g}% cut" if isinstance(c, float | int) else str(c)
                    for c in wide.columns]
    return wide


__all__ = ["STRESS_COLUMNS", "stress", "stress_one", "stress_summary"]
