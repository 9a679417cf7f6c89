"""UN Comtrade bulk files (final data, annual or monthly, comma- or tab-separated).

Columns used (others are ignored): ``freqCode, refYear, refMonth, period,
reporterCode, reporterISO, reporterDesc, flowCode, partnerCode, partnerISO, partnerDesc,
partner2Code, classificationCode, cmdCode, customsCode, motCode, mosCode, qtyUnitAbbr,
qty, netWgt, primaryValue, cifvalue, fobvalue``.

What is kept, and why (each drop is counted in the log at INFO level):

- flows ``X`` (exports: exporter = reporter, importer = partner, ``reporter_side
  'export'``) and ``M`` (imports: exporter = partner, importer = reporter,
  ``'import'``). Re-exports and re-imports (``RX``, ``RM``), processing and other
  special flows are dropped: they would double count goods already in X/M.
- six-digit commodity codes only (``TOTAL``, chapters and headings are aggregates).
- partner World (``partnerCode`` 0 / ``W00``) is dropped: it is the sum of the rows.
- breakdown rows are dropped where the file has them: only the totals over customs
  procedure (``C00``), mode of transport (``0``), mode of supply (``0``) and second
  partner (``0``) are kept, so that every flow is counted once.
- several partner codes that resolve to one ISO3 (e.g. 'Areas, nes' and 'Special
  categories' both -> ``XOT``) are summed.

Values are ``primaryValue`` in USD (falling back to ``fobvalue`` for exports and
``cifvalue`` for imports). Quantity is ``netWgt`` in kg converted to tonnes, falling back
to ``qty`` where its unit is kg; a net weight of 0 next to a positive value means "not
reported" and becomes null.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from mineralwatch import schema
from mineralwatch.codes import countries
from mineralwatch.errors import Failure, SchemaError
from mineralwatch.sources._registry import Loader, register
from mineralwatch.sources._trade import (
    COMTRADE_HS,
    constant,
    frame_lines,
    hs_revision_from_name,
    parse_numbers,
    raise_failures,
    resolve_codes,
    sum_duplicates,
    trade_frame,
)

log = logging.getLogger(__name__)

FLOWS = {"X": "export", "M": "import"}
WORLD_CODES = frozenset({"0", "W00"})
_WANTED = (
    "freqCode", "refYear", "refMonth", "period", "reporterCode", "reporterISO",
    "reporterDesc", "flowCode", "partnerCode", "partnerISO", "partnerDesc", "partner2Code",
    "classificationCode", "cmdCode", "customsCode", "motCode", "mosCode", "qtyUnitAbbr",
    "qty", "netWgt", "primaryValue", "cifvalue", "fobvalue",
)
#: Breakdown columns and the value of their total row.
_TOTALS = {"customsCode": "C00", "motCode": "0", "mosCode": "0", "partner2Code": "0"}


def read_comtrade(path: str | Path, *, hs_revision: str | None = None) -> pd.DataFrame:
    """Read a UN Comtrade bulk CSV/TSV into the canonical ``trade`` table.

    Parameters
    ----------
    path
        a Comtrade bulk file (``.csv``, ``.txt`` or ``.tsv``, optionally ``.gz``).
    hs_revision
        used when the file has no ``classificationCode`` column; default: from the file
        name (``H5`` -> ``HS2017``).

    Returns
    -------
    pandas.DataFrame
        Canonical trade rows with ``period`` ``'YYYY'`` or ``'YYYY-MM'`` and ``_line``.

    Raises
    ------
    SchemaError
        missing columns, bad periods or numbers.
    UnknownCodeError
        reporters or partners that resolve to no ISO3, each named once with a line.
    """
    p = Path(path)
    file = str(p)
    df = _read(p)
    df[schema.LINE] = np.arange(2, len(df) + 2, dtype=np.int64)
    df = _keep_trade_rows(df, file)
    n = len(df)
    failures: list[Failure] = []
    reporter, f1 = _countries(df, "reporter", file)
    partner, f2 = _countries(df, "partner", file)
    period, f3 = _periods(df, file)
    revision, f4 = _revisions(df, p, hs_revision)
    value, quantity, f5 = _values(df, file)
    failures = [*f1, *f2, *f3, *f4, *f5]
    raise_failures(failures, file=file, what="Comtrade reporter/partner code(s)")

    is_export = (df["flowCode"] == "X").to_numpy()
    reporter_np = np.asarray(reporter.to_pylist(), dtype=object)
    partner_np = np.asarray(partner.to_pylist(), dtype=object)
    out = trade_frame({
        "period": period,
        "hs6": pa.array(df["cmdCode"].to_numpy(dtype=object), type=pa.string()),
        "hs_revision": revision,
        "exporter": pa.array(np.where(is_export, reporter_np, partner_np), type=pa.string()),
        "importer": pa.array(np.where(is_export, partner_np, reporter_np), type=pa.string()),
        "reporter_side": pa.array(np.where(is_export, "export", "import"), type=pa.string()),
        "value_usd": value,
        "quantity": quantity,
        "quantity_unit": constant("t", n, mask=np.isnan(quantity)),
        schema.LINE: df[schema.LINE].to_numpy(),
    }, n)
    return sum_duplicates(out)


def _read(p: Path) -> pd.DataFrame:
    """The wanted columns as text (stripped), with Arrow's multi-threaded reader."""
    header = _header(p)
    delimiter = "\t" if "\t" in header else ","
    names = [h.strip().strip('"') for h in header.split(delimiter)]
    required = [c for c in ("flowCode", "cmdCode") if c not in names]
    if not any(c in names for c in ("reporterISO", "reporterCode")):
        required.append("reporterISO or reporterCode")
    if not any(c in names for c in ("partnerISO", "partnerCode")):
        required.append("partnerISO or partnerCode")
    if not any(c in names for c in ("period", "refYear")):
        required.append("period or refYear")
    if not any(c in names for c in ("primaryValue", "fobvalue", "cifvalue")):
        required.append("primaryValue")
    if required:
        raise SchemaError(
            f"{p} is not a UN Comtrade bulk file: missing column(s) {required}.",
            [Failure(f"missing column {c!r}", file=str(p), line=1) for c in required],
            file=p, hint="Download 'final' bulk data (comtradeapicall.bulkDownloadFinalFile) "
            "or export from the Comtrade data browser with the standard column names.")
    cols = [c for c in _WANTED if c in names]
    table = pacsv.read_csv(
        p,
        parse_options=pacsv.ParseOptions(delimiter=delimiter),
        convert_options=pacsv.ConvertOptions(
            column_types=dict.fromkeys(cols, pa.string()), include_columns=cols,
            strings_can_be_null=False),
    )
    df = table.to_pandas()
    for c in df.columns:
        df[c] = df[c].str.strip()
    return df


