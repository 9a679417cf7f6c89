"""The store's shared pieces: connections, provenance, ingest results, Parquet targets.

A leaf module (it imports nothing else from ``mineralwatch.store``): the warehouse, the
bulk Parquet path and the engine layer all build on it, so none of them needs another.
"""

from __future__ import annotations

import glob as _glob
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import platformdirs

from mineralwatch.errors import NotFoundError

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


def parquet_target(path: str | Path) -> str:
    """A local Parquet file, a folder of Parquet files (every ``*.parquet`` below it) or
    a glob, checked to exist.

    Raises
    ------
    NotFoundError
        when nothing matches.
    """
    p = str(path)
    if any(ch in p for ch in "*?["):
        if not _glob.glob(p, recursive=True):
            raise NotFoundError(f"No Parquet file matches {p!r}.")
        return p
    if Path(p).is_dir():
        if not any(Path(p).rglob("*.parquet")):
            raise NotFoundError(f"No Parquet file under {p!r}.",
                                hint="Point at a folder written by `mineralwatch export "
                                "parquet` or at .parquet files.")
        return str(Path(p) / "**" / "*.parquet")
    if not Path(p).exists():
        raise NotFoundError(f"Parquet source {p!r} does not exist.")
    return p


@dataclass(frozen=True)
class SourceInfo:
    """Provenance of one ingested source (a file, a document, or a derived dataset)."""

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


@dataclass(frozen=True)
class ParquetInput:
    """Rows of one canonical table given as Parquet (a file, a folder or a glob): the bulk
    path of :meth:`Warehouse.replace_sources`, validated in SQL."""

    table: str
    path: str | Path


#: What one source writes: table -> canonical frame, or Parquet for one table.
Payload = dict[str, pd.DataFrame] | ParquetInput


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


__all__ = ["ENV_VAR", "IngestResult", "ParquetInput", "Payload", "SourceInfo", "connect",
           "default_path", "file_checksum", "parquet_target"]
