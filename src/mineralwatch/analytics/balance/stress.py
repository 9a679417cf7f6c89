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
  model as any scenario.

The table is ranked, per cut, by the deficit as a share of demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import pandas as pd

from mineralwatch.analytics.balance.inputs import warehouse_supply
from mineralwatch.analytics.balance.runner import (
    baseline_scenario,
    production_rows,
    run_scenario,
)
from mineralwatch.analytics.balance.scenario import Flow, Policy, Supply
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
    ids = sorted(wh.sql('SELECT DISTINCT mineral FROM "production"')["mineral"].astype(str))
    if minerals is not None:
        wanted = set(mineral_codes.to_ids(minerals))
        ids = [m for m in ids if m in wanted]
    rows = []
    for mid in ids:
        rows.extend(_stress_one(wh, mid, cuts, year, export_share))
    df = pd.DataFrame(rows, columns=[c for c in STRESS_COLUMNS if c != "rank"])
    if df.empty:
        return pd.DataFrame(columns=list(STRESS_COLUMNS))
    df = df.sort_values(["cut", "deficit_share", "deficit", "mineral"],
                        ascending=[True, False, False, True]).reset_index(drop=True)
    df.insert(1, "rank", df.groupby("cut").cumcount() + 1)
    return df[list(STRESS_COLUMNS)]


def _stress_one(wh: Warehouse, mid: str, cuts: Sequence[float], year: int | None,
                export_share: float) -> list[dict[str, object]]:
    prod = production_rows(wh, mid)
    if prod is None or prod.empty:
        return []
    try:
        base = baseline_scenario(wh, mid, base_year=year)
    except NotFoundError:
        return []
    base_year, supply = warehouse_supply(prod, base.stage, "t", year)
    named = {c: q for c, q in supply.items() if c != "XOT"}
    if base_year is None or not named:
        return []
    base = base.with_years((base_year, base_year))
    top = max(named, key=lambda c: named[c])
    q = named[top]
    total = sum(supply.values())
    top_supply = Supply(country=top, production=Flow(value=q),
                        domestic_use=Flow(value=q * (1 - export_share)))
    out = []
    baseline_balance = None
    for cut in cuts:
        k = float(cut) / 100
        scen = base.model_copy(update={
            "supply": [top_supply],
            "policies": [Policy(type="export_quota", country=top,
                                share=(1 - k) * export_share)],
        })
        res = run_scenario(scen, production=prod)
        row = res.frame().iloc[0]
        if baseline_balance is None:
            ref = run_scenario(base.model_copy(update={"supply": [top_supply]}),
                               production=prod)
            baseline_balance = float(ref.frame().iloc[0]["balance"])
        demand = float(row["demand"])
        bal = float(row["balance"])
        out.append({
            "cut": float(cut), "mineral": mid, "stage": base.stage, "year": base_year,
            "supplier": top, "supplier_share": q / total if total else float("nan"),
            "lost_exports": float(row["withheld"]), "supply": float(row["supply"]),
            "demand": demand,
            "demand_basis": "production proxy" if "production proxy" in (
                base.description or "") else "demand table",
            "baseline_balance": baseline_balance, "balance": bal,
            "deficit": max(-bal, 0.0),
            "deficit_share": max(-bal, 0.0) / demand if demand > 0 else float("nan"),
            "unit": "t",
        })
    return out


__all__ = ["STRESS_COLUMNS", "stress"]
