"""The warehouse (DuckDB by default) and the engine layer that runs SQL on DuckDB or Spark."""

from mineralwatch.store.warehouse import (
    ENV_VAR,
    IngestResult,
    SourceInfo,
    Warehouse,
    connect,
    default_path,
    file_checksum,
    open,
)

__all__ = ["ENV_VAR", "IngestResult", "SourceInfo", "Warehouse", "connect", "default_path",
           "file_checksum", "open"]
