"""World Bank Commodity Price Data (the Pink Sheet), monthly -> the ``price`` table.

>>> from mineralwatch.sources.pink_sheet import read_pink_sheet
>>> prices = read_pink_sheet("CMO-Historical-Data-Monthly.xlsx")  # doctest: +SKIP
>>> prices.query("product == 'Copper'").tail(1)          # doctest: +SKIP

Sheet "Monthly Prices" of ``CMO-Historical-Data-Monthly.xlsx`` (World Bank, CC BY 4.0):
a few title rows, then a row of series names ("Copper"), a row of units ("($/mt)"), a
row of series codes ("COPPER"), then one row per month ("1960M01"). Each cell becomes
one price row: ``product`` is the series name (footnote marks ``**`` removed),
``market`` is "World Bank Pink Sheet", ``date`` the first day of the month, ``currency``
USD (prices quoted in cents are divided by 100) and ``unit`` e.g. ``USD/t``; the price
indices are stored with currency ``index``. Empty cells and "…" (no quotation) make no
row. There are no cobalt, lithium, rare-earth or antimony series.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from mineralwatch.errors import Failure, InputError, SchemaError
from mineralwatch.schema import LINE
from mineralwatch.sources._io import check_table, parse_numbers
from mineralwatch.sources._registry import Loader, register

KIND = "pink-sheet"
MARKET = "World Bank Pink Sheet"
SHEET = "Monthly Prices"
_MONTH = re.compile(r"^(\d{4})M(\d{2})$")
_UNIT = re.compile(r"^\((\$|cents)/\s*(.+?)\)$")
_INDEX = re.compile(r"^\((\d{4})\s*=\s*100\)$")
#: Pink Sheet denominators -> our unit spelling.
DENOMINATORS: dict[str, str] = {
    "mt": "t", "kg": "kg", "bbl": "bbl", "mmbtu": "mmbtu", "troy oz": "troy oz",
    "dmtu": "dmtu", "cubic meter": "m3", "sheet": "sheet",
}


def parse_unit(text: str) -> tuple[str, str, float]:
    """``"($/mt)"`` -> ``("USD", "USD/t", 1.0)``: currency, unit and factor to apply.

    Raises
    ------
    ValueError
        for a unit this module does not know.
    """
    s = " ".join(str(text).split())
    m = _UNIT.match(s)
    if m and m.group(2) in DENOMINATORS:
        factor = 0.01 if m.group(1) == "cents" else 1.0
        return "USD", f"USD/{DENOMINATORS[m.group(2)]}", factor
    m = _INDEX.match(s)
    if m:
        return "index", f"{m.group(1)}=100", 1.0
    raise ValueError(f"unknown unit {text!r}")


def _product(name: object) -> str:
    return " ".join(str(name).replace("*", " ").split())


def _layout(raw: pd.DataFrame, file: str) -> tuple[int, int]:
    """(row of series names, first data row), 0-based, found by the first month code."""
    months = raw[0].astype(str).str.strip().str.match(_MONTH.pattern)
    if not months.any():
        raise SchemaError(f"No month rows (like 1960M01) in column A of sheet {SHEET!r} of "
                          f"{file}.", [Failure("no month codes", file=file, column="A")],
                          file=file, hint="Is this the Pink Sheet monthly file?")
    first = int(months.to_numpy().argmax())
    units_row = next((r for r in range(first - 1, -1, -1)
                      if raw.iloc[r, 1:].astype(str).str.startswith("(").any()), None)
    if units_row is None or units_row == 0:
        raise SchemaError(f"No units row (like '($/mt)') above the data in {file}.",
                          [Failure("no units row", file=file, line=first + 1)], file=file,
                          hint="Restore the header rows of the published file.")
    return units_row - 1, first


def _columns(raw: pd.DataFrame, names_row: int, file: str) -> list[tuple[int, str, str, str,
                                                                           float]]:
    """(column, product, currency, unit, factor) of every series; bad units listed at once."""
    out, failures = [], []
    for j in range(1, raw.shape[1]):
        name, unit = raw.iloc[names_row, j], raw.iloc[names_row + 1, j]
        if name is None or (isinstance(name, float) and name != name) or not str(name).strip():
            continue
        try:
            currency, unit_text, factor = parse_unit(str(unit))
        except ValueError:
            failures.append(Failure("unknown unit", file=file, line=names_row + 2,
                                    column=str(name), value=unit))
            continue
        out.append((j, _product(name), currency, unit_text, factor))
    if failures:
        raise SchemaError(f"{len(failures)} series with a unit this loader does not know:",
                          failures, file=file,
                          hint="Add the denominator to pink_sheet.DENOMINATORS.")
    return out


def read_pink_sheet(path: str | Path, *, sheet: str = SHEET) -> pd.DataFrame:
    """Parse the Pink Sheet monthly workbook into canonical ``price`` rows.

    Parameters
    ----------
    path
        ``CMO-Historical-Data-Monthly.xlsx``.
    sheet
        the sheet of monthly prices.

    Returns
    -------
    DataFrame
        canonical price columns (without ``source_id``) plus ``_line``: the worksheet row.

    Raises
    ------
    InputError
        the file is not a readable workbook or lacks the sheet; a cell is not a number.
    SchemaError
        the header rows or month codes are not where the published layout has them.
    """
    file = str(path)
    try:
        raw = pd.read_excel(path, sheet_name=sheet, header=None, dtype=object,
                            engine="openpyxl")
    except (ValueError, KeyError, OSError) as exc:
        raise InputError(f"Cannot read sheet {sheet!r} of {file}: {exc}", file=file,
                         hint="Pass the Pink Sheet monthly .xlsx (CMO-Historical-Data-"
                         "Monthly.xlsx) and check the sheet name.") from exc
    except Exception as exc:  # openpyxl raises zipfile/XML errors on non-xlsx input
        raise InputError(f"{file} is not a readable .xlsx workbook: {exc}", file=file,
                         hint="Download the file again.") from exc
    names_row, first = _layout(raw, file)
    data = raw.iloc[first:]
    codes = data[0].astype(str).str.strip().str.extract(_MONTH.pattern)
    data = data[codes[0].notna()]
    codes = codes[codes[0].notna()]
    dates = pd.to_datetime(codes[0] + "-" + codes[1] + "-01").dt.date
    frames = []
    for j, product, currency, unit, factor in _columns(raw, names_row, file):
        nums = parse_numbers(data[j], file=file, lines=(data.index + 1).tolist(),
                             column=product)
        keep = nums["value"].notna()
        frames.append(pd.DataFrame({
            "product": product, "market": MARKET, "date": dates[keep].to_numpy(),
            "value": nums["value"][keep].to_numpy() * factor, "currency": currency,
            "unit": unit, LINE: (data.index[keep] + 1).to_numpy(),
        }))
    out = pd.concat(frames, ignore_index=True)
    return check_table(out, "price", file=file)


register(Loader(
    kind=KIND,
    function="pink_sheet:read_pink_sheet",
    tables=("price",),
    description="World Bank Commodity Price Data (Pink Sheet), monthly prices 1960-",
    publisher="World Bank",
    licence="CC BY 4.0",
    version="1",
    url="https://www.worldbank.org/en/research/commodity-markets",
))

__all__ = ["DENOMINATORS", "KIND", "MARKET", "parse_unit", "read_pink_sheet"]
