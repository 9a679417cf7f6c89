"""The built-in starter dataset: compact derived facts shipped inside the package.

``mineralwatch init`` (and :func:`ingest_starter`) writes them to the warehouse so that
every command works on a fresh machine with no download. The files are built from the
raw public data by ``scripts/build_starter.py``; ``manifest.json`` records, for each,
the raw file, its checksum, publisher, licence and loader version.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Callable
from importlib import resources
from typing import Any

import pandas as pd

from mineralwatch.store.warehouse import IngestResult, SourceInfo, Warehouse
from mineralwatch.store.warehouse import open as open_warehouse

EVENTS_FILE = "events.yaml"
PARAMETERS_FILE = "eu_crm2023_parameters.csv"


def _data() -> Any:
    return resources.files("mineralwatch").joinpath("data")


def manifest() -> dict[str, Any]:
    """The starter manifest: one entry per starter source."""
    f = _data().joinpath("starter").joinpath("manifest.json")
    if not f.is_file():
        return {"sources": []}
    return dict(json.loads(f.read_text("utf-8")))


def _frames(entry: dict[str, Any]) -> dict[str, pd.DataFrame]:
    out = {}
    for table, name in entry["files"].items():
        with _data().joinpath("starter").joinpath(name).open("rb") as fh:
            out[table] = pd.read_parquet(fh)
    return out


def ingest_starter(wh: Warehouse, *, force: bool = False,
                   progress: Callable[[str], None] | None = None) -> list[IngestResult]:
    """Write every starter source (and the curated event register) to ``wh``.

    Idempotent: a starter source already present with the same checksum is skipped.
    """
    results = []
    for entry in manifest()["sources"]:
        if progress:
            progress(entry["id"])
        frames = _frames(entry)
        checksum = hashlib.sha256(
            (entry["raw_checksum"] + entry["loader_version"]).encode()).hexdigest()
        # the same id as ingesting the raw file itself, so that a later
        # `mineralwatch ingest KIND FILE` replaces the starter rows instead of doubling them
        raw_name = entry["raw_file"].rstrip("/").rsplit("/", 1)[-1]
        src = SourceInfo(source_id=f"{entry['kind']}:{raw_name}", kind=entry["kind"],
                         name=f"{entry['description']} (starter)",
                         checksum=checksum, loader_version=entry["loader_version"],
                         path=entry["raw_file"], url=entry.get("url"),
                         publisher=entry.get("publisher"), licence=entry.get("licence"))
        results.append(wh.ingest(frames, src, force=force))
    results += _packaged_sources(wh, force=force, progress=progress)
    events = _data().joinpath(EVENTS_FILE)
    if events.is_file():
        if progress:
            progress("starter:events")
        from mineralwatch.sources import get_loader

        loader = get_loader("events")
        with resources.as_file(events) as path:
            frames = loader.read(path)
            src = SourceInfo.for_file("events", path, loader.version,
                                      publisher="mineralwatch curated register",
                                      licence="CC BY 4.0")
        src = dataclasses.replace(src, path="mineralwatch/data/events.yaml")
        results.append(wh.ingest(frames, src, force=force))
    return results


#: Package data files ingested as sources of their own (so that ``mineralwatch sources``
#: lists them): (loader kind, file under mineralwatch/data, publisher, licence).
PACKAGED_SOURCES: tuple[tuple[str, str, str, str], ...] = (
    ("eu-crm-parameters", PARAMETERS_FILE, "European Commission (Study on the Critical Raw "
     "Materials for the EU 2023), transcribed by a third party", "CC BY 4.0"),
)


def _packaged_sources(wh: Warehouse, *, force: bool,
                      progress: Callable[[str], None] | None) -> list[IngestResult]:
    """Ingest the package data files of :data:`PACKAGED_SOURCES` through their loaders."""
    from mineralwatch.sources import get_loader

    out = []
    for kind, name, publisher, licence in PACKAGED_SOURCES:
        ref = _data().joinpath(name)
        if not ref.is_file():
            continue
        if progress:
            progress(f"starter:{kind}")
        loader = get_loader(kind)
        with resources.as_file(ref) as path:
            frames = loader.read(path)
            src = SourceInfo.for_file(kind, path, loader.version, publisher=publisher,
                                      licence=licence)
        src = dataclasses.replace(src, path=f"mineralwatch/data/{name}")
        out.append(wh.ingest(frames, src, force=force))
    return out


def load_example() -> Warehouse:
    """An in-memory warehouse holding the starter dataset (used by the README and tests)."""
    wh = open_warehouse(":memory:")
    ingest_starter(wh)
    return wh


__all__ = ["PACKAGED_SOURCES", "ingest_starter", "load_example", "manifest"]
