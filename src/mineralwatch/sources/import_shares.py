"""Import shares of one importer by source country (an importer's "sourcing").

Two formats:

* ``import_shares_cache.json`` (US Census via a public cache, 2020–2023 average): a list
  of ``{"material": "Gallium", "country": "China", "share": 53.2}`` with shares in
  percent; the importer is the USA.
* a user CSV with columns ``mineral, country, share`` and optionally ``stage``
  (``mine``/``processing``, E/P), ``importer`` and ``t``; shares in percent
  (``"53.2%"`` or ``53.2``) or as fractions when every share is <= 1.

Both give canonical ``supply_share`` rows whose ``scope`` is the importer: the sourcing
term of the EU criticality method generalised to any importer
(:mod:`mineralwatch.analytics.criticality`).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd

from mineralwatch.codes import countries, minerals
from mineralwatch.errors import Failure, InputError
from mineralwatch.schema import LINE
from mineralwatch.sources._io import parse_numbers, read_table, read_text, require_columns
from mineralwatch.sources._registry import Loader, register

_log = logging.getLogger(__name__)

#: Materials in the US cache that are products, not minerals in our code list; skipped
#: (with a log message) rather than invented as minerals.
NOT_MINERALS: frozenset[str] = frozenset({"cement", "steel"})


def _frame(material: list[object], country: list[object], share: np.ndarray,
           stage: list[object], lines: list[int], *, importer: str, year: int,
           t: np.ndarray | None, file: str) -> pd.DataFrame:
    out = pd.DataFrame({
        "mineral": minerals.to_ids(material, file=file, lines=lines, column="mineral"),
        "stage": [minerals.to_stage(s, file=file, line=ln)
                  for s, ln in zip(stage, lines, strict=True)],
        "scope": importer,
        "country": countries.to_iso3_many(country, file=file, lines=lines, column="country"),
        "year": year,
        "share": share,
        "t": t if t is not None else np.nan,
        LINE: lines,
    })
    key = ["mineral", "stage", "scope", "country", "year"]
    if out.duplicated(key).any():  # two spellings of one country: add their shares
        out = out.groupby(key, as_index=False, sort=False).agg(
            share=("share", "sum"), t=("t", "first"), _line=(LINE, "first"))
    return out


def read_import_shares(path: str | Path, *, importer: str | None = None,
                       stage: str = "processing", year: int = 2023) -> pd.DataFrame:
    """Read import shares by source country into ``supply_share`` rows (scope = importer).

    Parameters
    ----------
    path
        the US ``import_shares_cache.json`` or a CSV (see the module docstring).
    importer
        ISO3 (or name) of the importer; default ``USA`` for the JSON cache, the CSV's
        ``importer`` column otherwise (required for a CSV without it).
    stage
        stage the shares describe when the file does not say (default ``processing``:
        trade in these materials is mostly refined products).
    year
        year the rows are stored under (the US cache averages 2020–2023).

    Returns
    -------
    pandas.DataFrame
        ``mineral, stage, scope, country, year, share, t`` and ``_line``.

    Raises
    ------
    InputError
        no importer given for a CSV without an ``importer`` column; shares that are not
        numbers or are negative.
    UnknownCodeError
        unknown minerals or countries (all listed).
    """
    p = Path(path)
    file = str(p)
    if p.suffix.lower() == ".json":
        text, _ = read_text(p)
        rows = json.loads(text)
        if not isinstance(rows, list):
            raise InputError(f"{file}: expected a JSON list of {{material, country, share}}.",
                             file=file)
        keep = [i for i, r in enumerate(rows)
                if str(r.get("material", "")).strip().lower() not in NOT_MINERALS]
        skipped = sorted({str(r.get("material")) for r in rows} -
                         {str(rows[i].get("material")) for i in keep})
        if skipped:
            _log.info("%s: skipped non-mineral materials %s", file, skipped)
        sel = [rows[i] for i in keep]
        share = parse_numbers([r.get("share") for r in sel], file=file, column="share")
        return _frame([r.get("material") for r in sel], [r.get("country") for r in sel],
                      share["value"].to_numpy() / 100.0, [stage] * len(sel),
                      [i + 1 for i in keep], importer=countries.to_iso3(importer or "USA"),
                      year=year, t=None, file=file)
    df = read_table(p)
    df = require_columns(df, ["mineral", "country", "share"], file=file,
                         aliases={"mineral": ["material"]})
    imp = importer
    if imp is not None and "importer" in df.columns:
        given = {countries.lookup(x) or x for x in df["importer"].unique() if x}
        wanted = countries.to_iso3(imp)
        if given - {wanted}:
            raise InputError(f"{file} holds sourcing shares of {sorted(given)}, not of "
                             f"{wanted}.", file=file,
                             hint=f"Pass --importer {sorted(given)[0]} or a file for {wanted}.")
    if imp is None:
        if "importer" not in df.columns or (df["importer"] == "").any():
            raise InputError(f"{file}: no importer given.", file=file,
                             hint="Add an 'importer' column or pass importer='JPN' "
                             "(--importer on the command line).")
        if df["importer"].nunique() > 1:
            raise InputError(f"{file}: one importer per file, found "
                             f"{sorted(df['importer'].unique())}.", file=file)
        imp = df["importer"].iloc[0]
    parsed = parse_numbers(df["share"], file=file, lines=df[LINE], column="share")
    value = parsed["value"].to_numpy(dtype="float64")
    percent = (parsed["qualifier"] == "%").any() or np.nanmax(value, initial=0) > 1.0
    if percent:
        value = np.where(parsed["qualifier"] == "%", value, value / 100.0)
    bad = np.isnan(value) | (value < 0)
    if bad.any():
        raise InputError(f"{int(bad.sum())} bad share(s) in {file}:",
                         [Failure("share missing or negative", file=file, line=int(ln),
                                  column="share", value=v)
                          for ln, v in zip(df.loc[bad, LINE], df.loc[bad, "share"],
                                           strict=True)], file=file)
    t = (parse_numbers(df["t"], file=file, lines=df[LINE], column="t")["value"].to_numpy()
         if "t" in df.columns else None)
    stages = df["stage"].tolist() if "stage" in df.columns else [stage] * len(df)
    return _frame(df["mineral"].tolist(), df["country"].tolist(), value, stages,
                  df[LINE].tolist(), importer=countries.to_iso3(imp, file=file), year=year,
                  t=t, file=file)


register(Loader(
    kind="us-import-shares", function="import_shares:read_import_shares",
    tables=("supply_share",),
    description="US import shares by source country (import_shares_cache.json, US Census "
    "2020-2023 average) or a user CSV of any importer's sourcing shares",
    publisher="US Census Bureau (via public cache)", licence="public domain",
))

__all__ = ["NOT_MINERALS", "read_import_shares"]
