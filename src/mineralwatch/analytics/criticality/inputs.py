"""Inputs of the criticality assessments: governance scores, supply terms, sourcing, IR.

Pure functions over canonical frames (``supply_share``, ``governance``, ``trade``,
``import_reliance``); :mod:`.api` loads them from the warehouse.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mineralwatch.analytics.concentration.indicators import wgi_score
from mineralwatch.analytics.criticality.options import DEFAULT_OPTIONS, CriticalityOptions
from mineralwatch.codes import minerals
from mineralwatch.errors import ConsistencyError, Failure, InputError

_log = logging.getLogger(__name__)

#: The six World Bank WGI indicator codes averaged into one governance score.
WGI_INDICATORS: tuple[str, ...] = ("va", "pv", "ge", "rq", "rl", "cc")

#: HS value-chain stages read as each criticality stage when sourcing comes from trade.
TRADE_STAGES: dict[str, tuple[str, ...]] = {
    "mine": ("ore",),
    "processing": ("intermediate", "refined"),
}


@dataclass(frozen=True)
class CriticalityInputs:
    """Canonical frames an assessment reads.

    Attributes
    ----------
    supply
        ``supply_share`` rows: global supply (scope ``WLD``) and sourcing of any importer.
    governance
        ``governance`` rows (WGI indicators).
    parameters
        the per-material parameter table (:func:`.parameters.eu_parameters`).
    end_use
        ``end_use`` rows (EU end-use shares with sector value added).
    import_reliance
        ``import_reliance`` rows (USGS net import reliance), optional.
    production
        ``production`` rows (USGS MCS country production) for the USGS method's
        disruption potential, optional (else the global supply shares are used).
    """

    supply: pd.DataFrame
    governance: pd.DataFrame
    parameters: pd.DataFrame
    end_use: pd.DataFrame = field(default_factory=pd.DataFrame)
    import_reliance: pd.DataFrame = field(default_factory=pd.DataFrame)
    production: pd.DataFrame = field(default_factory=pd.DataFrame)


def wgi_scores(governance: pd.DataFrame, year: int) -> pd.Series:
    """Governance score per country, 0–10 (10 worst), for the WGI vintage ``year``.

    The mean of the six indicators' estimates, rescaled linearly with
    :func:`~mineralwatch.analytics.concentration.indicators.wgi_score`
    (``score = 5 - 2 * mean``). A country without ``year`` takes its nearest earlier
    year, else its nearest later one.

    Returns
    -------
    pandas.Series
        index ISO3, float scores; empty when ``governance`` is.
    """
    if governance.empty:
        return pd.Series(dtype="float64")
    g = governance[governance["indicator"].isin(WGI_INDICATORS)]
    mean = g.groupby(["country", "year"], as_index=False)["value"].mean()
    mean["after"] = mean["year"] > year
    mean["dist"] = (mean["year"] - year).abs()
    best = mean.sort_values(by=["country", "after", "dist"])  # type: ignore[call-overload]
    best = best.drop_duplicates("country")
    return pd.Series(wgi_score(best["value"].to_numpy()), index=best["country"].to_numpy(),
                     dtype="float64")


def supply_terms(supply: pd.DataFrame, scores: pd.Series,
                 options: CriticalityOptions = DEFAULT_OPTIONS) -> pd.DataFrame:
    """Supply rows with each country's WGI score, ``t`` and HHI_WGI,t term.

    Returns
    -------
    pandas.DataFrame
        the rows with ``wgi``, ``wgi_imputed`` (bool), ``t`` (default filled) and
        ``term = share^2 * wgi * t``.

    Raises
    ------
    InputError
        with ``missing_wgi="error"``, listing every supplier without a score.
    """
    df = supply.copy()
    df["wgi"] = df["country"].map(scores).astype("float64")
    missing = df["wgi"].isna()
    if missing.any():
        if options.missing_wgi == "error":
            names = sorted(df.loc[missing, "country"].unique())
            raise InputError(f"No WGI score for {len(names)} supplier(s): {names}",
                             [Failure("no WGI score", value=c) for c in names],
                             hint="Ingest the WGI file (mineralwatch ingest wgi ...) or set "
                             "missing_wgi='mean'.")
        fill = float(scores.mean()) if options.missing_wgi == "mean" and len(scores) else 10.0
        df.loc[missing, "wgi"] = fill
    df["wgi_imputed"] = missing
    df["t"] = pd.to_numeric(df["t"], errors="coerce").fillna(options.default_t)
    df["term"] = df["share"].astype("float64") ** 2 * df["wgi"] * df["t"]
    return df


def check_shares(supply: pd.DataFrame, *, tolerance: float = 0.05,
                 strict: bool = False) -> list[Failure]:
    """Shares of each (mineral, stage, scope, year) that do not sum to ~1.

    Sums below ``1 - tolerance`` are reported (the unlisted remainder adds nothing to an
    HHI — the study publishes partial EU sourcing lists); sums above ``1 + tolerance`` are
    double counting. ``strict`` raises :class:`ConsistencyError` for either.
    """
    if supply.empty:
        return []
    sums = supply.groupby(["mineral", "stage", "scope", "year"])["share"].sum()
    bad = sums[(sums < 1 - tolerance) | (sums > 1 + tolerance)]
    out = [Failure(f"shares sum to {v:.1%}", value=k) for k, v in bad.items()]
    if out:
        msg = f"{len(out)} share set(s) do not sum to 100% +/- {tolerance:.0%}"
        if strict:
            raise ConsistencyError(msg + ":\n" + "\n".join(f"  {f}" for f in out[:20]),
                                   hint="Check the input for missing or double-counted "
                                   "suppliers.")
        _log.info("%s: %s", msg, "; ".join(str(f) for f in out[:20]))
    return out


def sourcing_from_trade(trade: pd.DataFrame, importer: str, *,
                        year: str | None = None) -> pd.DataFrame:
    """An importer's sourcing shares by origin from bilateral ``trade`` rows.

    Imports of each mineral's HS codes (:func:`mineralwatch.codes.minerals.hs_codes`) are
    summed by exporter — ore codes for the ``mine`` stage, intermediate and refined codes
    for ``processing`` — by value (USD), in the latest period unless ``year`` is given.

    Returns
    -------
    pandas.DataFrame
        ``supply_share`` rows with ``scope = importer`` and ``t`` null; empty when the
        importer has no imports in ``trade``.
    """
    cols = ["mineral", "stage", "scope", "country", "year", "share", "t", "source_id"]
    rows = trade[(trade["importer"] == importer) & trade["value_usd"].notna()]
    if rows.empty:
        return pd.DataFrame(columns=cols)
    rows = rows.assign(yr=rows["period"].astype(str).str[:4])
    rows = rows[rows["yr"] == (year or rows["yr"].max())]
    hs_map = []
    for mid, m in minerals.table().items():
        for h in m.hs:
            for stage, hs_stages in TRADE_STAGES.items():
                if h.stage in hs_stages:
                    hs_map.append((h.hs6, mid, stage))
    hs = pd.DataFrame(hs_map, columns=["hs6", "mineral", "stage"]).drop_duplicates()
    merged = rows.merge(hs, on="hs6")
    if merged.empty:
        return pd.DataFrame(columns=cols)
    agg = merged.groupby(["mineral", "stage", "exporter", "yr"],
                         as_index=False)["value_usd"].sum()
    total = agg.groupby(["mineral", "stage"])["value_usd"].transform("sum")
    agg["share"] = agg["value_usd"] / total
    return pd.DataFrame({
        "mineral": agg["mineral"], "stage": agg["stage"], "scope": importer,
        "country": agg["exporter"], "year": agg["yr"].astype(int), "share": agg["share"],
        "t": np.nan, "source_id": "derived:trade",
    })[cols]


def import_reliance_of(import_reliance: pd.DataFrame, importer: str,
                       year: int | None = None) -> dict[str, tuple[float, str]]:
    """Net import reliance per mineral for one importer: ``{mineral: (value, note)}``.

    The latest year (or ``year``) is used; where a commodity has several series (USGS
    ``NIR_Palladium_pct`` ...), the ``all`` series if present, else the highest (the
    cautious reading). The note names the year, item and any published qualifier.
    """
    if import_reliance.empty:
        return {}
    ir = import_reliance[import_reliance["country"] == importer]
    if ir.empty:
        return {}
    out: dict[str, tuple[float, str]] = {}
    for mineral, g in ir.groupby("mineral"):
        g = g[g["year"] <= year] if year is not None else g
        if g.empty:
            continue
        g = g[g["year"] == g["year"].max()]
        pick = g[g["item"] == "all"]
        row = (pick if not pick.empty else g.sort_values("value", ascending=False)).iloc[0]
        note = f"{row.get('source_id', 'import_reliance')} " \
               f"{int(row['year'])}" + ("" if row["item"] == "all" else f" ({row['item']})")
        if isinstance(row.get("note"), str) and row["note"]:
            note += f", published as {row['note']}"
        out[str(mineral)] = (float(row["value"]), note)
    return out


__all__ = [
    "TRADE_STAGES",
    "WGI_INDICATORS",
    "CriticalityInputs",
    "check_shares",
    "import_reliance_of",
    "sourcing_from_trade",
    "supply_terms",
    "wgi_scores",
]
