"""End-use splits where the EU CRM 2023 end-use table has none (for economic importance).

Two public sources in ``../shared/data`` describe what a material is used for:

* **USGS MCS 2025 Table 4** (``usgs_mcs2025/Industry_Trends.zip``,
  ``MCS2025_T4_Critical_Minerals_End_Use.csv``): the primary applications of each US
  critical mineral as a sentence ("Batteries and metallurgy."). It gives no shares, so
  the listed applications are weighted **equally** — the stated fallback, recorded in
  each row's ``application`` ("metallurgy (1 of 2 listed, equal share)");
* **IEA Critical Minerals Data Explorer** (``iea/iea_critical_minerals_explorer.json``):
  total demand by sector in the base year (2024) for copper, cobalt, lithium, nickel,
  graphite and magnet rare earths; the "other uses" remainder has no sector.

Each application or IEA sector is mapped to a NACE Rev. 2 division by a mapping table
that is data, not code: ``mineralwatch/data/end_use_sectors.csv`` (``source,
application, sector, note``; an empty sector means "not allocated", like the study's
"Other"). A mapping that names a sector which is not a NACE division is an
:class:`~mineralwatch.errors.InputError` naming the file, line and value; an application
the table does not map is kept unallocated and logged.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import re
import zipfile
from importlib import resources
from pathlib import Path

import pandas as pd

from mineralwatch.codes import minerals
from mineralwatch.errors import Failure, InputError, UnknownCodeError
from mineralwatch.schema import LINE
from mineralwatch.sources._io import decode_bytes, read_table, require_columns
from mineralwatch.sources._registry import Loader, register

_log = logging.getLogger(__name__)

T4_FILE = "MCS2025_T4_Critical_Minerals_End_Use.csv"
MAPPING_FILE = "end_use_sectors.csv"

#: NACE Rev. 2 divisions (two-digit codes) by section letter.
NACE_DIVISIONS: frozenset[str] = frozenset(
    f"{letter}{n:02d}" for letter, lo, hi in (
        ("A", 1, 3), ("B", 5, 9), ("C", 10, 33), ("D", 35, 35), ("E", 36, 39),
        ("F", 41, 43), ("G", 45, 47), ("H", 49, 53), ("I", 55, 56), ("J", 58, 63),
        ("K", 64, 66), ("L", 68, 68), ("M", 69, 75), ("N", 77, 82), ("O", 84, 84),
        ("P", 85, 85), ("Q", 86, 88), ("R", 90, 93), ("S", 94, 96), ("T", 97, 98),
        ("U", 99, 99))
    for n in range(lo, hi + 1))


def read_sector_map(path: str | Path | None = None) -> pd.DataFrame:
    """The application -> NACE division mapping (``source, application, sector, note``).

    Parameters
    ----------
    path
        a mapping CSV; default the packaged ``end_use_sectors.csv``.

    Raises
    ------
    InputError
        for a sector that is not a NACE Rev. 2 division (every such line is named).
    """
    if path is None:
        ref = resources.files("mineralwatch").joinpath("data").joinpath(MAPPING_FILE)
        with resources.as_file(ref) as p:
            return read_sector_map(p)
    file = str(path)
    df = require_columns(read_table(path), ["source", "application", "sector"], file=file)
    df["application"] = df["application"].str.strip().str.lower()
    df["sector"] = df["sector"].fillna("").str.strip().str.upper()
    bad = [Failure(f"sector {s!r} is not a NACE Rev. 2 division (e.g. C27)", file=file,
                   line=int(ln), column="sector", value=s)
           for s, ln in zip(df["sector"], df[LINE], strict=True)
           if s and s not in NACE_DIVISIONS]
    if bad:
        raise InputError(f"The end-use mapping {file} names {len(bad)} unknown sector(s).",
                         bad, hint="Use a NACE Rev. 2 division code (C20, C27, ...) or leave "
                         "the sector empty for an unallocated use.")
    df["sector"] = df["sector"].replace("", None)
    return df


def _mapping(mapping: str | Path | None, source: str) -> dict[str, str | None]:
    df = read_sector_map(mapping)
    df = df[df["source"] == source]
    return dict(zip(df["application"], df["sector"], strict=True))


def split_applications(text: str, known: set[str]) -> list[str]:
    """The applications listed in a T4 sentence ("Catalysts, lasers, and metallurgy.").

    Split at commas and a final "and"; a phrase the mapping knows as a whole ("research
    and development") is kept whole.
    """
    out: list[str] = []
    for piece in text.strip().rstrip(".").split(","):
        p = re.sub(r"^\s*and\s+", "", piece).strip().lower()
        if not p:
            continue
        if p in known or " and " not in p:
            out.append(p)
        else:
            out.extend(x.strip() for x in p.split(" and ") if x.strip())
    return out


def _rows(mineral: str, uses: list[tuple[str, float]], scope: str,
          sectors: dict[str, str | None], line: int) -> list[dict[str, object]]:
    rows = []
    for app, share in uses:
        sector = sectors.get(app.lower())
        if app.lower() not in sectors:
            _log.info("end use %r of %s is not in the sector mapping: left unallocated",
                      app, mineral)
        rows.append({"mineral": mineral, "application": app, "scope": scope,
                     "share": share, "sector": sector, "value_added": None, LINE: line})
    return rows


def _frame(rows: list[dict[str, object]]) -> pd.DataFrame:
    cols = ["mineral", "application", "scope", "share", "sector", "value_added", LINE]
    out = pd.DataFrame(rows, columns=cols)
    out["value_added"] = out["value_added"].astype("float64")
    return out


def _t4_text(path: Path) -> tuple[str, str]:
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as z:
            name = next((n for n in z.namelist() if n.endswith(T4_FILE)), None)
            if name is None:
                raise InputError(f"{path} holds no {T4_FILE}.", file=path,
                                 hint="Pass the USGS MCS Industry_Trends.zip or its T4 CSV.")
            return decode_bytes(z.read(name), file=f"{path}!{name}")[0], f"{path}!{name}"
    return decode_bytes(path.read_bytes(), file=path)[0], str(path)


def read_usgs_end_use(path: str | Path, *, mapping: str | Path | None = None) -> pd.DataFrame:
    """USGS MCS 2025 Table 4 primary applications as equal-share end uses (scope USA).

    Parameters
    ----------
    path
        ``Industry_Trends.zip`` or ``MCS2025_T4_Critical_Minerals_End_Use.csv``.
    mapping
        application -> NACE mapping CSV (default: the packaged table).

    Returns
    -------
    pandas.DataFrame
        ``end_use`` rows; ``value_added`` is null (the EI takes each sector's value added
        from the EU study's table). Minerals outside our code list are skipped and logged.
    """
    text, file = _t4_text(Path(path))
    records = list(csv.reader(io.StringIO(text)))
    if not records:
        raise InputError(f"{file} is empty.", file=file)
    df = pd.DataFrame(records[1:], columns=[c.strip() for c in records[0]])
    df[LINE] = range(2, len(df) + 2)
    df = require_columns(df, ["Critical Mineral", "Primary Applications"], file=file)
    sectors = _mapping(mapping, "usgs-t4")
    rows: list[dict[str, object]] = []
    for name, apps, line in zip(df["Critical Mineral"], df["Primary Applications"], df[LINE],
                                strict=True):
        try:
            mineral = minerals.to_id(str(name).strip())
        except UnknownCodeError:
            _log.info("%s line %s: %r is not in the mineral list: skipped", file, line, name)
            continue
        listed = split_applications(str(apps), set(sectors))
        n = len(listed)
        for app in listed:
            if app not in sectors:
                _log.info("%s line %s: %r not in the sector mapping: unallocated", file,
                          line, app)
            rows.append({"mineral": mineral, "scope": "USA", "share": 1.0 / n,
                         "application": f"{app} (1 of {n} listed, equal share)" if n > 1
                         else app, "sector": sectors.get(app), "value_added": None,
                         LINE: int(line)})
    return _frame(rows)


def read_iea_end_use(path: str | Path, *, mapping: str | Path | None = None,
                     year: str = "2024") -> pd.DataFrame:
    """IEA demand by sector (base year) as end-use shares (scope WLD).

    ``totalDemand[<mineral>].sectors`` gives the clean-technology sectors and
    ``otherUses`` the rest; each share is the sector's demand over total demand. The
    magnet rare earths ("Rare Earth Elements", a group) are skipped: they describe no one
    element.
    """
    p = Path(path)
    try:
        data = json.loads(decode_bytes(p.read_bytes(), file=p)[0])
        demand = data["totalDemand"]
    except (ValueError, KeyError) as exc:
        raise InputError(f"{p} is not the IEA Critical Minerals Data Explorer JSON: {exc}",
                         file=p) from None
    sectors = _mapping(mapping, "iea")
    rows: list[dict[str, object]] = []
    for i, (name, block) in enumerate(demand.items(), start=1):
        mineral = minerals.lookup(name)
        if mineral is None or minerals.table()[mineral].kind == "group":
            _log.info("%s: IEA %r is not a single mineral of ours: skipped", p, name)
            continue
        parts = {s: float(v.get(year, 0.0)) for s, v in block.get("sectors", {}).items()}
        parts["Other uses"] = float(block.get("otherUses", {}).get(year, 0.0))
        total = sum(parts.values())
        if total <= 0:
            continue
        rows += _rows(mineral, [(s, v / total) for s, v in parts.items() if v > 0], "WLD",
                      sectors, i)
    return _frame(rows)


register(Loader(
    kind="usgs-end-use", function="end_use_splits:read_usgs_end_use", tables=("end_use",),
    description="USGS MCS 2025 Table 4: primary applications of US critical minerals "
    "(Industry_Trends.zip), equal shares, mapped to NACE sectors (end_use_sectors.csv)",
    publisher="U.S. Geological Survey", licence="Public domain (USGS)",
    url="https://doi.org/10.5066/P13XCP3R",
))
register(Loader(
    kind="iea-end-use", function="end_use_splits:read_iea_end_use", tables=("end_use",),
    description="IEA Critical Minerals Data Explorer: 2024 demand by sector, mapped to NACE "
    "sectors (end_use_sectors.csv)",
    publisher="International Energy Agency", licence="CC BY 4.0",
))

__all__ = ["NACE_DIVISIONS", "read_iea_end_use", "read_sector_map", "read_usgs_end_use",
           "split_applications"]
