"""Shared file-reading helpers for every loader: text decoding, CSV parsing, columns, numbers.

Each loader reads its file with :func:`read_table`, checks its columns with
:func:`require_columns` and parses numeric cells with :func:`parse_numbers`::

    from mineralwatch.sources._io import read_table, require_columns, parse_numbers

    df = read_table(path, sep=";")                 # every cell a stripped str, plus `_line`
    df = require_columns(df, ["Country", "year", "value"], file=path)
    nums = parse_numbers(df["value"], file=path, lines=df["_line"], column="value")
    nums["value"], nums["qualifier"]               # float (NaN when withheld) and "W", ">", ...

Every row keeps the line of the source file it starts on in the ``_line`` column
(:data:`mineralwatch.schema.LINE`), so that :func:`mineralwatch.schema.check_frame`
and the loaders can name lines in their errors.

Number semantics (:func:`parse_number`)
---------------------------------------
=====================  ==========  =========  ===========================================
text                   value       qualifier  meaning
=====================  ==========  =========  ===========================================
``""``                 NaN         ``None``   blank cell
``1234``, ``-3.5e2``   the number  ``None``
``1,234,567``          1234567.0   ``None``   thousands separators (comma, space, NBSP, ')
``59.6%``              0.596       ``"%"``    percentages become fractions 0-1
``<0.1%``              0.001       ``"<"``    the bound is kept; the qualifier says "less than"
``>90000000``          9e7         ``">"``    "more than" (USGS reserves)
``W``                  NaN         ``"W"``    withheld to avoid disclosing company data
``NA``, ``n.a.``       NaN         ``"NA"``   not available
``--``, ``-``, ``…``   NaN         ``"--"``   nil or not available
``XX``                 NaN         ``"XX"``   not applicable
=====================  ==========  =========  ===========================================

Anything else is an error: :func:`parse_numbers` collects every bad cell and raises one
:class:`~mineralwatch.errors.InputError` naming file, line, column and value.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mineralwatch import schema
from mineralwatch.errors import EncodingError, Failure, InputError, SchemaError
from mineralwatch.schema import LINE

#: Encodings tried, in order, when a file's encoding is not given. GB18030 (a superset of
#: GBK and GB2312) is accepted only when the bytes look like Chinese text (see
#: :func:`decode_bytes`); Latin-1 only when it yields no control characters.
DEFAULT_ENCODINGS: tuple[str, ...] = ("utf-8", "gb18030", "cp1252", "latin-1")

#: Qualifier -> meaning, for notes. Keys are what :func:`parse_number` returns.
QUALIFIERS: dict[str, str] = {
    "W": "withheld to avoid disclosing company proprietary data",
    "NA": "not available",
    "--": "nil or not available",
    "XX": "not applicable",
    "<": "less than the value shown",
    ">": "more than the value shown",
    "%": "percentage, stored as a fraction",
}

_MISSING_TOKENS: dict[str, str] = {
    "w": "W",
    "na": "NA", "n/a": "NA", "n.a.": "NA", "n.a": "NA", "nan": "NA",
    "--": "--", "-": "--", "—": "--", "–": "--", "…": "--", "...": "--", "..": "--",
    "xx": "XX",
}
_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_GROUPED_NUMBER = re.compile(r"^[+-]?\d{1,3}([,\u00a0\u202f ']\d{3})+(\.\d+)?$")
_GROUP_SEPARATORS = re.compile(r"[,\u00a0\u202f ']")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")


# -- bytes and text ------------------------------------------------------------------


def read_bytes(path: str | Path) -> bytes:
    """The bytes of a file, gunzipped when it is gzip-compressed (by magic number).

    Raises
    ------
    InputError
        when the file does not exist or a ``.gz`` file is corrupt.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"File not found: {p}", file=p, hint="Check the path.")
    raw = p.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise InputError(f"Corrupt gzip file {p}: {exc}", file=p,
                             hint="Download the file again or decompress it by hand.") from exc
    return raw


def _line_of_offset(raw: bytes, offset: int) -> int:
    return raw.count(b"\n", 0, offset) + 1


def _looks_chinese(raw: bytes, text: str) -> bool:
    """True when GB18030-decoded ``text`` is plausibly Chinese, not misread Latin-1.

    Latin-1 text has isolated high bytes (one accented letter between ASCII letters);
    GBK text has them in pairs, and decodes to CJK characters.
    """
    high = [c for c in text if ord(c) > 127]
    if not high:
        return False
    if any(len(run) % 2 for run in _HIGH_RUN.findall(raw)):
        return False
    return sum(1 for c in high if _CJK.match(c)) / len(high) >= 0.9


