"""Shared pieces of the trade loaders (BACI, UN Comtrade, China's exports).

Everything here is vectorised: codes are factorised once, each *distinct* code is
resolved once, and the result is broadcast back to the rows. Unknown codes are
collected (one :class:`~mineralwatch.errors.Failure` per distinct value, with the
first line it occurs on and how many rows carry it) so that one error names them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mineralwatch import schema
from mineralwatch.codes import countries
from mineralwatch.errors import Failure, SchemaError, UnknownCodeError

#: Columns of a canonical trade frame as the loaders return it (``source_id`` is added
#: by the warehouse on ingest; ``_line`` carries the source line for error messages).
TRADE_COLUMNS: list[str] = [c for c in schema.TABLES["trade"].column_names if c != "source_id"]

#: UN Comtrade classification codes -> HS revision.
COMTRADE_HS: dict[str, str] = {
    "H0": "HS1992", "H1": "HS1996", "H2": "HS2002", "H3": "HS2007",
    "H4": "HS2012", "H5": "HS2017", "H6": "HS2022",
}

_BACI_NAME = re.compile(r"HS(\d{2})(?!\d)", re.IGNORECASE)
_COMTRADE_NAME = re.compile(r"(?<![A-Za-z0-9])(H[0-6])(?![0-9])")
_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"

#: Line of a row position (0-based) in the source file, or None when unknown (Parquet).
LineOf = Callable[[int], int | None]


def csv_line(pos: int) -> int:
    """Line number of data row ``pos`` in a CSV with one header line."""
    return int(pos) + 2


def frame_lines(df: pd.DataFrame) -> LineOf:
    """Line of a row position taken from the frame's ``_line`` column."""
    lines = df[schema.LINE].to_numpy()
    return lambda pos: int(lines[pos])


def hs_revision_from_name(name: str) -> str | None:
    """HS revision from a file name: ``BACI_HS17_Y2022_V202401.csv`` -> ``HS2017``.

    Comtrade-style ``H5`` tokens are understood too; ``None`` when nothing matches.
    """
    stem = Path(name).name
    m = _BACI_NAME.search(stem)
    if m:
        yy = int(m.group(1))
        return f"HS{1900 + yy if yy >= 88 else 2000 + yy}"
    m = _COMTRADE_NAME.search(stem)
    return COMTRADE_HS[m.group(1)] if m else None


def factorize(keys: pd.Series | np.ndarray | pa.Array | pa.ChunkedArray
              ) -> tuple[np.ndarray, list[Any]]:
    """Integer codes (-1 for null) and the distinct values of ``keys``.

    Arrow arrays are dictionary-encoded in C++ (no Python objects per row).
    """
    if isinstance(keys, pa.ChunkedArray):
        keys = keys.combine_chunks()
    if isinstance(keys, pa.Array):
        enc = pc.dictionary_encode(keys)
        codes = pc.fill_null(enc.indices, -1).to_numpy(zero_copy_only=False)
        return codes.astype(np.int64, copy=False), enc.dictionary.to_pylist()
    codes, uniques = pd.factorize(keys, use_na_sentinel=True)
    return codes, [_plain(u) for u in uniques]


def resolve_codes(
    keys: pd.Series | np.ndarray | pa.Array | pa.ChunkedArray,
    resolve: Callable[[Any], str | None],
    *,
    file: str,
    column: str,
    line_of: LineOf = csv_line,
    what: str = "country code",
) -> tuple[pa.Array, list[Failure]]:
    """Map every row's key with ``resolve``, calling it once per distinct key.

    Returns
    -------
    values, failures
        ``values`` is an Arrow string array of the resolved codes (null where unknown or
        empty); ``failures`` has one entry per distinct unknown key (its first line and
        row count) and one per empty key (the first five).
    """
    codes, uniques = factorize(keys)
    resolved: list[str | None] = [resolve(u) for u in uniques]
    failures: list[Failure] = []
    bad = [k for k, r in enumerate(resolved) if r is None]
    missing = codes < 0
    if bad or missing.any():
        counts = np.bincount(codes[~missing], minlength=len(uniques))
        order = np.argsort(codes, kind="stable")
        starts = np.searchsorted(codes[order], np.arange(len(uniques)))
        for k in bad:
            pos = int(order[starts[k]])
            failures.append(Failure(f"unknown {what} ({counts[k]} row(s))", file=file,
                                    line=line_of(pos), column=column, value=uniques[k]))
        for pos in np.flatnonzero(missing)[:5]:
            failures.append(Failure(f"empty {what}", file=file, line=line_of(int(pos)),
                                    column=column))
    return take_strings(codes, resolved), failures


def take_strings(codes: np.ndarray, values: list[str | None]) -> pa.Array:
    """``values[codes]`` as an Arrow string array, built in C++ (code -1 gives null)."""
    indices = pa.array(np.where(codes < 0, 0, codes).astype(np.int32), mask=codes < 0)
    dictionary = pa.array(values if values else [None], type=pa.string())
    return pa.DictionaryArray.from_arrays(indices, dictionary).cast(pa.string())


def constant(value: str, n: int, *, mask: np.ndarray | None = None) -> pa.Array:
    """A string column of ``n`` copies of ``value`` (null where ``mask`` is true)."""
    codes = np.zeros(n, dtype=np.int64)
    if mask is not None:
        codes[mask] = -1
    return take_strings(codes, [value])


