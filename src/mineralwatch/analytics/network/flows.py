"""A mineral's trade flows from the warehouse, in tonnes of contained metal.

The relational part is one SQL analytic (:data:`MINERAL_FLOWS`, DuckDB dialect, run on
any engine): it scans ``trade`` once for the mineral's HS6 codes and one year, keeps per
flow one reporting side (``reconciled``, then ``import``, then ``export``, as the
concentration analytics do) and sums quantities by exporter, importer, HS6 and unit.
Python then applies the unit factors (``codes/data/units.tsv``) and the metal-content
factors of ``codes/data/minerals.yaml`` to that small result.

HS codes without a content factor (ores of unknown grade, scrap, articles) are left out
of the metal balance and named in the result's notes. Quantity units must be mass units;
mixed units (kg and t) are converted, unknown or non-mass units raise
:class:`~mineralwatch.errors.UnknownCodeError` naming them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from mineralwatch.analytics.network.propagation import DEFAULT_STOCK_DAYS, TradeSystem
from mineralwatch.analytics.sql_registry import SqlAnalytic, register_sql_analytic
from mineralwatch.codes import countries, minerals, units
from mineralwatch.codes.countries import AGGREGATE_CODES
from mineralwatch.errors import Failure, NotFoundError, UnknownCodeError
from mineralwatch.store.engine import Engine, as_engine
from mineralwatch.store.trade import AGGREGATES_SQL, SIDE_RANK
from mineralwatch.store.warehouse import Warehouse

MINERAL_FLOWS = f"""
WITH rows_ AS (
    SELECT period, hs6, exporter, importer, quantity_unit, quantity,
           {SIDE_RANK} AS side_rank
    FROM trade
    WHERE hs6 IN (:hs6) AND substr(period, 1, 4) = :year
      AND quantity IS NOT NULL AND exporter <> importer
      AND exporter NOT IN ({AGGREGATES_SQL}) AND importer NOT IN ({AGGREGATES_SQL})
),
ranked AS (
    SELECT r.*, min(side_rank) OVER (PARTITION BY period, hs6, exporter, importer)
               AS best_rank
    FROM rows_ AS r
)
SELECT exporter, importer, hs6, quantity_unit, sum(quantity) AS quantity, count(*) AS n_rows,
       count(DISTINCT period) AS n_periods, max(length(period)) AS period_length
