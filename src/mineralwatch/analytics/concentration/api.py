"""Supply concentration from the warehouse: production side and trade side.

>>> import mineralwatch as mw
>>> wh = mw.open(":memory:")
>>> mw.concentration(wh, "cobalt", stage="mine", year=2024)        # doctest: +SKIP
>>> mw.exporter_concentration(wh, hs6="810520")                      # doctest: +SKIP
>>> mw.import_dependence(wh, "USA", mineral="antimony", partner="CHN")   # doctest: +SKIP

Production side (:func:`concentration`)
---------------------------------------
For each mineral × stage × year, shares are country quantities over a world total. The
denominator is the sum of the countries plus the "Other countries" residual (``XOT``),
or the world-total row (``WLD``) when present and larger: USGS's "World total" includes
producers it does not list. ``XOT`` counts in the denominator but is not a producer.
When several sources cover the same mineral/stage/year one is chosen by
:data:`SOURCE_PREFERENCE` (USGS MCS, then BGS, then others alphabetically) unless
``source=`` names one. When production has no rows for a stage, global supply shares of
the ``supply_share`` table (EU CRM study) are used and ``basis`` says so.

Trade side
----------
:func:`exporter_concentration` and :func:`import_dependence` are SQL analytics
(:mod:`.sql`) that run on DuckDB or Spark (pass an engine instead of a warehouse).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from mineralwatch.analytics.concentration import sql as _sql
from mineralwatch.analytics.concentration.indicators import (
    GOV_HHI_UNIT,
    HHI_UNIT,
    INDICATORS,
    SHARE_UNIT,
    as_shares,
    hhi_bounds,
    wgi_score,
)
from mineralwatch.codes import countries, minerals, units
from mineralwatch.errors import (
    ConsistencyError,
    NotFoundError,
)
from mineralwatch.store.cache import cached
from mineralwatch.store.engine import Engine, as_engine
from mineralwatch.store.warehouse import Warehouse

log = logging.getLogger(__name__)

#: Source kinds in order of preference when several cover the same mineral/stage/year
#: (a source id is ``KIND:FILE``; kinds not listed come after, alphabetically).
SOURCE_PREFERENCE: tuple[str, ...] = ("usgs-mcs", "usgs", "bgs")

#: The six World Bank governance indicators.
WGI_INDICATORS: tuple[str, ...] = ("va", "pv", "ge", "rq", "rl", "cc")

#: Units of the columns of :func:`concentration` (also in each row's ``units``).
UNITS: dict[str, str] = {
    "hhi": HHI_UNIT, "hhi_min": HHI_UNIT, "hhi_max": HHI_UNIT,
    "top1_share": SHARE_UNIT, "top3_share": SHARE_UNIT, "top5_share": SHARE_UNIT,
    "n1_gap": SHARE_UNIT, "unlisted_share": SHARE_UNIT, "shares": SHARE_UNIT,
    "n_producers": "count", "governance_weighted_hhi": GOV_HHI_UNIT,
}

COLUMNS: list[str] = [
    "mineral", "stage", "year", "hhi", "hhi_min", "hhi_max", "n_producers",
    "top1_country", "top1_share", "top3_share", "top3_countries", "top5_share",
    "top5_countries", "n1_gap", "governance_weighted_hhi", "unlisted_share",
    "world_quantity", "unit", "basis", "source_id", "shares", "units",
]


# -- helpers ------------------------------------------------------------------------------
def resolve_mineral(name: str) -> str:
    """Canonical mineral id; :class:`UnknownCodeError` names the closest known minerals."""
    return minerals.to_id(name)


def source_rank(source_id: str) -> tuple[int, str]:
    """Sort key of a source id under :data:`SOURCE_PREFERENCE`."""
    kind = str(source_id).split(":", 1)[0]
    rank = SOURCE_PREFERENCE.index(kind) if kind in SOURCE_PREFERENCE else len(SOURCE_PREFERENCE)
    return rank, str(source_id)


def choose_source(source_ids: Iterable[str], source: str | None = None) -> str | None:
    """The preferred source id, or the one matching ``source`` (an id or a kind)."""
    ids = sorted(set(source_ids), key=source_rank)
    if source is not None:
        ids = [s for s in ids if s == source or s.split(":", 1)[0] == source]
    return ids[0] if ids else None


def _to_common_unit(rows: pd.DataFrame) -> tuple[pd.Series, str]:
    """Quantities in one unit: as given if all rows share it, else in tonnes."""
    unit_values = rows["unit"].dropna().unique().tolist()
    if len(unit_values) <= 1:
        return rows["quantity"].astype("float64"), (unit_values[0] if unit_values else "t")
    if not all(units.is_mass(u) for u in unit_values):
        raise ConsistencyError(
            f"Rows of one source mix units {unit_values} that are not all masses.",
            hint="Correct the source's units; concentration needs one unit per series.")
    f = rows["unit"].map(units.factor).astype("float64")
    return rows["quantity"].astype("float64") * f, "t"


def producer_shares(rows: pd.DataFrame, basis: str) -> tuple[pd.Series, float, float | None]:
    """Producer shares from one source's rows for one mineral/stage/year.

    Returns
    -------
    (pandas.Series, float, float or None)
        shares by ISO3 (descending, producers only), the residual share of aggregates
        such as ``XOT``, and the world quantity used as denominator (``None`` for
        ``supply_share`` rows).
    """
    is_agg = rows["country"].map(countries.is_aggregate).astype(bool)
    if basis == "supply_share":
        prod = rows.loc[~is_agg].groupby("country")["share"].sum()
        xot = float(rows.loc[rows["country"] == "XOT", "share"].sum())
        arr = as_shares(np.append(prod.to_numpy(dtype="float64"), xot))
        shares = pd.Series(arr[:-1], index=prod.index)
        return shares.sort_values(ascending=False, kind="stable"), float(arr[-1]), None
    qty, _unit = _to_common_unit(rows)
    q = qty.groupby(rows["country"]).sum()
    producers = q[[not countries.is_aggregate(c) for c in q.index]]
    xot = float(q.get("XOT", 0.0))
    denom = float(producers.sum()) + xot
    wld = q.get("WLD")
    if wld is not None and float(wld) > denom:
        denom = float(wld)
    if denom <= 0:
        return pd.Series(dtype="float64"), 0.0, denom
    shares = (producers / denom).sort_index(kind="stable")
    shares = shares.sort_values(ascending=False, kind="stable")
    return shares, max(0.0, 1.0 - float(shares.sum())), denom


def wgi_means(wh: Warehouse) -> pd.DataFrame:
    """Mean of the six WGI indicators per country and year (empty without governance)."""
    if "governance" not in wh.tables():
        return pd.DataFrame(columns=["country", "year", "value"])
    return wh.sql(
        'SELECT country, year, avg(value) AS value FROM "governance" '
        "WHERE indicator IN (SELECT UNNEST(?)) GROUP BY country, year",
        [list(WGI_INDICATORS)])


def governance_scores(wh: Warehouse | pd.DataFrame, iso3s: Sequence[str], year: int
                      ) -> pd.Series | None:
    """WGI scores (0–10, 10 worst) per country: mean of the six indicators, rescaled.

    ``wh`` is the warehouse or the frame :func:`wgi_means` returns (to read it once for
    many minerals). For each country the latest governance year not after ``year`` is
    used (else the earliest after it). ``None`` when there are no governance rows for them.
    """
    means = wgi_means(wh) if isinstance(wh, Warehouse) else wh
    if not iso3s or means.empty:
        return None
    mean = means[means["country"].isin(list(iso3s))].copy()
    if mean.empty:
        return None
    mean["after"] = mean["year"] > year
    mean["dist"] = (mean["year"] - year).abs()
    best = mean.sort_values(["country", "after", "dist"]).drop_duplicates("country")
    return pd.Series(wgi_score(best["value"].to_numpy()), index=best["country"].to_numpy())


def _record(mineral: str, stage: str, year: int, basis: str, source_id: str,
            rows: pd.DataFrame, wgi: pd.Series | None, include_aggregates: bool
            ) -> dict[str, Any]:
    shares, residual, denom = producer_shares(rows, basis)
    s = shares.to_numpy(dtype="float64")
    w = None if wgi is None else shares.index.map(lambda c: wgi.get(c, np.nan)).to_numpy(
        dtype="float64")
    values = {name: ind(s, wgi=w) for name, ind in INDICATORS.items()}
    # Published country lists (USGS) are not strict top-k lists (the United States is
    # always listed), so an unlisted producer may be as large as the largest listed one.
    lo, hi = hhi_bounds(s, cap=float(s.max())) if s.size else (0.0, 0.0)
    listed = [{"country": str(c), "share": float(v)} for c, v in shares.items()]
    if include_aggregates and residual > 0:
        listed.append({"country": "XOT", "share": residual})
    gov = values["governance_weighted_hhi"]
    unit = None if basis == "supply_share" else _to_common_unit(rows)[1]
    return {
        "mineral": mineral, "stage": stage, "year": int(year),
        "hhi": values["hhi"], "hhi_min": lo, "hhi_max": hi,
        "n_producers": int(values["n_producers"]),
        "top1_country": str(shares.index[0]) if len(shares) else None,
        "top1_share": values["top1_share"],
        "top3_share": values["top3_share"],
        "top3_countries": [str(c) for c in shares.index[:3]],
        "top5_share": values["top5_share"],
        "top5_countries": [str(c) for c in shares.index[:5]],
        "n1_gap": values["n1_gap"],
        "governance_weighted_hhi": None if gov is None or np.isnan(gov) else gov,
        "unlisted_share": residual,
        "world_quantity": denom, "unit": unit,
        "basis": basis, "source_id": source_id, "shares": listed, "units": dict(UNITS),
    }


def _available(prod: pd.DataFrame, supply: pd.DataFrame) -> str:
    parts = []
    for label, df in (("production", prod), ("supply_share", supply)):
        if df.empty:
            continue
        for st, years in df.groupby("stage")["year"]:
            ys = sorted({int(y) for y in years})
            parts.append(f"{label} {st}: {ys[0]}-{ys[-1]}" if len(ys) > 3
                         else f"{label} {st}: {', '.join(map(str, ys))}")
    return "; ".join(parts) if parts else "none"


# -- production side ----------------------------------------------------------------------
@cached
def concentration(wh: Warehouse, mineral: str | None = None, stage: str = "mine",
                  year: int | None = None, *, source: str | None = None,
                  include_aggregates: bool = False) -> pd.DataFrame:
    """Supply concentration per mineral × stage × year from the warehouse.

    Parameters
    ----------
    wh
        the warehouse (reads ``production``, ``supply_share`` and ``governance``).
    mineral
        a mineral name, alias or id; ``None`` means every mineral with data.
    stage
        ``mine``, ``refinery``, ``smelter`` or ``processing``.
    year
        the year; default the latest year with data (per mineral).
    source
        a source id (``usgs-mcs:MCS2025.csv``) or kind (``bgs``) to use instead of the
        preferred one (:data:`SOURCE_PREFERENCE`).
    include_aggregates
        also list the unlisted residual as ``XOT`` at the end of ``shares`` (it never
        counts as a producer in the indicators).

    Returns
    -------
    pandas.DataFrame
        one row per mineral with :data:`COLUMNS`: ``hhi`` (of the listed producers, the
        lower bound) with ``hhi_min``/``hhi_max`` (:func:`.indicators.hhi_bounds` with
        unlisted producers no larger than the largest listed one),
        top-1/3/5 shares and countries, ``n1_gap``, ``governance_weighted_hhi`` (``None``
        without governance data), ``shares`` (list of ``{country, share}``, descending),
        ``basis`` (``production`` or ``supply_share``), ``source_id`` and ``units``.

    Raises
    ------
    UnknownCodeError
        for an unknown mineral or stage (with close matches).
    NotFoundError
        when there is no data, saying which stages and years exist.
    """
    stage = minerals.to_stage(stage)
    ids = None if mineral is None else [resolve_mineral(mineral)]
    prod = wh.load("production", mineral=ids)
    prod = prod[prod["quantity"].notna()]
    supply = (wh.load("supply_share", mineral=ids, scope="WLD")
              if "supply_share" in wh.tables() else pd.DataFrame(
                  columns=["mineral", "stage", "year", "country", "share", "source_id"]))
    records = []
    skipped: list[str] = []
    normalised: list[str] = []
    gov = wgi_means(wh)
    empty_p, empty_s = prod.iloc[0:0], supply.iloc[0:0]
    prod_at = {m: g for m, g in prod[prod["stage"] == stage].groupby("mineral")}
    supply_at = {m: g for m, g in supply[supply["stage"] == stage].groupby("mineral")}
    for m in ids if ids is not None else sorted(set(prod["mineral"]) | set(supply["mineral"])):
        p = prod_at.get(m, empty_p)
        basis, rows = ("production", p) if not p.empty else (
            "supply_share", supply_at.get(m, empty_s))
        if source is not None:
            rows = rows[[choose_source([s], source) is not None for s in rows["source_id"]]]
        if year is not None:
            rows = rows[rows["year"] == year]
        if rows.empty:
            if ids is not None:
                what = f"{m} at stage {stage!r}" + (f" in {year}" if year is not None else "")
                what += f" from source {source!r}" if source is not None else ""
                raise NotFoundError(
                    f"No production or supply-share data for {what}.",
                    hint="Data in the warehouse for " + m + ": "
                    + _available(prod[prod["mineral"] == m],
                                 supply[supply["mineral"] == m]) + ".")
            continue
        y = int(rows["year"].max())
        rows = rows[rows["year"] == y]
        sid = choose_source(rows["source_id"])
        assert sid is not None
        rows = rows[rows["source_id"] == sid]
        producers = [c for c in rows["country"].unique() if not countries.is_aggregate(c)]
        wgi = governance_scores(gov, producers, y)
        if basis == "supply_share" and float(rows["share"].sum()) > 1.0 + 1e-9:
            normalised.append(m)
        try:
            records.append(_record(m, stage, y, basis, sid, rows, wgi, include_aggregates))
        except ConsistencyError as exc:
            if ids is not None:
                raise
            # one inconsistent mineral must not hide every other one in a listing
            skipped.append(f"{m}: {str(exc).splitlines()[0]}")
            log.info("concentration: skipped %s at stage %s: %s", m, stage, exc)
    if not records:
        raise NotFoundError(
            f"No concentration data for stage {stage!r}"
            + (f" in {year}" if year is not None else "") + ".",
            hint="Ingest production data first (`mineralwatch ingest usgs-mcs FILE`). "
            "Available: " + _available(prod, supply) + ".")
    out = pd.DataFrame.from_records(records, columns=COLUMNS)
    out.attrs["skipped"] = skipped
    out.attrs["normalised"] = normalised
    return out


def concentration_by_stage(wh: Warehouse, mineral: str | None = None, *,
                           stages: Sequence[str] = minerals.STAGES) -> pd.DataFrame:
    """:func:`concentration` for every stage with data, in one frame.

    ``attrs["normalised"]`` lists the ``mineral/stage`` share sets that summed to slightly
    over 100 % in the source (rounding) and were scaled to 100 %; ``attrs["skipped"]`` the
    minerals left out as inconsistent.
    """
    frames, skipped, normalised = [], [], []
    for stage in stages:
        try:
            df = concentration(wh, mineral=mineral, stage=stage)
        except NotFoundError:
            continue
        skipped += df.attrs.get("skipped", [])
        normalised += [f"{m}/{stage}" for m in df.attrs.get("normalised", [])]
        if not df.empty:
            frames.append(df)
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    out.attrs.update(skipped=skipped, normalised=normalised)
    return out


# -- trade side ---------------------------------------------------------------------------
def _codes(values: str | Iterable[str] | None, *, hs: bool = False) -> list[str]:
    if values is None:
        return []
    items = [values] if isinstance(values, str | int) else list(values)
    return [str(v).strip().zfill(6) if hs else str(v).strip() for v in items]


def exporter_concentration(wh_or_engine: Warehouse | Engine,
                           hs6: str | Iterable[str] | None = None,
                           period: str | int | Iterable[str] | None = None) -> pd.DataFrame:
    """Exporter HHI per HS6 code and period over the ``trade`` table (SQL, any engine).

    Parameters
    ----------
    wh_or_engine
        a warehouse (DuckDB on its connection) or an engine whose ``trade`` is bound.
    hs6
        one or more HS6 codes; ``None`` means all.
    period
        one or more periods (``"2022"``); ``None`` means all.

    Returns
    -------
    pandas.DataFrame
        ``period, hs6, n_exporters, total_value_usd, hhi`` (0–10,000, by value),
        ``top1_exporter, top1_share, top3_share, top5_share`` (fractions), sorted by
        period and hs6. ``attrs["units"]`` labels the columns.
    """
    codes = _codes(hs6, hs=True)
    periods = _codes(None if period is None else [str(period)] if isinstance(
        period, str | int) else period)
    params = {"all_hs6": not codes, "hs6": codes or [""],
              "all_periods": not periods, "period": periods or [""]}
    df = as_engine(wh_or_engine).query(_sql.EXPORTER_HHI, params)
    df = df.sort_values(["period", "hs6"], kind="stable").reset_index(drop=True)
    df.attrs["units"] = {"hhi": HHI_UNIT, "top1_share": SHARE_UNIT, "top3_share": SHARE_UNIT,
                         "top5_share": SHARE_UNIT, "total_value_usd": "USD"}
    return df


def import_dependence(wh_or_engine: Warehouse | Engine, importer: str,
                      hs6s: str | Iterable[str] | None = None, *, mineral: str | None = None,
                      hs_stage: str | None = None, partner: str | None = None,
                      period: str | int | Iterable[str] | None = None) -> pd.DataFrame:
    """Share of an importer's imports (by value) from its top supplier or a named partner.

    Parameters
    ----------
    wh_or_engine
        a warehouse or an engine whose ``trade`` is bound.
    importer
        the importing country (name or ISO3).
    hs6s
        HS6 codes to add up; or give ``mineral`` (and optionally ``hs_stage``: ore,
        intermediate, refined, product) to use the mineral's codes.
    partner
        a supplier whose share to report (name or ISO3).
    period
        one or more periods; ``None`` means all.

    Returns
    -------
    pandas.DataFrame
        per period: ``importer, n_partners, total_value_usd, top_partner,
        top_partner_share, partner, partner_share, partner_value_usd`` (``partner*``
        are ``None`` without ``partner``).
    """
    iso = countries.to_iso3(importer)
    partner_iso = countries.to_iso3(partner) if partner is not None else None
    codes = _codes(hs6s, hs=True)
    if mineral is not None:
        codes += [c.hs6 for c in minerals.hs_codes(resolve_mineral(mineral), hs_stage)]
    if not codes:
        raise NotFoundError("No HS codes to measure import dependence on.",
                            hint="Give hs6s=[...] or mineral= (with HS codes in "
                            "codes/data/minerals.yaml).")
    periods = _codes(None if period is None else [str(period)] if isinstance(
        period, str | int) else period)
    params = {"importer": iso, "hs6": sorted(set(codes)), "partner": partner_iso or "",
              "all_periods": not periods, "period": periods or [""]}
    df = as_engine(wh_or_engine).query(_sql.IMPORT_DEPENDENCE, params)
    df = df.sort_values("period", kind="stable").reset_index(drop=True)
    if partner_iso is None:
        for c in ("partner", "partner_share", "partner_value_usd"):
            df[c] = None
    df.attrs["units"] = {"top_partner_share": SHARE_UNIT, "partner_share": SHARE_UNIT,
                         "total_value_usd": "USD", "partner_value_usd": "USD"}
    return df


__all__ = [
    "COLUMNS",
    "SOURCE_PREFERENCE",
    "UNITS",
    "WGI_INDICATORS",
    "choose_source",
    "concentration",
    "exporter_concentration",
    "governance_scores",
    "import_dependence",
    "producer_shares",
    "resolve_mineral",
    "source_rank",
]
