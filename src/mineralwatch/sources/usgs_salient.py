"""USGS Mineral Commodity Summaries: salient US statistics, net import reliance (NIR).

``Salient_Commodity.zip`` (USGS MCS 2025 data release, public domain) holds one CSV per
commodity (``mcs2025-galli_salient.csv``) with a different header for each, e.g.::

    DataSource,Commodity,Year,USprod_Primary_kg,Imports_Metal_kg,...,NIR_pct
    MCS2025,Gallium,2020,0,4430,...,100

Every column whose name contains ``NIR`` is a net-import-reliance series (percent of
apparent consumption). ``NIR_pct`` covers the commodity; a qualifier in the name
(``NIR_Palladium_pct``, ``Bauxite_NIR_pct``, ``NIR_Compounds-Metals_t``) names what it
covers: when the qualifier is itself a mineral (Palladium, Platinum, Hf) the row belongs to
that mineral, otherwise it is kept as ``item``. Cell values: a number (percent); ``E``
net exporter (stored as 0); ``>95``/``<25`` bounds (stored as the bound); ``NA`` and
"Less than 1/2 unit." (stored as 0.005 with its note) — the published text is kept in
``note`` whenever it is not a plain number.

Commodities that are not in our mineral list (cement, salt, peat, ...) are skipped and
logged; the reader is for the criticality "trade exposure" term.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import zipfile
from pathlib import Path

import pandas as pd

from mineralwatch.codes import minerals
from mineralwatch.schema import LINE
from mineralwatch.sources._io import decode_bytes, parse_number, read_text, require_columns
from mineralwatch.sources._registry import Loader, register

_log = logging.getLogger(__name__)
_UNIT = re.compile(r"_(pct|t|ct|kg)$", re.IGNORECASE)
_PAREN = re.compile(r"\s*\(.*\)\s*$")
_HALF_UNIT = "less than 1/2 unit."


def _mineral_of(commodity: str) -> str | None:
    hit = minerals.lookup(commodity)
    if hit is None:
        hit = minerals.lookup(_PAREN.sub("", commodity))
    return hit


def _item(column: str) -> str:
    """Qualifier of an NIR column: ``NIR_pct`` -> ``all``, ``NIR_Palladium_pct`` -> Palladium."""
    core = _UNIT.sub("", column)
    core = core.replace("NIR", "", 1).strip("_- ")
    return "all" if core.lower() in ("", "all") else core


def _parse(text: str) -> tuple[float, str | None] | None:
    s = text.strip()
    if not s or s.upper() in ("NA", "W", "--", "XX"):
        return None
    if s.upper() == "E":
        return 0.0, "E: net exporter"
    if s.lower() == _HALF_UNIT:
        return 0.005, s
    num = parse_number(s)
    if num.value != num.value:  # NaN
        return None
    note = s if num.qualifier in ("<", ">") else None
    return num.value / 100.0, note


def _read_one(df: pd.DataFrame, file: str, country: str) -> list[dict[str, object]]:
    df = require_columns(df, ["Commodity", "Year"], file=file)
    rows: list[dict[str, object]] = []
    nir_cols = [c for c in df.columns if "NIR" in c]
    for _, r in df.iterrows():
        commodity = str(r["Commodity"]).strip()
        base = _mineral_of(commodity)
        for col in nir_cols:
            item = _item(col)
            own = minerals.lookup(item) if item != "all" else None
            mineral = own or base
            if mineral is None:
                continue
            parsed = _parse(str(r[col]))
            if parsed is None:
                continue
            rows.append({"country": country, "mineral": mineral, "year": int(r["Year"]),
                         "item": "all" if own else item, "value": parsed[0],
                         "note": parsed[1], LINE: int(r[LINE])})
    if not rows and _mineral_of(str(df["Commodity"].iloc[0]).strip()) is None:
        _log.info("%s: commodity %r is not in the mineral list; skipped", file,
                  df["Commodity"].iloc[0])
    return rows


def read_usgs_salient(path: str | Path, *, country: str = "USA") -> pd.DataFrame:
    """Read USGS MCS salient statistics into the ``import_reliance`` table.

    Parameters
    ----------
    path
        ``Salient_Commodity.zip``, a folder of ``*_salient.csv`` files, or one such CSV.
    country
        the importer the statistics describe (USGS: the United States).

    Returns
    -------
    pandas.DataFrame
        ``country, mineral, year, item, value, note`` and ``_line``; ``value`` is a
        fraction of apparent consumption.
    """
    p = Path(path)
    rows: list[dict[str, object]] = []
    if p.suffix.lower() == ".zip":
        with zipfile.ZipFile(p) as zf:
            for name in sorted(zf.namelist()):
                if name.lower().endswith(".csv"):
                    label = f"{p}!{name}"
                    text, _ = decode_bytes(zf.read(name), file=label)
                    rows.extend(_read_one(_table(text), label, country))
    else:
        files = sorted(p.glob("*salient*.csv")) if p.is_dir() else [p]
        for f in files:
            text, _ = read_text(f)
            rows.extend(_read_one(_table(text), str(f), country))
    out = pd.DataFrame(rows, columns=["country", "mineral", "year", "item", "value", "note",
                                      LINE])
    # one series per (mineral, year, item): the first file wins (yttrium appears in its
    # own file and as a rare-earth item)
    out = out.drop_duplicates(["country", "mineral", "year", "item"], keep="first")
    return out.reset_index(drop=True)


def _table(text: str) -> pd.DataFrame:
    """A salient CSV as str cells plus ``_line``; unnamed (empty-header) columns dropped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader)]
    keep = [i for i, h in enumerate(header) if h]
    records, lines = [], []
    start = reader.line_num + 1
    for fields in reader:
        if any(f.strip() for f in fields):
            fields = fields + [""] * (len(header) - len(fields))
            records.append([fields[i].strip() for i in keep])
            lines.append(start)
        start = reader.line_num + 1
    df = pd.DataFrame(records, columns=[header[i] for i in keep], dtype=object)
    df[LINE] = lines
    return df


register(Loader(
    kind="usgs-salient", function="usgs_salient:read_usgs_salient",
    tables=("import_reliance",),
    description="USGS MCS salient statistics: US net import reliance by commodity "
    "(Salient_Commodity.zip, a folder or one *_salient.csv)",
    publisher="U.S. Geological Survey", licence="public domain",
    url="https://doi.org/10.5066/P13XCP3R",
))

__all__ = ["read_usgs_salient"]
