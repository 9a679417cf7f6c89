"""BGS World Mineral Statistics (``df_ukgs.csv.gz``) -> production by country, 1970-2021.

>>> from mineralwatch.sources.bgs import read_bgs
>>> prod = read_bgs("../shared/data/bgs_wms/df_ukgs.csv.gz")       # doctest: +SKIP

The file is semicolon-separated and gzipped, with columns ``Country; commodity_code;
commodity_desc; Sub-commodity; year; value`` (contains BGS data © UKRI). Each
commodity code maps to a mineral, stage and basis in ``codes/data/bgs_wms.yaml``;
units come from ``ukgs_aux.json`` next to the file when it is there (tonnes for every
mineral). Rules:

- a blank value means BGS has no figure for that year: no row is made;
- a row with a ``Sub-commodity`` is part of its commodity (monazite and xenotime for
  rare earth minerals; chemical and metallurgical manganese ore). The commodity's own
  row is used when it has a value; otherwise its parts are added, except parts on
  another basis (lithium content), which are named in the note;
- two codes for one key (rare earth oxides and rare earth minerals) keep the code of
  lower ``priority`` and record the other in the note;
- historic states keep their own codes (Soviet Union ``SUN``, Yugoslavia ``YUG``,
  Czechoslovakia ``CSK``, German Democratic Republic ``DDR``), see
  :func:`mineralwatch.codes.countries.special_codes` (codes/data/special_codes.tsv).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from mineralwatch.codes import countries, units
from mineralwatch.codes._table import read_yaml
from mineralwatch.errors import Failure, InputError, UnknownCodeError
from mineralwatch.schema import LINE, PRODUCTION_KEY
from mineralwatch.sources._io import check_table, parse_numbers, read_table, require_columns
from mineralwatch.sources._registry import Loader, register

KIND = "bgs"
MAPPING_FILE = "bgs_wms.yaml"
AUX_FILE = "ukgs_aux.json"
COLUMNS = ("Country", "commodity_code", "commodity_desc", "Sub-commodity", "year", "value")
_KEY = list(PRODUCTION_KEY)


@cache
def mapping() -> dict[str, dict[str, Any]]:
    """``bgs_wms.yaml``: commodity code -> mineral, stage, basis, priority, exclude_subs, skip."""
    raw: dict[Any, dict[str, Any]] = read_yaml(MAPPING_FILE)
    return {str(k): v for k, v in raw.items()}


def read_units(aux: str | Path) -> dict[str, str]:
    """Commodity code -> unit, from BGS ``ukgs_aux.json``."""
    try:
        entries = json.loads(Path(aux).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(f"Cannot read the BGS units file {aux}: {exc}", file=aux,
                         hint="Pass aux=None to assume tonnes, or fix the JSON.") from exc
    return {str(e["commodity_code"]): str(e["unit"]) for e in entries}


def _specs(df: pd.DataFrame, file: str) -> pd.DataFrame:
    """Rows of mapped, not skipped codes; one error lists every unknown code."""
    spec = mapping()
    unknown = ~df["commodity_code"].isin(list(spec))
    if unknown.any():
        first = df[unknown].drop_duplicates("commodity_code")
        raise UnknownCodeError(
            f"{len(first)} unknown BGS commodity code(s) in {file}:",
            [Failure("unknown commodity code", file=file, line=int(ln), column="commodity_code",
                     value=f"{c} ({d})") for c, d, ln in
             zip(first["commodity_code"], first["commodity_desc"], first[LINE], strict=True)],
            file=file, hint=f"Map the code in mineralwatch/codes/data/{MAPPING_FILE}.")
    keep = df["commodity_code"].map(lambda c: "skip" not in spec[c])
    return df[keep.astype(bool)]


def _tonnes(df: pd.DataFrame, unit_of: dict[str, str], file: str) -> np.ndarray:
    """Factor to tonnes per row, from the code's unit."""
    factors: dict[str, float] = {}
    failures = []
    for code in df["commodity_code"].unique():
        unit = unit_of.get(code, "tonnes")
        if not units.is_mass(unit):
            failures.append(Failure("not a mass unit", file=file, column="unit",
                                    value=f"{code}: {unit}"))
            continue
        factors[code] = units.factor(unit)
    if failures:
        raise UnknownCodeError("BGS commodities in a unit that is not a mass:", failures,
                               file=file, hint=f"Skip the code in codes/data/{MAPPING_FILE}.")
    return df["commodity_code"].map(factors).to_numpy(dtype=float)


