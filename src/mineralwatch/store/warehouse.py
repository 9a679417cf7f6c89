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
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from mineralwatch import schema
from mineralwatch.errors import NotFoundError, SchemaError, WarehouseError
from mineralwatch.store import bulk
from mineralwatch.store.core import (
    ENV_VAR,
    IngestResult,
    ParquetInput,
    Payload,
    SourceInfo,
    connect,
    default_path,
    file_checksum,
)


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

    def replace_sources(self, batch: Mapping[SourceInfo, Payload], *,
                        force: bool = False) -> list[IngestResult]:
        """Replace the rows of each source in ``batch`` in one transaction: the one way in.

        Every source's old rows (in every table) are deleted and its new rows and provenance
        row written together, or nothing happens. A source whose checksum is already in the
        warehouse is skipped unless ``force``.

        Parameters
        ----------
        batch
            source -> its rows: ``{table: frame}`` in canonical form (``source_id`` is set
            from the source; see :func:`schema.check_frame`), or a
            :class:`~mineralwatch.store.core.ParquetInput` for the bulk path (checked and
            inserted in SQL, see :mod:`mineralwatch.store.bulk`).
        force
            rewrite sources whose checksum is unchanged.

        Raises
        ------
        SchemaError
            a frame or Parquet file fails the canonical checks; nothing is written.
        WarehouseError
            read-only warehouse, unknown table, or the same source twice in ``batch``.
        """
        if self.read_only:
            raise WarehouseError("The warehouse is open read-only.")
        ids = [s.source_id for s in batch]
        if len(set(ids)) != len(ids):
            raise WarehouseError("The same source id appears twice in one write.")
        priors = dict(self.con.execute(
            'SELECT source_id, checksum FROM "source" WHERE source_id IN (SELECT UNNEST(?))',
            [ids]).fetchall()) if ids else {}
        results: dict[str, IngestResult] = {}
        raw: dict[SourceInfo, Mapping[str, pd.DataFrame]] = {}
        bulks: list[tuple[SourceInfo, bulk.PreparedParquet]] = []
        for src, payload in batch.items():
            sid = src.source_id
            if sid in priors and priors[sid] == src.checksum and not force:
                results[sid] = IngestResult(sid, skipped=True)
                continue
            results[sid] = IngestResult(sid, replaced=sid in priors)
            if isinstance(payload, ParquetInput):
                bulks.append((src, bulk.prepare(self.con, payload.table, payload.path)))
                continue
            raw[src] = payload
            for table, df in payload.items():
                results[sid].rows[table] = len(df)
        frames = self._prepare_batch(raw)
        todo = [s for s in batch if not results[s.source_id].skipped]
        if todo:
            self._replace(todo, frames, bulks, results)
        return [results[i] for i in ids]

    @classmethod
    def _prepare_batch(cls, raw: Mapping[SourceInfo, Mapping[str, pd.DataFrame]]
                       ) -> dict[str, list[pd.DataFrame]]:
        """The canonical frames of many sources, checked once per table (a batch of 200
        documents is 4 checks, not 800); when a check fails, the sources are checked
        one by one so that the error names the file that holds the bad rows."""
        parts: dict[str, list[pd.DataFrame]] = {}
        for src, frames in raw.items():
            for table, df in frames.items():
                if table not in schema.TABLES or table == "source":
                    raise WarehouseError(f"Unknown table {table!r}.",
                                         hint=f"Tables: {sorted(schema.TABLES)}")
                part = parts.setdefault(table, [])
                if len(df) or not part:  # empty frames add nothing (and no dtype noise)
                    part.append(df.assign(source_id=src.source_id))
        if len(raw) < 2:
            return {t: [schema.check_frame(pd.concat(dfs, ignore_index=True), t, file=next(
                (s.path or s.name for s in raw), None))] for t, dfs in parts.items()}
        try:
            return {t: [schema.check_frame(pd.concat(dfs, ignore_index=True), t)]
                    for t, dfs in parts.items()}
        except SchemaError:
            for src, frames in raw.items():  # name the file of the first bad rows
                cls._prepare_frames(frames, src)
            raise

    @staticmethod
    def _prepare_frames(frames: Mapping[str, pd.DataFrame],
                        source: SourceInfo) -> dict[str, pd.DataFrame]:
        prepared: dict[str, pd.DataFrame] = {}
        for table, df in frames.items():
            if table not in schema.TABLES or table == "source":
                raise WarehouseError(f"Unknown table {table!r}.",
                                     hint=f"Tables: {sorted(schema.TABLES)}")
            df = df.copy()
            df["source_id"] = source.source_id
            prepared[table] = schema.check_frame(df, table, file=source.path or source.name)
        return prepared

    def _replace(self, sources: Sequence[SourceInfo], frames: Mapping[str, list[pd.DataFrame]],
                 bulks: Sequence[tuple[SourceInfo, bulk.PreparedParquet]],
                 results: Mapping[str, IngestResult]) -> None:
        """The transaction of :meth:`replace_sources` (inputs already validated)."""
        sids = [s.source_id for s in sources]
        order = bulk.insertion_order_off(self.con) if bulks else contextlib.nullcontext()
        with order, self.transaction() as con:
            for table in schema.TABLES:
                if "source_id" in schema.TABLES[table].column_names:
                    con.execute(f'DELETE FROM "{table}" WHERE source_id IN (SELECT UNNEST(?))',
                                [sids])
            for table, parts in frames.items():
                parts = [p for p in parts if len(p)]
                if parts:
                    self._insert(con, table, parts[0] if len(parts) == 1
                                 else pd.concat(parts, ignore_index=True))
            for src, prepared in bulks:
                results[src.source_id].rows[prepared.table.name] = bulk.insert(
                    con, prepared, src.source_id)
            now = datetime.now(UTC).isoformat(timespec="seconds")
            self._insert(con, "source", pd.DataFrame([{
                **{k: getattr(s, k) for k in ("source_id", "kind", "name", "path", "url",
                                              "publisher", "licence", "checksum",
                                              "loader_version", "retrieved")},
                "ingested_at": now, "rows": results[s.source_id].total_rows} for s in sources]))

    def ingest(self, frames: Mapping[str, pd.DataFrame], source: SourceInfo, *,
               force: bool = False) -> IngestResult:
        """Write validated frames for one source atomically and idempotently.

        ``replace_sources({source: frames})``: see :meth:`replace_sources`.
        """
        return self.replace_sources({source: dict(frames)}, force=force)[0]

    def ingest_parquet(self, table: str, path: str | Path, source: SourceInfo, *,
                       force: bool = False) -> IngestResult:
        """Bulk-ingest Parquet files in ``table``'s canonical columns, atomically.

        The bulk path for large inputs (BACI-sized trade): ``replace_sources({source:
        ParquetInput(table, path)})``, validated and inserted in SQL
        (:mod:`mineralwatch.store.bulk`).
        """
        return self.replace_sources({source: ParquetInput(table, path)}, force=force)[0]

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


__all__ = ["ENV_VAR", "IngestResult", "ParquetInput", "SourceInfo", "Warehouse", "connect",
           "default_path", "file_checksum", "open"]