def _header(p: Path) -> str:
    import gzip

    opener = gzip.open if p.suffix == ".gz" else open
    with opener(p, "rt", encoding="utf-8-sig", errors="replace") as fh:
        return str(fh.readline()).rstrip("\r\n")


def _keep_trade_rows(df: pd.DataFrame, file: str) -> pd.DataFrame:
    """Drop re-exports, aggregates, World partner and breakdown rows (see module doc)."""
    df["flowCode"] = df["flowCode"].str.upper()
    keep = {
        "flow X or M": df["flowCode"].isin(list(FLOWS)),
        "six-digit cmdCode": df["cmdCode"].str.fullmatch(r"\d{6}").fillna(False),
        "partner not World": ~_partner_is_world(df),
    }
    for col, total in _TOTALS.items():
        if col in df.columns:
            keep[f"{col} total ({total})"] = df[col].isin([total, ""])
    mask = np.ones(len(df), dtype=bool)
    for why, series in keep.items():
        ok = series.to_numpy(dtype=bool)
        dropped = int((mask & ~ok).sum())
        if dropped:
            log.info("%s: dropped %d row(s) failing '%s'", file, dropped, why)
        mask &= ok
    return df.loc[mask].reset_index(drop=True)


def _partner_is_world(df: pd.DataFrame) -> pd.Series:
    world = pd.Series(False, index=df.index)
    for col in ("partnerCode", "partnerISO"):
        if col in df.columns:
            world |= df[col].str.upper().isin(WORLD_CODES)
    return world