def decode_bytes(raw: bytes, *, file: str | Path | None = None,
                 encodings: Sequence[str] | None = None) -> tuple[str, str]:
    """Decode ``raw`` trying ``encodings`` in order; returns ``(text, encoding)``.

    A UTF-8 byte-order mark is removed (``utf-8-sig``); UTF-16 with a BOM is decoded.
    With the default encodings, GB18030/GBK is chosen only for bytes that look like
    Chinese text and Latin-1 only when the result has no control characters, so that a
    binary or corrupt file is reported rather than turned into nonsense.

    Raises
    ------
    EncodingError
        naming the file and the byte offset and line of the first byte UTF-8 could not
        decode.
    """
    name = str(file) if file is not None else None
    if raw.startswith(b"\xef\xbb\xbf"):
        try:
            return raw.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError:
            pass
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16"
    auto = encodings is None
    first_error: UnicodeDecodeError | None = None
    for enc in encodings or DEFAULT_ENCODINGS:
        try:
            text = raw.decode(enc)
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
            continue
        if auto and enc == "gb18030" and not _looks_chinese(raw, text):
            continue
        if auto and enc in ("latin-1", "cp1252") and _CONTROL.search(text):
            continue
        if "\x00" in text:
            first_error = first_error or UnicodeDecodeError(enc, raw, raw.index(b"\x00"),
                                                            raw.index(b"\x00") + 1, "NUL byte")
            continue
        return text, enc
    offset = first_error.start if first_error is not None else 0
    line = _line_of_offset(raw, offset)
    tried = ", ".join(encodings or DEFAULT_ENCODINGS)
    raise EncodingError(
        f"Cannot decode {name or 'the input'}: byte 0x{raw[offset]:02x} at offset {offset} "
        f"(line {line}) is not valid in any of: {tried}.",
        [Failure("undecodable byte", file=name, line=line, value=raw[offset:offset + 8])],
        file=name,
        hint="Save the file as UTF-8, or pass encoding='...' to the loader. A binary or "
        "truncated file cannot be read as text.",
    )


def read_text(path: str | Path, *, encoding: str | Sequence[str] | None = None
              ) -> tuple[str, str]:
    """Read a (possibly gzipped) text file; returns ``(text, encoding used)``.

    ``encoding`` may be one encoding, a sequence tried in order, or ``None`` for
    detection over :data:`DEFAULT_ENCODINGS`.
    """
    encodings = [encoding] if isinstance(encoding, str) else encoding
    return decode_bytes(read_bytes(path), file=path, encodings=encodings)


# -- CSV ------------------------------------------------------------------------------


