"""Ingest a public data file: parse it with its registered loader, write it atomically.

The store sits above ``sources/`` (DESIGN.md's layers): loaders parse files into canonical
frames and know nothing about the warehouse; this module joins the two.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from mineralwatch.errors import InputError
from mineralwatch.sources import get_loader
from mineralwatch.store.warehouse import IngestResult, SourceInfo, Warehouse


def ingest_file(wh: Warehouse, kind: str, path: str | Path, *, force: bool = False,
                **kwargs: Any) -> IngestResult:
    """Parse ``path`` with the loader of ``kind`` and write it to ``wh`` atomically.

    The source id is ``KIND:FILENAME``; the same file twice adds nothing, a changed file
    replaces that source's rows, and a failure leaves the warehouse as it was.
    """
    loader = get_loader(kind)
    p = Path(path)
    if not p.exists():
        raise InputError(f"File not found: {p}", file=p,
                         hint="Check the path; `mineralwatch ingest --help` lists the kinds.")
    frames = loader.read(p, **kwargs)
    publisher, licence = loader.provenance(p)
    source = SourceInfo.for_file(kind, p, loader.version, publisher=publisher,
                                 licence=licence, url=loader.url)
    return wh.ingest(frames, source, force=force)


__all__ = ["ingest_file"]
