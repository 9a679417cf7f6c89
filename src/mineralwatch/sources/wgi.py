"""World Bank Worldwide Governance Indicators (WGI), long format.

File ``wgidataset.csv`` (World Bank, CC BY 4.0)::

    codeindyr,code,countryname,year,indicator,estimate,stddev,nsource,pctrank,...
    AFGcc1996,AFG,Afghanistan,1996,cc,-1.29,0.34,2,4.30,...

Indicators: ``va`` voice and accountability, ``pv`` political stability and absence of
violence, ``ge`` government effectiveness, ``rq`` regulatory quality, ``rl`` rule of law,
``cc`` control of corruption. Estimates run from about -2.5 (worst) to +2.5 (best); ``..``
marks a missing estimate (dropped). The World Bank's legacy codes (ZAR, ROM, TMP, ADO,
KSV, WBG) resolve in :mod:`mineralwatch.codes.countries`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from mineralwatch.codes import countries
from mineralwatch.schema import LINE
from mineralwatch.sources._io import parse_numbers, read_table, require_columns
from mineralwatch.sources._registry import Loader, register

#: The six WGI indicator codes.
WGI_INDICATORS: tuple[str, ...] = ("va", "pv", "ge", "rq", "rl", "cc")


def read_wgi(path: str | Path, *, indicators: tuple[str, ...] = WGI_INDICATORS) -> pd.DataFrame:
    """Read the WGI long-format CSV into the canonical ``governance`` table.

    Parameters
    ----------
    path
        ``wgidataset.csv`` (plain or gzipped).
    indicators
        indicator codes to keep (default: the six WGI dimensions).

    Returns
    -------
    pandas.DataFrame
        ``country`` (ISO3), ``year``, ``indicator`` (lower-case code), ``value`` (the
        estimate) and ``_line``; rows without an estimate are dropped.

    Raises
    ------
    SchemaError
        a required column (code, year, indicator, estimate) is missing.
    UnknownCodeError
        country codes that do not resolve, all listed.
    """
    file = str(path)
    df = read_table(path)
    df = require_columns(df, ["code", "year", "indicator", "estimate"], file=file)
    df["indicator"] = df["indicator"].str.strip().str.lower()
    df = df[df["indicator"].isin(indicators)]
    est = parse_numbers(df["estimate"], file=file, lines=df[LINE], column="estimate")["value"]
    df = df[est.notna()].assign(value=est[est.notna()])
    codes = df["code"].unique().tolist()
    iso = dict(zip(codes, countries.to_iso3_many(codes, file=file, column="code"), strict=True))
    year = parse_numbers(df["year"], file=file, lines=df[LINE], column="year")["value"]
    return pd.DataFrame({
        "country": df["code"].map(iso).to_numpy(),
        "year": year.astype("int64").to_numpy(),
        "indicator": df["indicator"].to_numpy(),
        "value": df["value"].to_numpy(dtype="float64"),
        LINE: df[LINE].to_numpy(),
    })


register(Loader(
    kind="wgi", function="wgi:read_wgi", tables=("governance",),
    description="World Bank Worldwide Governance Indicators, long format (wgidataset.csv)",
    publisher="World Bank", licence="CC BY 4.0",
    url="https://www.worldbank.org/en/publication/worldwide-governance-indicators",
))

__all__ = ["WGI_INDICATORS", "read_wgi"]
