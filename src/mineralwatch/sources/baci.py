"""CEPII BACI: reconciled bilateral trade by HS6 product, one file per year.

Layout (BACI ``BACI_HS17_Y2022_V202401.csv``)::

    t,i,j,k,v,q
    2022,4,12,"010121",12.345,0.5

``t`` year, ``i`` exporter, ``j`` importer (BACI numeric country codes), ``k`` HS6 product,
``v`` value in thousand USD, ``q`` quantity in metric tons (``NA`` or blank when
unknown; some releases pad values with spaces). Country codes are resolved through the
release's ``country_codes_VXXXXXX.csv`` (``country_code, country_name, country_iso2,
country_iso3``; older releases use ``iso_3digit_alpha``), found beside the data file
unless passed. Parquet files with the same columns are read too.

The reader is columnar end to end (Arrow CSV reader, dictionary-encoded joins, no row
loops), so a 10-million-row year reads in seconds.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from mineralwatch import schema
from mineralwatch.errors import Failure, InputError, SchemaError
from mineralwatch.sources._registry import Loader, register
from mineralwatch.sources._trade import (
    LineOf,
    constant,
    country_resolver,
    csv_line,
    hs_revision_from_name,
    parse_numbers,
    raise_failures,
    resolve_codes,
    sum_duplicates,
    trade_frame,
)

REQUIRED = ("t", "i", "j", "k", "v", "q")
_CODE_COLUMNS = ("country_code", "i", "code")
_ISO3_COLUMNS = ("country_iso3", "iso_3digit_alpha", "iso3")
_NAME_COLUMNS = ("country_name", "country_name_abbreviation", "country_name_full", "name")
_VERSION = re.compile(r"V(\d{6})", re.IGNORECASE)


def read_baci(path: str | Path, country_codes: str | Path | None = None, *,
              hs_revision: str | None = None) -> pd.DataFrame:
    """Read one BACI file (CSV or Parquet) into the canonical ``trade`` table.

    Parameters
    ----------
    path
        ``BACI_HSxx_Yyyyy_Vzzzzzz.csv`` (or ``.parquet``) with columns t,i,j,k,v,q.
    country_codes
        BACI's ``country_codes_Vzzzzzz.csv``; default: the one beside ``path`` (the
        release version in the file name picks among several).
    hs_revision
        HS revision of the product codes; default: from the file name (``HS17`` ->
        ``HS2017``).

    Returns
    -------
    pandas.DataFrame
        Canonical trade rows: ``period`` the year, ``reporter_side`` ``'reconciled'``,
        ``value_usd`` = v * 1000, ``quantity`` in tonnes (``quantity_unit`` ``'t'``,
        both null where BACI has ``NA``), and ``_line`` (CSV only).

    Raises
    ------
    SchemaError
        missing columns, values that are not numbers, product codes that are not HS6.
    UnknownCodeError
        country codes absent from the code file or without a known ISO3, each named once
        with its first line and row count.
    """
    p = Path(path)
    file = str(p)
    revision = hs_revision or hs_revision_from_name(p.name)
    if revision is None:
        raise SchemaError(f"Cannot tell the HS revision of {file} from its name.",
                          file=file, hint="Pass hs_revision='HS2017' (or keep BACI's file "
                          "name, e.g. BACI_HS17_Y2022_V202401.csv).")
    is_parquet = p.suffix.lower() in (".parquet", ".pq")
    table = _read_parquet(p) if is_parquet else _read_csv(p)
    line_of: LineOf = _no_line if is_parquet else csv_line
    codes_path = Path(country_codes) if country_codes else find_country_codes(p)
    resolved: dict[object, str | None] = {}
    by_code = country_resolver(*read_country_codes(codes_path))

    def resolve(code: object) -> str | None:
        resolved[code] = by_code(code)
        return resolved[code]

    exporter, f1 = resolve_codes(table["i"], resolve, file=file, column="i", line_of=line_of,
                                 what=f"country code (absent from {codes_path.name} or no ISO3)")
    importer, f2 = resolve_codes(table["j"], resolve, file=file, column="j", line_of=line_of,
                                 what=f"country code (absent from {codes_path.name} or no ISO3)")
    period, f3 = resolve_codes(table["t"], _year, file=file, column="t", line_of=line_of,
                               what="year")
    hs6, f4 = resolve_codes(table["k"], _hs6, file=file, column="k", line_of=line_of,
                            what="HS6 code")
    value, f5 = parse_numbers(table["v"], file=file, column="v", line_of=line_of)
    qty, f6 = parse_numbers(table["q"], file=file, column="q", line_of=line_of)
    failures = [*f1, *f2, *f3, *f4, *f5, *f6]
    raise_failures(failures, file=file, what="BACI country code(s)")

    n = table.num_rows
    columns = {
        "period": period, "hs6": hs6, "hs_revision": revision, "exporter": exporter,
        "importer": importer, "reporter_side": "reconciled", "value_usd": value * 1000.0,
        "quantity": qty, "quantity_unit": constant("t", n, mask=np.isnan(qty)),
    }
    if not is_parquet:
        columns[schema.LINE] = np.arange(2, n + 2, dtype=np.int64)
    df = trade_frame(columns, n)
    iso3 = [v for v in resolved.values() if v is not None]
    # two BACI codes for one ISO3 (historic splits) would duplicate keys: sum them
    return sum_duplicates(df) if len(iso3) != len(set(iso3)) else df


def find_country_codes(path: Path) -> Path:
    """The ``country_codes_V*.csv`` beside a BACI file (same release version if several)."""
    found = sorted(path.parent.glob("country_codes*.csv"))
    if not found:
        raise InputError(
            f"No BACI country-code file beside {path}.",
            file=path,
            hint="BACI releases ship country_codes_VXXXXXX.csv; put it in the same folder "
            "or pass country_codes=PATH.")
    version = _VERSION.search(path.name)
    if version:
        same = [f for f in found if version.group(1) in f.name]
        if same:
            return same[0]
    return found[-1]


def read_country_codes(path: str | Path) -> tuple[dict[int, str], dict[int, str]]:
    """BACI code -> ISO3 (as published) and code -> English name, from a code file."""
    p = Path(path)
    df = _read_small_csv(p)
    cols = {c.strip().lower(): c for c in df.columns}
    code = _pick(cols, _CODE_COLUMNS, p)
    iso3 = _pick(cols, _ISO3_COLUMNS, p)
    name = next((cols[c] for c in _NAME_COLUMNS if c in cols), None)
    codes = pd.to_numeric(df[code], errors="coerce")
    ok = codes.notna()
    keys = codes[ok].astype(int).tolist()
    iso = dict(zip(keys, df.loc[ok, iso3].astype(str).str.strip(), strict=True))
    names = dict(zip(keys, df.loc[ok, name].astype(str).str.strip(), strict=True)) if name \
        else {}
    return iso, names


def _read_csv(p: Path) -> pa.Table:
    """Read the six columns with Arrow; numbers typed in C++ where the file allows.

    Values padded as ``"     NA"`` (some BACI releases) defeat Arrow's null matching;
    the columns are then read as text and parsed by :func:`parse_numbers`.
    """
    header = _header(p)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise SchemaError(
            f"{p} is not a BACI file: missing column(s) {missing}.",
            [Failure(f"missing column {m!r}", file=str(p), line=1) for m in missing],
            file=p, hint=f"BACI files have the columns {', '.join(REQUIRED)}; found "
            f"{', '.join(header)}.")
    raw = _raw_header(p)
    for numbers in (pa.float64(), pa.string()):
        types = {r: (numbers if h in ("v", "q") else pa.int64())
                 for r, h in zip(raw, header, strict=True) if h in REQUIRED}
        options = pacsv.ConvertOptions(column_types=types, include_columns=list(types),
                                       null_values=["", "NA", "N/A"],
                                       strings_can_be_null=True)
        try:
            table = pacsv.read_csv(p, convert_options=options)
        except pa.ArrowInvalid as exc:
            if numbers == pa.float64() and "double" in str(exc):
                continue  # padded NA or a bad number: re-read v and q as text
            raise SchemaError(f"Cannot read {p} as BACI: {exc}", file=p,
                              hint="t, i, j and k must be integers.") from exc
        return table.rename_columns([header[raw.index(c)] for c in table.column_names])
    raise AssertionError("unreachable")  # pragma: no cover


def _read_parquet(p: Path) -> pa.Table:
    table = pq.read_table(p)
    names = {c.strip().lower(): c for c in table.column_names}
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise SchemaError(f"{p} is not a BACI file: missing column(s) {missing}.", file=p,
                          hint=f"BACI files have the columns {', '.join(REQUIRED)}.")
    return table.select([names[c] for c in REQUIRED]).rename_columns(list(REQUIRED))


def _raw_header(p: Path) -> list[str]:
    with p.open("r", encoding="utf-8-sig", errors="replace") as fh:
        first = fh.readline()
    return [h.strip('"') for h in first.rstrip("\r\n").split(",")]


def _header(p: Path) -> list[str]:
    return [h.strip().lower() for h in _raw_header(p)]


def _read_small_csv(p: Path) -> pd.DataFrame:
    for encoding in ("utf-8-sig", "latin-1"):
        try:
            return pd.read_csv(p, dtype=str, keep_default_na=False, encoding=encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(f"Cannot decode {p}.", file=p)  # pragma: no cover (latin-1 never fails)


def _pick(cols: dict[str, str], options: tuple[str, ...], p: Path) -> str:
    for c in options:
        if c in cols:
            return cols[c]
    raise SchemaError(f"{p}: none of the columns {list(options)} found.", file=p,
                      hint="Pass the country_codes_VXXXXXX.csv of the same BACI release.")


def _year(v: object) -> str | None:
    try:
        y = int(str(v).strip())
    except ValueError:
        return None
    return str(y) if 1900 <= y <= 2100 else None


def _hs6(v: object) -> str | None:
    s = str(v).strip().strip('"')
    return s.zfill(6) if s.isdigit() and 0 < int(s) < 1_000_000 else None


def _no_line(pos: int) -> None:
    return None


register(Loader(
    kind="baci",
    function="baci:read_baci",
    tables=("trade",),
    description="CEPII BACI bilateral trade (t,i,j,k,v,q; CSV or Parquet) with the release's "
    "country_codes file beside it.",
    publisher="CEPII",
    licence="Etalab Open Licence 2.0",
    url="https://www.cepii.fr/CEPII/en/bdd_modele/bdd_modele_item.asp?id=37",
))

__all__ = ["find_country_codes", "read_baci", "read_country_codes"]
