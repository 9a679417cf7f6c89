"""USGS Mineral Commodity Summaries 2025 world data release -> production, capacity, reserves.

>>> from mineralwatch.sources.usgs_mcs import read_usgs_mcs
>>> frames = read_usgs_mcs("../shared/data/usgs_mcs2025/MCS2025_World_Data.csv")  # doctest: +SKIP
>>> frames["production"].query("mineral == 'cobalt' and country == 'COD'")      # doctest: +SKIP

The file (doi 10.5066/P13XCP3R, public domain) has one row per commodity, country and
TYPE with production 2023 and 2024 (estimated), capacity 2023 and 2024 and reserves 2024.
How each COMMODITY/TYPE maps to a mineral, stage and basis is reference data in
``codes/data/usgs_mcs2025.yaml``, with a comment on every non-obvious case. Quirks
handled here:

- UTF-8 byte-order mark, trailing spaces in COMMODITY and COUNTRY, the column
  ``PROD_EST_ 2024`` (with a space) and the typo "Gemanium";
- withheld or missing values (``W``, ``NA``, ``XX``, or a blank cell with a note such as
  "W for 23-24") -> NULL quantity with a note, never zero;
- reserves such as ``>90000000`` -> the number, with the qualifier in the note;
- units converted to tonnes; carats and cubic metres kept with their published unit;
- the raw TYPE, a qualified country ("Brazil (beneficiated)") and the file's notes are
  kept in ``note``; 2024 figures (``*_EST_ 2024``) and rows the file marks as estimated
  have ``estimated=True``.

A row of a production TYPE gives a production record for each year even when the cell
is blank (the country is listed as a producer; the quantity is unknown). Capacity and
reserves records are made only where the file has a value or a note.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields, replace
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from mineralwatch.codes import countries, minerals, units
from mineralwatch.codes._table import normalise_name, read_yaml
from mineralwatch.errors import Failure, InputError, UnknownCodeError
from mineralwatch.schema import LINE, TABLES
from mineralwatch.sources._io import (
    QUALIFIERS,
    check_table,
    parse_numbers,
    qualifier_note,
    read_table,
    require_columns,
)
from mineralwatch.sources._registry import Loader, register

KIND = "usgs-mcs"
MAPPING_FILE = "usgs_mcs2025.yaml"

#: Value columns per table: (column, year, the column is an estimate).
VALUE_COLUMNS: dict[str, tuple[tuple[str, int, bool], ...]] = {
    "production": (("PROD_2023", 2023, False), ("PROD_EST_2024", 2024, True)),
    "capacity": (("CAP_2023", 2023, False), ("CAP_EST_2024", 2024, True)),
    "reserves": (("RESERVES_2024", 2024, False),),
}
NOTE_COLUMNS: dict[str, str] = {
    "production": "PROD_NOTES", "capacity": "CAP_NOTES", "reserves": "RESERVE_NOTES",
}
REQUIRED_COLUMNS: tuple[str, ...] = (
    "COMMODITY", "COUNTRY", "TYPE", "UNIT_MEAS",
    *(c for cols in VALUE_COLUMNS.values() for c, _, _ in cols), *NOTE_COLUMNS.values(),
)
#: Value column -> the notes column that comments on it.
_NOTES_OF: dict[str, str] = {c: NOTE_COLUMNS[t] for t, cols in VALUE_COLUMNS.items()
                             for c, _, _ in cols}
_CODE_IN_NOTE = re.compile(r"^(W|NA|XX)\b", re.IGNORECASE)
_KEY = list(TABLES["production"].key)


@dataclass(frozen=True)
class RowRule:
    """Where the rows of one COMMODITY/TYPE(/COUNTRY) go (see ``usgs_mcs2025.yaml``)."""

    mineral: str | None = None
    stage: str | None = None
    basis: str | None = None
    table: str = "production"
    unit: str | None = None
    unit_note: str | None = None
    reserves_unit: str | None = None
    reserves_basis: str | None = None
    reserves: bool = True
    combine: str | None = None
    also: str | None = None
    skip: str | None = None

    @classmethod
    def merged(cls, *layers: dict[str, Any] | None) -> RowRule:
        """A rule from YAML field dicts, later layers overriding earlier ones."""
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {}
        for layer in layers:
            for k, v in (layer or {}).items():
                if k not in known:
                    raise KeyError(f"unknown field {k!r} in {MAPPING_FILE}")
                values[k] = v
        return cls(**values)


@cache
def mapping() -> dict[str, dict[str, Any]]:
    """``usgs_mcs2025.yaml`` with commodity, TYPE and COUNTRY keys normalised."""
    raw: dict[str, dict[str, Any]] = read_yaml(MAPPING_FILE)
    return {
        normalise_name(commodity): {
            "default": spec.get("default"),
            "types": {normalise_name(t): v for t, v in (spec.get("types") or {}).items()},
            "countries": {normalise_name(c): v for c, v in (spec.get("countries") or {}).items()},
        }
        for commodity, spec in raw.items()
    }


@cache
def _mapping_by_mineral() -> dict[str, dict[str, Any]]:
    """The mapping keyed by the mineral each commodity resolves to (for other spellings)."""
    out: dict[str, dict[str, Any]] = {}
    for commodity, _spec in read_yaml(MAPPING_FILE).items():
        mid = minerals.lookup(commodity)
        if mid is not None:
            out.setdefault(mid, mapping()[normalise_name(commodity)])
    return out


def rule_for(commodity: str, type_: str, country: str) -> RowRule | None:
    """The rule of one row, or ``None`` when the commodity or TYPE is not mapped.

    The commodity is matched as written, else by the mineral it resolves to (so that
    ``钴`` or ``cobalt`` find the rules of ``Cobalt``).
    """
    spec = mapping().get(normalise_name(commodity))
    if spec is None:
        mid = minerals.lookup(commodity)
        spec = _mapping_by_mineral().get(mid) if mid is not None else None
    if spec is None:
        return None
    by_type = spec["types"].get(normalise_name(type_))
    if by_type is None and spec["default"] is None:
        return None
    return RowRule.merged(spec["default"], by_type,
                          spec["countries"].get(normalise_name(country)))


# -- parsing --------------------------------------------------------------------------


def _rules(df: pd.DataFrame, file: str) -> list[RowRule]:
    """One rule per row; one error lists every unmapped COMMODITY/TYPE with its lines."""
    out: list[RowRule] = []
    failures: list[Failure] = []
    for commodity, type_, country, line in zip(df["COMMODITY"], df["TYPE"], df["COUNTRY"],
                                               df[LINE], strict=True):
        rule = rule_for(commodity, type_, country)
        if rule is None:
            failures.append(Failure("COMMODITY/TYPE not in codes/data/" + MAPPING_FILE,
                                    file=file, line=int(line), column="TYPE",
                                    value=f"{commodity} / {type_}"))
            rule = RowRule(skip="unmapped")
        out.append(rule)
    if failures:
        raise UnknownCodeError(
            f"{len(failures)} row(s) of {file} with a COMMODITY/TYPE that has no mapping:",
            failures, file=file,
            hint=f"Add the TYPE (stage, basis, mineral) to mineralwatch/codes/data/{MAPPING_FILE}.",
        )
    return out


#: Parsed value column: (values, qualifiers), one entry per row.
_Parsed = tuple[list[float], list[str | None]]


def _numbers(df: pd.DataFrame, file: str) -> dict[str, _Parsed]:
    """Parsed value columns; one error lists every unparseable cell of every column."""
    out: dict[str, _Parsed] = {}
    failures: list[Failure] = []
    for cols in VALUE_COLUMNS.values():
        for col, _, _ in cols:
            try:
                parsed = parse_numbers(df[col], file=file, lines=df[LINE], column=col)
                out[col] = (parsed["value"].tolist(), parsed["qualifier"].tolist())
            except InputError as exc:
                failures.extend(exc.failures)
    if failures:
        raise InputError(f"{len(failures)} value(s) in {file} that are not numbers:", failures,
                         file=file, hint="Quantities are numbers, optionally with thousands "
                         "separators, a leading < or >, or a code W, NA, XX.")
    return out


def _unit(rule: RowRule, table: str, unit_meas: str) -> str:
    if table == "reserves" and rule.reserves_unit:
        return rule.reserves_unit
    return rule.unit or unit_meas


def _check_units(df: pd.DataFrame, rules: list[RowRule], file: str) -> None:
    failures = []
    known = units.table()
    for unit_meas, rule, line in zip(df["UNIT_MEAS"], rules, df[LINE], strict=True):
        if rule.skip:
            continue
        for table in ("production", "reserves"):
            u = _unit(rule, table, unit_meas)
            if not u or (u not in known and u.casefold() not in known):
                failures.append(Failure("unknown or empty unit", file=file, line=int(line),
                                        column="UNIT_MEAS", value=u))
                break
    if failures:
        raise UnknownCodeError(f"{len(failures)} row(s) of {file} with an unknown unit:",
                               failures, file=file,
                               hint="Add the unit to mineralwatch/codes/data/units.tsv, or a "
                               f"unit override to codes/data/{MAPPING_FILE}.")


def _note(*parts: str | None) -> str | None:
    text = "; ".join(p.strip() for p in parts if p and p.strip())
    return text or None


def _code_in_note(note: str) -> str | None:
    m = _CODE_IN_NOTE.match(note.strip())
    return m.group(1).upper() if m else None


@dataclass
class _Cell:
    """One value of a row for one table and year."""

    column: str
    year: int
    estimated_column: bool
    raw: str
    value: float
    qualifier: str | None


def _cells(row: dict[str, Any], nums: dict[str, _Parsed], i: int, table: str,
           rule: RowRule) -> list[_Cell]:
    """The cells of ``table`` to turn into records (see the module doc for the rule)."""
    cells: list[_Cell] = []
    for k, (col, year, est) in enumerate(VALUE_COLUMNS[table]):
        src = col
        if table == "capacity" and rule.table == "capacity" and not row[col]:
            src = VALUE_COLUMNS["production"][k][0]   # capacity published in PROD_* (clinker)
        values, qualifiers = nums[src]
        cells.append(_Cell(src, year, est, row[src], float(values[i]), qualifiers[i]))
    if table == rule.table:
        return cells  # the row's own table: every year, blank cells included
    given = [c for c in cells if c.raw]
    if given:
        return given
    return cells if row[NOTE_COLUMNS[table]] else []  # only a note: NULL with the note


def _record(row: dict[str, Any], cell: _Cell, table: str, rule: RowRule, mineral: str,
            country: str) -> dict[str, Any]:
    notes = row[_NOTES_OF[cell.column]]
    unit_raw = _unit(rule, table, row["UNIT_MEAS"])
    qualifier = cell.qualifier
    if math.isnan(cell.value) and qualifier is None and notes:
        qualifier = _code_in_note(notes)
    mass = units.is_mass(unit_raw)  # else carats, cubic metres: kept as published
    quantity = units.to_tonnes(cell.value, unit_raw) if mass else cell.value
    unit = "t" if mass else unit_raw
    basis = rule.reserves_basis if table == "reserves" and rule.reserves_basis else rule.basis
    blank = "no value in the file" if not cell.raw and qualifier is None else None
    estimated = cell.estimated_column or (
        table != "reserves" and "estimat" in f"{row['TYPE']} {notes}".casefold())
    raw_country = row["COUNTRY"]
    return {
        "mineral": mineral,
        "stage": rule.stage,
        "country": country,
        "year": cell.year,
        "quantity": None if math.isnan(quantity) else quantity,
        "unit": unit,
        "basis": basis,
        "estimated": bool(estimated),
        "note": _note(
            f"TYPE: {row['TYPE']}",
            f"country as published: {raw_country}" if "(" in raw_country else None,
            notes or None,
            qualifier_note(qualifier, cell.raw or qualifier) if qualifier in QUALIFIERS else None,
            blank,
            rule.unit_note if unit_raw != row["UNIT_MEAS"] and table != "reserves" else None,
            f"reserves unit: {unit_raw}" if table == "reserves" and rule.reserves_unit else None,
        ),
        LINE: int(row[LINE]),
        "_sum": rule.combine == "sum",
        "_also": rule.also if country != "WLD" else None,
    }


def _combine(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Add rows marked for summing (``combine: sum`` and ``also:``) that share a key."""
    extra = [{**r, "mineral": r["_also"], "_sum": True, "_also": None}
             for r in records if r["_also"]]
    plain = [r for r in records + extra if not r["_sum"]]
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for r in records + extra:
        if r["_sum"]:
            groups.setdefault(tuple(r[k] for k in _KEY), []).append(r)
    for group in groups.values():
        if len(group) == 1:
            plain.append(group[0])
            continue
        quantities = [g["quantity"] for g in group if g["quantity"] is not None]
        lines = sorted(g[LINE] for g in group)
        plain.append({
            **group[0],
            "quantity": sum(quantities) if quantities else None,
            "estimated": any(g["estimated"] for g in group),
            "note": _note(f"sum of the rows at lines {', '.join(map(str, lines))}",
                          *dict.fromkeys(p for g in group for p in (g["note"] or "").split("; "))),
            LINE: lines[0],
        })
    return plain


