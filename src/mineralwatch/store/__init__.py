"""The warehouse (DuckDB by default) and the engine layer that runs SQL on DuckDB or Spark."""

from mineralwatch.store.core import (
    ENV_VAR,
    IngestResult,
    ParquetInput,
    SourceInfo,
    connect,
    default_path,
    file_checksum,
)
from mineralwatch.store.warehouse import Warehouse, open

__all__ = ["ENV_VAR", "IngestResult", "ParquetInput", "SourceInfo", "Warehouse", "connect",
           "default_path", "file_checksum", "open"]