def _plain(v: Hashable) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def parse_numbers(arr: pa.ChunkedArray | pa.Array, *, file: str, column: str,
                  line_of: LineOf = csv_line,
                  nulls: tuple[str, ...] = ("", "NA", "N/A", "null")) -> tuple[np.ndarray,
                                                                              list[Failure]]:
    """Parse a string column into float64 (vectorised): padding trimmed, ``NA``/blank -> NaN.

    Values that are not numbers become failures (first 20 shown with their lines).
    """
    if pa.types.is_floating(arr.type) or pa.types.is_integer(arr.type):
        return _writable(pc.cast(arr, pa.float64())), []
    text = pc.utf8_trim_whitespace(pc.cast(arr, pa.string()))
    is_null = pc.or_kleene(pc.is_null(text), pc.is_in(text, pa.array(list(nulls))))
    ok = pc.or_kleene(is_null, pc.match_substring_regex(text, _NUMBER))
    ok = pc.fill_null(ok, True)
    failures: list[Failure] = []
    if not pc.all(ok).as_py():
        bad = np.flatnonzero(~ok.to_numpy(zero_copy_only=False))
        vals = pc.take(text, pa.array(bad[:20])).to_pylist()
        failures = [Failure("not a number", file=file, line=line_of(int(p)), column=column,
                            value=v) for p, v in zip(bad[:20], vals, strict=True)]
        text = pc.if_else(ok, text, pa.scalar(None, pa.string()))
    clean = pc.if_else(is_null, pa.scalar(None, pa.string()), text)
    return _writable(pc.cast(clean, pa.float64())), failures


def _writable(arr: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A float64 numpy copy (Arrow's zero-copy views are read-only)."""
    return np.array(arr.to_numpy(zero_copy_only=False), dtype=np.float64)


def country_resolver(*spellings: dict[Any, Any]) -> Callable[[Any], str | None]:
    """A resolver of keys to ISO3 through :func:`countries.lookup`.

    With no ``spellings`` the key itself is looked up. Otherwise each dict maps a key to
    a spelling (e.g. BACI code -> ISO3, then code -> English name); the first spelling
    that resolves wins.
    """

    def resolve(key: Any) -> str | None:
        if not spellings:
            return countries.lookup(key)
        for table in spellings:
            hit = countries.lookup(table[key]) if key in table else None
            if hit is not None:
                return hit
        return None

    return resolve


def raise_failures(failures: list[Failure], *, file: str, what: str) -> None:
    """Raise one error listing every failure (unknown codes first), if there are any."""
    if not failures:
        return
    unknown = [f for f in failures if f.message.startswith("unknown")]
    if unknown:
        values = sorted({repr(f.value) for f in unknown})
        raise UnknownCodeError(
            f"{len(values)} unknown {what} in {file}: {', '.join(values[:10])}",
            failures, file=file,
            hint="Add the spelling or code to mineralwatch/codes/data/country_aliases.tsv "
            "(alias, ISO3, comment), or correct the input; nothing was written.")
    raise SchemaError(f"{len(failures)} bad value(s) in {file}", failures, file=file,
                      hint="Fix the listed rows in the input file; nothing was written.")


def trade_frame(columns: dict[str, Any], n: int) -> pd.DataFrame:
    """Assemble a canonical trade frame (plus ``_line`` when given) from column arrays.

    ``columns`` holds Arrow arrays, numpy arrays or scalar strings (broadcast). The frame
    is built through one Arrow table, so strings stay in Arrow memory (pandas ``str``).
    """
    arrays: dict[str, pa.Array] = {}
    for name in [*TRADE_COLUMNS, schema.LINE]:
        if name not in columns:
            continue
        v = columns[name]
        if isinstance(v, str):
            v = constant(v, n)
        arrays[name] = v if isinstance(v, pa.Array | pa.ChunkedArray) else pa.array(v)
    return pa.table(arrays).to_pandas()


def sum_duplicates(df: pd.DataFrame) -> pd.DataFrame:
    """Sum rows that share a trade key (e.g. several 'areas n.e.s.' codes mapped to XOT).

    Values and quantities are summed (NaN only when every part is NaN); the first
    line is kept. Returns ``df`` unchanged when every key is unique.
    """
    key = list(schema.TRADE_KEY)
    if not df.duplicated(key).any():
        return df
    agg: dict[str, Any] = {
        "hs_revision": "first", "quantity_unit": "first",
        "value_usd": lambda s: s.sum(min_count=1), "quantity": lambda s: s.sum(min_count=1),
    }
    if schema.LINE in df.columns:
        agg[schema.LINE] = "min"
    out = df.groupby(key, sort=False, dropna=False).agg(agg).reset_index()
    return out[[c for c in df.columns if c in out.columns]]


__all__ = [
    "COMTRADE_HS",
    "TRADE_COLUMNS",
    "constant",
    "country_resolver",
    "csv_line",
    "factorize",
    "frame_lines",
    "hs_revision_from_name",
    "parse_numbers",
    "raise_failures",
    "resolve_codes",
    "sum_duplicates",
    "take_strings",
    "trade_frame",
]
