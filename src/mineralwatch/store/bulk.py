"""Bulk ingest of Parquet files into the warehouse, validated in SQL.

The ordinary ingest validates a pandas frame with :func:`schema.check_frame`; at tens of
millions of rows (BACI trade) that costs more than the data itself. For a
:class:`~mineralwatch.store.core.ParquetInput`, :meth:`Warehouse.replace_sources` applies
the same checks in DuckDB with this module (which knows nothing of the warehouse: it works
on the connection it is given):

1. required columns present (else :class:`SchemaError` before anything is written);
2. one aggregate pass over the Parquet files counts empty required values, values that
   are not numbers, negative quantities and values outside an allowed set; failing
   checks are listed with file, row number (0-based within the file) and value;
3. inside the warehouse's one transaction (:func:`insert`): the source's old rows are
   deleted, the new rows inserted with one ``INSERT ... SELECT FROM read_parquet`` (typed
   casts in the SELECT; its row count comes from the INSERT itself), duplicate keys are
   checked on the inserted rows (one ``count(DISTINCT hash(key))`` pass; only when it finds
   fewer distinct hashes than rows are the repeated hashes grouped and confirmed exactly),
   and the provenance row is written. Any failure rolls everything back.

During the ingest the connection runs with ``preserve_insertion_order = false`` (rows of
a table have no order; this lets DuckDB write row groups from both cores in parallel);
the previous setting is restored afterwards.

Cost (10M BACI-shaped rows, 2 cores): the validation pass is ~0.3 CPU-s, the duplicate
check ~2 CPU-s and the INSERT ~8 CPU-s, almost all of it DuckDB's storage layer
appending and compressing the seven VARCHAR columns (see ``benchmarks/README.md``).

The same file set ingested twice (same checksum) adds nothing, as with ``ingest``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
from sqlglot import exp

from mineralwatch import schema
from mineralwatch.errors import Failure, SchemaError, WarehouseError
from mineralwatch.store.core import parquet_target

_SQL_TYPES = {"str": "VARCHAR", "int": "INTEGER", "float": "DOUBLE", "bool": "BOOLEAN",
              "date": "DATE", "json": "VARCHAR"}
MAX_SAMPLES = 5


def _lit(value: str) -> str:
    return exp.Literal.string(value).sql(dialect="duckdb")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def parquet_glob(path: str | Path) -> str:
    """A Parquet file, glob, or every ``*.parquet`` under a folder."""
    return parquet_target(path)


def _checks(t: schema.Table, present: dict[str, str]) -> list[tuple[str, str, str]]:
    """(column, message, SQL condition over the raw Parquet row) for each check."""
    out: list[tuple[str, str, str]] = []
    for c in t.columns:
        if c.name not in present or c.name == "source_id":
            continue
        col, typ = _q(c.name), _SQL_TYPES[c.dtype]
        cast = col if present[c.name] == typ else f"TRY_CAST({col} AS {typ})"
        if not c.nullable:
            empty = f"{col} IS NULL"
            if c.dtype in ("str", "json", "date") and present[c.name] == "VARCHAR":
                empty += f" OR trim({col}) = ''"
            out.append((c.name, "empty value in required column", empty))
        if cast != col:
            out.append((c.name, "not a valid " + c.dtype, f"{col} IS NOT NULL AND {cast} IS NULL"))
        if c.nonnegative and c.dtype in ("int", "float"):
            out.append((c.name, "negative value", f"{cast} < 0"))
        if c.allowed is not None:
            allowed = ", ".join(_lit(a) for a in c.allowed)
            out.append((c.name, f"not one of {list(c.allowed)}",
                        f"{col} IS NOT NULL AND CAST({col} AS VARCHAR) NOT IN ({allowed})"))
    return out


def _duplicate_keys(con: duckdb.DuckDBPyConnection, t: schema.Table,
                    source_id: str) -> list[tuple[object, ...]]:
    """Up to 20 duplicated keys (with their counts) among a source's rows.

    Counting distinct 64-bit hashes of the key is much cheaper than grouping on the key's
    strings; when every hash is distinct there is no duplicate. Otherwise only rows whose
    hash repeats are grouped exactly (hash collisions are not reported as duplicates).
    """
    key = ", ".join(_q(k) for k in t.key)
    table = _q(t.name)
    row = con.execute(f"SELECT count(*), count(DISTINCT hash({key})) FROM {table} "
                      "WHERE source_id = ?", [source_id]).fetchall()[0]
    if row[0] == row[1]:
        return []  # every key hashes differently: no duplicate (the common case)
    candidates = [r[0] for r in con.execute(
        f"SELECT h FROM (SELECT hash({key}) AS h FROM {table} WHERE source_id = ?) "
        "GROUP BY h HAVING count(*) > 1 LIMIT 10000", [source_id]).fetchall()]
    if not candidates:
        return []
    return list(con.execute(
        f"SELECT {key}, count(*) AS n FROM {table} WHERE source_id = ? "
        f"AND hash({key}) IN (SELECT UNNEST(?)) GROUP BY {key} HAVING count(*) > 1 LIMIT 20",
        [source_id, candidates]).fetchall())


@contextmanager
def insertion_order_off(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """``preserve_insertion_order = false`` for the block, then the previous value."""
    row = con.execute("SELECT current_setting('preserve_insertion_order')").fetchone()
    before = bool(row[0]) if row else True
    con.execute("SET preserve_insertion_order = false")
    try:
        yield
    finally:
        con.execute(f"SET preserve_insertion_order = {'true' if before else 'false'}")


@dataclass(frozen=True)
class PreparedParquet:
    """Parquet rows of one table, validated, ready to insert (see :func:`prepare`)."""

    table: schema.Table
    target: str
    present: dict[str, str]


def prepare(con: duckdb.DuckDBPyConnection, table: str, path: str | Path) -> PreparedParquet:
    """Check Parquet files against ``table``'s canonical columns before anything is written.

    Raises
    ------
    SchemaError
        missing columns or invalid values; every failing check is listed with samples.
    """
    if table not in schema.TABLES or table == "source":
        raise WarehouseError(f"Unknown table {table!r}.", hint=f"Tables: {sorted(schema.TABLES)}")
    t = schema.TABLES[table]
    target = parquet_glob(path)
    described = con.execute(f"DESCRIBE SELECT * FROM read_parquet({_lit(target)}, "
                            "union_by_name=true)").fetchall()
    present = {str(r[0]): str(r[1]).upper() for r in described}
    missing = [c.name for c in t.columns
               if c.name not in present and not c.nullable and c.name != "source_id"]
    if missing:
        raise SchemaError(f"Table {t.name!r}: missing column(s) {missing} in {target}",
                          [Failure(f"missing column {m!r}", file=target) for m in missing],
                          file=target, hint=f"Expected columns: {t.column_names}")
    failures = _value_failures(con, t, present, target)
    if failures:
        raise SchemaError(f"{len(failures)} problem(s) in {t.name!r} data from {target}",
                          failures, file=target,
                          hint="Fix the listed rows (line = 0-based row in the Parquet file); "
                          "nothing was written.")
    return PreparedParquet(t, target, present)


def _value_failures(con: duckdb.DuckDBPyConnection, t: schema.Table, present: dict[str, str],
                    target: str) -> list[Failure]:
    """Failing value checks (one aggregate pass, then samples of each failing check)."""
    checks = _checks(t, present)
    if not checks:
        return []
    scan = f"read_parquet({_lit(target)}, union_by_name=true, filename=true, " \
           "file_row_number=true)"
    counts = con.execute("SELECT " + ", ".join(f"count_if({cond})" for _, _, cond in checks)
                         + f" FROM {scan}").fetchone()
    assert counts is not None
    failures: list[Failure] = []
    for (column, message, cond), n in zip(checks, counts, strict=True):
        if not n:
            continue
        rows = con.execute(f"SELECT filename, file_row_number, CAST({_q(column)} AS VARCHAR) "
                           f"FROM {scan} WHERE {cond} LIMIT {MAX_SAMPLES}").fetchall()
        for fname, rowno, value in rows:
            failures.append(Failure(f"{message} ({n:,} rows)", file=str(fname),
                                    line=int(rowno), column=column, value=value))
    return failures


def insert(con: duckdb.DuckDBPyConnection, prepared: PreparedParquet, source_id: str) -> int:
    """Insert prepared Parquet rows for ``source_id`` inside the caller's transaction.

    Returns the number of rows inserted.

    Raises
    ------
    SchemaError
        duplicate keys among the inserted rows (the caller's transaction rolls back).
    """
    t, target, present = prepared.table, prepared.target, prepared.present
    select = []
    for c in t.columns:
        typ = _SQL_TYPES[c.dtype]
        if c.name == "source_id":
            select.append(f"{_lit(source_id)} AS source_id")
        elif c.name not in present:
            select.append(f"CAST(NULL AS {typ}) AS {_q(c.name)}")
        elif present[c.name] == typ:
            select.append(_q(c.name))
        else:
            select.append(f"TRY_CAST({_q(c.name)} AS {typ}) AS {_q(c.name)}")
    cols = ", ".join(_q(c) for c in t.column_names)
    n = con.execute(f"INSERT INTO {_q(t.name)} ({cols}) SELECT {', '.join(select)} "
                    f"FROM read_parquet({_lit(target)}, union_by_name=true)").fetchall()
    if t.key:
        dups = _duplicate_keys(con, t, source_id)
        if dups:
            raise SchemaError(
                f"Duplicate keys in {t.name!r} data from {target}",
                [Failure(f"duplicate key ({row[-1]} rows)", file=target,
                         value=dict(zip(t.key, row[:-1], strict=True))) for row in dups],
                file=target, hint="Each key must appear once; nothing was written.")
    return int(n[0][0]) if n else 0


__all__ = [
    "MAX_SAMPLES",
    "PreparedParquet",
    "insert",
    "insertion_order_off",
    "parquet_glob",
    "prepare",
]
