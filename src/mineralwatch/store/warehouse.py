"""The warehouse: one DuckDB file holding the canonical tables, with atomic, idempotent ingest.

>>> import mineralwatch as mw
>>> wh = mw.open(":memory:")            # or a path; default: the user data directory
>>> wh.tables()                          # doctest: +ELLIPSIS
[...'production'...]

Ingest is one transaction: a source's old rows are deleted and its new rows inserted
together with its provenance row, or nothing happens. The same file ingested twice
(same checksum) adds nothing; a new version of a source replaces that source's rows.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import platformdirs

from mineralwatch import schema
from mineralwatch.errors import NotFoundError, WarehouseError

ENV_VAR = "MINERALWATCH_WAREHOUSE"


def default_path() -> Path:
    """The warehouse path: ``$MINERALWATCH_WAREHOUSE`` or the user data directory."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("mineralwatch")) / "warehouse.duckdb"


def connect(path: str | Path = ":memory:", *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection that never tries to download extensions."""
    config: dict[str, str | bool | int | float | list[str]] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
    }
    con = duckdb.connect(str(path), read_only=read_only, config=config)
    con.execute("SET enable_progress_bar = false")  # no bars in CLI output or logs
    return con


def file_checksum(path: str | Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file's bytes; for a folder, of its files' names and bytes (sorted)."""
    p = Path(path)
    h = hashlib.sha256()
    files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    for f in files:
        if p.is_dir():
            h.update(str(f.relative_to(p)).encode() + b"\0")
        with f.open("rb") as fh:
            while block := fh.read(chunk):
                h.update(block)
    return h.hexdigest()


@dataclass
class SourceInfo:
    """Provenance of one ingested source (a file, or a derived dataset)."""

    source_id: str
    kind: str
    name: str
    checksum: str
    loader_version: str
    path: str | None = None
    url: str | None = None
    publisher: str | None = None
    licence: str | None = None
    retrieved: str | None = None

    @classmethod
    def for_file(cls, kind: str, path: str | Path, loader_version: str, **kw: Any) -> SourceInfo:
        """Provenance of a local file: id ``KIND:FILENAME``, checksum of its bytes."""
        p = Path(path)
        return cls(source_id=f"{kind}:{p.name}", kind=kind, name=p.name,
                   checksum=file_checksum(p), loader_version=loader_version,
                   path=str(p.resolve()), **kw)


@dataclass
class IngestResult:
    """What an ingest did."""

    source_id: str
    rows: dict[str, int] = field(default_factory=dict)
    skipped: bool = False
    replaced: bool = False

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


class Warehouse:
    """A DuckDB warehouse of canonical tables. Use :func:`open` to get one."""

    def __init__(self, path: str | Path | None = None, *, read_only: bool = False) -> None:
        self.path = Path(path) if path not in (None, ":memory:") else None
        if path is None:
            self.path = default_path()
        target = ":memory:" if self.path is None else self.path
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = connect(target, read_only=read_only)
        except duckdb.Error as exc:
            raise WarehouseError(
                f"Cannot open the warehouse at {target}: {exc}",
                hint="Is another mineralwatch process writing to it? Use --warehouse PATH "
                f"or ${ENV_VAR} to choose another file.",
            ) from exc
        self.read_only = read_only
        if not read_only:
            self._create()

    # -- lifecycle -----------------------------------------------------------------
    def cursor(self) -> Warehouse:
        """A view of the same database on its own cursor, for use from another thread.

        DuckDB connections must not be shared between threads; the web server gives each
        request its own cursor.
        """
        view = object.__new__(Warehouse)
        view.path = self.path
        view.read_only = self.read_only
        view.con = self.con.cursor()
        return view

    def _create(self) -> None:
        for t in schema.TABLES.values():
            self.con.execute(schema.ddl(t))

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Warehouse({str(self.path) if self.path else ':memory:'})"

    # -- reading -------------------------------------------------------------------
    def tables(self) -> list[str]:
        """Names of the tables in the warehouse."""
        rows = self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema='main' "
            "ORDER BY table_name").fetchall()
        return [r[0] for r in rows]

    def sql(self, query: str, params: list[Any] | Mapping[str, Any] | None = None) -> pd.DataFrame:
        """Run a parameterised query and return a DataFrame."""
        return self.con.execute(query, params or []).df()

    def load(self, table: str, **filters: Any) -> pd.DataFrame:
        """Rows of a canonical table, filtered by equality (a list value means IN).

        >>> wh.load("production", mineral="cobalt", stage="mine")   # doctest: +SKIP
        """
        if table not in self.tables():
            raise NotFoundError(f"No table {table!r} in the warehouse.",
                                hint=f"Tables: {', '.join(self.tables())}")
        cols = set(self._columns(table))
        where, params = [], []
        for k, v in filters.items():
            if v is None:
                continue
            if k not in cols:
                raise NotFoundError(f"Table {table!r} has no column {k!r}.",
                                    hint=f"Columns: {sorted(cols)}")
            if isinstance(v, list | tuple | set):
                where.append(f'"{k}" IN (SELECT UNNEST(?))')
                params.append(list(v))
            else:
                where.append(f'"{k}" = ?')
                params.append(v)
        q = f'SELECT * FROM "{table}"' + (" WHERE " + " AND ".join(where) if where else "")
        return self.sql(q, params)

    def _columns(self, table: str) -> list[str]:
        return [r[0] for r in self.con.execute(f'DESCRIBE "{table}"').fetchall()]

    def count(self, table: str) -> int:
        """Number of rows in a table."""
        return int(self.con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # type: ignore[index]

    def sources(self) -> pd.DataFrame:
        """The provenance table."""
        return self.sql('SELECT * FROM "source" ORDER BY source_id')

    def source(self, source_id: str) -> dict[str, Any] | None:
        """One provenance row, or ``None``."""
        df = self.sql('SELECT * FROM "source" WHERE source_id = ?', [source_id])
        return None if df.empty else {str(k): v for k, v in df.iloc[0].items()}

    # -- writing -------------------------------------------------------------------
    @contextmanager
    def transaction(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A transaction: committed on success, rolled back on any exception."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield self.con
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    def ingest(self, frames: Mapping[str, pd.DataFrame], source: SourceInfo, *,
               force: bool = False) -> IngestResult:
        """Write validated frames for one source atomically and idempotently.

        Parameters
        ----------
        frames
            table name -> frame already in canonical form (see :func:`schema.check_frame`).
            ``source_id`` is set from ``source``.
        source
            provenance of the rows.
        force
            re-ingest even if the same checksum is already in the warehouse.
        """
        if self.read_only:
            raise WarehouseError("The warehouse is open read-only.")
        prior = self.source(source.source_id)
        if prior is not None and prior["checksum"] == source.checksum and not force:
            return IngestResult(source.source_id, skipped=True)
        prepared: dict[str, pd.DataFrame] = {}
        for table, df in frames.items():
            if table not in schema.TABLES:
                raise WarehouseError(f"Unknown table {table!r}.",
                                     hint=f"Tables: {sorted(schema.TABLES)}")
            df = df.copy()
            df["source_id"] = source.source_id
            prepared[table] = schema.check_frame(df, table, file=source.path or source.name)
        result = IngestResult(source.source_id, replaced=prior is not None)
        with self.transaction() as con:
            self._delete_source_rows(con, source.source_id)
            for table, df in prepared.items():
                self._insert(con, table, df)
                result.rows[table] = len(df)
            self._write_provenance(con, source, result.total_rows)
        return result

    def ingest_parquet(self, table: str, path: str | Path, source: SourceInfo, *,
                       force: bool = False) -> IngestResult:
        """Bulk-ingest Parquet files in ``table``'s canonical columns, atomically.

        The bulk path for large inputs (BACI-sized trade): ``INSERT ... SELECT FROM
        read_parquet`` inside one transaction, with :func:`schema.check_frame`'s checks
        done in SQL. See :func:`mineralwatch.store.bulk.ingest_parquet`.
        """
        from mineralwatch.store.bulk import ingest_parquet

        return ingest_parquet(self, table, path, source, force=force)

    def optimize(self, tables: Sequence[str] | None = None) -> dict[str, int]:
        """Rewrite tables in the order of their clustering columns, atomically.

        ``trade`` is clustered by exporter and importer: a query for one exporter's or one
        importer's flows (screening, shock propagation, import dependence) then reads
        only the row groups that hold them, instead of decompressing every row group in
        which a matching row happens to lie. Ingest appends in file order and does not
        sort (sorting would halve its speed); run this after bulk loads. Rows, sources
        and results are unchanged; only the physical order is.

        Returns the number of rows rewritten per table (tables without clustering columns
        or rows are left alone).
        """
        if self.read_only:
            raise WarehouseError("The warehouse is open read-only.")
        names = list(tables) if tables is not None else [
            t for t, d in schema.TABLES.items() if d.cluster]
        unknown = [t for t in names if t not in schema.TABLES]
        if unknown:
            raise WarehouseError(f"Unknown table(s) {unknown}.",
                                 hint=f"Tables: {sorted(schema.TABLES)}")
        done: dict[str, int] = {}
        for name in names:
            t = schema.TABLES[name]
            n = self.count(name)
            if not t.cluster or not n:
                continue
            tmp = f"{name}__clustered"
            order = ", ".join(f'"{c}"' for c in t.cluster)
            cols = ", ".join(f'"{c}"' for c in t.column_names)
            with self.transaction() as tx:
                tx.execute(f'DROP TABLE IF EXISTS "{tmp}"')
                tx.execute(schema.ddl(t).replace(f'"{name}"', f'"{tmp}"', 1))
                tx.execute(f'INSERT INTO "{tmp}" ({cols}) SELECT {cols} FROM "{name}" '
                           f"ORDER BY {order}")
                tx.execute(f'DROP TABLE "{name}"')
                tx.execute(f'ALTER TABLE "{tmp}" RENAME TO "{name}"')
            done[name] = n
        if done:
            # reclaim the old row groups now (DuckDB does it later otherwise); with a
            # transaction open on another cursor it must wait: the rewrite is committed
            with contextlib.suppress(duckdb.TransactionException):
                self.con.execute("CHECKPOINT")
        return done

    @staticmethod
    def _delete_source_rows(con: duckdb.DuckDBPyConnection, source_id: str) -> None:
        for table in schema.TABLES:
            if "source_id" in schema.TABLES[table].column_names and table != "source":
                con.execute(f'DELETE FROM "{table}" WHERE source_id = ?', [source_id])

    def _write_provenance(self, con: duckdb.DuckDBPyConnection, source: SourceInfo,
                          rows: int) -> None:
        con.execute('DELETE FROM "source" WHERE source_id = ?', [source.source_id])
        row = {
            **{k: getattr(source, k) for k in ("source_id", "kind", "name", "path", "url",
                                               "publisher", "licence", "checksum",
                                               "loader_version", "retrieved")},
            "ingested_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "rows": rows,
        }
        self._insert(con, "source", pd.DataFrame([row]))

    def remove_source(self, source_id: str) -> int:
        """Delete every row of a source; returns the number of rows removed."""
        n = 0
        with self.transaction() as con:
            for table in schema.TABLES:
                if table == "source":
                    continue
                before = con.execute(f'SELECT count(*) FROM "{table}" WHERE source_id = ?',
                                     [source_id]).fetchone()[0]  # type: ignore[index]
                con.execute(f'DELETE FROM "{table}" WHERE source_id = ?', [source_id])
                n += int(before)
            con.execute('DELETE FROM "source" WHERE source_id = ?', [source_id])
        return n

    @staticmethod
    def _insert(con: duckdb.DuckDBPyConnection, table: str, df: pd.DataFrame) -> None:
        cols = schema.TABLES[table].column_names
        df = df[cols]
        name = f"_mw_insert_{table}"
        con.register(name, df)
        try:
            quoted = ", ".join(f'"{c}"' for c in cols)
            con.execute(f'INSERT INTO "{table}" ({quoted}) SELECT {quoted} FROM "{name}"')
        finally:
            con.unregister(name)


def open(path: str | Path | None = None, *, read_only: bool = False) -> Warehouse:
    """Open (creating if needed) the warehouse at ``path``.

    ``None`` means ``$MINERALWATCH_WAREHOUSE`` or the user data directory; ``":memory:"``
    an in-memory warehouse.
    """
    return Warehouse(path, read_only=read_only)


__all__ = ["ENV_VAR", "IngestResult", "SourceInfo", "Warehouse", "connect", "default_path",
           "file_checksum", "open"]