def _countries(df: pd.DataFrame, role: str, file: str) -> tuple[pa.Array, list[Failure]]:
    """ISO3 of reporters or partners: the ISO column, else the description, else the code."""
    parts = [c for c in (f"{role}ISO", f"{role}Desc", f"{role}Code") if c in df.columns]
    key = df[parts[0]].astype(str)
    for c in parts[1:]:
        key = key + " / " + df[c].astype(str)
    column = f"{role}ISO" if f"{role}ISO" in df.columns else f"{role}Code"
    return resolve_codes(key, _resolve_joined, file=file, column=column,
                         line_of=frame_lines(df), what=f"{role}")


def _resolve_joined(key: object) -> str | None:
    for part in str(key).split(" / "):
        hit = countries.lookup(part) if part else None
        if hit is not None:
            return hit
    return None


def _periods(df: pd.DataFrame, file: str) -> tuple[pa.Array, list[Failure]]:
    if "period" in df.columns:
        key = df["period"]
    else:
        month = df["refMonth"] if "refMonth" in df.columns else pd.Series("", index=df.index)
        freq = df["freqCode"] if "freqCode" in df.columns else pd.Series("A", index=df.index)
        monthly = freq.str.upper().eq("M") & month.ne("") & month.ne("52")  # 52: annual
        key = df["refYear"].where(~monthly, df["refYear"] + month.str.zfill(2))
    return resolve_codes(key, _period, file=file, column="period", line_of=frame_lines(df),
                         what="period (expected YYYY or YYYYMM)")


def _period(v: object) -> str | None:
    s = str(v).strip()
    if len(s) == 4 and s.isdigit():
        return s
    if len(s) == 6 and s.isdigit() and 1 <= int(s[4:]) <= 12:
        return f"{s[:4]}-{s[4:]}"
    return None


def _revisions(df: pd.DataFrame, p: Path, given: str | None
               ) -> tuple[pa.Array | str, list[Failure]]:
    if "classificationCode" in df.columns and given is None:
        return resolve_codes(df["classificationCode"], COMTRADE_HS.get, file=str(p),
                             column="classificationCode", line_of=frame_lines(df),
                             what="HS classification (H0..H6)")
    revision = given or hs_revision_from_name(p.name)
    if revision is None:
        raise SchemaError(f"Cannot tell the HS revision of {p}.", file=p,
                          hint="The file has no classificationCode column: pass "
                          "hs_revision='HS2017' (or 'H5' in the file name).")
    return revision, []


def _values(df: pd.DataFrame, file: str) -> tuple[np.ndarray, np.ndarray, list[Failure]]:
    """Value in USD and quantity in tonnes (see the module doc for the fallbacks)."""
    line_of = frame_lines(df)
    failures: list[Failure] = []

    def number(col: str) -> np.ndarray:
        if col not in df.columns:
            return np.full(len(df), np.nan)
        arr, f = parse_numbers(pa.array(df[col].to_numpy(dtype=object), type=pa.string()),
                               file=file, column=col, line_of=line_of)
        failures.extend(f)
        return arr

    is_export = (df["flowCode"] == "X").to_numpy()
    value = number("primaryValue")
    fallback = np.where(is_export, number("fobvalue"), number("cifvalue"))
    value = np.where(np.isnan(value), fallback, value)
    weight = number("netWgt")
    weight[(weight == 0) & (value > 0)] = np.nan
    if "qtyUnitAbbr" in df.columns:
        in_kg = df["qtyUnitAbbr"].str.lower().eq("kg").to_numpy()
        weight = np.where(np.isnan(weight) & in_kg, number("qty"), weight)
    return value, weight / 1000.0, failures



register(Loader(
    kind="comtrade",
    function="comtrade:read_comtrade",
    tables=("trade",),
    description="UN Comtrade bulk CSV/TSV (annual or monthly; X and M flows at HS6).",
    publisher="United Nations Statistics Division (UN Comtrade)",
    licence="UN Comtrade terms of use (attribution)",
    url="https://comtradeplus.un.org/",
))

__all__ = ["FLOWS", "read_comtrade"]
