"""EU CRM 2023 study tables: supply shares with the trade parameter ``t``, and end uses.

Files (European Commission, *Study on the Critical Raw Materials for the EU 2023*,
CC BY 4.0), Latin-1 encoded::

    fact_GlobalSupplyShares&t.csv   Material,Stage,Country,Share,t   (global supply)
    fact_EUSupplyShares&t.csv       Material,Stage,Country,Share,t   (EU sourcing)
    fact_MaterialUseShares.csv      Material,Application,Share,NACE sector,VA in million

Stages ``E`` (extraction) and ``P`` (processing) become our ``mine`` and ``processing``
stages. Shares are strings (``"59.6%"``, ``"<0.1%"``); a share given as ``"<x%"`` is
stored as ``x/2`` (the middle of ``[0, x]``; its square is negligible in any HHI). The
study's supply shares are averages of 2016–2020; they are stored under ``year`` = the
study year (2023) unless told otherwise. Material names resolve through
:mod:`mineralwatch.codes.minerals` (the study's spellings, typos included, are aliases
there); country names through :mod:`mineralwatch.codes.countries`.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import numpy as np
import pandas as pd

from mineralwatch.codes import countries, minerals
from mineralwatch.errors import Failure, InputError
from mineralwatch.schema import LINE
from mineralwatch.sources._io import parse_numbers, read_table, require_columns
from mineralwatch.sources._registry import Loader, register

GLOBAL_FILE = "fact_GlobalSupplyShares&t.csv"
EU_FILE = "fact_EUSupplyShares&t.csv"
END_USE_FILE = "fact_MaterialUseShares.csv"
STUDY_YEAR = 2023
ENCODINGS = ("utf-8", "cp1252", "latin-1")  # the header "VA in million €" is cp1252
_WS = re.compile(r"\s+")
_log = logging.getLogger(__name__)

#: Scope of each supply-share file: global supply (WLD) or EU sourcing (EUU).
SCOPES: dict[str, str] = {GLOBAL_FILE: "WLD", EU_FILE: "EUU"}


def _scope_of(path: Path) -> str:
    if path.name in SCOPES:
        return SCOPES[path.name]
    low = path.name.lower()
    if "global" in low:
        return "WLD"
    if "eu" in low:
        return "EUU"
    raise InputError(
        f"Cannot tell whether {path.name} holds global supply or EU sourcing shares.",
        file=path,
        hint=f"Pass the study folder, {GLOBAL_FILE} or {EU_FILE} (or scope='WLD'/'EUU').",
    )


def _share_files(path: Path) -> list[Path]:
    if path.is_dir():
        files = [path / f for f in (GLOBAL_FILE, EU_FILE) if (path / f).is_file()]
        if not files:
            raise InputError(f"No EU CRM supply-share file in {path}.", file=path,
                             hint=f"Expected {GLOBAL_FILE} and/or {EU_FILE}.")
        return files
    return [path]


def _shares(df: pd.DataFrame, file: str) -> np.ndarray:
    """Share column as fractions; ``<x%`` becomes ``x/2``.

    The column is in percent: a bare number (``"6"`` for Germany's silicon metal in the
    EU file) is read as percent too, with a logged warning naming its lines.
    """
    parsed = parse_numbers(df["Share"], file=file, lines=df[LINE], column="Share")
    value = parsed["value"].to_numpy(dtype="float64")
    qual = parsed["qualifier"]
    bare = (qual.isna() & parsed["value"].notna()).to_numpy()
    if bare.any():
        value = np.where(bare, value / 100.0, value)
        _log.warning("%s: %d share(s) without a %% sign read as percent (lines %s)", file,
                     int(bare.sum()), ", ".join(str(x) for x in df.loc[bare, LINE][:10]))
    less = (qual == "<").to_numpy()
    value = np.where(less, value / 2.0, value)
    bad = np.isnan(value) | (value < 0) | (value > 1.0 + 1e-9)
    if bad.any():
        raise InputError(
            f"{int(bad.sum())} share(s) missing or outside 0-100% in {file}:",
            [Failure("share not in 0-100%", file=file, line=int(ln), column="Share", value=v)
             for ln, v in zip(df.loc[bad, LINE], df.loc[bad, "Share"], strict=True)],
            file=file, hint="Shares are percentages such as '59.6%' or '<0.1%'.")
    return value


def _read_share_file(path: Path, scope: str | None, year: int) -> pd.DataFrame:
    file = str(path)
    df = read_table(path, encoding=ENCODINGS)
    df = require_columns(df, ["Material", "Stage", "Country", "Share", "t"], file=file)
    lines = df[LINE].tolist()
    out = pd.DataFrame({
        "mineral": minerals.to_ids(df["Material"], file=file, lines=lines, column="Material"),
        "stage": [minerals.to_stage(s, file=file, line=ln)
                  for s, ln in zip(df["Stage"], lines, strict=True)],
        "scope": scope or _scope_of(path),
        "country": countries.to_iso3_many(df["Country"], file=file, lines=lines,
                                          column="Country"),
        "year": year,
        "share": _shares(df, file),
        "t": parse_numbers(df["t"], file=file, lines=df[LINE], column="t")["value"].to_numpy(),
        LINE: df[LINE].to_numpy(),
    })
    return _merge_spellings(out, ["mineral", "stage", "scope", "country", "year"])


def _merge_spellings(df: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    """Sum rows that became duplicates once names resolved ("Brasil" and "Brazil")."""
    if not df.duplicated(key).any():
        return df.reset_index(drop=True)
    agg = {c: "first" for c in df.columns if c not in key}
    agg["share"] = "sum"
    return df.groupby(key, as_index=False, sort=False, dropna=False).agg(agg)[df.columns.tolist()]


def read_eu_crm_shares(path: str | Path, *, scope: str | None = None,
                       year: int = STUDY_YEAR) -> pd.DataFrame:
    """Read the EU CRM 2023 supply shares into the canonical ``supply_share`` table.

    Parameters
    ----------
    path
        the study folder (both files are read), ``fact_GlobalSupplyShares&t.csv``
        (scope ``WLD``) or ``fact_EUSupplyShares&t.csv`` (scope ``EUU``).
    scope
        override the scope inferred from the file name.
    year
        year the rows are stored under (default: the study year, 2023; the study's
        shares are 2016–2020 averages).

    Returns
    -------
    pandas.DataFrame
        ``mineral, stage, scope, country, year, share, t`` and ``_line``.

    Raises
    ------
    UnknownCodeError
        material or country names that do not resolve (all listed at once).
    InputError
        shares that are not percentages in 0-100 %, a ``t`` that is not a number.
    """
    p = Path(path)
    frames = [_read_share_file(f, scope, year) for f in _share_files(p)]
    return pd.concat(frames, ignore_index=True)


def read_eu_crm_end_use(path: str | Path, *, scope: str = "EUU") -> pd.DataFrame:
    """Read ``fact_MaterialUseShares.csv`` into the canonical ``end_use`` table.

    Parameters
    ----------
    path
        the file, or the study folder holding it.
    scope
        region the end uses describe (the EU).

    Returns
    -------
    pandas.DataFrame
        ``mineral, application, scope, share, sector, value_added`` and ``_line``;
        ``sector`` and ``value_added`` (EUR million) are null for the study's "Other"
        rows, which it does not allocate to a sector. Line breaks inside sector names
        (``"C29 - Manufacture of motor\\nvehicles..."``) are collapsed to spaces.
    """
    p = Path(path)
    if p.is_dir():
        p = p / END_USE_FILE
    file = str(p)
    df = read_table(p, encoding=ENCODINGS)
    df = require_columns(df, ["Material", "Application", "Share", "NACE sector",
                              "VA in million"], file=file,
                         aliases={"VA in million": ["VA in million €", "VA in million EUR",
                                                    "VA in million \x80"]})
    lines = df[LINE].tolist()
    share = parse_numbers(df["Share"], file=file, lines=df[LINE], column="Share")["value"]
    va = parse_numbers(df["VA in million"], file=file, lines=df[LINE],
                       column="VA in million")["value"]
    sector = df["NACE sector"].map(lambda s: _WS.sub(" ", s).strip() or None)
    out = pd.DataFrame({
        "mineral": minerals.to_ids(df["Material"], file=file, lines=lines, column="Material"),
        "application": df["Application"].map(lambda s: _WS.sub(" ", s).strip()).to_numpy(),
        "scope": scope,
        "share": share.to_numpy(),
        "sector": sector.to_numpy(),
        "value_added": va.to_numpy(),
        LINE: df[LINE].to_numpy(),
    })
    # the same application twice: one sector -> one row (shares summed); two sectors ->
    # the application is labelled with each sector's code ("Polishing powders [C26]")
    out = _merge_spellings(out, ["mineral", "application", "scope", "sector"])
    dup = out.duplicated(["mineral", "application", "scope"], keep=False)
    if dup.any():
        code = out.loc[dup, "sector"].fillna("").str.split(" ", n=1).str[0]
        out.loc[dup, "application"] = out.loc[dup, "application"] + " [" + code + "]"
    return out


def read_eu_crm_parameters(path: str | Path) -> pd.DataFrame:
    """Read the per-material parameter table of the EU CRM 2023 assessment.

    The file is ours (``mineralwatch/data/eu_crm2023_parameters.csv``, columns of
    :data:`mineralwatch.analytics.criticality.parameters.COLUMNS`, built from a
    transcription of the study by ``scripts/build_eu_crm_parameters.py``); ``mineralwatch
    init`` ingests the packaged one, so that it is listed by ``mineralwatch sources``.
    Garbled rows are kept with their ``status`` and ``issue`` and logged (INFO);
    ``check_inputs`` / ``check_parameters`` report them.

    Raises
    ------
    InputError
        a missing column, a material that is not in our list, a number that is not one.
    """
    from mineralwatch.analytics.criticality.parameters import (
        COLUMNS,
        check_parameters,
        coerce_parameters,
    )

    file = str(path)
    df = require_columns(read_table(path, encoding=ENCODINGS),
                         [c for c in COLUMNS if c != "source_id"], file=file)
    lines = df[LINE]
    numbers = {c: parse_numbers(df[c], file=file, lines=lines, column=c)["value"]
               for c in ("si_ei", "si_sr", "ir_extraction", "ir_processing", "eol_rir")}
    df = df.assign(mineral=minerals.to_ids(df["mineral"], file=file, lines=lines.tolist(),
                                           column="mineral"),
                   **{c: v.to_numpy() for c, v in numbers.items()})
    df = df.replace("", None)
    out = coerce_parameters(df.drop(columns=["source_id"], errors="ignore"))
    check_parameters(out, log_level=logging.INFO)
    out[LINE] = lines.to_numpy()
    return out


_PUBLISHER = "European Commission (Study on the Critical Raw Materials for the EU 2023)"
register(Loader(
    kind="eu-crm-shares", function="eu_crm:read_eu_crm_shares", tables=("supply_share",),
    description="EU CRM 2023 study: global supply and EU sourcing shares by country and "
    "stage with the trade parameter t (folder or either fact_*SupplyShares&t.csv)",
    publisher=_PUBLISHER, licence="CC BY 4.0",
    url="https://single-market-economy.ec.europa.eu/publications/"
    "study-critical-raw-materials-eu-2023-final-report_en",
))
register(Loader(
    kind="eu-crm-end-use", function="eu_crm:read_eu_crm_end_use", tables=("end_use",),
    description="EU CRM 2023 study: end-use shares with NACE sector value added "
    "(fact_MaterialUseShares.csv)",
    publisher=_PUBLISHER, licence="CC BY 4.0",
))

register(Loader(
    kind="eu-crm-parameters", function="eu_crm:read_eu_crm_parameters",
    tables=("crm_parameters",),
    description="EU CRM 2023 per-material parameters (bottleneck stage, sourcing variants, "
    "SI_EI, SI_SR, import reliance, EOL-RIR): mineralwatch/data/eu_crm2023_parameters.csv, "
    "transcribed from the study's tables",
    publisher=_PUBLISHER + "; transcription in shared/validation", licence="CC BY 4.0",
))

__all__ = ["read_eu_crm_end_use", "read_eu_crm_parameters", "read_eu_crm_shares"]