def _sniff_separator(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    return max(counts, key=lambda s: counts[s])


def _records(text: str, sep: str, file: str) -> Iterable[tuple[int, list[str]]]:
    """(start line, fields) of every record; blank lines skipped."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep, strict=True)
    start = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InputError(
                f"Malformed CSV in {file} at line {start}: {exc}",
                [Failure(f"malformed CSV ({exc})", file=file, line=start)],
                file=file,
                hint="Look for an unclosed quote (a field that opens with \" and never "
                "closes) or a stray quote inside an unquoted field.",
            ) from None
        if fields and any(f.strip() for f in fields):
            yield start, fields
        start = reader.line_num + 1


def read_table(
    path: str | Path,
    *,
    sep: str | None = ",",
    encoding: str | Sequence[str] | None = None,
    skip_lines: int = 0,
    strip: bool = True,
    allow_empty: bool = False,
) -> pd.DataFrame:
    """Read a delimited text file (CSV, TSV, ``;``- or ``|``-separated, gzipped or not).

    Parameters
    ----------
    path
        the file; ``.gz`` (any gzip file) is decompressed.
    sep
        field separator; ``None`` picks the most frequent of ``, ; TAB |`` in the header.
    encoding
        one encoding, several tried in order, or ``None`` to detect (see
        :func:`decode_bytes`).
    skip_lines
        lines before the header (titles, notes).
    strip
        strip surrounding whitespace from header names and cells.
    allow_empty
        return an empty frame (with the header's columns) for a file with no data rows
        instead of raising.

    Returns
    -------
    DataFrame
        one ``str`` column per header field (blank cells are ``""``) and
        :data:`~mineralwatch.schema.LINE` (``_line``): the line each row starts on.

    Raises
    ------
    EncodingError
        the bytes cannot be decoded.
    InputError
        the file is empty or has no data rows; a row has more or fewer fields than the
        header (every such row is listed); a quote is not closed.
    """
    name = str(path)
    text, _ = read_text(path, encoding=encoding)
    lines_skipped = 0
    if skip_lines:
        parts = text.split("\n", skip_lines)
        text = parts[-1] if len(parts) > skip_lines else ""
        lines_skipped = skip_lines
    if not text.strip():
        raise InputError(f"Empty file: {name} has no header and no data.", file=name,
                         hint="Check that the download completed.")
    if sep is None:
        sep = _sniff_separator(text.lstrip().split("\n", 1)[0])
    records = _records(text, sep, name)
    header_line, header = next(iter(records))
    columns = [h.strip().lstrip("\ufeff") if strip else h for h in header]
    rows: list[list[str]] = []
    lines: list[int] = []
    failures: list[Failure] = []
    for line, fields in records:
        if len(fields) != len(columns):
            failures.append(Failure(f"{len(fields)} fields where the header has {len(columns)}",
                                    file=name, line=line + lines_skipped,
                                    value=sep.join(fields)[:80]))
            continue
        rows.append([f.strip() for f in fields] if strip else fields)
        lines.append(line + lines_skipped)
    if failures:
        raise InputError(
            f"{len(failures)} ragged row(s) in {name} (header at line "
            f"{header_line + lines_skipped}, separator {sep!r}):",
            failures, file=name,
            hint="Each row needs exactly one field per header column; quote fields that "
            "contain the separator.",
        )
    if not rows and not allow_empty:
        raise InputError(f"No data rows in {name}: only a header.", file=name,
                         hint="Check that the download completed.")
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise SchemaError(f"Duplicate column name(s) {dupes} in {name}.",
                          [Failure("duplicate column", file=name, line=header_line, value=d)
                           for d in dupes], file=name, hint="Rename the repeated columns.")
    df = pd.DataFrame(rows, columns=columns, dtype=object)
    df[LINE] = np.asarray(lines, dtype="int64")
    return df


# -- columns --------------------------------------------------------------------------


def column_key(name: str) -> str:
    """A column name for tolerant matching: case-folded, without spaces, ``_`` and ``-``.

    ``"PROD_EST_ 2024"`` and ``"prod est 2024"`` both give ``"prodest2024"``.
    """
    return re.sub(r"[\s_\-]+", "", name.lstrip("\ufeff")).casefold()


def require_columns(
    df: pd.DataFrame,
    required: Iterable[str],
    *,
    file: str | Path | None = None,
    aliases: Mapping[str, Iterable[str]] | None = None,
) -> pd.DataFrame:
    """Check that ``df`` has every ``required`` column; return it with canonical names.

    A column whose name differs only in case, spaces, ``_`` or ``-`` (``PROD_EST_ 2024``)
    or that is listed in ``aliases[required_name]`` is renamed to the required name.

    Raises
    ------
    SchemaError
        listing every missing column, the closest found column for each (a likely
        rename), and all the columns that were found.
    """
    name = str(file) if file is not None else None
    found = [c for c in df.columns if c != LINE]
    by_key = {column_key(c): c for c in found}
    rename: dict[str, str] = {}
    missing: list[str] = []
    for req in required:
        if req in df.columns:
            continue
        candidates = [req, *(aliases or {}).get(req, [])]
        hit = next((by_key[column_key(c)] for c in candidates if column_key(c) in by_key), None)
        if hit is None:
            missing.append(req)
        else:
            rename[hit] = req
    if missing:
        failures = []
        for m in missing:
            close = difflib.get_close_matches(m, found, n=1, cutoff=0.6)
            msg = f"missing column {m!r}" + (f" (renamed to {close[0]!r}?)" if close else "")
            failures.append(Failure(msg, file=name, line=1, column=m))
        raise SchemaError(
            f"{len(missing)} required column(s) missing"
            + (f" in {name}" if name else "") + f": {missing}. Found columns: {found}",
            failures, file=name,
            hint="Restore the column names of the published file (or check that this is "
            "the right file for this loader).",
        )
    return df.rename(columns=rename)


# -- numbers --------------------------------------------------------------------------


@dataclass(frozen=True)
class Number:
    """A parsed cell: the value (NaN when there is none) and its qualifier (see module doc)."""

    value: float
    qualifier: str | None = None


def parse_number(text: object) -> Number:
    """Parse one cell following the module's number semantics.

    Raises
    ------
    ValueError
        when the text is not a number, a qualified number or a known missing-value code.
    """
    if text is None or (isinstance(text, float) and math.isnan(text)):
        return Number(math.nan)
    if isinstance(text, int | float):
        return Number(float(text))
    s = str(text).strip()
    if not s:
        return Number(math.nan)
    token = _MISSING_TOKENS.get(s.casefold())
    if token is not None:
        return Number(math.nan, token)
    qualifier: str | None = None
    if s[0] in "<>":
        qualifier, s = s[0], s[1:].strip()
    percent = s.endswith("%")
    if percent:
        s = s[:-1].strip()
    if _GROUPED_NUMBER.match(s):
        s = _GROUP_SEPARATORS.sub("", s)
    if not _PLAIN_NUMBER.match(s):
        raise ValueError(f"not a number: {text!r}")
    value = float(s) / 100.0 if percent else float(s)
    return Number(value, qualifier or ("%" if percent else None))


def parse_numbers(
    values: Iterable[object],
    *,
    file: str | Path | None = None,
    lines: Sequence[int] | pd.Series | None = None,
    column: str | None = None,
) -> pd.DataFrame:
    """Parse many cells; one error lists every cell that is not a number.

    Returns
    -------
    DataFrame
        ``value`` (float64, NaN where there is no number) and ``qualifier`` (object:
        ``None``, ``"W"``, ``"NA"``, ``"--"``, ``"XX"``, ``"<"``, ``">"`` or ``"%"``),
        indexed like ``values`` when it is a Series.

    Raises
    ------
    InputError
        naming file, line, column and value of each unparseable cell.
    """
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    line_list = list(lines) if lines is not None else [None] * len(series)
    cache: dict[object, Number | None] = {}
    out_v = np.full(len(series), np.nan)
    out_q: list[str | None] = [None] * len(series)
    failures: list[Failure] = []
    name = str(file) if file is not None else None
    for i, raw in enumerate(series.tolist()):
        key = raw if isinstance(raw, str) else repr(raw)
        if key not in cache:
            try:
                cache[key] = parse_number(raw)
            except ValueError:
                cache[key] = None
        num = cache[key]
        if num is None:
            ln = line_list[i]
            failures.append(Failure("not a number", file=name,
                                    line=int(ln) if ln is not None else None,
                                    column=column, value=raw))
            continue
        out_v[i] = num.value
        out_q[i] = num.qualifier
    if failures:
        raise InputError(
            f"{len(failures)} value(s) that are not numbers"
            + (f" in column {column!r}" if column else "") + (f" of {name}" if name else "")
            + ":",
            failures, file=name,
            hint="Numbers may use thousands separators, a % sign, a leading < or >, or one "
            "of the codes W, NA, --, XX (see mineralwatch.sources._io).",
        )
    return pd.DataFrame({"value": pd.Series(out_v, index=series.index, dtype="float64"),
                         "qualifier": pd.Series(out_q, index=series.index, dtype=object)})


def qualifier_note(qualifier: str | None, raw: object = None) -> str | None:
    """A short note explaining a qualifier, e.g. ``"'>90000000': more than the value shown"``."""
    if qualifier is None or qualifier == "%":
        return None
    meaning = QUALIFIERS.get(qualifier, qualifier)
    return f"{raw!r}: {meaning}" if raw is not None else meaning


# -- validation -----------------------------------------------------------------------


def check_table(df: pd.DataFrame, table: str, *, file: str | Path | None = None) -> pd.DataFrame:
    """Validate a loader's frame against a canonical table before it leaves the loader.

    Runs :func:`mineralwatch.schema.check_frame` (which needs ``source_id``; a placeholder
    is used, the warehouse sets the real one on ingest) so that a bad file fails in
    ``read_*`` already, with every failure listed.

    Returns
    -------
    DataFrame
        the table's columns without ``source_id``, in canonical order and types, plus
        ``_line`` when ``df`` has it (the warehouse uses it in its own check).
    """
    probe = df if "source_id" in df.columns else df.assign(source_id="(read)")
    out = schema.check_frame(probe, table, file=str(file) if file is not None else None)
    out = out.drop(columns="source_id")
    if LINE in df.columns:
        out[LINE] = df[LINE].to_numpy()
    return out


__all__ = [
    "DEFAULT_ENCODINGS",
    "QUALIFIERS",
    "Number",
    "check_table",
    "column_key",
    "decode_bytes",
    "parse_number",
    "parse_numbers",
    "qualifier_note",
    "read_bytes",
    "read_table",
    "read_text",
    "require_columns",
]