def read_usgs_mcs(path: str | Path) -> dict[str, pd.DataFrame]:
    """Parse the MCS 2025 world data CSV into ``production``, ``capacity`` and ``reserves``.

    Parameters
    ----------
    path
        ``MCS2025_World_Data.csv`` (or a file in its layout).

    Returns
    -------
    dict
        table name -> frame in canonical columns (without ``source_id``) plus ``_line``,
        the line of the source row.

    Raises
    ------
    InputError, EncodingError
        unreadable or malformed file, non-numeric values (all listed).
    SchemaError
        missing columns; negative quantities or duplicate keys (all listed with lines).
    UnknownCodeError
        unknown commodities, countries, TYPEs or units (all listed at once with lines).
    """
    file = str(path)
    df = read_table(path)
    df = require_columns(df, REQUIRED_COLUMNS, file=file)
    base = minerals.to_ids(df["COMMODITY"], file=file, lines=df[LINE].tolist(),
                           column="COMMODITY")
    iso3 = countries.to_iso3_many(df["COUNTRY"], file=file, lines=df[LINE].tolist(),
                                  column="COUNTRY")
    rules = _rules(df, file)
    _check_units(df, rules, file)
    nums = _numbers(df, file)
    records: dict[str, list[dict[str, Any]]] = {t: [] for t in VALUE_COLUMNS}
    rows: list[dict[str, Any]] = [{str(k): v for k, v in r.items()}
                                  for r in df.to_dict("records")]
    for i, row in enumerate(rows):
        rule = rules[i]
        if rule.skip:
            continue
        rule = replace(rule, mineral=rule.mineral or base[i])
        for table in VALUE_COLUMNS:
            if table == "reserves" and not rule.reserves:
                continue
            if table == "production" and rule.table != "production":
                continue
            for cell in _cells(row, nums, i, table, rule):
                records[table].append(_record(row, cell, table, rule, rule.mineral or "",
                                              iso3[i]))
    out: dict[str, pd.DataFrame] = {}
    for table, recs in records.items():
        frame = pd.DataFrame(_combine(recs)).drop(columns=["_sum", "_also"], errors="ignore")
        if frame.empty:
            frame = pd.DataFrame(columns=[*TABLES[table].column_names, LINE])
        frame = frame.sort_values(LINE, kind="stable").reset_index(drop=True)
        out[table] = check_table(frame, table, file=file)
    return out


register(Loader(
    kind=KIND,
    function="usgs_mcs:read_usgs_mcs",
    tables=("production", "capacity", "reserves"),
    description="USGS Mineral Commodity Summaries 2025 world data (MCS2025_World_Data.csv)",
    publisher="U.S. Geological Survey",
    licence="Public domain (USGS)",
    version="1",
    url="https://doi.org/10.5066/P13XCP3R",
))

__all__ = ["KIND", "RowRule", "mapping", "read_usgs_mcs", "rule_for"]