FROM ranked
WHERE side_rank = best_rank
GROUP BY exporter, importer, hs6, quantity_unit
"""

TRADE_YEARS = """
SELECT substr(period, 1, 4) AS year, count(*) AS n_rows
FROM trade
WHERE hs6 IN (:hs6)
GROUP BY substr(period, 1, 4)
"""

register_sql_analytic(SqlAnalytic(
    name="network_mineral_flows",
    sql=MINERAL_FLOWS,
    inputs=("trade",),
    key=("exporter", "importer", "hs6", "quantity_unit"),
    example_params={"hs6": ["000001", "000002", "000003"], "year": "2022"},
    description="Bilateral quantities of a set of HS6 codes in one year, one reporting side "
    "per flow (input of the shock-propagation network).",
))


def tonnes_factors(unit_values: Sequence[Any], *, what: str = "trade") -> dict[str, float]:
    """Factor to tonnes of each distinct quantity unit; one error names every bad unit."""
    out: dict[str, float] = {}
    bad: list[Failure] = []
    distinct = {v for v in unit_values if v is not None}
    for u in sorted({str(v) for v in distinct if not pd.isna(v)}):
        if units.is_mass(u):
            out[u] = units.factor(u)
        else:
            bad.append(Failure("not a known mass unit", column="quantity_unit", value=u))
    if bad:
        raise UnknownCodeError(
            f"{len(bad)} quantity unit(s) in the {what} data are not mass units: "
            + ", ".join(repr(f.value) for f in bad), bad,
            hint="Trade quantities must be in mass units (kg, t, ...). Fix the loader or "
            "add the unit to mineralwatch/codes/data/units.tsv.")
    return out


def content_factors(mineral: str) -> tuple[dict[str, float], list[str]]:
    """Metal-content factor per HS6 code of ``mineral`` and the codes without one."""
    with_factor: dict[str, float] = {}
    without: list[str] = []
    for h in minerals.hs_codes(mineral):
        if h.content is not None:
            with_factor[h.hs6] = float(h.content)
        elif h.hs6 not in with_factor:
            without.append(h.hs6)
    return with_factor, [c for c in without if c not in with_factor]


def load_mineral_flows(source: Warehouse | Engine, mineral: str, year: int | None = None
                       ) -> tuple[pd.DataFrame, int, list[str]]:
    """Bilateral flows of ``mineral`` in tonnes of metal: ``(frame, year, notes)``.

    The frame has columns ``exporter, importer, metal_t``. ``year`` defaults to the latest
    year with trade in the mineral's HS codes.

    Raises
    ------
    NotFoundError
        when the warehouse has no flows for the mineral (naming its HS codes and year).
    UnknownCodeError
        when quantities are in unknown or non-mass units.
    """
    mid = minerals.to_id(mineral)
    factors, skipped = content_factors(mid)
    notes = []
    if skipped:
        notes.append("HS codes without a metal-content factor left out: " + ", ".join(skipped))
    if not factors:
        raise NotFoundError(f"No HS code of {mid!r} has a metal-content factor.",
                            hint="Add `content:` to its HS codes in codes/data/minerals.yaml.")
    eng = as_engine(source)
    hs = sorted(factors)
    if year is None:
        years = eng.query(TRADE_YEARS, {"hs6": hs})
        years = years[years["year"].astype(str).str.fullmatch(r"\d{4}")]
        if years.empty:
            raise NotFoundError(
                f"The warehouse has no trade flows for {mid} (HS {', '.join(hs)}).",
                hint="Ingest BACI or UN Comtrade files (`mineralwatch ingest baci FILE`).")
        year = int(years["year"].max())
    raw = eng.query(MINERAL_FLOWS, {"hs6": hs, "year": str(year)})
    if raw.empty:
        raise NotFoundError(
            f"The warehouse has no trade flows for {mid} (HS {', '.join(hs)}) in {year}.",
            hint="Choose another --year or ingest trade data for it.")
    to_t = tonnes_factors(raw["quantity_unit"].tolist())
    monthly = raw[raw["period_length"].astype(int) == 7]
    if not monthly.empty and int(monthly["n_periods"].max()) < 12:
        notes.append(f"only {int(monthly['n_periods'].max())} months of monthly trade in "
                     f"{year}: flows (and consumption) are understated")
    missing_unit = raw["quantity_unit"].isna()
    if missing_unit.any():
        notes.append(f"{int(raw.loc[missing_unit, 'n_rows'].sum())} rows without a quantity "
                     "unit left out")
        raw = raw[~missing_unit]
    raw = raw.assign(metal_t=raw["quantity"].astype(float)
                     * raw["quantity_unit"].map(to_t).astype(float)
                     * raw["hs6"].map(factors).astype(float))
    out = raw.groupby(["exporter", "importer"], as_index=False)["metal_t"].sum()
    return out[out["metal_t"] > 0].reset_index(drop=True), year, notes


def load_production_t(wh: Warehouse, mineral: str, year: int, stage: str | None = None
                      ) -> tuple[pd.Series, list[str]]:
    """Production by country (t) of ``mineral`` in ``year`` (latest earlier year if absent).

    ``stage`` defaults to the mineral's first stage with data. Aggregates are dropped.
    """
    mid = minerals.to_id(mineral)
    df = wh.load("production", mineral=mid)
    notes: list[str] = []
    if df.empty:
        return pd.Series(dtype=float), [f"no production rows for {mid}: production = 0"]
    if stage is None:
        order = list(minerals.get(mid).stages) or list(minerals.STAGES)
        have = [s for s in order if s in set(df["stage"])] or sorted(set(df["stage"]))
        stage = have[0]
    df = df[(df["stage"] == stage) & (df["year"].astype(int) <= year)
            & ~df["country"].isin(list(AGGREGATE_CODES))]
    df = df[df["quantity"].notna()]
    if df.empty:
        return pd.Series(dtype=float), [f"no {stage} production of {mid} up to {year}"]
    used = int(df["year"].astype(int).max())
    if used != year:
        notes.append(f"production of {used} used for {year}")
    df = df[df["year"].astype(int) == used]
    to_t = tonnes_factors(df["unit"].tolist(), what="production")
    t = df["quantity"].astype(float) * df["unit"].map(to_t).astype(float)
    return t.groupby(df["country"]).sum(), notes


def load_trade_system(wh: Warehouse, mineral: str, year: int | None = None, *,
                      stocks: dict[str, float] | None = None,
                      stock_days: float = DEFAULT_STOCK_DAYS, stage: str | None = None,
                      engine: Engine | None = None) -> TradeSystem:
    """The :class:`TradeSystem` of ``mineral`` from the warehouse.

    Parameters
    ----------
    wh
        the warehouse (production is read from it; trade too unless ``engine`` is given).
    mineral
        mineral id or name.
    year
        trade year; default the latest with flows.
    stocks
        stocks in tonnes by ISO3; countries not named get ``stock_days`` of consumption.
    stock_days
        default stocks in days of apparent consumption.
    stage
        production stage; default the mineral's first stage with data.
    engine
        run the flow SQL on this engine (e.g. Spark) instead of the warehouse's DuckDB.
    """
    mid = minerals.to_id(mineral)
    flows, year, notes = load_mineral_flows(engine if engine is not None else wh, mid, year)
    prod, pnotes = load_production_t(wh, mid, year, stage)
    notes += pnotes
    names = sorted(set(flows["exporter"]) | set(flows["importer"])
                   | {c for c in prod.index if not countries.is_aggregate(str(c))})
    idx = {c: i for i, c in enumerate(names)}
    n = len(names)
    mat = sp.csr_matrix((flows["metal_t"].to_numpy(float),
                         (flows["exporter"].map(idx).to_numpy(),
                          flows["importer"].map(idx).to_numpy())), shape=(n, n))
    p = np.zeros(n)
    for c, v in prod.items():
        p[idx[str(c)]] = float(v)
    system = TradeSystem.build(names, mat, p, stock_days=stock_days, mineral=mid, year=year,
                               notes=notes)
    if stocks:
        s = system.stocks.copy()
        for c, v in stocks.items():
            s[system.index(countries.to_iso3(c))] = float(v)
        system = TradeSystem.build(names, mat, p, consumption=system.consumption, stocks=s,
                                   mineral=mid, year=year,
                                   notes=[*notes, f"stocks given for {len(stocks)} countries"])
    return system


__all__ = ["MINERAL_FLOWS", "TRADE_YEARS", "content_factors", "load_mineral_flows",
           "load_production_t", "load_trade_system", "tonnes_factors"]