def _totals(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (code, country, year): the commodity's own row, else the sum of its parts."""
    spec = mapping()
    group_cols = ["commodity_code", "country", "year"]
    cols = [*group_cols, "commodity_desc", "quantity", "note", LINE]
    own = df[df["Sub-commodity"] == ""].assign(note=lambda d: "BGS: " + d["commodity_desc"])
    parts = df[df["Sub-commodity"] != ""]
    if parts.empty:
        return own[cols].reset_index(drop=True)
    excluded = [sub in spec[code].get("exclude_subs", []) for code, sub in
                zip(parts["commodity_code"], parts["Sub-commodity"], strict=True)]
    parts = parts.assign(excluded=excluded, text=parts["Sub-commodity"] + " "
                         + parts["quantity"].map("{:g} t".format))
    added = (parts[~parts["excluded"]].groupby(group_cols)
             .agg(commodity_desc=("commodity_desc", "first"), quantity=("quantity", "sum"),
                  text=("text", ", ".join), **{LINE: (LINE, "min")}))
    other = parts[parts["excluded"]].groupby(group_cols)["text"].agg(", ".join)
    added["note"] = ("BGS: " + added["commodity_desc"] + "; sum of sub-commodities: "
                     + added["text"])
    hit = added.index.intersection(other.index)
    added.loc[hit, "note"] += "; not added (another basis): " + other.loc[hit]
    added = added.reset_index()
    own_keys = pd.MultiIndex.from_frame(own[group_cols])
    added = added[~pd.MultiIndex.from_frame(added[group_cols]).isin(own_keys)]
    return pd.concat([own[cols], added[cols]], ignore_index=True)


def _by_priority(df: pd.DataFrame) -> pd.DataFrame:
    """One row per key: the code of lowest priority wins; the others go into its note."""
    df = df.sort_values(["priority", LINE], kind="stable")
    dup = df.duplicated(_KEY, keep="first")
    if not dup.any():
        return df
    extra = (df[dup].assign(text=lambda d: "also reported as " + d["commodity_desc"] + ": "
                            + d["quantity"].map("{:g} t".format) + " (line "
                            + d[LINE].astype(str) + ")")
             .groupby(_KEY)["text"].agg("; ".join))
    kept = df[~dup].set_index(_KEY)
    kept.loc[extra.index, "note"] = kept.loc[extra.index, "note"] + "; " + extra
    return kept.reset_index()


def read_bgs(path: str | Path, *, aux: str | Path | None = None) -> pd.DataFrame:
    """Parse BGS ``df_ukgs.csv.gz`` into canonical ``production`` rows.

    Parameters
    ----------
    path
        the BGS production extract (semicolon-separated, gzipped or not).
    aux
        ``ukgs_aux.json`` with each commodity's unit; default: that file next to
        ``path`` when present, else tonnes.

    Returns
    -------
    DataFrame
        canonical production columns (without ``source_id``) plus ``_line``.

    Raises
    ------
    InputError, EncodingError, SchemaError, UnknownCodeError
        malformed file, missing columns, values that are not numbers, unknown commodity
        codes or countries (each listed with its line), negative quantities.
    """
    file = str(path)
    df = require_columns(read_table(path, sep=";"), COLUMNS, file=file)
    df = _specs(df, file)
    nums = parse_numbers(df["value"], file=file, lines=df[LINE], column="value")
    years = parse_numbers(df["year"], file=file, lines=df[LINE], column="year")["value"]
    df = df.assign(quantity=nums["value"], year=years)[nums["value"].notna()]
    aux_path = Path(aux) if aux is not None else Path(path).with_name(AUX_FILE)
    unit_of = read_units(aux_path) if aux is not None or aux_path.is_file() else {}
    df = df.assign(quantity=df["quantity"] * _tonnes(df, unit_of, file),
                   country=countries.to_iso3_many(df["Country"], file=file,
                                                  lines=df[LINE].tolist(), column="Country"))
    out = _totals(df)
    spec = mapping()
    for field in ("mineral", "stage", "basis"):
        out[field] = out["commodity_code"].map(lambda c, f=field: spec[c][f])
    out["priority"] = out["commodity_code"].map(lambda c: spec[c].get("priority", 0))
    out = _by_priority(out)
    out = out.assign(unit="t", estimated=False).sort_values(LINE, kind="stable")
    return check_table(out.reset_index(drop=True), "production", file=file)


register(Loader(
    kind=KIND,
    function="bgs:read_bgs",
    tables=("production",),
    description="BGS World Mineral Statistics production by country, 1970-2021 (df_ukgs.csv.gz)",
    publisher="British Geological Survey",
    licence="Contains BGS data © UKRI (attribution required)",
    version="1",
    url="https://www.bgs.ac.uk/mineralsuk/statistics/world-mineral-statistics/",
))

__all__ = ["KIND", "mapping", "read_bgs", "read_units"]
